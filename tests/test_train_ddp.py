"""scripts/train_ddp.py and helpers.distributed: sharding, backends, launching, identical replicas.

Two real torchrun launches on the CPU (gloo, a tiny subset): 2 processes and 1 process. The nccl
path cannot run without GPUs; its decisions (backend, device, the errors) are tested as functions.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DistributedSampler

from helpers.distributed import (
    TORCHRUN_VARIABLES,
    DistributedLaunchError,
    LaunchInfo,
    ShardedBatches,
    choose_backend,
    launch_info,
    parameter_digest,
    run_torchrun,
    shard_indices,
    threads_per_process,
    torchrun_command,
)
from helpers.models import MnistCNN

PROJECT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT / "scripts" / "train_ddp.py"
TINY = ["--train-subset", "512", "--test-subset", "500", "--epochs", "1"]


# ---------------------------------------------------------------- sharding

@pytest.mark.parametrize("n, world_size", [(10, 3), (8, 2), (3, 5), (7, 1)])
@pytest.mark.parametrize("shuffle, epoch", [(False, 0), (True, 0), (True, 3)])
def test_shard_indices_follow_distributed_sampler(n, world_size, shuffle, epoch):
    for rank in range(world_size):
        sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=shuffle, seed=5)
        sampler.set_epoch(epoch)
        assert shard_indices(n, rank, world_size, shuffle, seed=5, epoch=epoch).tolist() == list(sampler)


def test_shard_indices_rejects_a_rank_outside_the_world():
    with pytest.raises(ValueError, match="rank must be in 0..1"):
        shard_indices(10, 2, 2)


def test_sharded_batches_split_the_data_and_reshuffle_per_epoch():
    X, y = torch.arange(10.0).reshape(10, 1), torch.arange(10)
    loaders = [ShardedBatches(X, y, batch_size=2, rank=r, world_size=2, seed=0) for r in range(2)]
    assert [len(loader) for loader in loaders] == [3, 3]  # 5 samples each: batches of 2, 2, 1
    orders = []
    for epoch in (1, 2):
        seen = []
        for loader in loaders:
            loader.set_epoch(epoch)
            batches = list(loader)
            assert [len(b[1]) for b in batches] == [2, 2, 1]
            assert all(torch.equal(Xb[:, 0].long(), yb) for Xb, yb in batches)  # X and y stay paired
            seen += torch.cat([yb for _, yb in batches]).tolist()
        assert sorted(seen) == list(range(10))  # disjoint shards that cover everything
        orders.append(seen)
    assert orders[0] != orders[1]  # set_epoch draws a new order


# ---------------------------------------------------------------- backends, threads, launching

def test_backend_is_gloo_on_the_cpu_and_nccl_with_one_gpu_per_process():
    assert choose_backend("auto", 0, 0, 2) == ("gloo", torch.device("cpu"))
    assert choose_backend("cpu", 4, 1, 2) == ("gloo", torch.device("cpu"))
    assert choose_backend("auto", 2, 1, 2) == ("nccl", torch.device("cuda", 1))
    assert choose_backend("cuda", 1, 0, 1) == ("nccl", torch.device("cuda", 0))  # one GPU: world size 1 works


def test_backend_refuses_more_processes_than_gpus_and_missing_cuda():
    with pytest.raises(DistributedLaunchError, match=r"started 4 processes .* 2 CUDA GPU\(s\).*--nproc_per_node=gpu"):
        choose_backend("auto", 2, 3, 4)
    with pytest.raises(DistributedLaunchError, match="no CUDA GPU"):
        choose_backend("cuda", 0, 0, 1)
    with pytest.raises(DistributedLaunchError, match="Unknown device 'tpu'"):
        choose_backend("tpu", 0, 0, 1)


def test_threads_share_the_cores():
    assert threads_per_process(2, cpus=2) == 1
    assert threads_per_process(1, cpus=2) == 2
    assert threads_per_process(4, cpus=16) == 4
    assert threads_per_process(3, cpus=2) == 1  # never 0
    assert threads_per_process(1) >= 1


def test_launch_info_reads_torchrun_variables_or_says_how_to_launch():
    env = dict(zip(TORCHRUN_VARIABLES, ["3", "1", "4", "2", "localhost", "29500"]))
    assert launch_info(env) == LaunchInfo(rank=3, local_rank=1, world_size=4, local_world_size=2)
    with pytest.raises(DistributedLaunchError, match=r"(?s)must be started by torchrun.*--nproc_per_node=2 scripts/train_ddp.py"):
        launch_info({})


def test_torchrun_command_is_a_list_for_this_python():
    assert torchrun_command("s.py", 2, ["--epochs", 1]) == [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "s.py", "--epochs", "1"]


def test_parameter_digest_sees_one_changed_parameter():
    torch.manual_seed(0)
    a = MnistCNN()
    torch.manual_seed(0)
    b = MnistCNN()
    assert parameter_digest(a) == parameter_digest(b)
    with torch.no_grad():
        b.fc2.bias[3] += 1e-7
    assert parameter_digest(a) != parameter_digest(b)


# ---------------------------------------------------------------- the script, launched wrongly

def _script_module():
    spec = importlib.util.spec_from_file_location("train_ddp", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_python_is_refused_with_how_to_launch():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=PROJECT, timeout=300)
    assert result.returncode == 2
    assert "must be started by torchrun" in result.stderr
    assert "python -m torch.distributed.run --standalone --nproc_per_node=2" in result.stderr
    assert "Traceback" not in result.stderr


def test_more_processes_than_gpus_is_refused_before_any_process_group(monkeypatch, capsys):
    script = _script_module()
    env = dict(zip(TORCHRUN_VARIABLES, ["1", "1", "2", "2", "localhost", "1"]))  # port 1: nothing may connect
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)  # pretend: one GPU, two processes
    assert script.main([]) == 2
    assert "2 processes on this machine, but it has 1 CUDA GPU(s)" in capsys.readouterr().err
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert script.main(["--device", "cuda"]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err


# ---------------------------------------------------------------- the script, two processes and one

@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp2")
    result = run_torchrun(SCRIPT, 2, [*TINY, "--batch-size", "32", "--report", out / "report.json",
                                      "--save", out / "model.pt"], cwd=PROJECT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, json.loads((out / "report.json").read_text()), out / "model.pt"


def test_two_processes_end_with_identical_parameters(two_processes):
    _, report, _ = two_processes
    assert report["world_size"] == 2 and report["backend"] == "gloo" and report["effective_batch"] == 64
    assert [r["rank"] for r in report["ranks"]] == [0, 1]
    assert report["ranks"][0]["digest"] == report["ranks"][1]["digest"]
    assert [r["samples_per_epoch"] for r in report["ranks"]] == [256, 256]  # each rank read half
    assert report["threads_per_process"] == threads_per_process(2)
    epoch = report["epochs"][0]
    assert epoch["test_samples"] == 500 and 0.0 <= epoch["test_accuracy"] <= 1.0 and epoch["seconds"] > 0


def test_only_rank_0_prints_and_saves_a_plain_state_dict(two_processes):
    result, report, model_path = two_processes
    assert result.stdout.count("epoch 1/1:") == 1 and result.stdout.count("effective batch 64") == 1
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    model = MnistCNN()
    model.load_state_dict(torch.load(model_path, weights_only=True))  # no "module." prefix: loads strictly
    assert parameter_digest(model) == report["ranks"][0]["digest"]


def test_one_process_takes_the_same_steps_as_two_with_half_the_batch(two_processes, tmp_path):
    """1 x 64 and 2 x 32: the same batches and averaged gradients, so the same model up to rounding."""
    _, two, two_path = two_processes
    result = run_torchrun(SCRIPT, 1, [*TINY, "--batch-size", "64", "--report", tmp_path / "report.json",
                                      "--save", tmp_path / "model.pt"], cwd=PROJECT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    one = json.loads((tmp_path / "report.json").read_text())
    assert one["world_size"] == 1 and one["effective_batch"] == 64 and one["lr"] == two["lr"]
    a, b = (torch.load(p, weights_only=True) for p in (tmp_path / "model.pt", two_path))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-4
    assert abs(one["epochs"][0]["test_accuracy"] - two["epochs"][0]["test_accuracy"]) <= 0.01
