"""Checkers and reference solutions for the exercises of 03_computational_graphs.ipynb.

Each ``check_ex3_N(learner_fn)`` prints one line (✅ or ❌ with the first thing that
is wrong) and returns a :class:`helpers.checks.Verdict`; a learner's exception or
``None`` becomes part of that line, never a traceback.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Verdict,
    check_function,
    describe_error,
    first_difference,
    not_a_function,
)

HINTS = {
    "3.1": (
        "Walk from `output.grad_fn`: keep a list of nodes still to visit, and for each node add its children, "
        "the first item of every pair in `node.next_functions`.",
        "Skip children that are None (inputs without grad), and remember visited nodes in a set of `id(node)`: "
        "a node reached along two paths is still one node.",
        "Count `type(node).__name__` in a `collections.Counter` each time you visit a new node; return `dict(counts)`.",
    ),
    "3.2": (
        "The first backward frees the saved tensors that the second needs: the first call must keep them.",
        "`loss_a.backward(retain_graph=True)`, keep `x.grad.clone()`, set `x.grad = None`, then `loss_b.backward()`; "
        "or let `torch.autograd.grad` return each gradient.",
        "`(grad_a,) = torch.autograd.grad(loss_a, x, retain_graph=True)`, "
        "`(grad_b,) = torch.autograd.grad(loss_b, x)`, `return grad_a, grad_b`.",
    ),
    "3.3": (
        "`h` is not a leaf, so backward() passes its gradient on and drops it: ask PyTorch to keep it.",
        "Call `h.retain_grad()` before `loss.backward()`; afterwards `h.grad` holds d loss / d h.",
        "`h.retain_grad()`, `loss.backward()`, `return h.grad`.",
    ),
    "3.4": (
        "The values are just `torch.sigmoid(X @ w + b)`; the exercise is about not recording a graph on the way.",
        "A `.detach()` at the end is too late: the graph was already built. Turn recording off before computing.",
        "`with torch.no_grad():` and inside it `return torch.sigmoid(X @ w + b)`.",
    ),
}


def _say(ok: bool, name: str, text: str) -> Verdict:
    verdict = Verdict(ok, f"{PASS if ok else FAIL} {name}: {text}")
    print(verdict.message)
    return verdict


def _raised(err: Exception) -> str:
    return f"your code raised {describe_error(err)}"


# ---------------------------------------------------------------- Exercise 3.1
def solution_ex3_1(output: torch.Tensor) -> dict[str, int]:
    """{node type name: how many such nodes} in the graph behind ``output``, each node once.

    Introduced in: 03_computational_graphs.ipynb
    """
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    stack = [output.grad_fn] if output.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:  # reached again by another path: still one node
            continue
        seen.add(id(node))
        counts[type(node).__name__] += 1
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return dict(counts)


def _ex3_1_cases() -> list[tuple[str, Callable[[], torch.Tensor]]]:
    """(description, builder): each builder makes fresh leaves and returns the output."""

    def linear_tanh() -> torch.Tensor:
        x, w = torch.ones(3, requires_grad=True), torch.full((3,), 0.5, requires_grad=True)
        b = torch.tensor(0.1, requires_grad=True)
        return torch.tanh(w * x + b).sum()

    def square() -> torch.Tensor:
        x = torch.ones(3, requires_grad=True)
        return x * x  # one MulBackward0 with the same leaf on both inputs

    def diamond() -> torch.Tensor:
        h = torch.ones(3, requires_grad=True).exp()
        return (h * h.sin()).sum()  # ExpBackward0 is reached along two paths

    def with_constant() -> torch.Tensor:
        x = torch.ones(3, requires_grad=True)
        return (x * 3 + torch.ones(3)).mean()  # constants leave None in next_functions

    return [
        ("tanh(w * x + b).sum()", linear_tanh),
        ("x * x", square),
        ("(h * h.sin()).sum() with h = x.exp()", diamond),
        ("(x * 3 + torch.ones(3)).mean()", with_constant),
    ]


def check_ex3_1(learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``op_counts(output) -> dict[str, int]``. Introduced in: 03_computational_graphs.ipynb"""
    name = "Exercise 3.1 (op_counts)"
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    if refused is not None:
        print(refused.message)
        return refused
    cases = _ex3_1_cases()
    for i, (text, build) in enumerate(cases, start=1):
        want = solution_ex3_1(build())
        try:
            got = learner_fn(build())
        except NotImplementedError:
            return _say(False, name, NOT_DONE)
        except Exception as err:  # a learner's bug, reported in one line
            return _say(False, name, f"on `{text}` {_raised(err)}")
        if got is None:
            return _say(False, name, f"on `{text}` it returned None (is the `return` missing?)")
        if not isinstance(got, dict):
            return _say(False, name, f"on `{text}` it returned a {type(got).__name__}, expected a dict {{name: count}}")
        got = dict(got)
        for key in sorted(set(want) | set(got), key=str):
            if key not in want:
                return _say(False, name, f"on `{text}` you counted {key!r}, which is not a node of this graph "
                                         "(skip the None entries of next_functions: they are inputs without grad)")
            if got.get(key) != want[key]:
                hint = " (count each node once: remember the nodes you have visited)" if got.get(key, 0) > want[key] else ""
                return _say(False, name, f"on `{text}` you counted {got.get(key, 0)} x {key}, the graph has {want[key]}{hint}")
    return _say(True, name, f"correct on all {len(cases)} graphs.")


