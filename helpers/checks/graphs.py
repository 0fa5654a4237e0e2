"""Checkers and reference solutions for the exercises of 03_computational_graphs.ipynb.

Each ``check_ex3_N(learner_fn)`` prints one line (✅ or ❌ with the first thing that
is wrong) and returns a :class:`helpers.checks.Verdict`; a learner's exception or
``None`` becomes part of that line, never a traceback, with what the error means.

Each checker holds the learner to the exercise's text and names its usual mistakes:

- 3.1 (count the nodes): a tree walk that counts a shared node twice, nodes remembered by name
  instead of identity, ``None`` entries of ``next_functions`` counted or followed, ``node.name()``
  instead of the type's name, ``AccumulateGrad`` or the output's node left out.
- 3.2 (two gradients through one graph): no ``retain_graph``, the second gradient holding the first
  (``.grad`` not reset), both losses differentiated together, the caller's ``x.grad`` left filled,
  a list returned where the text asks for a tuple.
- 3.3 (an intermediate's gradient): no ``retain_grad()``, the leaf's gradient returned instead,
  ``h`` cut from ``w`` (``w.grad`` stays None), the backward pass run twice.
- 3.4 (predict without a graph): a graph built (or built and detached), ``requires_grad`` switched
  off on the caller's ``w``/``b``, grad mode left off for the code after it.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Mistake,
    Verdict,
    argument_changes,
    describe_error,
    first_difference,
    judged,
    matching_mistake,
    measured_relation,
    snapshot_arguments,
    watching_global_state,
)

HINTS = {
    "3.1": (
        "Think of the graph as rooms joined by doors (`next_functions`): keep a to-do list of rooms and a set of "
        "the rooms you have already been in; every room you enter for the first time is counted by its kind.",
        "Section 1's hand walk (`graph_lines`, the cell that prints one indented line per node) follows the same "
        "doors, but prints a node twice when two paths reach it; `trace_graph` in helpers/graphs.py keeps a "
        "dict of visited nodes by `id(node)`.",
        "`stack, seen, counts = [output.grad_fn], set(), Counter()`; `while stack:` `node = stack.pop()`; "
        "`if id(node) in seen: continue`; `seen.add(___)`; `counts[___] += 1`; "
        "`stack.extend(child for child, _ in node.next_functions if ___)`; `return dict(counts)`.",
    ),
    "3.2": (
        "A backward pass throws away each node's saved tensors as it leaves the node, unless asked to keep them, "
        "so the first of two passes through one graph must keep them. And `.backward()` adds into `.grad`, so "
        "two passes into the same `.grad` mix their results.",
        "Section 3's last cell runs two passes through one graph with `retain_graph=True`; 02's section 9 shows "
        "`torch.autograd.grad`, which returns a gradient instead of adding it into `.grad`.",
        "`(grad_a,) = torch.autograd.grad(loss_a, x, retain_graph=___)`, "
        "`(grad_b,) = torch.autograd.grad(___, x)`, `return ___, ___`.",
    ),
    "3.3": (
        "During the backward pass every intermediate tensor receives its gradient, hands it on to the tensors it "
        "was computed from, and forgets it; only leaves store theirs. One call made before the pass asks "
        "PyTorch to store it for h as well.",
        "Section 4's second cell does exactly this for h = w * 3: `h.retain_grad()`, then `out.backward()`, "
        "then `h.grad` holds d out / d h.",
        "`h.___()` before the backward pass, then `loss.___()`, then `return h.___`.",
    ),
    "3.4": (
        "Recording happens while the operations run, so it has to be off before they run: cutting the result "
        "loose afterwards with `.detach()` does not undo what was recorded and saved on the way.",
        "Section 5's first cell computes `torch.sigmoid(X @ w)` inside a `with` block and shows the result has "
        "no grad_fn; the cell after it draws the graph that is not built.",
        "`with torch.___():` and inside it `return torch.sigmoid(X @ ___ + ___)`.",
    ),
}


def _fail(name: str, text: str) -> Verdict:
    return Verdict(False, f"{FAIL} {name}: {text}")


def _call(name: str, learner_fn: Callable[..., Any], args: Sequence[Any], where: str = "",
          errors: Sequence[tuple[str, str]] = ()) -> tuple[Any, Verdict | None, list[str]]:
    """Call the learner's function watching global state: (result, failing Verdict or None, state changes).

    Reading ``.grad`` of a non-leaf warns; the verdict says more than the warning, so it is silenced.
    """
    changes: list[str] = []
    at = f"{where} " if where else ""
    with watching_global_state(changes), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return learner_fn(*args), None, changes
        except NotImplementedError:
            return None, _fail(name, NOT_DONE), changes
        except Exception as err:  # a learner's bug, reported in one line with what it means
            return None, _fail(name, f"{at}your code raised {describe_error(err, errors)}"), changes


def _requires_grad_switched(args: Sequence[torch.Tensor], before: Sequence[Any], names: Sequence[str]) -> str | None:
    """A sentence when the learner switched requires_grad on or off on one of the caller's tensors."""
    for t, snap, name in zip(args, before, names):
        if t.requires_grad != snap[2]:
            state = "off" if snap[2] else "on"
            return (f"you switched requires_grad {state} on the caller's `{name}`, and it stays {state} after your "
                    "function returns: the caller's next training step would " +
                    ("get no gradient for it" if snap[2] else "start recording it") +
                    ". `with torch.no_grad():` stops the recording for the block only, without touching the tensors")
    return None


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

    def three_products() -> torch.Tensor:
        x = torch.ones(3, requires_grad=True)
        return ((x * 2) * (x * 3)).sum()  # three different MulBackward0 nodes: one type, three nodes

    return [
        ("tanh(w * x + b).sum()", linear_tanh),
        ("x * x", square),
        ("(h * h.sin()).sum() with h = x.exp()", diamond),
        ("(x * 3 + torch.ones(3)).mean()", with_constant),
        ("((x * 2) * (x * 3)).sum()", three_products),
    ]


