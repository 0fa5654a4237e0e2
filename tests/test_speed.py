"""helpers.speed: the measuring method, the pipelines, the FLOP counts and the pictures of notebook 10.

Timing itself is not asserted (this machine is shared); what is asserted is what the method does with
the rates it gets: interleaving, medians, per-round ratios, verdicts, and the report's words.
"""

from __future__ import annotations

import math
import statistics

import matplotlib
import pytest
import torch
from torch import nn

matplotlib.use("Agg")

from helpers import speed  # noqa: E402
from helpers.checks.speed import EX10_2_CASES, EX10_3_CASES, solution_ex10_2, solution_ex10_3  # noqa: E402
from helpers.data import MNISTTensors, load_mnist_tensors  # noqa: E402


@pytest.fixture(scope="module")
def small_data() -> MNISTTensors:
    mnist = load_mnist_tensors()
    return MNISTTensors(mnist.X_train[:1024], mnist.y_train[:1024], mnist.X_test[:500], mnist.y_test[:500])


# ---------------------------------------------------------------- the method


def test_speedup_pairs_rounds_and_agrees_with_the_exercise_reference():
    assert speed.speedup([1000, 800, 1200], [1500, 2000, 3600]) == (2.5, 1.5, 3.0)
    for baseline, new in EX10_2_CASES:
        assert speed.speedup(baseline, new) == solution_ex10_2(baseline, new)
    with pytest.raises(ValueError, match="same number of rounds"):
        speed.speedup([1.0, 2.0], [1.0])


@pytest.mark.parametrize("ratios, noise, word", [
    ((1.05, 1.02, 1.09), 0.0, "faster"),
    ((0.95, 0.92, 0.98), 0.0, "slower"),
    ((1.05, 0.98, 1.09), 0.0, "noise"),  # the rounds straddle 1
    ((1.03, 1.01, 1.05), 0.04, "noise"),  # every round agrees, but less than the twins differ
    ((1.10, 1.05, 1.15), 0.04, "faster"),
])
def test_verdict(ratios, noise, word):
    assert speed.verdict(*ratios, noise) == word


def _measurement() -> speed.Measurement:
    return speed.Measurement({"a": [100.0, 90.0, 110.0], "b": [120.0, 99.0, 121.0], "a again": [103.0, 88.0, 112.0]},
                             window=640, warmup_seconds={"a": 1.0, "b": 1.0, "a again": 1.0},
                             load_before=0.2, load_after=0.3)


def test_measurement_reports_medians_spreads_ratios_and_the_yardstick():
    m = _measurement()
    assert m.names == ["a", "b", "a again"] and m.rounds == 3
    assert m.median("b") == 120.0 and m.spread("b") == (99.0, 121.0)
    assert m.ratio("b", "a") == pytest.approx((1.1, 1.1, 1.2))
    assert m.yardstick("a again", "a") == pytest.approx(0.03)
    assert m.change("b", "a") == "+10% (rounds +20%, +10%, +10%): faster in every round"
    assert "identical twins differ here (15%): noise" in m.change("b", "a", noise=0.15)
    table = m.table(baseline="a")
    assert "b " in table and "120" in table and "99–121" in table and "1.10x" in table
    assert "3 interleaved rounds of 640 images each" in table


def test_measure_warms_up_then_alternates_the_order():
    calls = []

    def run(name):
        def train(images):
            calls.append((name, images))
            return images
        return train

    m = speed.measure({"a": run("a"), "b": run("b"), "c": run("c")}, images=96, rounds=3, warmup_images=32)
    assert calls[:3] == [("a", 32), ("b", 32), ("c", 32)]  # warm-up, untimed
    assert [n for n, _ in calls[3:]] == ["a", "b", "c", "c", "b", "a", "a", "b", "c"]
    assert all(len(r) == 3 and all(v > 0 for v in r) for r in m.rates.values())
    assert set(m.warmup_seconds) == {"a", "b", "c"} and m.window == 96
    with pytest.raises(ValueError):
        speed.measure({"a": run("a")}, images=0)


def test_load_and_machine_are_described():
    assert speed.describe_load(None, None) == "load average: not reported by this operating system"
    assert "busy" not in speed.describe_load(0.1, 0.2, cores=2, own_threads=2)
    # just after an earlier, bigger measurement: the load before is high, the load after is explained
    assert "busy" not in speed.describe_load(3.1, 2.4, cores=2, own_threads=2)
    # oversubscribed on purpose: 4 runnable threads on 2 cores make a load of about 4 by themselves
    assert "busy" not in speed.describe_load(1.4, 4.3, cores=2, own_threads=4)
    assert "busy" in speed.describe_load(1.4, 4.3, cores=2, own_threads=2)
    # a quiet machine after a run with 2 threads: its own threads explain the load
    assert "busy" not in speed.describe_load(0.1, 2.4, cores=2, own_threads=2)
    assert "busy" in speed.describe_load(0.1, 3.5, cores=2, own_threads=2)
    summary = speed.machine_summary("cpu")
    assert speed.cpu_name() in summary and f"{speed.usable_cores()} usable cores" in summary
    assert f"torch uses {torch.get_num_threads()} threads" in summary and "native bf16 instructions" in summary