# ---------------------------------------------------------------- Exercise 3.2
def solution_ex3_2(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of two losses that share one forward pass; each has x's shape (n,).

    Introduced in: 03_computational_graphs.ipynb
    """
    h = torch.sin(x) * x  # (n,) the shared part, computed once
    loss_a = h.sum()
    loss_b = (h**2).mean()
    (grad_a,) = torch.autograd.grad(loss_a, x, retain_graph=True)  # keep the graph for loss_b
    (grad_b,) = torch.autograd.grad(loss_b, x)
    return grad_a, grad_b


def check_ex3_2(learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``two_gradients(x) -> (grad_a, grad_b)``. Introduced in: 03_computational_graphs.ipynb"""
    cases = [
        (torch.linspace(-2.0, 2.0, 5, dtype=torch.float64, requires_grad=True),),
        (torch.tensor([0.3, -1.2, 2.5], requires_grad=True),),
    ]
    return check_function("Exercise 3.2 (two_gradients)", learner_fn, solution_ex3_2, cases)


# ---------------------------------------------------------------- Exercise 3.3
def solution_ex3_3(X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """d loss / d h for the intermediate h = X @ w, shape (n,). Introduced in: 03_computational_graphs.ipynb"""
    h = X @ w  # (n, d) @ (d,) -> (n,)
    h.retain_grad()  # h is not a leaf: without this its .grad stays None
    loss = torch.relu(h).pow(2).mean()
    loss.backward()
    return h.grad


def check_ex3_3(learner_fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``hidden_gradient(X, w) -> (n,)``. Introduced in: 03_computational_graphs.ipynb"""
    name = "Exercise 3.3 (hidden_gradient)"
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    if refused is not None:
        print(refused.message)
        return refused
    X = torch.tensor([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.0], [2.0, 1.0]])  # (4, 2)
    w = torch.tensor([0.7, 0.4], requires_grad=True)  # (2,)
    try:
        with warnings.catch_warnings():  # reading h.grad of a non-leaf warns; the hint below says more
            warnings.simplefilter("ignore", UserWarning)
            got = learner_fn(X.clone(), w.detach().clone().requires_grad_())
    except NotImplementedError:
        return _say(False, name, NOT_DONE)
    except Exception as err:
        return _say(False, name, _raised(err))
    if got is None:
        return _say(False, name, "it returned None: h is not a leaf, so h.grad stays None unless you call "
                                 "h.retain_grad() before loss.backward()")
    cases = [(X, w), (torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0.1, 0.2, 0.3], requires_grad=True))]
    return check_function(name, learner_fn, solution_ex3_3, cases)


# ---------------------------------------------------------------- Exercise 3.4
def solution_ex3_4(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Predictions sigmoid(X @ w + b), shape (n,), computed without recording a graph.

    Introduced in: 03_computational_graphs.ipynb
    """
    with torch.no_grad():
        return torch.sigmoid(X @ w + b)


def check_ex3_4(learner_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``predict(X, w, b)``: right values and no graph recorded on the way.

    Counts the tensors autograd saves for backward while the learner's code runs
    (``torch.autograd.graph.saved_tensors_hooks``): zero means no graph was built.
    Introduced in: 03_computational_graphs.ipynb
    """
    name = "Exercise 3.4 (predict)"
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    if refused is not None:
        print(refused.message)
        return refused
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])  # (3, 2)
    w = torch.tensor([0.5, -0.25], requires_grad=True)  # (2,) parameters: they require grad
    b = torch.tensor(0.1, requires_grad=True)
    want = solution_ex3_4(X, w, b)
    saved = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved.append(tuple(t.shape))
        return t

    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            got = learner_fn(X.clone(), w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_())
    except NotImplementedError:
        return _say(False, name, NOT_DONE)
    except Exception as err:
        return _say(False, name, _raised(err))
    problem = first_difference(got, want)
    if problem:
        return _say(False, name, f"{problem}.")
    if got.requires_grad:
        return _say(False, name, f"the values are right, but the result carries a graph (grad_fn="
                                 f"{type(got.grad_fn).__name__}): compute it inside `with torch.no_grad():`")
    if saved:
        return _say(False, name, f"the values are right and the result has no graph, but your code recorded one on "
                                 f"the way (autograd saved {len(saved)} tensors for a backward that never comes): "
                                 "use `with torch.no_grad():` instead of .detach() at the end")
    return _say(True, name, "right values, and no graph was recorded.")
