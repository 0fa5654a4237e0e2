"""Checkers and reference solutions for 08_mnist_cnn.ipynb."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, check_function, describe_error, not_a_function

#: Hints for a learner who is stuck, each more specific than the last (``hint("8.1")``, ``hint("8.1", 2)``).
HINTS = {
    "8.1": (
        "Count the positions where a window of kernel_size fits into size + 2 * padding pixels when it "
        "moves stride pixels at a time. Try it on paper with size 5, kernel_size 3, stride 1: 3 positions.",
        "The first window starts at 0, the last at (size + 2 * padding - kernel_size); the starts are "
        "stride apart. Use integer division // (the layer drops a partial window), and do not forget the + 1.",
        "return (size + 2 * padding - kernel_size) // stride + 1",
    ),
    "8.2": (
        "Five lines, in this order: the logits from the model, the loss from loss_fn(logits, y), clear "
        "the old gradients, compute new ones, update the parameters.",
        "optimizer.zero_grad() clears, loss.backward() computes the gradients (a method of the loss, not "
        "of the model), optimizer.step() updates. Return the loss without its graph: loss.detach().",
        "logits = model(X); loss = loss_fn(logits, y); optimizer.zero_grad(); loss.backward(); "
        "optimizer.step(); return loss.detach()",
    ),
}


def solution_ex8_1(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Side length after a conv or pool layer: floor((size + 2*padding - kernel_size) / stride) + 1.

    Introduced in: 08_mnist_cnn.ipynb
    """
    return (size + 2 * padding - kernel_size) // stride + 1


#: (size, kernel_size, stride, padding): the model's four layers, then padded and strided ones.
EX8_1_CASES = [(28, 3, 1, 0), (26, 2, 2, 0), (13, 3, 1, 0), (11, 2, 2, 0), (28, 5, 1, 2), (32, 3, 2, 1)]


def check_ex8_1(conv_output_size: Callable[[int, int, int, int], int]) -> Verdict:
    """Compare a learner's ``conv_output_size(size, kernel_size, stride, padding)`` with the formula.

    Introduced in: 08_mnist_cnn.ipynb
    """
    return check_function("Exercise 8.1 (conv_output_size)", conv_output_size, solution_ex8_1, EX8_1_CASES)


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


def _two_steps(step_fn: Callable[..., Any]) -> tuple[list[Any], list[list[torch.Tensor]]]:
    """Run ``step_fn`` twice on a small fixed problem; return its results and the parameters before/after."""
    gen = torch.Generator().manual_seed(8)
    with torch.random.fork_rng(devices=[]):  # the layer's default init must not move the learner's seed
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))  # (8, 1, 4, 4) -> (8, 16) -> (8, 3)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # plain SGD: a missed zero_grad shows at once
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randn(8, 1, 4, 4, generator=gen), torch.randint(0, 3, (8,), generator=gen)) for _ in range(2)]
    snapshots = [[p.detach().clone() for p in model.parameters()]]
    results = []
    for X, y in batches:
        results.append(step_fn(model, X.clone(), y.clone(), loss_fn, optimizer))
        snapshots.append([p.detach().clone() for p in model.parameters()])
    return results, snapshots


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(a, b))


def _judge_ex8_2(train_step: Callable[..., Any]) -> Verdict:
    name = "Exercise 8.2 (train_step)"
    want_losses, want = _two_steps(solution_ex8_2)
    try:
        got_losses, got = _two_steps(train_step)
    except NotImplementedError:
        return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
    except Exception as err:  # a learner's bug, reported in one line
        hint = "; backward() is a method of the loss tensor: loss.backward()" if "backward" in str(err) else ""
        return Verdict(False, f"{FAIL} {name}: your code raised {describe_error(err)}{hint}")
    first = got_losses[0]
    if first is None:
        return Verdict(False, f"{FAIL} {name}: it returned None (is the `return loss.detach()` missing?).")
    if isinstance(first, float):
        return Verdict(False, f"{FAIL} {name}: it returned a Python float (loss.item()?): return loss.detach() "
                              "instead. .item() copies the number to the CPU, which on a GPU waits for all the "
                              "work queued so far, at every step; a detached tensor does not.")
    if not isinstance(first, torch.Tensor):
        return Verdict(False, f"{FAIL} {name}: it returned a {type(first).__name__}, expected the loss as a "
                              "0-d tensor: return loss.detach().")
    if first.shape != ():
        return Verdict(False, f"{FAIL} {name}: it returned a tensor of shape {tuple(first.shape)}, expected the "
                              "loss, a 0-d tensor (the logits? return loss.detach()).")
    if first.requires_grad:
        return Verdict(False, f"{FAIL} {name}: it returned the loss still attached to its graph "
                              f"(grad_fn={type(first.grad_fn).__name__}): whoever keeps it keeps the whole "
                              "graph of the step in memory. Return loss.detach(): the same value, no graph.")
    if _same(got[1], got[0]):
        return Verdict(False, f"{FAIL} {name}: the parameters did not change: call optimizer.step() after "
                              "loss.backward() (backward only computes gradients; the optimizer updates).")
    if not _same(got[1], want[1]):
        return Verdict(False, f"{FAIL} {name}: after one step the parameters differ from a correct step: "
                              "the order is forward, loss, zero_grad, backward, step.")
    if not math.isclose(float(first), float(want_losses[0]), rel_tol=1e-5):
        return Verdict(False, f"{FAIL} {name}: it returned {float(first):.4f}, expected {float(want_losses[0]):.4f}: "
                              "return the loss of this batch, computed before the step.")
    if not _same(got[2], want[2]):
        return Verdict(False, f"{FAIL} {name}: the first step is right but the second is not: gradients add up "
                              "across backward() calls, so call optimizer.zero_grad() in every step.")
    second = got_losses[1]
    if not isinstance(second, torch.Tensor) or not math.isclose(float(second), float(want_losses[1]), rel_tol=1e-5):
        return Verdict(False, f"{FAIL} {name}: the second step returned {second!r}, expected "
                              f"{float(want_losses[1]):.4f}: return the loss of the batch this call trained on.")
    return Verdict(True, f"{PASS} {name}: two steps match a correct training step (loss, gradients, update).")


def check_ex8_2(train_step: Callable[..., Any]) -> Verdict:
    """Run a learner's ``train_step(model, X, y, loss_fn, optimizer) -> loss`` twice; print a verdict.

    Checks the returned loss, that the parameters change, that they change exactly as
    one correct SGD step would, and that the second step starts from zeroed gradients.
    Introduced in: 08_mnist_cnn.ipynb
    """
    refused = not_a_function("Exercise 8.2 (train_step)", train_step)  # a Verdict is falsy when wrong
    verdict = refused if refused is not None else _judge_ex8_2(train_step)
    print(verdict.message)
    return verdict