_ERRORS_EX3_1 = (
    (r"'NoneType' object has no attribute '(next_functions|name)'", (
        "some entries of next_functions are (None, 0): an input that needs no gradient (a constant such as "
        "`torch.ones(3)`, or the 3 of `x * 3`) has no node. Skip them: `if child is not None`")),
    (r"object has no attribute 'variable'", (
        "only AccumulateGrad nodes have `.variable` (the leaf they feed): count nodes by "
        "`type(node).__name__`, whatever their kind")),
)


def _judge_ex3_1(name: str, learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    cases = _ex3_1_cases()
    for text, build in cases:
        want = solution_ex3_1(build())
        got, failed, changes = _call(name, learner_fn, (build(),), f"on `{text}`", _ERRORS_EX3_1)
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"on `{text}` {changes[0]}.")
        if got is None:
            return _fail(name, f"on `{text}` it returned None (is the `return` missing?)")
        if not isinstance(got, dict):
            return _fail(name, f"on `{text}` it returned a {type(got).__name__}, expected a dict {{name: count}}")
        got = dict(got)
        for key in sorted(set(got) - set(want), key=str):  # a key that is no node type says the most: first
            if isinstance(key, str) and "::" in key:
                return _fail(name, (
                    f"on `{text}` you counted {key!r}: that is `node.name()`, which spells AccumulateGrad with "
                    "its C++ namespace. Count `type(node).__name__` (as section 1's hand walk prints it)"))
            if key in ("NoneType", None, "None"):
                return _fail(name, (
                    f"on `{text}` you counted {key!r}, which is not a node: skip the (None, 0) entries of "
                    "next_functions, they stand for inputs without grad (constants)"))
            return _fail(name, f"on `{text}` you counted {key!r}, which is not a node of this graph "
                           "(count `type(node).__name__` of each node reached from `output.grad_fn`)")
        for key in sorted(want):
            count = got.get(key, 0)
            if count != want[key]:
                if count > want[key]:
                    why = (" (count each node once: a node reached along two paths is one node, so remember the "
                           "nodes you have visited)")
                elif count >= 1 and want[key] > 1:
                    why = (" (two nodes of one type are still two nodes: remember visited nodes by `id(node)`, "
                           "not by their name)")
                else:
                    why = ""
                return _fail(name, f"on `{text}` you counted {count} x {key}, the graph has {want[key]}{why}")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} graphs.")


