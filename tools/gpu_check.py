"""Run the GPU claims of notebooks 07-09 on a real CUDA GPU; print a table: claim, expected, measured, ok.

    .venv/bin/python tools/gpu_check.py                  # on a machine with an NVIDIA GPU
    .venv/bin/python tools/gpu_check.py --skip-ddp       # without the torchrun launch
    .venv/bin/python tools/gpu_check.py --json out.json  # the rows as JSON too

The notebooks run on CPU-only machines, where what they say about GPUs cannot run. This script
checks those sentences where a GPU is present: the bfloat16 decision of
``helpers.devices.choose_precision`` against the device's compute capability, ``.item()`` and
``.tolist()`` without ``.cpu()`` (and ``.numpy()`` refusing), asynchronous timing with and without
``synchronize``, the mixed-device messages 07 quotes, autocast's default dtype on CUDA, a short
training run of 08's model through ``helpers.training`` (bfloat16 where native), and
``scripts/train_ddp.py`` with nccl under torchrun.

Without CUDA it prints one line saying so and exits 0. Each check runs on its own: a failure is a
row of the table with the error in one line, never a traceback, and the exit code is 1 when any
claim fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The messages 07 quotes (torch 2.14.1's own wording, read from its library where no GPU was lent).
MODEL_MESSAGE = ("Expected all tensors to be on the same device, but got mat1 is on cpu, different from other "
                 "tensors on cuda:0 (when checking argument in method wrapper_CUDA_addmm)")
ELEMENTWISE_MESSAGE = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"


@dataclass
class Row:
    """One claim: what the notebooks say, what this GPU did, and whether they agree."""

    claim: str
    expected: str
    measured: str
    ok: bool


Check = Callable[[torch.device], list[Row]]


def _one_line(text: object, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def check_bf16_decision(device: torch.device) -> list[Row]:
    """07/08: bfloat16 is native from compute capability 8.0; choose_precision decides by it."""
    from helpers.devices import choose_precision

    capability = torch.cuda.get_device_capability(device)
    native = capability >= (8, 0)
    choice = choose_precision(device)
    rows = [
        Row("choose_precision(cuda, 'auto') follows the compute capability",
            f"{'bfloat16' if native else 'float32'} (capability {capability[0]}.{capability[1]})",
            f"{str(choice.dtype).removeprefix('torch.')}: {choice.reason}",
            choice.dtype == (torch.bfloat16 if native else torch.float32)),
        Row("is_bf16_supported(including_emulation=False) means native",
            str(native), str(torch.cuda.is_bf16_supported(including_emulation=False)),
            torch.cuda.is_bf16_supported(including_emulation=False) == native),
    ]
    if not native:  # the bug 07 describes: the default also counts emulation
        rows.append(Row("is_bf16_supported() (default) says True on a pre-Ampere GPU", "True",
                        str(torch.cuda.is_bf16_supported()), torch.cuda.is_bf16_supported() is True))
    return rows


def check_reading_values(device: torch.device) -> list[Row]:
    """07 section 3: .item() and .tolist() need no .cpu(); .numpy() does."""
    x = torch.arange(3.0, device=device)
    item, as_list = x.sum().item(), x.tolist()
    try:
        x.numpy()
        numpy = "no error"
    except TypeError as err:
        numpy = f"TypeError: {err}"
    return [
        Row(".item() and .tolist() on a CUDA tensor, without .cpu()", "3.0 and [0.0, 1.0, 2.0]",
            f"{item} and {as_list}", item == 3.0 and as_list == [0.0, 1.0, 2.0]),
        Row(".numpy() on a CUDA tensor needs .cpu() first", "TypeError: can't convert cuda:0 ...",
            _one_line(numpy), numpy.startswith("TypeError: can't convert cuda:0 device type tensor to numpy")),
    ]


def check_async_timing(device: torch.device) -> list[Row]:
    """07 section 4 and Exercise 7.3: without synchronize the clock stops at the launch."""
    from helpers.checks.devices import solution_ex7_3

    a = torch.randn(4096, 4096, device=device)
    a @ a  # warm-up
    torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(20):
        a @ a
    launch_only = (time.perf_counter() - start) / 20
    torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(20):
        a @ a
    torch.cuda.synchronize(device)
    with_sync = (time.perf_counter() - start) / 20
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(20):
        a @ a
    end.record()
    end.synchronize()
    events = begin.elapsed_time(end) / 1000 / 20
    exercise = solution_ex7_3(lambda: a @ a, lambda: torch.cuda.synchronize(device), 20)
    return [
        Row("without synchronize the clock measures the launch", "launch time < 1/2 of the synchronized time",
            f"{launch_only * 1e3:.3f} ms vs {with_sync * 1e3:.3f} ms", launch_only < 0.5 * with_sync),
        Row("CUDA events agree with synchronized wall-clock timing", "within 25%",
            f"events {events * 1e3:.3f} ms, wall clock {with_sync * 1e3:.3f} ms", abs(events - with_sync) <= 0.25 * with_sync),
        Row("Exercise 7.3's reference solution on the real GPU", "within 25% of the events",
            f"{exercise * 1e3:.3f} ms per call", abs(exercise - events) <= 0.25 * events),
    ]


def check_mixed_device_messages(device: torch.device) -> list[Row]:
    """07 section 3: the messages it quotes, word for word, for torch 2.14.1."""
    from helpers.checks import explain_error

    model = torch.nn.Linear(4, 2).to(device)
    rows = []
    for claim, attempt, quoted, exact in (
        ("a model on cuda:0 given a CPU batch: 07's quoted message", lambda: model(torch.rand(3, 4)), MODEL_MESSAGE, True),
        ("cuda + cpu tensors: 07's quoted message (start)", lambda: torch.ones(2, device=device) + torch.ones(2),
         ELEMENTWISE_MESSAGE, False),
    ):
        try:
            attempt()
            got, meaning = "no error", None
        except RuntimeError as err:
            got, meaning = str(err), explain_error(err)
        same = got == quoted if exact else got.startswith(quoted)
        expected = quoted if torch.__version__.startswith("2.14.") else "(another torch: wording may differ)"
        rows.append(Row(claim, _one_line(expected), _one_line(got), same and meaning is not None))
    return rows


def check_autocast_default(device: torch.device) -> list[Row]:
    """07 section 6: autocast's default 16-bit type is float16 on CUDA."""
    layer = torch.nn.Linear(8, 4).to(device)
    with torch.autocast("cuda"):
        out = layer(torch.randn(2, 8, device=device))
    return [Row("torch.autocast('cuda') computes a linear layer in float16 by default", "torch.float16 / torch.float16",
                f"{torch.get_autocast_dtype('cuda')} / {out.dtype}",
                torch.get_autocast_dtype("cuda") == torch.float16 and out.dtype == torch.float16)]


