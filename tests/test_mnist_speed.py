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


def test_a_forced_bf16_run_reports_three_rows_each_against_the_article():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--images", "128", "--rounds", "1", "--batch-size", "32", "--force-bf16"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "course-bf16: the course's pipeline + bf16 autocast" in out and "native bf16 on this CPU:" in out
    assert out.count("x the article's") == 3  # the article's own row says 1.00x
    assert "speed-up (course / article):" in out and "speed-up (course-bf16 / article):" in out


def _main(monkeypatch, capsys, features, *argv):
    speed = _load()
    monkeypatch.setattr(speed, "cpu_bf16_features", lambda: features)
    monkeypatch.setattr(sys, "argv", ["mnist_speed.py", "--images", "64", "--rounds", "1", "--batch-size", "32", *argv])
    assert speed.main() == 0
    return capsys.readouterr().out


def test_bf16_row_is_skipped_with_the_reason_where_bf16_is_emulated(monkeypatch, capsys):
    out = _main(monkeypatch, capsys, [], "--pipelines", "course", "course-bf16")
    assert "course-bf16: skipped: this CPU has neither AVX512-BF16 nor AMX" in out and "--force-bf16" in out
    assert "course-bf16: the course's pipeline" not in out
    assert "native bf16 on this CPU: none" in out


def test_bf16_row_runs_where_bf16_is_native(monkeypatch, capsys):
    out = _main(monkeypatch, capsys, ["AMX"], "--pipelines", "course", "course-bf16")
    assert "skipped" not in out and "native bf16 on this CPU: AMX" in out
    assert "course-bf16: the course's pipeline + bf16 autocast, batch 32" in out


def test_accuracy_reports_each_pipelines_mean_over_the_seeds(monkeypatch, capsys):
    speed = _load()
    monkeypatch.setattr(speed.Course, "accuracy", lambda self, epochs: {0: 0.99, 1: 0.98}[self.seed])
    original_init = speed.Course.__init__

    def init(self, seed, *args, **kwargs):
        original_init(self, seed, *args, **kwargs)
        self.seed = seed

    monkeypatch.setattr(speed.Course, "__init__", init)
    monkeypatch.setattr(speed, "cpu_bf16_features", lambda: [])
    monkeypatch.setattr(sys, "argv", ["mnist_speed.py", "--images", "32", "--rounds", "1", "--batch-size", "32",
                                      "--pipelines", "course", "--accuracy", "--seeds", "0", "1"])
    assert speed.main() == 0
    out = capsys.readouterr().out
    assert "course seed 0: 99.00%" in out and "course seed 1: 98.00%" in out
    assert "course mean over 2 seed(s): 98.50%" in out
