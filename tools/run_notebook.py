"""papermill from the command line, with the course's fix for widget cells (tools/kernel_client_fix.py).

    .venv/bin/python tools/run_notebook.py notebooks/05_optimizers.ipynb build/05_out.ipynb --cwd notebooks
    .venv/bin/python tools/run_notebook.py IN OUT -p surface_steps 100 --execution-timeout 300

Takes exactly papermill's arguments (``--help`` lists them). Plain ``papermill`` can wait forever
after a cell that shows a widget (see tools/kernel_client_fix.py); this cannot, for that reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.kernel_client_fix import install  # noqa: E402

if __name__ == "__main__":
    install()
    from papermill.cli import papermill

    papermill(prog_name="papermill")
