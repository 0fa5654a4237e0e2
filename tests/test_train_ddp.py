"""scripts/train_ddp.py and helpers.distributed: sharding, backends, accumulation, snapshots, launching.

Four real torchrun launches on the CPU (gloo, a tiny subset, float64 so that only rounding could
differ), sharing one uninterrupted 2-process run as the reference: the same run with the DataLoader
idiom, on 1 process with the whole batch, and killed from outside in the middle of an epoch under
`torchrun --max-restarts=1`. Everything else runs in this process, in a process group of one. The
nccl path cannot run without GPUs; its decisions (backend, device, the errors) are tested as functions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler

from helpers import distributed
from helpers.devices import choose_precision
from helpers.distributed import (
    SNAPSHOT_FORMAT,
    TORCHRUN_VARIABLES,
    AllReduceCounter,
    DistributedLaunchError,
    LaunchInfo,
    ShardedBatches,
    SnapshotError,
    accumulated_step,
    check_snapshot,
    choose_backend,
    launch_info,
    load_snapshot,
    optimizer_steps,
    parameter_digest,
    run_torchrun,
    run_torchrun_and_kill,
    save_snapshot,
    shard_indices,
    single_process_group,
    threads_per_process,
    torchrun_command,
    train_one_epoch_ddp,
)
from helpers.models import MnistCNN
from helpers.training import train_one_epoch

PROJECT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT / "scripts" / "train_ddp.py"
#: The reference run: 2 processes x 16 images x 2 micro-batches = 64 per step, 16 steps per epoch.
TINY = ["--train-subset", "1024", "--test-subset", "500", "--epochs", "2", "--precision", "float64", "--seed", "3"]


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
    assert torchrun_command("s.py", 2, [], max_restarts=3)[5:8] == ["2", "--max-restarts", "3"]


def test_parameter_digest_sees_one_changed_parameter():
    torch.manual_seed(0)
    a = MnistCNN()
    torch.manual_seed(0)
    b = MnistCNN()
    assert parameter_digest(a) == parameter_digest(b)
    with torch.no_grad():
        b.fc2.bias[3] += 1e-7
    assert parameter_digest(a) != parameter_digest(b)


# ---------------------------------------------------------------- accumulation, in a process group of one

def _tiny(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_optimizer_steps_group_micro_batches_and_keep_a_short_last_step():
    assert [len(s) for s in optimizer_steps(range(7), 3)] == [3, 3, 1]
    assert list(optimizer_steps("abc", 1)) == [["a"], ["b"], ["c"]]
    with pytest.raises(ValueError, match="at least 1"):
        list(optimizer_steps(range(3), 0))


@pytest.mark.parametrize("sizes", [(8, 8, 8, 8), (10, 10, 5)])
def test_accumulating_micro_batches_is_one_step_on_the_whole_batch_with_one_allreduce(sizes):
    """float64: N micro-batches (even of unequal sizes) under no_sync == one step on all their samples."""
    gen = torch.Generator().manual_seed(1)
    X, y = torch.randn(sum(sizes), 4, generator=gen, dtype=torch.float64), torch.randint(0, 3, (sum(sizes),), generator=gen)
    with single_process_group():
        results = {}
        for name, parts in (("whole", (sum(sizes),)), ("micro", sizes)):
            model = DDP(_tiny())
            counter = AllReduceCounter().attach(model)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            batches = list(zip(X.split(parts), y.split(parts)))
            out = accumulated_step(model, batches, F.cross_entropy, optimizer)
            results[name] = (_flat(model), counter.allreduces, counter.syncs, out)
            assert all(p.grad is None for p in model.parameters())  # zero_grad after the step
    (whole, *_), (micro, allreduces, syncs, out) = results["whole"], results["micro"]
    assert (micro - whole).abs().max().item() < 1e-14
    assert (allreduces, syncs) == (1, 1)  # once per optimizer step, not len(sizes) times
    assert out["samples"] == sum(sizes)
    assert torch.isclose(out["loss"] / out["samples"], F.cross_entropy(_tiny()(X), y).float())


def test_a_plain_accumulation_loop_allreduces_every_micro_batch():
    """What no_sync saves, counted: the same gradients, one all-reduce per backward."""
    X, y = torch.randn(16, 4, dtype=torch.float64), torch.randint(0, 3, (16,))
    with single_process_group():
        model = DDP(_tiny())
        counter = AllReduceCounter().attach(model)
        for X_m, y_m in zip(X.chunk(4), y.chunk(4)):
            (F.cross_entropy(model(X_m), y_m) / 4).backward()
    assert (counter.allreduces, counter.syncs) == (4, 4)


def test_one_micro_batch_per_step_takes_exactly_the_steps_of_train_one_epoch():
    """--accumulate 1 trains bit for bit like 08's train_one_epoch (with a per-step schedule)."""
    gen = torch.Generator().manual_seed(2)
    X, y = torch.randn(40, 4, generator=gen, dtype=torch.float64), torch.randint(0, 3, (40,), generator=gen)
    batches = list(zip(X.split(16), y.split(16)))  # 16, 16, 8
    digests = []
    with single_process_group():
        for train in ("08", "ddp"):
            model = DDP(_tiny())
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=6)
            for _ in range(2):
                if train == "08":
                    train_one_epoch(model, batches, F.cross_entropy, optimizer, "cpu", scheduler)
                else:
                    result = train_one_epoch_ddp(model, batches, F.cross_entropy, optimizer, "cpu", scheduler)
                    assert (result["steps"], result["backward_passes"], result["samples"]) == (3, 3, 40)
            digests.append(parameter_digest(model))
    assert digests[0] == digests[1]


