"""helpers.env: the report of notebook 00 and its list of problems."""

from helpers import env


def test_report_lists_versions_device_and_data():
    report = env.environment_report("cpu")
    assert report["torch"] == env.installed_version("torch")
    assert report["device"] == "cpu: asked for as an argument"
    assert report["mnist files"] == "all 4 present, SHA-256 verified"
    text = env.format_report(report)
    assert "torchvision" in text and text.count("\n") == len(report) - 1


def test_pinned_versions_reads_requirements(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\ntorch==2.14.1  # why\nnumpy==2.4.6\n\n")
    assert env.pinned_versions(req) == {"torch": "2.14.1", "numpy": "2.4.6"}


def test_this_environment_has_no_problems():
    assert env.setup_problems(env.environment_report()) == []


def test_problems_name_wrong_versions_and_broken_data():
    report = env.environment_report()
    report["torch"] = "1.13.0"
    report["mnist files"] = "problem: MNIST file data/MNIST/raw/x.gz is missing."
    problems = env.setup_problems(report, pins={"torch": "2.14.1"})
    assert len(problems) == 2
    assert "torch is 1.13.0, the course pins 2.14.1" in problems[0]
    assert problems[1] == "MNIST file data/MNIST/raw/x.gz is missing."


def test_device_problem_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    report = env.environment_report("cuda")
    assert report["device"].startswith("problem: 'cuda' was asked for as an argument")
    assert any("no working CUDA device" in p for p in env.setup_problems(report))


def test_a_local_build_label_matches_its_pin():
    """pip's `torch==2.14.1` installs 2.14.1+cpu from PyTorch's CPU index: that is the pinned version."""
    assert env.matches_pin("2.14.1+cpu", "2.14.1") and env.matches_pin("2.14.1+cu130", "2.14.1")
    assert env.matches_pin("2.14.1", "2.14.1")
    assert not env.matches_pin("2.14.10", "2.14.1") and not env.matches_pin(None, "2.14.1")
    report = env.environment_report()
    report["torch"] = "2.14.1+cpu"
    assert env.setup_problems(report, pins={"torch": "2.14.1"}) == []
    report["torch"] = "2.13.0+cpu"
    assert "torch is 2.13.0+cpu, the course pins 2.14.1" in env.setup_problems(report, pins={"torch": "2.14.1"})[0]
