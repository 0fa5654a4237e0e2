"""Test-session setup shared by every layer (unit tests, nbval, papermill).

Kernels that nbval and papermill start inherit this process's environment, so
setting it here reaches the notebooks without any setup cell inside them.
"""

import os
import shutil

from tools import kernel_client_fix
from tools.strict_kernel import make_strict_ipython_dir

# The template is a skeleton to copy, not a lesson: it is not executed by the suite.
# 10 measures training speed for minutes, and its outputs are measurements of one machine (nbval
# would ignore them): nbval does not re-execute it; tests/test_notebooks_papermill.py runs it twice
# with short measurement windows, and its asserts (which hold on any machine) check what it claims.
collect_ignore_glob = ["notebooks/_*.ipynb", "**/.ipynb_checkpoints/*", "notebooks/10_*.ipynb"]

_ipython_dir = None


def pytest_configure(config):
    global _ipython_dir
    # Deprecations raised inside notebook kernels fail the test (tools/strict_kernel.py).
    _ipython_dir = make_strict_ipython_dir()
    # papermill/nbclient could wait forever after a widget cell for a reply already there (tools/kernel_client_fix.py).
    kernel_client_fix.install()
    os.environ["IPYTHONDIR"] = _ipython_dir
    # Kernelspecs of this venv win over any in the user's home folder.
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"


def pytest_unconfigure(config):
    if _ipython_dir:
        shutil.rmtree(_ipython_dir, ignore_errors=True)