def test_settle_buckets_changes_nothing_but_the_layout():
    """The throwaway backward of a resumed job: parameters, gradients, mode and random state as before."""
    with single_process_group():
        model = DDP(_tiny())
        model.train()
        X = torch.randn(5, 4, dtype=torch.float64)
        before, rng = _flat(model), torch.random.get_rng_state()
        distributed.settle_buckets(model, X)
        assert torch.equal(_flat(model), before) and all(p.grad is None for p in model.parameters())
        assert model.training and torch.equal(torch.random.get_rng_state(), rng)


# ---------------------------------------------------------------- snapshots

def _snapshot(config: dict | None = None, model: nn.Module | None = None) -> dict:
    return {"format": SNAPSHOT_FORMAT, "config": config or {"world_size": 2, "batch_size": 32}, "epoch": 1,
            "model": (model or MnistCNN()).state_dict(), "history": []}


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("the power went out halfway through the write")


def test_a_crash_while_writing_leaves_the_previous_snapshot(tmp_path):
    path = tmp_path / "run" / "snapshot.pt"
    save_snapshot(path, _snapshot())
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="power went out"):
        save_snapshot(path, {**_snapshot(), "epoch": 2, "extra": _Unpicklable()})
    assert path.read_bytes() == before and load_snapshot(path)["epoch"] == 1
    assert (tmp_path / "run" / "snapshot.pt.partial").exists()  # the half-written file, never read
    save_snapshot(path, {**_snapshot(), "epoch": 2})
    assert load_snapshot(path)["epoch"] == 2 and not (tmp_path / "run" / "snapshot.pt.partial").exists()


def test_damaged_and_foreign_files_get_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "snapshot.pt"
    save_snapshot(path, _snapshot())
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    with pytest.raises(SnapshotError, match=r"cannot be read: it is damaged or not a snapshot .*left as it is"):
        load_snapshot(path)
    torch.save(MnistCNN().state_dict(), path)  # a plain state_dict, not a snapshot
    with pytest.raises(SnapshotError, match="is not a snapshot of scripts/train_ddp.py"):
        load_snapshot(path)