def check_training(device: torch.device) -> list[Row]:
    """08 on CUDA: the course model trains through helpers.training, in the precision chosen for the GPU."""
    from helpers.data import TensorBatches, load_mnist_tensors
    from helpers.devices import choose_precision
    from helpers.models import MnistCNN
    from helpers.training import evaluate, train_one_epoch

    mnist = load_mnist_tensors()
    X, y = mnist.X_train[:8192].to(device), mnist.y_train[:8192].to(device)
    X_test, y_test = mnist.X_test[:2000].to(device), mnist.y_test[:2000].to(device)
    precision = choose_precision(device)
    torch.manual_seed(0)
    model = MnistCNN().to(device)
    seen = []
    model.conv1.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    test = TensorBatches(X_test, y_test, 1000)
    before = evaluate(model, test, device, autocast_dtype=precision.autocast_dtype)
    start = time.perf_counter()
    for epoch in range(2):
        train_one_epoch(model, TensorBatches(X, y, 128, shuffle=True, generator=torch.Generator().manual_seed(epoch)),
                        torch.nn.CrossEntropyLoss(), optimizer, device, autocast_dtype=precision.autocast_dtype)
    torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    after = evaluate(model, test, device, autocast_dtype=precision.autocast_dtype)
    computed = seen[-1] if seen else None
    return [
        Row("08's model trains on CUDA through helpers.training (2 epochs of 8192 images)",
            "test accuracy >= 90%, loss lower", f"{before['accuracy']:.1%} -> {after['accuracy']:.1%}, "
            f"loss {before['loss']:.3f} -> {after['loss']:.3f}, {seconds:.1f} s",
            after["accuracy"] >= 0.9 and after["loss"] < before["loss"]),
        Row("the convolutions run in the chosen precision, the weights stay float32",
            f"{precision.dtype} / torch.float32", f"{computed} / {model.conv1.weight.dtype}",
            computed == precision.dtype and model.conv1.weight.dtype == torch.float32),
    ]