def check_ex3_1(learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``op_counts(output) -> dict[str, int]`` on five graphs (shared nodes, constants,
    one type three times). Introduced in: 03_computational_graphs.ipynb"""
    return judged("Exercise 3.1 (op_counts)", learner_fn, _judge_ex3_1)


# ---------------------------------------------------------------- Exercise 3.2
def solution_ex3_2(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of two losses that share one forward pass; each has x's shape (n,).

    ``torch.autograd.grad`` returns each gradient and leaves ``x.grad`` as it was.
    Introduced in: 03_computational_graphs.ipynb
    """
    h = torch.sin(x) * x  # (n,) the shared part, computed once
    loss_a = h.sum()
    loss_b = (h**2).mean()
    (grad_a,) = torch.autograd.grad(loss_a, x, retain_graph=True)  # keep the graph for loss_b
    (grad_b,) = torch.autograd.grad(loss_b, x)
    return grad_a, grad_b


def _both_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return solution_ex3_2(x.detach().clone().requires_grad_(True))


MISTAKES_EX3_2 = (
    Mistake("second gradient holds the first",
            lambda x: (lambda a, b: (a, a + b))(*_both_gradients(x)),
            "your second gradient is grad_a + grad_b: `backward()` adds into x.grad, which still held grad_a. "
            "Keep a clone of the first, set `x.grad = None` before the second pass, or use "
            "`torch.autograd.grad`, which returns each gradient (section 3)."),
    Mistake("both losses together",
            lambda x: (lambda a, b: (a + b, a + b))(*_both_gradients(x)),
            "both items are grad_a + grad_b: a backward pass of `loss_a + loss_b`, or "
            "`torch.autograd.grad([loss_a, loss_b], x)`, or a first gradient kept without `.clone()` while the "
            "second pass added into it, sums the two. Differentiate each loss in a call of its own and keep "
            "each result apart."),
    Mistake("swapped", lambda x: tuple(reversed(_both_gradients(x))),
            "the two gradients are swapped: return (d loss_a / dx, d loss_b / dx), in that order."),
)

_ERRORS_EX3_2 = (
    (r"Trying to backward through the graph a second time", (
        "the first pass freed the saved tensors that the second needs: pass `retain_graph=True` to the first "
        "call (section 3)")),
)


def _judge_ex3_2(name: str, learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    cases = [
        torch.linspace(-2.0, 2.0, 5, dtype=torch.float64),
        torch.tensor([0.3, -1.2, 2.5]),
    ]
    for i, x in enumerate(cases, start=1):
        where = f"on input {i} (x of shape {tuple(x.shape)}, {x.dtype})"
        want = _both_gradients(x)
        theirs = x.clone().requires_grad_(True)  # a leaf with x.grad None, as the caller has it
        before = snapshot_arguments([theirs])
        got, failed, changes = _call(name, learner_fn, (theirs,), where, _ERRORS_EX3_2)
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"{where} {changes[0]}.")
        problem = first_difference(got, want)
        if problem:
            mistake = matching_mistake(got, (x,), MISTAKES_EX3_2)
            if mistake is not None:
                return _fail(name, f"{where} {mistake.message}")
            return _fail(name, f"{where} {problem}.")
        if not isinstance(got, tuple):
            return _fail(name, (
                f"{where} the values are right, but it returned a {type(got).__name__}: the exercise asks for a "
                "tuple, `return grad_a, grad_b`."))
        if theirs.grad is not None:
            return _fail(name, (
                f"{where} the gradients are right, but the caller's x.grad is left filled: `backward()` adds into "
                "x.grad, and the caller's next backward() would add to what you left there. Use "
                "`torch.autograd.grad`, which returns gradients without touching .grad (or set `x.grad = None` "
                "before you return)."))
        changed = _requires_grad_switched([theirs], before, ["x"]) or argument_changes([theirs], before, ["x"])
        if changed:
            return _fail(name, f"{where} {changed}.")
        again, failed, _ = _call(name, learner_fn, (theirs,), f"{where}, called a second time,", _ERRORS_EX3_2)
        if failed is not None:
            return failed
        if first_difference(again, want) is not None:
            return _fail(name, f"{where} a second call on the same x returned something else: does your function "
                               "leave something behind in x.grad?")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs, and x.grad left as it was.")


def check_ex3_2(learner_fn: Callable[[torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``two_gradients(x) -> (grad_a, grad_b)``; the caller's ``x.grad`` must stay None.

    Introduced in: 03_computational_graphs.ipynb
    """
    return judged("Exercise 3.2 (two_gradients)", learner_fn, _judge_ex3_2)


# ---------------------------------------------------------------- Exercise 3.3
def solution_ex3_3(X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """d loss / d h for the intermediate h = X @ w, shape (n,); ``loss.backward()`` also fills ``w.grad``.

    Introduced in: 03_computational_graphs.ipynb
    """
    h = X @ w  # (n, d) @ (d,) -> (n,)
    h.retain_grad()  # h is not a leaf: without this its .grad stays None
    loss = torch.relu(h).pow(2).mean()
    loss.backward()  # fills h.grad (kept) and w.grad (a leaf), as every backward pass does
    return h.grad


def _ex3_3_grads(X: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(d loss / d h, d loss / d w) by autograd, on copies: what the learner's answer is compared with."""
    w = w.detach().clone().requires_grad_(True)
    h = X @ w
    return torch.autograd.grad(torch.relu(h).pow(2).mean(), (h, w))


MISTAKES_EX3_3 = (
    Mistake("w.grad returned", lambda X, w: _ex3_3_grads(X, w)[1],
            "that is w.grad, the leaf's gradient, shape (d,); the exercise asks for h's, shape (n,): call "
            "`h.retain_grad()` before `loss.backward()` and return `h.grad` (section 4)."),
)

_ERRORS_EX3_3 = (
    (r"can't retain_grad on Tensor that has requires_grad=False", (
        "this h does not require grad, so there is no gradient to keep: compute h = X @ w from the w you were "
        "given (it requires grad), without `.detach()`")),
)


def _judge_ex3_3(name: str, learner_fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> Verdict:
    cases = [
        (torch.tensor([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.0], [2.0, 1.0]]), torch.tensor([0.7, 0.4])),  # h < 0 twice
        (torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0.1, 0.2, 0.3])),
    ]
    for i, (X, w) in enumerate(cases, start=1):
        where = f"on input {i} (X of shape {tuple(X.shape)}, w of shape {tuple(w.shape)})"
        want_h, want_w = _ex3_3_grads(X, w)
        theirs = (X.clone(), w.clone().requires_grad_(True))  # w: a leaf with w.grad None, as the caller has it
        before = snapshot_arguments(theirs)
        got, failed, changes = _call(name, learner_fn, theirs, where, _ERRORS_EX3_3)
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"{where} {changes[0]}.")
        if got is None:
            return _fail(name, f"{where} it returned None: h is not a leaf, so h.grad stays None unless you call "
                               "`h.retain_grad()` before `loss.backward()` (section 4)")
        problem = first_difference(got, want_h)
        grad_w = theirs[1].grad
        if (problem and isinstance(got, torch.Tensor) and grad_w is not None
                and first_difference(got, 2 * want_h) is None and first_difference(grad_w, 2 * want_w) is None):
            return _fail(name, (
                f"{where} h.grad and w.grad are both exactly 2× their values: the backward pass ran twice, and "
                "each pass adds into the .grad that `retain_grad()` keeps, as it does into a leaf's. Call "
                "`loss.backward()` once (section 4)."))
        if problem:
            mistake = matching_mistake(got, (X, w), MISTAKES_EX3_3)
            return _fail(name, f"{where} {mistake.message if mistake else problem + '.'}")
        w_now = theirs[1]
        if w_now.grad is None:
            return _fail(name, (
                f"{where} h's gradient is right, but w.grad is still None, so the backward pass never reached w: "
                "run `loss.backward()` on the loss of h = X @ w as given (a `.detach()` on h cuts w off, and "
                "`torch.autograd.grad(loss, h)` stops at h)."))
        if first_difference(w_now.grad, want_w) is not None:
            twice = {2.0: "did the backward pass run twice? Each pass adds into w.grad"}
            relation = measured_relation(w_now.grad, want_w, twice)
            return _fail(name, f"{where} h's gradient is right, but w.grad is not d loss / d w" +
                               (f": it is {relation}." if relation else "."))
        w_changed = None if torch.equal(w_now.detach(), w) else (
            "your function changed the values of the caller's `w` in place: leave them as they are")
        changed = (_requires_grad_switched(theirs, before, ["X", "w"])
                   or argument_changes([theirs[0]], before[:1], ["X"]) or w_changed)
        if changed:
            return _fail(name, f"{where} {changed}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs, with w.grad filled by the one "
                         "backward pass.")


def check_ex3_3(learner_fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``hidden_gradient(X, w) -> (n,)``: h's gradient returned, and ``w.grad`` filled
    (exactly once) by the one ``loss.backward()``; ``X`` and ``w``'s values left alone.

    Introduced in: 03_computational_graphs.ipynb
    """
    return judged("Exercise 3.3 (hidden_gradient)", learner_fn, _judge_ex3_3)


# ---------------------------------------------------------------- Exercise 3.4
def solution_ex3_4(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Predictions sigmoid(X @ w + b), shape (n,), computed without recording a graph.

    Introduced in: 03_computational_graphs.ipynb
    """
    with torch.no_grad():
        return torch.sigmoid(X @ w + b)


def _judge_ex3_4(name: str, learner_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> Verdict:
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])  # (3, 2)
    w = torch.tensor([0.5, -0.25], requires_grad=True)  # (2,) parameters: they require grad
    b = torch.tensor(0.1, requires_grad=True)
    want = solution_ex3_4(X, w, b)
    theirs = (X.clone(), w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_())
    before = snapshot_arguments(theirs)
    saved = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved.append(tuple(t.shape))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        got, failed, changes = _call(name, learner_fn, theirs)
    if failed is not None:
        return failed
    if changes:
        return _fail(name, f"{changes[0]}.")
    names = ["X", "w", "b"]
    changed = _requires_grad_switched(theirs, before, names) or argument_changes(theirs, before, names)
    if changed:
        return _fail(name, f"{changed}.")
    problem = first_difference(got, want)
    if problem:
        return _fail(name, f"{problem}.")
    if got.requires_grad:
        return _fail(name, f"the values are right, but the result carries a graph (grad_fn="
                           f"{type(got.grad_fn).__name__}): compute it inside `with torch.no_grad():`")
    if saved:
        return _fail(name, f"the values are right and the result has no graph, but your code recorded one on "
                           f"the way (autograd saved {len(saved)} tensors for a backward that never comes): "
                           "use `with torch.no_grad():` instead of .detach() at the end")
    return Verdict(True, f"{PASS} {name}: right values, no graph recorded, and w, b and grad mode left as they were.")


def check_ex3_4(learner_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> Verdict:
    """Check a learner's ``predict(X, w, b)``: right values, no graph recorded on the way, no side effects.

    Counts the tensors autograd saves for backward while the learner's code runs
    (``torch.autograd.graph.saved_tensors_hooks``): zero means no graph was built. The caller's
    ``w`` and ``b`` must still require grad afterwards, and grad mode must be as it was.
    Introduced in: 03_computational_graphs.ipynb
    """
    return judged("Exercise 3.4 (predict)", learner_fn, _judge_ex3_4)
