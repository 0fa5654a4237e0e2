"""Checkers and reference solutions for 08_mnist_cnn.ipynb.

Each checker is a contract test of its exercise's text and names the usual mistakes:

- 8.1 ``conv_output_size``: a Python int (a float breaks ``nn.Linear(64 * s * s, 128)`` and ``range(s)``
  later; an integer tensor or NumPy integer passes them but carries its type into what is computed from
  it); the forgotten + 1, true division ``/``, padding counted once, rounding up.
- 8.2 ``train_step``: the order of the calls (zero_grad between backward and step, zero_grad missing,
  step before backward), the loss returned as ``loss.detach()`` (not ``.item()``, not
  ``torch.tensor(loss.item())``, not with its graph), and the model's mode left alone (no ``model.eval()``).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from helpers.checks import (
    FAIL, PASS, Mistake, Verdict, call_learner, call_watched, judged, matching_mistake, measured_relation,
    watching_global_state,
)

#: Hint ladders (``hint("8.1")``, ``hint("8.1", 2)``, ...): the idea in other words, where the notebook
#: shows it, a sketch with blanks; then ``show_solution``.
HINTS = {
    "8.1": (
        "Think of the window's first position, 0, and its last, where its far edge touches the padded border; "
        "count the starts from first to last, one stride apart. Size 5, kernel 3, stride 1: starts 0, 1, 2, "
        "so 3 outputs.",
        "The shape walk-through in section 2 prints what PyTorch gives for the model's four layers (26, 13, 11, 5): "
        "try your formula on those numbers by hand, then on a padded case such as size 28, kernel 5, padding 2 "
        "(a 'same' convolution: 28 again).",
        "The last start is (size + ___ - kernel_size); the number of starts is that divided by ___ with the "
        "integer division that drops a partial step, plus ___.",
    ),
    "8.2": (
        "A step is: ask the model, score the answer, find which way each weight should move, move it. Old "
        "gradients must be gone before new ones are computed, and moving happens only after they exist.",
        "The cell 'One step, by hand' at the start of section 6 runs exactly these calls on one batch; "
        "helpers.training.train_one_epoch runs them for every batch (its comments say why each is there).",
        "logits = model(___); loss = loss_fn(logits, ___); optimizer.___(); loss.___(); optimizer.___(); "
        "return loss.___()",
    ),
}


# ---------------------------------------------------------------- Exercise 8.1: conv_output_size

EX8_1 = "Exercise 8.1 (conv_output_size)"


def solution_ex8_1(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Side length after a conv or pool layer: floor((size + 2*padding - kernel_size) / stride) + 1.

    Introduced in: 08_mnist_cnn.ipynb
    """
    return (size + 2 * padding - kernel_size) // stride + 1


#: (size, kernel_size, stride, padding): the model's four layers, then padded and strided ones.
EX8_1_CASES = [(28, 3, 1, 0), (26, 2, 2, 0), (13, 3, 1, 0), (11, 2, 2, 0), (28, 5, 1, 2), (32, 3, 2, 1)]