def check_ddp(device: torch.device) -> list[Row]:
    """09: scripts/train_ddp.py on every GPU (up to 2) with nccl; the replicas end identical."""
    processes = min(2, torch.cuda.device_count())
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "ddp.json"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
                   str(ROOT / "scripts" / "train_ddp.py"), "--device", "cuda", "--epochs", "1",
                   "--train-subset", "4096", "--test-subset", "1000", "--report", str(report)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return [Row(f"train_ddp.py under torchrun, {processes} process(es), nccl", "exit code 0",
                        f"exit code {done.returncode}: {_one_line(tail[0])}", False)]
        result = json.loads(report.read_text())
    digests = {rank.get("digest") for rank in result.get("ranks", [])}
    return [Row(f"train_ddp.py under torchrun, {processes} process(es): nccl, identical replicas",
                f"backend nccl, {processes} rank(s), 1 digest",
                f"backend {result.get('backend')}, {len(result.get('ranks', []))} rank(s), {len(digests)} digest(s)",
                result.get("backend") == "nccl" and len(result.get("ranks", [])) == processes and len(digests) == 1)]


CHECKS: list[Check] = [check_bf16_decision, check_reading_values, check_async_timing, check_mixed_device_messages,
                       check_autocast_default, check_training, check_ddp]


def run_checks(checks: Sequence[Check], device: torch.device) -> list[Row]:
    """Every check's rows; a check that raises becomes one failing row naming the error."""
    rows = []
    for check in checks:
        try:
            rows += check(device)
        except Exception as err:  # noqa: BLE001 - one failing row, never a traceback
            title = (check.__doc__ or check.__name__).strip().splitlines()[0]
            rows.append(Row(title, "runs", _one_line(f"{type(err).__name__}: {err}"), False))
    return rows


def table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows, ready to paste into a note."""
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
    lines = ["| claim | expected | measured | ok |", "|---|---|---|---|"]
    lines += [f"| {cell(r.claim)} | {cell(r.expected)} | {cell(r.measured)} | {'✅' if r.ok else '❌'} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-ddp", action="store_true", help="leave out the torchrun launch of train_ddp.py")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print(f"gpu_check: skipped, no CUDA GPU here (torch {torch.__version__}: torch.cuda.is_available() is False).")
        return 0
    device = torch.device("cuda", 0)
    print(f"gpu_check: {torch.cuda.get_device_name(device)}, compute capability "
          f"{'.'.join(map(str, torch.cuda.get_device_capability(device)))}, {torch.cuda.device_count()} GPU(s), "
          f"torch {torch.__version__}, CUDA {torch.version.cuda}")
    checks = [c for c in CHECKS if not (args.skip_ddp and c is check_ddp)]
    rows = run_checks(checks, device)
    print(table(rows))
    failed = sum(not r.ok for r in rows)
    print(f"{len(rows) - failed} of {len(rows)} claims hold" + (f"; {failed} failed" if failed else ""))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
