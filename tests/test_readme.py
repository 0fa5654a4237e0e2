"""The README's promises hold: its code runs, and CI runs exactly its test command."""

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
README = (PROJECT / "README.md").read_text()


def test_python_snippets_run():
    snippets = re.findall(r"```python\n(.*?)```", README, re.S)
    assert snippets
    for snippet in snippets:
        result = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=PROJECT)
        assert result.returncode == 0, result.stderr
        assert "(60000, 1, 28, 28)" in result.stdout


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^(make \w+)\s+#", README, re.M)
    assert commands[:2] == ["make lab", "make test"]
    ci = [ln for ln in (PROJECT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert ci[-1] == "make test"


def test_lab_listens_on_localhost_with_a_token():
    dry_run = subprocess.run(["make", "-n", "lab"], capture_output=True, text=True, cwd=PROJECT).stdout
    assert "--ServerApp.ip=127.0.0.1" in dry_run and "0.0.0.0" not in dry_run
    assert "--IdentityProvider.token=" in dry_run and "secrets.token_hex" in dry_run
    assert "notebooks/00_setup_check.ipynb" in dry_run


def test_linked_files_exist():
    links = re.findall(r"\]\(((?:notebooks|data)/[^)]+)\)", README)
    assert links and [link for link in links if not (PROJECT / link).exists()] == []
