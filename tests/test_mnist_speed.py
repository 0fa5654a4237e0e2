"""benchmarks/mnist_speed.py: the same networks and the same method as notebook 10, and a report that says
what was measured (every round, the median, the per-round ratios, the machine, the load)."""

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

import helpers.speed
from helpers.data import load_mnist_tensors
from helpers.speed import Measurement

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "mnist_speed.py"


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


def test_the_benchmark_and_notebook_10_measure_with_the_same_function():
    assert _load().measure is helpers.speed.measure
    notebook = nbformat.read(ROOT / "notebooks" / "10_making_it_fast.ipynb", as_version=4)
    assert "speed.measure(" in "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def test_a_tiny_run_reports_every_round_the_medians_and_the_ratio():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--images", "64", "--rounds", "3", "--batch-size", "32",
         "--pipelines", "article", "course"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "machine: " in out and "usable cores" in out and "threads" in out
    assert "article: torchvision dataset" in out and "course: in-memory tensors" in out
    assert all(f"round {r}/3: article " in out for r in (1, 2, 3))
    assert "speed-up (course / article):" in out and "(per round " in out
    assert "load average (1 min):" in out or "load average: not reported" in out


def _main(monkeypatch, capsys, features, *argv, speed=None):
    speed = speed or _load()
    monkeypatch.setattr(speed, "cpu_bf16_features", lambda: features)
    monkeypatch.setattr(sys, "argv", ["mnist_speed.py", "--images", "64", "--rounds", "3", "--batch-size", "32", *argv])
    code = speed.main()
    return code, capsys.readouterr().out


def test_bf16_row_is_skipped_with_the_reason_where_bf16_is_emulated(monkeypatch, capsys):
    code, out = _main(monkeypatch, capsys, [], "--pipelines", "course", "course-bf16")
    assert code == 0
    assert "course-bf16: skipped: this CPU has no native bf16 instructions" in out and "--force-bf16" in out
    assert "course-bf16: the course's pipeline" not in out
    assert "native bf16 on this CPU: none" in out


def test_bf16_row_runs_where_bf16_is_native_or_forced(monkeypatch, capsys):
    code, out = _main(monkeypatch, capsys, ["AMX"], "--pipelines", "course", "course-bf16")
    assert code == 0 and "skipped" not in out and "native bf16 on this CPU: AMX" in out
    assert "course-bf16: the course's pipeline + bf16 autocast, batch 32" in out
    code, out = _main(monkeypatch, capsys, [], "--pipelines", "course", "course-bf16", "--force-bf16")
    assert code == 0 and "skipped" not in out and "course-bf16: the course's pipeline" in out


def test_the_ratio_is_the_median_of_the_per_round_ratios(monkeypatch, capsys):
    """Medians 1000 and 2000 would say 2.00x; round by round the ratios are 1.5, 2.5, 3.0: median 2.50x."""
    speed = _load()
    article, course = speed.NAMES["article"], speed.NAMES["course"].format(batch=32)
    fixed = Measurement({article: [1000.0, 800.0, 1200.0], course: [1500.0, 2000.0, 3600.0]}, 64, {}, 0.1, 0.2)
    monkeypatch.setattr(speed, "measure", lambda runs, images, rounds, warmup_images: fixed)
    monkeypatch.setattr(sys, "argv", ["mnist_speed.py", "--images", "64", "--rounds", "3", "--batch-size", "32",
                                      "--pipelines", "article", "course"])
    assert speed.main() == 0
    out = capsys.readouterr().out
    assert "speed-up (course / article): 2.50x (per round 1.50x–3.00x)" in out
    assert "2,000 images/s (rounds 1,500–3,600)" in out and "round 2/3: article 800 images/s, course 2,000" in out
    assert "load average (1 min): 0.10 before, 0.20 after (with this measurement's own threads)" in out


def test_notebook_10s_changes_reach_the_course_rows():
    speed = _load()
    args = argparse.Namespace(batch_size=256, max_lr=2e-2, optimizer="fused", compile="off")
    data = load_mnist_tensors()
    course = speed.build("course-bf16", 0, args, data)
    assert course.recipe.batch_size == 256 and course.recipe.max_lr == 2e-2
    assert course.optimizer.defaults["fused"] is True and course.recipe.autocast == torch.bfloat16
    assert speed._name("course-bf16", args).endswith("+ fused Adam")


def test_a_missing_compiler_stops_with_its_reason(monkeypatch, capsys):
    speed = _load()
    monkeypatch.setattr(speed, "compile_problem", lambda device, backend: "no C++ compiler here")
    code, out = _main(monkeypatch, capsys, [], "--pipelines", "course", "--compile", "inductor", speed=speed)
    assert code == 2 and "--compile inductor: no C++ compiler here" in out


def test_accuracy_reports_each_pipelines_mean_over_the_seeds(monkeypatch, capsys):
    speed = _load()
    seeds = {}
    original = speed.build

    def build(kind, seed, args, data=None, train_dataset=None):
        pipeline = original(kind, seed, args, data, train_dataset)
        seeds[id(pipeline)] = seed
        return pipeline

    monkeypatch.setattr(speed, "build", build)
    monkeypatch.setattr(speed.Pipeline, "accuracy", lambda self, epochs, test: {0: 0.99, 1: 0.98}[seeds[id(self)]])
    code, out = _main(monkeypatch, capsys, [], "--pipelines", "course", "--accuracy", "--seeds", "0", "1", speed=speed)
    assert code == 0
    assert "course seed 0: 99.00%" in out and "course seed 1: 98.00%" in out
    assert "course mean over 2 seed(s): 98.50%" in out


@pytest.mark.parametrize("bad", [["--rounds", "0"], ["--images", "0"]])
def test_nonsense_sizes_are_refused(monkeypatch, bad):
    speed = _load()
    monkeypatch.setattr(sys, "argv", ["mnist_speed.py", *bad])
    with pytest.raises(SystemExit):
        speed.main()
