"""Kernels that treat deprecations as errors, for the tests and for writing committed outputs.

An IPython startup file in a private IPYTHONDIR runs at the start of every kernel launched
with that environment, before the first cell: no setup cell in the notebooks themselves.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

# A FutureWarning, DeprecationWarning or "deprecated" UserWarning (torch deprecates with
# those too: "TypedStorage is deprecated") raised while a notebook runs becomes an error,
# so the cell fails and the deprecated call gets fixed before the course rots.
STRICT_WARNINGS = """\
import warnings
warnings.filterwarnings("error", category=DeprecationWarning)
warnings.filterwarnings("error", category=FutureWarning)
warnings.filterwarnings("error", message=".*deprecated", category=UserWarning)
"""


def make_strict_ipython_dir() -> str:
    """A new temporary IPYTHONDIR whose startup file installs STRICT_WARNINGS; caller removes it."""
    ipython_dir = tempfile.mkdtemp(prefix="ptgu-ipython-")
    startup = Path(ipython_dir, "profile_default", "startup")
    startup.mkdir(parents=True)
    (startup / "00-strict-warnings.py").write_text(STRICT_WARNINGS)
    return ipython_dir