def test_check_snapshot_names_every_differing_setting_and_another_model():
    snapshot = _snapshot()
    check_snapshot(snapshot, "s.pt", {"world_size": 2, "batch_size": 32}, MnistCNN())  # fits: no error
    with pytest.raises(SnapshotError, match=r"different run: world_size 2 there, 1 here; batch_size 32 there, 64 here"):
        check_snapshot(snapshot, "s.pt", {"world_size": 1, "batch_size": 64}, MnistCNN())
    with pytest.raises(SnapshotError, match=r"another model's parameters \(missing weight, bias; not in this model: conv1"):
        check_snapshot(snapshot, "s.pt", {"world_size": 2, "batch_size": 32}, nn.Linear(4, 2))


# ---------------------------------------------------------------- the script, in this process (world size 1)

def _script_module():
    spec = importlib.util.spec_from_file_location("train_ddp", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_process_world(monkeypatch):
    """torchrun's variables for a world of one, with a free port; the thread count restored afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for name, value in zip(TORCHRUN_VARIABLES, ["0", "0", "1", "1", "127.0.0.1", str(port)]):
        monkeypatch.setenv(name, value)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


SMALL = ["--train-subset", "256", "--test-subset", "200", "--batch-size", "32", "--epochs", "2", "--seed", "1"]


def test_resuming_from_an_epoch_snapshot_ends_bit_identical(one_process_world, tmp_path, monkeypatch, capsys):
    script = _script_module()
    kept = {}
    real_save = script.save_snapshot

    def save_and_keep(path, snapshot):  # keep a copy of every epoch's snapshot
        real_save(path, snapshot)
        kept[snapshot["epoch"]] = Path(path).read_bytes()

    monkeypatch.setattr(script, "save_snapshot", save_and_keep)
    snap = tmp_path / "snapshot.pt"
    assert script.main([*SMALL, "--snapshot", str(snap), "--report", str(tmp_path / "full.json")]) == 0
    full = json.loads((tmp_path / "full.json").read_text())
    snap.write_bytes(kept[1])  # as if the job had died during epoch 2
    assert script.main([*SMALL, "--snapshot", str(snap), "--report", str(tmp_path / "resumed.json")]) == 0
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    assert "resumed from snapshot" in capsys.readouterr().out
    assert resumed["resumed_from_epoch"] == 1 and resumed["optimizer_steps"] == full["optimizer_steps"] // 2
    assert resumed["ranks"][0]["digest"] == full["ranks"][0]["digest"]
    assert [e["epoch"] for e in resumed["epochs"]] == [1, 2]  # the history came back with the snapshot


@pytest.mark.parametrize("problem", ["damaged", "other settings", "other world size", "other model"])
def test_a_snapshot_that_does_not_fit_stops_with_a_message_and_stays(problem, one_process_world, tmp_path, capsys):
    script = _script_module()
    snap = tmp_path / "snapshot.pt"
    config = script.run_config(script.parse_args(SMALL), 1, "float32", 256)
    if problem == "damaged":
        snap.write_bytes(b"PK\x03\x04 not a whole snapshot")
    else:
        world = 2 if problem == "other world size" else 1
        model = nn.Linear(4, 2) if problem == "other model" else MnistCNN()
        save_snapshot(snap, _snapshot({**config, "world_size": world}, model))
    before = snap.read_bytes()
    args = [*SMALL, "--precision", "float32", "--snapshot", str(snap)]
    if problem == "other settings":
        args += ["--lr", "0.1"]
    assert script.main(args) == 2
    err = capsys.readouterr().err
    expected = {"damaged": "cannot be read: it is damaged", "other settings": "lr 0.05 there, 0.1 here",
                "other world size": "world_size 2 there, 1 here", "other model": "another model's parameters"}
    assert expected[problem] in err and "It was left as it is" in err and "Traceback" not in err
    assert snap.read_bytes() == before  # never overwritten


def test_precision_auto_is_the_decision_of_notebook_08(one_process_world, tmp_path):
    script = _script_module()
    assert script.main([*SMALL, "--epochs", "1", "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["precision"] == str(choose_precision("cpu", "auto").dtype).removeprefix("torch.")
    assert len({r["digest"] for r in report["ranks"]}) == 1


def test_plain_python_is_refused_with_how_to_launch():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=PROJECT, timeout=300)
    assert result.returncode == 2
    assert "must be started by torchrun" in result.stderr
    assert "python -m torch.distributed.run --standalone --nproc_per_node=2" in result.stderr
    assert "Traceback" not in result.stderr


def test_more_processes_than_gpus_is_refused_before_any_process_group(monkeypatch, capsys):
    script = _script_module()
    env = dict(zip(TORCHRUN_VARIABLES, ["0", "0", "2", "2", "localhost", "1"]))  # port 1: nothing may connect
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)  # pretend: one GPU, two processes
    assert script.main([]) == 2
    assert "2 processes on this machine, but it has 1 CUDA GPU(s)" in capsys.readouterr().err
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert script.main([]) == 2 and capsys.readouterr().err == ""  # one message per machine, from local rank 0
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert script.main(["--device", "cuda"]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err


# ---------------------------------------------------------------- the script under torchrun: 2 processes

def _launch(out: Path, nproc: int, args: list) -> tuple[subprocess.CompletedProcess, dict]:
    result = run_torchrun(SCRIPT, nproc, [*args, "--report", out / "report.json", "--save", out / "model.pt"],
                          cwd=PROJECT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, json.loads((out / "report.json").read_text())


#: 2 processes x 16 images x 2 accumulated micro-batches, with a snapshot every epoch.
REFERENCE = [*TINY, "--batch-size", "16", "--accumulate", "2"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    result, report = _launch(out, 2, [*REFERENCE, "--snapshot", out / "snapshot.pt"])
    return result, report, out


def test_two_processes_report_what_they_did(reference):
    result, report, out = reference
    assert report["world_size"] == 2 and report["backend"] == "gloo" and report["loader"] == "tensors"
    assert report["effective_batch"] == 2 * 16 * 2 and report["steps_per_epoch"] == 16
    assert report["peak_lr"] == pytest.approx(0.05 * 64 / 128)  # the rate the optimizer's schedule used
    assert report["ranks"][0]["digest"] == report["ranks"][1]["digest"]
    assert [r["samples_per_epoch"] for r in report["ranks"]] == [512, 512]
    assert report["threads_per_process"] == threads_per_process(2)
    assert report["optimizer_steps"] == 32 and report["backward_passes"] == 64
    for rank in report["ranks"]:  # one all-reduce per optimizer step, not one per micro-batch
        assert rank["syncs"] == report["optimizer_steps"] and rank["allreduces"] >= rank["syncs"]
    epoch = report["epochs"][-1]
    assert epoch["test_samples"] == 500 and 0.0 <= epoch["test_accuracy"] <= 1.0 and epoch["seconds"] > 0
    assert epoch["images_per_s"] == pytest.approx(1024 / epoch["seconds"])  # distinct images, not padding


def test_every_epoch_reads_a_new_shard_order_and_the_ranks_disjoint_ones(reference):
    _, report, _ = reference
    for rank in report["ranks"]:
        heads = rank["shard_heads"]
        assert len(heads) == 2 and heads[0] != heads[1]
        for epoch, head in enumerate(heads, start=1):
            assert head == shard_indices(1024, rank["rank"], 2, True, seed=3, epoch=epoch)[:8].tolist()
    assert not set(report["ranks"][0]["shard_heads"][0]) & set(report["ranks"][1]["shard_heads"][0])


def test_only_rank_0_prints_and_saves_a_plain_state_dict(reference):
    result, report, out = reference
    assert result.stdout.count("epoch 2/2:") == 1 and result.stdout.count("effective batch 64") == 1
    assert result.stdout.count("snapshot after epoch") == 2
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    model = MnistCNN().double()
    model.load_state_dict(torch.load(out / "model.pt", weights_only=True))  # no "module." prefix: loads strictly
    assert parameter_digest(model) == report["ranks"][0]["digest"]


def test_the_dataloader_idiom_trains_the_same_model_bit_for_bit(reference, tmp_path):
    _, report, _ = reference
    _, idiom = _launch(tmp_path, 2, [*REFERENCE, "--loader", "dataloader"])
    assert idiom["loader"] == "dataloader"
    assert [r["shard_heads"] for r in idiom["ranks"]] == [r["shard_heads"] for r in report["ranks"]]
    assert idiom["ranks"][0]["digest"] == report["ranks"][0]["digest"]


def test_one_process_with_the_whole_batch_takes_the_same_steps(reference, tmp_path):
    """1 x 64 and 2 x 16 x 2 micro-batches: the same samples per step; float64 leaves only rounding."""
    _, two, two_out = reference
    _, one = _launch(tmp_path, 1, [*TINY, "--batch-size", "64"])
    assert one["world_size"] == 1 and one["effective_batch"] == 64 and one["peak_lr"] == two["peak_lr"]
    assert one["syncs"] == one["optimizer_steps"] == two["optimizer_steps"]
    a, b = (torch.load(p, weights_only=True) for p in (tmp_path / "model.pt", two_out / "model.pt"))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-10


def test_a_killed_worker_is_restarted_and_the_job_ends_bit_identical(reference, tmp_path):
    """SIGKILL rank 1 from outside in the middle of epoch 2; torchrun restarts the group, which resumes
    from the snapshot of epoch 1 and ends with exactly the reference run's parameters."""
    _, report, _ = reference
    killed = run_torchrun_and_kill(
        SCRIPT, 2, [*REFERENCE, "--snapshot", tmp_path / "snapshot.pt", "--report", tmp_path / "report.json",
                    "--log-every", "1"],
        kill_rank=1, kill_when=r"^epoch 2/2 step 8/", max_restarts=1, cwd=PROJECT, timeout=600)
    output = "\n".join(line.text for line in killed.lines)
    assert killed.returncode == 0, output
    assert killed.killed_rank == 1, f"the trigger line never came:\n{output}"
    after = json.loads((tmp_path / "report.json").read_text())
    assert after["attempt"] == 1 and after["resumed_from_epoch"] == 1, (
        f"the kill did not land in epoch 2 (the machine too slow to react?):\n{output}")
    assert [(e["epoch"], e["attempt"]) for e in after["epochs"]] == [(1, 0), (2, 1)]
    if os.name == "posix":
        assert "failed (exitcode: -9)" in output  # torchrun saw the SIGKILL
    assert after["ranks"][0]["digest"] == after["ranks"][1]["digest"] == report["ranks"][0]["digest"]


def test_the_kill_helper_refuses_to_wait_forever(tmp_path):
    """A job that hangs is stopped after the timeout, its worker included, and the lines say so."""
    script = tmp_path / "hang.py"
    script.write_text("import os, sys, time\nsys.stdout.write(f'rank 0 pid {os.getpid()}\\n')\n"
                      "sys.stdout.flush()\ntime.sleep(600)\n")
    run = run_torchrun_and_kill(script, 1, [], kill_rank=5, kill_when="never", max_restarts=0, timeout=6)
    assert run.killed_rank is None and run.returncode != 0
    assert run.lines[-1].text == "(stopped after 6 s: the job hung)"
    psutil = pytest.importorskip("psutil")
    for pid in [int(p) for line in run.lines for _, p in distributed.RANK_PID.findall(line.text)]:
        try:  # the worker, in a session of its own, was stopped too (gone, or a zombie not yet reaped)
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            pass


def test_restart_safe_environment_is_the_documented_switch():
    assert distributed.RESTART_SAFE_ENV == {"TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1"}
    source = Path(torch.__file__).parent / "distributed/elastic/rendezvous/dynamic_rendezvous.py"
    assert 'os.getenv("TORCH_DISABLE_SHARE_RDZV_TCP_STORE", "0")' in source.read_text()
