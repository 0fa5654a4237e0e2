"""benchmarks/mnist_speed.py: both pipelines compute the same function, and a tiny run reports a ratio."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mnist_speed.py"


def _load():
    spec = importlib.util.spec_from_file_location("mnist_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_article_network_is_the_same_function_as_the_course_network():
    speed = _load()
    torch.manual_seed(0)
    article = speed.ArticleCNN()
    course = speed.MnistCNN().to(memory_format=torch.channels_last)
    course.load_state_dict(article.state_dict())
    X = torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(course(X), article(X), rtol=1e-5, atol=1e-5)


def test_a_tiny_run_reports_both_rates_and_the_ratio():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--images", "128", "--rounds", "1", "--batch-size", "32"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "article: torchvision dataset" in out and "course: in-memory tensors" in out
    assert "speed-up (course / article):" in out and out.count("images/s") >= 4
    assert "load average (1 min):" in out