# ---------------------------------------------------------------- the pipelines


def test_the_recipes_differ_by_the_documented_fields():
    assert speed.ARTICLE == speed.Recipe(data="per-image", batch_size=64, channels_last=False, pool_first=False,
                                         schedule="constant")
    assert speed.COURSE.but(batch_size=64).batch_size == 64 and speed.COURSE.batch_size == 128


def test_a_pipeline_trains_the_images_asked_for_and_leaves_global_state_alone(small_data):
    rng, threads = torch.random.get_rng_state(), torch.get_num_threads()
    pipeline = speed.Pipeline(speed.COURSE.but(batch_size=64, threads=1), "cpu", 0, data=small_data)
    before = [p.detach().clone() for p in pipeline.model.parameters()]
    assert pipeline.run(200) == 256  # rounded up to whole batches: 4 of 64
    assert torch.equal(torch.random.get_rng_state(), rng) and torch.get_num_threads() == threads
    assert any(not torch.equal(a, b) for a, b in zip(before, pipeline.model.parameters()))
    assert pipeline.model.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert isinstance(pipeline.model, speed.MnistCNN) and not isinstance(pipeline.model, speed.ArticleCNN)


def test_the_same_seed_gives_the_same_first_weights():
    a, b = (speed.Pipeline(r, "cpu", 3, data=load_mnist_tensors()) for r in (speed.COURSE, speed.ARTICLE.but(data="tensors")))
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))


def test_the_article_pipeline_transforms_each_image(small_data):
    article = speed.Pipeline(speed.ARTICLE, "cpu", 0)
    assert isinstance(article.model, speed.ArticleCNN) and article.optimizer.param_groups[0]["lr"] == 1e-3
    assert article.run(100) == 128  # 2 whole batches of 64
    image, _ = article.train_dataset[0]
    assert image.min() >= -1 and image.max() <= 1  # (x - 0.5) / 0.5


@pytest.mark.parametrize("optimizer, flag", [("fused", "fused"), ("foreach", "foreach")])
def test_optimizer_kinds(small_data, optimizer, flag):
    pipeline = speed.Pipeline(speed.COURSE.but(optimizer=optimizer), "cpu", 0, data=small_data)
    assert pipeline.optimizer.defaults[flag] is True
    assert pipeline.run(128) == 128


def test_a_compiled_pipeline_gets_whole_batches_only(small_data):
    pipeline = speed.Pipeline(speed.COURSE.but(batch_size=64, compile="aot_eager"), "cpu", 0, data=small_data)
    assert len(pipeline.batches(200)) == 3  # 3 whole batches; a 4th of 8 images would compile again
    assert pipeline.run(200) == 192


def test_race_checkpoints_add_up_and_never_train_an_empty_chunk(small_data):
    pipeline = speed.Pipeline(speed.COURSE.but(batch_size=256), "cpu", 0, data=small_data)
    history = pipeline.race(2, (small_data.X_test, small_data.y_test), checkpoints_per_epoch=4, train_images=768)
    # 768 images in batches of 256: 3 batches per epoch, so at most 3 checkpoints per epoch
    assert [p["images"] for p in history] == [256, 512, 768, 1024, 1280, 1536]
    assert all(p["seconds"] > 0 and 0 <= p["test_accuracy"] <= 1 for p in history)
    with pytest.raises(ValueError):
        speed.Pipeline(speed.ARTICLE, "cpu", 0).race(1, (small_data.X_test, small_data.y_test))


def test_time_to_accuracy_agrees_with_the_exercise_reference():
    for history, target in EX10_3_CASES:
        assert speed.time_to_accuracy(history, target) == solution_ex10_3(history, target)


def test_accuracy_trains_every_image_for_each_epoch(small_data, monkeypatch):
    pipeline = speed.Pipeline(speed.COURSE.but(batch_size=256), "cpu", 0, data=small_data)
    seen = []
    original = pipeline.train
    monkeypatch.setattr(pipeline, "train", lambda batches, scheduler=None: seen.append(original(batches, scheduler)))
    accuracy = pipeline.accuracy(2, (small_data.X_test, small_data.y_test))
    assert seen == [1024, 1024] and 0 <= accuracy <= 1


# ---------------------------------------------------------------- torch.compile


def test_compile_problem_names_a_missing_compiler(monkeypatch):
    assert speed.compile_problem("cpu", "aot_eager") is None
    from torch._inductor import cpp_builder, exc

    def missing():
        raise exc.InvalidCxxCompiler()

    monkeypatch.setattr(cpp_builder, "get_cpp_compiler", missing)
    problem = speed.compile_problem("cpu")
    assert problem.startswith("torch.compile's inductor backend needs a C++ compiler on a CPU and found none here")
    assert "InvalidCxxCompiler" in problem and "$CXX" in problem and "Traceback" not in problem


