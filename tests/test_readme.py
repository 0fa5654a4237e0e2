"""The README's promises hold: its code runs, and CI runs exactly its test command."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

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


def test_lab_listens_on_localhost_and_lets_jupyter_make_the_token():
    dry_run = subprocess.run(["make", "-n", "lab"], capture_output=True, text=True, cwd=PROJECT).stdout
    assert "--ServerApp.ip=127.0.0.1" in dry_run and "0.0.0.0" not in dry_run
    # A token of our own makes Jupyter print "?token=..." (masked): no URL that logs in.
    assert "IdentityProvider.token" not in dry_run and "ServerApp.token" not in dry_run
    assert "notebooks/00_setup_check.ipynb" in dry_run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str, wait_s: float = 60) -> int:
    """The HTTP status of ``url``; on a busy machine the server may print before it answers: retry."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed (Windows: README's commands without make)")
def test_make_lab_prints_a_url_that_logs_in(tmp_path):
    """`make lab` as a learner runs it; the URL it prints opens the API, the same URL without token does not."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_TOKEN"}
    # Kernelspec, settings and runtime files go to a temporary folder, not the user's home.
    env.update(JUPYTER_DATA_DIR=str(tmp_path / "data"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), BROWSER="true")
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        server = subprocess.Popen(["make", "lab", f"PORT={port}", "LAB_FLAGS=--no-browser"], cwd=PROJECT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = None
        for _ in range(240):  # up to 60 s on a busy 2-core machine
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S*\?token=([0-9a-f]+)", log.read_text())
            if found:
                url, token = found.group(0), found.group(1)
                break
            assert server.poll() is None, log.read_text()[-2000:]
            time.sleep(0.25)
        assert url, f"no URL with a token printed:\n{log.read_text()[-2000:]}"
        assert len(token) >= 32
        api = f"http://127.0.0.1:{port}/api/status"
        assert _status(f"{api}?token={token}") == 200
        assert _status(api) == 403
        assert _status(url) == 200  # the printed URL itself opens JupyterLab on notebook 00
        assert (tmp_path / "data" / "kernels" / "pytorch-ground-up" / "kernel.json").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_linked_files_exist():
    links = re.findall(r"\]\(((?:notebooks|data)/[^)]+)\)", README)
    assert links and [link for link in links if not (PROJECT / link).exists()] == []
