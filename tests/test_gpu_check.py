"""tools/gpu_check.py: skips cleanly without CUDA, and turns failing checks into rows, not tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import gpu_check  # noqa: E402
from tools.gpu_check import Row, main, run_checks, table  # noqa: E402


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: the script would really run")
def test_without_cuda_it_skips_in_one_line_with_exit_code_0():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_check.py")], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("gpu_check: skipped, no CUDA GPU here")
    assert "Traceback" not in done.stderr


def test_main_skips_when_cuda_is_unavailable(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("gpu_check: skipped")


def holds(device):
    return [Row("a claim that holds", "1", "1", True)]


def fails(device):
    return [Row("a claim that fails", "1", "2", False)]


def raises(device):
    """a check whose code breaks"""
    raise RuntimeError("CUDA error: something\nwith a second line")


def test_a_failing_or_raising_check_is_a_row_and_the_rest_still_run():
    rows = run_checks([raises, holds, fails], torch.device("cpu"))
    assert [r.ok for r in rows] == [False, True, False]
    assert rows[0].claim == "a check whose code breaks" and rows[0].measured == "RuntimeError: CUDA error: something with a second line"
    text = table(rows)
    assert text.splitlines()[0] == "| claim | expected | measured | ok |" and text.count("❌") == 2 and "✅" in text


def test_exit_code_is_1_when_a_claim_fails(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Fake GPU")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(gpu_check, "CHECKS", [holds, fails, raises])
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "Fake GPU" in out and "1 of 3 claims hold; 2 failed" in out and "Traceback" not in out
    monkeypatch.setattr(gpu_check, "CHECKS", [holds])
    assert main([]) == 0


def test_the_quoted_messages_are_in_the_installed_torch():
    """07 quotes torch 2.14.1's wording: the pieces of both messages are in the installed torch's library."""
    library = next((p for p in (Path(torch.__file__).parent / "lib").glob("*torch_cpu*") if p.is_file()), None)
    if library is None:
        pytest.skip("torch's CPU library was not found where this test looks")
    blob = library.read_bytes()
    for piece in (b"Expected all tensors to be on the same device, but got ", b", different from other tensors on ",
                  b" (when checking argument in method ",
                  b"Expected all tensors to be on the same device, but found at least two devices, "):
        assert piece in blob, piece
    assert gpu_check.MODEL_MESSAGE.startswith("Expected all tensors to be on the same device, but got mat1 is on cpu")
