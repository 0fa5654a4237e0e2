"""Test-session setup shared by every layer (unit tests, nbval, papermill).

Kernels that nbval and papermill start inherit this process's environment, so
setting it here reaches the notebooks without any setup cell inside them.
"""

import os
import shutil
import tempfile
from pathlib import Path

# The template is a skeleton to copy, not a lesson: it is not executed by the suite.
collect_ignore_glob = ["notebooks/_*.ipynb", "**/.ipynb_checkpoints/*"]

# Runs at the start of every test kernel (IPython startup file). A FutureWarning,
# DeprecationWarning or 'deprecated' UserWarning raised while a notebook runs becomes an error, so the cell fails
# in nbval and papermill and the deprecated call is fixed before the course rots.
STRICT_WARNINGS = """\
import warnings
warnings.filterwarnings("error", category=DeprecationWarning)
warnings.filterwarnings("error", category=FutureWarning)
# torch also deprecates with plain UserWarnings ("TypedStorage is deprecated").
warnings.filterwarnings("error", message=".*deprecated", category=UserWarning)
"""

_ipython_dir = None


def pytest_configure(config):
    global _ipython_dir
    _ipython_dir = tempfile.mkdtemp(prefix="ptgu-ipython-")
    startup = Path(_ipython_dir, "profile_default", "startup")
    startup.mkdir(parents=True)
    (startup / "00-strict-warnings.py").write_text(STRICT_WARNINGS)
    os.environ["IPYTHONDIR"] = _ipython_dir
    # Kernelspecs of this venv win over any in the user's home folder.
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"


def pytest_unconfigure(config):
    if _ipython_dir:
        shutil.rmtree(_ipython_dir, ignore_errors=True)