def test_compile_problem_on_cuda_without_triton(monkeypatch):
    import torch.utils._triton as triton

    monkeypatch.setattr(triton, "has_triton", lambda: False)
    assert "Triton is not installed" in speed.compile_problem("cuda")


# ---------------------------------------------------------------- FLOPs, peak, profile


def test_flops_of_the_mnist_cnn_by_hand():
    model = speed.MnistCNN()
    by_hand = 2 * (32 * 26 * 26 * 9 + 64 * 11 * 11 * 32 * 9 + 128 * 1600 + 10 * 128)
    assert speed.forward_flops(model, (1, 28, 28)) == by_hand == 5_262_080
    layers = speed.layer_flops(model, (1, 28, 28))
    assert [layer["name"] for layer in layers] == ["conv1", "conv2", "fc1", "fc2"]
    assert [layer["input_grad"] for layer in layers] == [False, True, True, True]
    assert speed.training_flops(model, (1, 28, 28)) == 3 * by_hand - 2 * 32 * 26 * 26 * 9


def test_flops_follow_the_output_size_with_stride_padding_and_groups():
    model = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2))  # 9x9 -> 5x5, 2 input channels per group
    assert speed.forward_flops(model, (4, 9, 9)) == 2 * 8 * 5 * 5 * 2 * 3 * 3


def test_matmul_rate_is_a_positive_rate():
    assert speed.matmul_flops_per_second(torch.float32, "cpu", n=64, seconds=0.01) > 0


def test_one_profiled_step_is_grouped_and_sums_to_one(small_data):
    pipeline = speed.Pipeline(speed.COURSE.but(batch_size=64), "cpu", 0, data=small_data)
    profiler = speed.profile_step(pipeline, warmup_steps=1)
    shares = speed.grouped_shares(profiler)
    assert math.isclose(sum(shares.values()), 1.0) and list(shares.values()) == sorted(shares.values(), reverse=True)
    assert {"convolutions", "Adam's update", "max-pool", "ReLU"} <= set(shares)
    table = speed.profile_table(profiler)
    assert "convolution" in table and "Self CPU" in table
    ops = {e.key for e in profiler.key_averages()}
    assert "aten::randperm" not in ops  # drawn once per epoch, outside the step
    assert "aten::index" in ops  # the batch's gather is part of the step
    assert not any("_foreach" in op for op in ops)  # on a CPU, Adam's default loops over the parameters


# ---------------------------------------------------------------- pictures


def _round_markers(ax):
    return [line for line in ax.lines if line.get_color() == speed.OKABE_ITO["orange"]]


def test_plot_chain_draws_applied_bars_filled_and_the_rest_as_outlines():
    m = _measurement()
    fig = speed.plot_chain(m, ["a", "b"], applied=0, show_rounds=True)
    ax = fig.axes[0]
    bars = ax.patches
    assert [b.get_height() for b in bars] == [100.0, 120.0]
    assert bars[0].get_facecolor()[3] == 1 and bars[1].get_facecolor()[3] == 0  # "none": an outline
    assert len(_round_markers(ax)) == 6  # 3 rounds x 2 bars, each round its own marker shape
    assert len({line.get_marker() for line in _round_markers(ax)}) == 3
    assert ax.get_title().startswith("0 change(s) applied: 1.00x")
    fig = speed.plot_chain(m, ["a", "b"], applied=1, show_rounds=False)
    # per-round ratios 1.20, 1.10, 1.10: the median is 1.10, not the ratio of the medians (120 / 100)
    assert "1 change(s) applied: 1.10x" in fig.axes[0].get_title() and not _round_markers(fig.axes[0])
    assert any(t.get_text().startswith("120\n1.10x") for t in fig.axes[0].texts)  # the bar says the same
    assert any("faster" in t.get_text() for t in fig.axes[0].texts)
    matplotlib.pyplot.close("all")


def test_plot_floor_and_plot_race():
    fig = speed.plot_floor({"float32": (2e9, 20e9), "bfloat16": (3e9, 60e9)})
    widths = sorted(round(p.get_width(), 3) for p in fig.axes[0].patches)
    assert widths == [2.0, 3.0, 20.0, 60.0] and any("10% of peak" in t.get_text() for t in fig.axes[0].texts)
    history = [{"seconds": 2.0, "test_accuracy": 0.9}, {"seconds": 3.0, "test_accuracy": 0.99}]
    fig = speed.plot_race({"x": history, "y": history}, 0.985)
    first, second, target = fig.axes[0].lines
    assert list(first.get_xdata()) == [2.0, 5.0] and list(first.get_ydata()) == [90.0, 99.0]
    assert first.get_marker() != second.get_marker() and first.get_linestyle() != second.get_linestyle()
    assert list(target.get_ydata()) == [98.5, 98.5]
    matplotlib.pyplot.close("all")


def test_median_is_statistics_median():
    m = speed.Measurement({"a": [1.0, 2.0, 3.0, 10.0]}, window=1)
    assert m.median("a") == statistics.median([1.0, 2.0, 3.0, 10.0]) == 2.5