#: The usual wrong formulas, each as a learner writes it, and what to say.
EX8_1_MISTAKES = (
    Mistake("the + 1 forgotten", lambda size, k, stride=1, padding=0: (size + 2 * padding - k) // stride,
            "the + 1 is missing: (size + 2 * padding - kernel_size) // stride counts the steps between the first "
            "and the last window, and the first window is an output too (a kernel as large as the input gives "
            "1 output, not 0; hint(\"8.1\", 1) counts them on a small case)."),
    Mistake("true division", lambda size, k, stride=1, padding=0: (size + 2 * padding - k) / stride + 1,
            "`/` is true division: it always gives a float, and a fraction where the stride does not divide "
            "evenly (5.5 where the pool gives 5). The layer drops a window that would stick out past the "
            "border (section 2: 11 -> 5 after the pool): divide with `//`."),
    Mistake("padding counted once", lambda size, k, stride=1, padding=0: (size + padding - k) // stride + 1,
            "the padding is counted once, but it is added on both sides (left and right, top and bottom): "
            "the window slides over size + 2 * padding pixels (hint(\"8.1\", 2) tries a padded case)."),
    Mistake("rounding up", lambda size, k, stride=1, padding=0: -(-(size + 2 * padding - k) // stride) + 1,
            "it rounds up, as if a window sticking out past the border counted; the layer drops it, so "
            "round down (section 2: 11 -> 5 after the pool): `//`, not math.ceil."),
)


def _int_contract(got: Any, want: int) -> str | None:
    """What is wrong with the kind of number returned, in words that say why an int matters here."""
    if isinstance(got, int) and not isinstance(got, bool):
        return None
    why = "the exercise asks for a Python int, a plain size for `nn.Linear(64 * s * s, 128)` and `range(s)`"
    passes = ("those accept an integer one through its `__index__`, but everything computed from it (`64 * s * s`) "
              "keeps its type")
    if isinstance(got, torch.Tensor):
        if got.is_floating_point():
            return (f"it returned {got!r}, a torch.Tensor of floats; {why}, which refuse it. Compute with Python "
                    "numbers and `//` (no torch functions).")
        return (f"it returned {got!r}, a torch.Tensor; {why}: {passes}, a tensor. Compute with Python numbers "
                "and `//` (no torch functions), or convert with `int(...)`.")
    if isinstance(got, float):
        return f"it returned {got!r}, a float; {why}, which refuse a float. Divide with `//`, which keeps ints as ints."
    if got is None:
        return "it returned None (is the `return` missing?)."
    return f"it returned {got!r} ({type(got).__name__}); {why}: {passes}. Convert with `int(...)`."


def _mistake_everywhere(conv_output_size: Callable[..., Any]) -> Mistake | None:
    """The known mistake the learner's function agrees with on every test input (not just one), or None."""
    try:
        answers = [conv_output_size(*args) for args in EX8_1_CASES]
    except Exception:  # noqa: BLE001 - a function that fails on some input is not one of these formulas
        return None
    for mistake in EX8_1_MISTAKES:
        if all(matching_mistake(got, args, [mistake]) for got, args in zip(answers, EX8_1_CASES)):
            return mistake
    return None


def _judge_ex8_1(name: str, conv_output_size: Callable[..., Any]) -> Verdict:
    for i, args in enumerate(EX8_1_CASES, start=1):
        want = solution_ex8_1(*args)
        where = f"on input {i} (size={args[0]}, kernel_size={args[1]}, stride={args[2]}, padding={args[3]})"
        got, failed = call_watched(name, conv_output_size, args, where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if isinstance(got, int) and not isinstance(got, bool) and got == want:
            continue
        mistake = _mistake_everywhere(conv_output_size)
        if mistake is not None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned {got!r}, the layer gives {want}: {mistake.message}")
        wrong_kind = _int_contract(got, want)
        if wrong_kind:
            return Verdict(False, f"{FAIL} {name}: {where} {wrong_kind}")
        off = got - want
        return Verdict(False, f"{FAIL} {name}: {where} it returned {got}, the layer gives {want} "
                              f"({abs(off)} {'more' if off > 0 else 'fewer'}).")
    return Verdict(True, f"{PASS} {name}: correct on all {len(EX8_1_CASES)} test inputs, as a Python int.")


def check_ex8_1(conv_output_size: Callable[[int, int, int, int], int]) -> Verdict:
    """Compare a learner's ``conv_output_size(size, kernel_size, stride, padding)`` with the formula; print a verdict.

    Holds it to the text: a Python int on every case (the model's four layers, a padded and a
    strided case); names the forgotten + 1, ``/`` for ``//``, padding once, rounding up.
    Introduced in: 08_mnist_cnn.ipynb
    """
    return judged(EX8_1, conv_output_size, _judge_ex8_1)


# ---------------------------------------------------------------- Exercise 8.2: train_step

EX8_2 = "Exercise 8.2 (train_step)"


def solution_ex8_2(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
) -> torch.Tensor:
    """One training step on one batch; returns the batch's loss, a 0-d tensor detached from its graph.

    ``loss.detach()``, not ``loss.item()``: the value without the graph, and no wait for a GPU.
    Introduced in: 08_mnist_cnn.ipynb
    """
    logits = model(X)  # (B, C)
    loss = loss_fn(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach()  # the value without the graph; .item() would make the CPU wait for a GPU


class _Record:
    """What a learner's step did, in order: "loss", "zero_grad", ("backward", grads were clear), "step"."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.losses: list[torch.Tensor] = []  # every tensor loss_fn returned
        self.read: list[torch.Tensor] = []  # tensors read with .item(), float() or .tolist()
        self.eval_forward = False  # a forward pass ran with dropout / batch norm in eval mode


class _WatchedSGD(torch.optim.SGD):
    """Plain SGD (a missed zero_grad shows at once) that records its zero_grad and step calls."""

    def __init__(self, params: Any, record: _Record) -> None:
        super().__init__(params, lr=0.1)
        self._record = record

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._record.events.append("zero_grad")
        super().zero_grad(set_to_none)

    def step(self, closure: Any = None) -> Any:
        self._record.events.append("step")
        return super().step(closure)


def _checker_model(gen: torch.Generator) -> nn.Module:
    """(8, 1, 4, 4) -> (8, 3), with batch norm and dropout, so that the training mode matters."""
    with torch.random.fork_rng(devices=[]):  # the layers' default init must not move the learner's seed
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5),
                              nn.Linear(6, 3))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


@contextlib.contextmanager
def _watching_reads(record: _Record) -> Iterator[None]:
    """Record every tensor read into Python with ``.item()``, ``float()`` or ``.tolist()``; undo afterwards."""
    patched = {}
    for name in ("item", "__float__", "tolist"):
        original = getattr(torch.Tensor, name)
        had = name in vars(torch.Tensor)

        def reading(self: torch.Tensor, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            record.read.append(self)
            return _original(self, *args, **kwargs)

        patched[name] = (had, original)
        setattr(torch.Tensor, name, reading)
    try:
        with warnings.catch_warnings():  # .item() on a loss with a graph warns; the verdict says more
            warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")
            yield
    finally:
        for name, (had, original) in patched.items():
            if had:
                setattr(torch.Tensor, name, original)
            else:
                delattr(torch.Tensor, name)


_Run = tuple[_Record, list[Any], list[dict[str, torch.Tensor]], list[tuple[int, int]], "Verdict | None"]


def _run_steps(step_fn: Callable[..., Any]) -> _Run:
    """Run ``step_fn`` twice on a small fixed problem, watching everything it does.

    Returns (the record, its results, the model's state after each call (parameters and batch norm's
    running statistics; the start first), where each call's events and losses begin in the record,
    a failing Verdict if it raised or changed a global setting).
    """
    gen = torch.Generator().manual_seed(8)
    model = _checker_model(gen)
    record = _Record()
    optimizer = _WatchedSGD(model.parameters(), record)
    cross_entropy = nn.CrossEntropyLoss()

    def loss_fn(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = cross_entropy(logits, y)
        record.events.append("loss")
        record.losses.append(loss)
        return loss

    def note_grad(p: torch.Tensor) -> Callable[[torch.Tensor], None]:
        def hook(_grad: torch.Tensor) -> None:  # runs before the new gradient is added to p.grad
            clear = p.grad is None or not bool(p.grad.any())
            last = record.events[-1] if record.events else None
            if isinstance(last, tuple) and last[0] == "backward":
                record.events[-1] = ("backward", last[1] and clear)
            else:
                record.events.append(("backward", clear))
        return hook

    for p in model.parameters():
        p.register_hook(note_grad(p))
    for module in model.modules():
        if isinstance(module, (nn.Dropout, nn.BatchNorm1d)):
            module.register_forward_pre_hook(lambda m, _inputs: setattr(record, "eval_forward", record.eval_forward or not m.training))
    batches = [(torch.randn(8, 1, 4, 4, generator=gen), torch.randint(0, 3, (8,), generator=gen)) for _ in range(2)]
    states = [{k: v.detach().clone() for k, v in model.state_dict().items()}]
    results, starts = [], []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(8)  # the same dropout masks for the learner's step and the reference
        for X, y in batches:
            starts.append((len(record.events), len(record.losses)))
            changes: list[str] = []
            with watching_global_state(changes), _watching_reads(record):
                result, failed = call_learner(EX8_2, step_fn, (model, X.clone(), y.clone(), loss_fn, optimizer))
            if failed is not None:
                return record, results, states, starts, failed
            if changes:
                return record, results, states, starts, Verdict(False, f"{FAIL} {EX8_2}: {changes[0]}.")
            results.append(result)
            states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    return record, results, states, starts, None


def _order_problem(events: list[Any], number: int) -> str | None:
    """What is wrong with the order of one call's calls, or None. ``number``: 1 or 2, the call."""
    backwards = [i for i, e in enumerate(events) if isinstance(e, tuple)]
    steps = [i for i, e in enumerate(events) if e == "step"]
    zero_grads = [i for i, e in enumerate(events) if e == "zero_grad"]
    if "loss" not in events:
        return ("the step never called the loss_fn it was given: compute the loss with loss_fn(logits, y) "
                "(the caller chooses the loss).")
    if not backwards:
        return ("loss.backward() is never called, so no gradients are computed and optimizer.step() has "
                "nothing to apply: the parameters stay at their start values.")
    if not steps:
        return ("optimizer.step() is never called: loss.backward() only fills each parameter's .grad; the "
                "optimizer is what changes the parameters, so they stay at their start values.")
    if len(steps) > 1 or len(backwards) > 1:
        return (f"one call ran optimizer.step() {len(steps)} times and loss.backward() {len(backwards)} times: "
                "a step is one forward pass, one backward(), one step().")
    if steps[0] < backwards[0]:
        return ("optimizer.step() runs before loss.backward(), so each step applies the gradients left from "
                "the call before (none on the first): the updates lag one batch behind. Compute the gradients "
                "first, then step (section 6's step by hand).")
    if any(backwards[0] < z < steps[0] for z in zero_grads):
        return ("optimizer.zero_grad() comes between loss.backward() and optimizer.step(): it wipes the "
                "gradients backward() just computed, so step() has nothing to apply and the parameters stay "
                "at their start values. Clear before backward() (or after step()); section 6's step by hand shows the order.")
    if not events[backwards[0]][1]:
        first = " (the first call only looked right because .grad starts empty)" if number == 2 else ""
        return (f"on call {number} the gradients were not cleared before loss.backward(), so they added up: "
                f"the update used the previous batch's gradients plus this one's{first}. Call "
                "optimizer.zero_grad() before loss.backward() in every step (section 6 says why they add up).")
    return None


def _loss_problem(result: Any, record: _Record, start_losses: int) -> str | None:
    """What is wrong with the value returned by one call, or None."""
    losses = record.losses[start_losses:]
    storages = {loss.untyped_storage().data_ptr() for loss in losses}
    read_loss = any(t.untyped_storage().data_ptr() in storages for t in record.read)
    if result is None:
        return "it returned None (is the `return loss.detach()` missing?)."
    if isinstance(result, float):
        return ("it returned a Python float (loss.item()?): return loss.detach() instead. .item() copies the "
                "number to the CPU, which on a GPU waits for all the work queued so far, at every step; a "
                "detached tensor does not.")
    if not isinstance(result, torch.Tensor):
        return f"it returned a {type(result).__name__}, expected the loss as a 0-d tensor: return loss.detach()."
    if result.shape != ():
        return (f"it returned a tensor of shape {tuple(result.shape)}, expected the loss, a 0-d tensor (the "
                "logits? return loss.detach()).")
    if result.requires_grad:
        return (f"it returned the loss still attached to its graph (grad_fn={type(result.grad_fn).__name__}). "
                "Return loss.detach(): the same value, no graph. A loss kept with its graph keeps the graph's "
                "nodes alive (backward() has freed the tensors they saved, not the nodes), and summing such "
                "losses over an epoch (`total += loss`) links every step's graph into one.")
    if read_loss and result.untyped_storage().data_ptr() not in storages:
        return ("it returned a new tensor made from the loss's Python number (torch.tensor(loss.item())?): that "
                "is .item() in disguise, and the .item() inside still waits for a GPU at every step. Return "
                "loss.detach(): the same number, still on the device, no wait.")
    if read_loss:
        return ("the step reads the loss into Python (.item(), float() or .tolist()): on a GPU that waits for "
                "all queued work at every step. Return loss.detach() and read it where you print, as "
                "train_one_epoch does every log_every batches.")
    return None


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return all(torch.allclose(a[k].float(), b[k].float(), rtol=1e-5, atol=1e-6) for k in a)


def _judge_ex8_2(name: str, train_step: Callable[..., Any]) -> Verdict:
    _, want_losses, want, _, _ = _run_steps(solution_ex8_2)
    record, got_losses, got, starts, failed = _run_steps(train_step)
    if failed is not None:
        if "has no attribute 'backward'" in failed.message:
            return Verdict(False, failed.message + " backward() is a method of the loss tensor: loss.backward().")
        return failed
    ends = [start for start, _ in starts[1:]] + [len(record.events)]
    for number, ((begin, _), end) in enumerate(zip(starts, ends), start=1):
        problem = _order_problem(record.events[begin:end], number)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {problem}")
    if record.eval_forward:
        return Verdict(False, (
            f"{FAIL} {name}: the forward pass ran in eval mode (model.eval() inside the step?). The checker's model "
            "has dropout and batch norm: in eval mode dropout keeps every unit and batch norm uses its running "
            "averages, so the step trains a different network. train_one_epoch calls model.train() before the "
            "loop and evaluate() calls model.eval(): train_step leaves the mode as it finds it."))
    for result, (_, first_loss) in zip(got_losses, starts):
        problem = _loss_problem(result, record, first_loss)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {problem}")
    first, want_first = float(got_losses[0]), float(want_losses[0])
    if not math.isclose(first, want_first, rel_tol=1e-5):
        relation = measured_relation(first, want_first)
        return Verdict(False, f"{FAIL} {name}: it returned {first:.4f}, expected {want_first:.4f}"
                              f"{f' ({relation})' if relation else ''}: return the loss of this batch as "
                              "loss_fn gives it, computed before the step.")
    if not _same(got[1], want[1]):
        return Verdict(False, f"{FAIL} {name}: after one step the parameters differ from a correct step's: the "
                              "order is forward, loss, zero_grad, backward, step, each once.")
    second, want_second = float(got_losses[1]), float(want_losses[1])
    if not math.isclose(second, want_second, rel_tol=1e-5):
        return Verdict(False, f"{FAIL} {name}: the second step returned {second:.4f}, expected {want_second:.4f}: "
                              "return the loss of the batch this call trained on.")
    if not _same(got[2], want[2]):
        return Verdict(False, f"{FAIL} {name}: the first step is right but the second is not: does your step keep "
                              "something from the call before?")
    return Verdict(True, f"{PASS} {name}: two steps match a correct training step (order of the calls, returned "
                         "loss, parameters after each step).")


def check_ex8_2(train_step: Callable[..., Any]) -> Verdict:
    """Run a learner's ``train_step(model, X, y, loss_fn, optimizer) -> loss`` twice; print a verdict.

    On a small model with batch norm and dropout, trained with plain SGD: records the order of the
    calls (loss_fn, zero_grad, backward with or without cleared gradients, step), the forward pass's
    mode, and any ``.item()`` / ``float()`` read of the loss; then compares the returned losses and
    the parameters (and batch norm's running statistics) after each step with a correct step's.
    Introduced in: 08_mnist_cnn.ipynb
    """
    return judged(EX8_2, train_step, _judge_ex8_2)
