"""Every checker of 03_computational_graphs passes its solution, holds a learner to the exercise's contract,
and names each listed misconception, given a wrong answer written as a learner would write it.

Misconceptions (each has a test below):
- 3.1 op_counts: a tree walk counts a shared node twice; nodes remembered by name, not identity; None
  entries of next_functions counted, or followed (AttributeError, translated); `node.name()` instead of
  the type's name; AccumulateGrad or the output's node left out.
- 3.2 two_gradients: no retain_graph (error translated); x.grad not reset (second = a + b); both
  losses differentiated together (both = a + b); the caller's x.grad left filled; swapped.
- 3.3 hidden_gradient: no retain_grad() (None); w.grad returned instead; h cut from w, or
  autograd.grad(loss, h) (w.grad stays None); backward run twice (w.grad 2×); retain_grad on a
  detached h (error translated).
- 3.4 predict: a graph built, or built and detached; requires_grad switched off on the caller's w;
  grad mode left off.
"""

from collections import Counter

import pytest
import torch

from checker_calls import not_done
from helpers.checks import graphs as checks


# ---------------------------------------------------------------- Exercise 3.1


def test_ex3_1_solution_counts_a_known_graph():
    x, w = torch.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    counts = checks.solution_ex3_1(torch.tanh(w * x + b).sum())
    assert counts == {"SumBackward0": 1, "TanhBackward0": 1, "AddBackward0": 1, "MulBackward0": 1, "AccumulateGrad": 3}


def test_ex3_1_solution_passes(capsys):
    assert checks.check_ex3_1(checks.solution_ex3_1)
    assert capsys.readouterr().out == "✅ Exercise 3.1 (op_counts): correct on all 5 graphs.\n"


def test_ex3_1_counting_shared_nodes_twice_fails(capsys):
    def no_visited_set(output):  # the typical first attempt: a walk that forgets what it has seen
        counts, stack = Counter(), [output.grad_fn]
        while stack:
            node = stack.pop()
            counts[type(node).__name__] += 1
            stack.extend(child for child, _ in node.next_functions if child is not None)
        return dict(counts)

    assert not checks.check_ex3_1(no_visited_set)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 3.1 (op_counts): on `x * x` you counted 2 x AccumulateGrad, the graph has 1")
    assert "count each node once: a node reached along two paths is one node" in out


def test_ex3_1_counting_none_inputs_fails(capsys):
    def keeps_none(output):
        counts, seen, stack = Counter(), set(), [output.grad_fn]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            counts[type(node).__name__] += 1
            stack.extend(child for child, _ in node.next_functions if child is not None)
            counts["NoneType"] += sum(child is None for child, _ in node.next_functions)
        return {k: v for k, v in counts.items() if v}

    assert not checks.check_ex3_1(keeps_none)
    out = capsys.readouterr().out
    assert "on `(x * 3 + torch.ones(3)).mean()` you counted 'NoneType'" in out
    assert "skip the (None, 0) entries of next_functions" in out


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        (not_done, "❌ Exercise 3.1 (op_counts): not done yet"),
        (lambda output: None, "❌ Exercise 3.1 (op_counts): on `tanh(w * x + b).sum()` it returned None"),
        (lambda output: ["SumBackward0"], "it returned a list, expected a dict"),
        (lambda output: output.grad_fn.no_such_thing, "on `tanh(w * x + b).sum()` your code raised AttributeError"),
        (lambda output: {"SumBackward0": 1}, "you counted 0 x AccumulateGrad, the graph has 3\n"),
    ],
)
def test_ex3_1_wrong_answers_fail_with_a_reason(capsys, learner, expected):
    assert not checks.check_ex3_1(learner)
    out = capsys.readouterr().out
    assert expected in out
    assert out.count("\n") == 1  # one line, never a traceback


# ---------------------------------------------------------------- Exercise 3.2
def test_ex3_2_solution_matches_hand_derived_gradients():
    x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    grad_a, grad_b = checks.solution_ex3_2(x)
    xd = x.detach()
    dh = torch.cos(xd) * xd + torch.sin(xd)  # d/dx of h = sin(x) * x
    h = torch.sin(xd) * xd
    torch.testing.assert_close(grad_a, dh)
    torch.testing.assert_close(grad_b, 2 * h * dh / len(xd))


def test_ex3_2_solution_passes(capsys):
    assert checks.check_ex3_2(checks.solution_ex3_2)
    assert capsys.readouterr().out == "✅ Exercise 3.2 (two_gradients): correct on all 2 test inputs, and x.grad left as it was.\n"


def _shared_forward(x):
    h = torch.sin(x) * x
    return h.sum(), (h**2).mean()


def test_ex3_2_second_backward_without_retain_graph_fails(capsys):
    def forgets_retain_graph(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward()
        grad_a = x.grad.clone()
        x.grad = None
        loss_b.backward()  # the shared graph was freed by the first backward
        return grad_a, x.grad

    assert not checks.check_ex3_2(forgets_retain_graph)
    out = capsys.readouterr().out
    assert "your code raised RuntimeError: Trying to backward through the graph a second time" in out
    assert "pass `retain_graph=True` to the first call (section 3)" in out


def test_ex3_2_accumulated_gradients_fail(capsys):
    def forgets_to_reset_grad(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward(retain_graph=True)
        grad_a = x.grad.clone()
        loss_b.backward()  # adds to x.grad: grad_b comes out as grad_a + grad_b
        return grad_a, x.grad

    assert not checks.check_ex3_2(forgets_to_reset_grad)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 3.2 (two_gradients): on input 1 (x of shape (5,), torch.float64) your second "
                          "gradient is grad_a + grad_b: `backward()` adds into x.grad")


def test_ex3_2_aliased_grad_fails(capsys):
    def returns_grad_twice(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward(retain_graph=True)
        grad_a = x.grad  # the same tensor that the next backward adds into
        x.grad = None
        loss_b.backward()
        return grad_a, grad_a

    assert not checks.check_ex3_2(returns_grad_twice)
    assert "item 1: the values are wrong" in capsys.readouterr().out


def test_ex3_2_first_gradient_kept_without_clone_is_named(capsys):
    def keeps_the_same_tensor(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward(retain_graph=True)
        grad_a = x.grad  # no clone: the next backward adds into this very tensor
        loss_b.backward()
        return grad_a, x.grad

    assert not checks.check_ex3_2(keeps_the_same_tensor)
    assert "both items are grad_a + grad_b" in capsys.readouterr().out


def test_ex3_2_both_losses_in_one_call_is_named(capsys):
    def one_call(x):
        loss_a, loss_b = _shared_forward(x)
        (grad,) = torch.autograd.grad([loss_a, loss_b], x)  # sums the two gradients
        return grad, grad

    assert not checks.check_ex3_2(one_call)
    out = capsys.readouterr().out
    assert "both items are grad_a + grad_b" in out and "`torch.autograd.grad([loss_a, loss_b], x)`" in out


def test_ex3_2_leaving_x_grad_filled_is_caught(capsys):
    def leaves_grad(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward(retain_graph=True)
        grad_a = x.grad.clone()
        x.grad = None
        loss_b.backward()
        return grad_a, x.grad.clone()  # right values; the caller's x.grad now holds grad_b

    assert not checks.check_ex3_2(leaves_grad)
    out = capsys.readouterr().out
    assert "the gradients are right, but the caller's x.grad is left filled" in out
    assert "`torch.autograd.grad`, which returns gradients without touching .grad" in out


def test_ex3_2_backward_with_a_reset_at_the_end_passes(capsys):
    def resets(x):
        loss_a, loss_b = _shared_forward(x)
        loss_a.backward(retain_graph=True)
        grad_a = x.grad.clone()
        x.grad = None
        loss_b.backward()
        grad_b, x.grad = x.grad, None  # leave x.grad as it was found
        return grad_a, grad_b

    assert checks.check_ex3_2(resets)
    assert capsys.readouterr().out.startswith("✅")


def test_ex3_2_swapped_is_named(capsys):
    assert not checks.check_ex3_2(lambda x: tuple(reversed(checks.solution_ex3_2(x))))
    assert "the two gradients are swapped" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 3.3
def test_ex3_3_solution_matches_formula():
    X = torch.tensor([[1.0, -2.0], [0.5, 1.5]])
    w = torch.tensor([0.7, 0.4], requires_grad=True)
    h = (X @ w).detach()
    torch.testing.assert_close(checks.solution_ex3_3(X, w), 2 * torch.relu(h) / len(h))


def test_ex3_3_solution_passes(capsys):
    assert checks.check_ex3_3(checks.solution_ex3_3)
    assert capsys.readouterr().out == ("✅ Exercise 3.3 (hidden_gradient): correct on all 2 test inputs, with w.grad "
                                       "filled by the one backward pass.\n")


def test_ex3_3_solution_fills_w_grad_as_its_contract_says():
    X = torch.tensor([[1.0, -2.0], [0.5, 1.5]])
    w = torch.tensor([0.7, 0.4], requires_grad=True)
    h_grad = checks.solution_ex3_3(X, w)
    torch.testing.assert_close(w.grad, X.T @ h_grad)  # the chain rule: d loss / d w = X^T (d loss / d h)


def test_ex3_3_without_retain_grad_explains_none(capsys):
    def forgets_retain_grad(X, w):
        h = X @ w
        torch.relu(h).pow(2).mean().backward()
        return h.grad  # None: h is not a leaf

    assert not checks.check_ex3_3(forgets_retain_grad)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 3.3 (hidden_gradient): on input 1 (X of shape (4, 2), w of shape (2,)) it returned None")
    assert "`h.retain_grad()` before `loss.backward()`" in out


def test_ex3_3_retain_grad_after_backward_explains_none(capsys):
    def too_late(X, w):
        h = X @ w
        torch.relu(h).pow(2).mean().backward()
        h.retain_grad()  # after the pass: nothing to keep any more
        return h.grad

    assert not checks.check_ex3_3(too_late)
    assert "`h.retain_grad()` before `loss.backward()`" in capsys.readouterr().out


def test_ex3_3_cutting_h_from_w_is_named(capsys):
    def makes_h_a_leaf(X, w):
        h = (X @ w).detach().requires_grad_(True)  # a leaf now: h.grad fills, but w is cut off
        torch.relu(h).pow(2).mean().backward()
        return h.grad

    assert not checks.check_ex3_3(makes_h_a_leaf)
    out = capsys.readouterr().out
    assert "h's gradient is right, but w.grad is still None" in out and "a `.detach()` on h cuts w off" in out


def test_ex3_3_autograd_grad_to_h_is_named(capsys):
    def stops_at_h(X, w):
        h = X @ w
        return torch.autograd.grad(torch.relu(h).pow(2).mean(), h)[0]

    assert not checks.check_ex3_3(stops_at_h)
    assert "`torch.autograd.grad(loss, h)` stops at h" in capsys.readouterr().out


def test_ex3_3_backward_twice_is_named(capsys):
    def twice(X, w):
        h = X @ w
        h.retain_grad()
        loss = torch.relu(h).pow(2).mean()
        loss.backward(retain_graph=True)
        h.grad = None
        loss.backward()
        return h.grad

    assert not checks.check_ex3_3(twice)
    assert "w.grad is not d loss / d w: it is exactly 2× the expected values: did the backward pass run twice?" in (
        capsys.readouterr().out)


def test_ex3_3_retain_grad_on_a_detached_h_is_translated(capsys):
    def detached(X, w):
        h = (X @ w).detach()
        h.retain_grad()
        return h.grad

    assert not checks.check_ex3_3(detached)
    out = capsys.readouterr().out
    assert "can't retain_grad on Tensor that has requires_grad=False" in out and "without `.detach()`" in out


def test_ex3_3_gradient_of_the_leaf_instead_fails(capsys):
    def returns_w_grad(X, w):
        torch.relu(X @ w).pow(2).mean().backward()
        return w.grad  # shape (d,), not (n,)

    assert not checks.check_ex3_3(returns_w_grad)
    out = capsys.readouterr().out
    assert "that is w.grad, the leaf's gradient, shape (d,); the exercise asks for h's, shape (n,)" in out


def test_ex3_3_not_done(capsys):
    assert not checks.check_ex3_3(not_done)
    assert capsys.readouterr().out.startswith("❌ Exercise 3.3 (hidden_gradient): not done yet")


# ---------------------------------------------------------------- Exercise 3.4
def test_ex3_4_solution_passes(capsys):
    assert checks.check_ex3_4(checks.solution_ex3_4)
    assert capsys.readouterr().out == ("✅ Exercise 3.4 (predict): right values, no graph recorded, and w, b and grad "
                                       "mode left as they were.\n")


def test_ex3_4_switching_off_requires_grad_on_the_callers_w_is_caught(capsys):
    def switches_off(X, w, b):
        w.requires_grad_(False)  # "then nothing is recorded": true, and w stays off for training too
        b.requires_grad_(False)
        return torch.sigmoid(X @ w + b)

    assert not checks.check_ex3_4(switches_off)
    out = capsys.readouterr().out
    assert "you switched requires_grad off on the caller's `w`" in out and "get no gradient for it" in out


def test_ex3_4_leaving_grad_mode_off_is_caught(capsys):
    def global_switch(X, w, b):
        torch.set_grad_enabled(False)  # and never back on
        return torch.sigmoid(X @ w + b)

    assert not checks.check_ex3_4(global_switch)
    assert "left gradient recording switched off for all the code after it" in capsys.readouterr().out
    assert torch.is_grad_enabled(), "the checker undoes what the learner left behind"


def test_ex3_4_detaching_the_inputs_records_nothing_and_passes(capsys):
    assert checks.check_ex3_4(lambda X, w, b: torch.sigmoid(X @ w.detach() + b.detach()))
    assert capsys.readouterr().out.startswith("✅")


def test_ex3_4_inference_mode_also_passes(capsys):
    def with_inference_mode(X, w, b):
        with torch.inference_mode():
            return torch.sigmoid(X @ w + b)

    assert checks.check_ex3_4(with_inference_mode)
    assert capsys.readouterr().out.startswith("✅")


def test_ex3_4_graph_kept_fails(capsys):
    assert not checks.check_ex3_4(lambda X, w, b: torch.sigmoid(X @ w + b))
    out = capsys.readouterr().out
    assert "the result carries a graph (grad_fn=SigmoidBackward0)" in out
    assert "torch.no_grad()" in out


def test_ex3_4_detach_at_the_end_fails(capsys):
    assert not checks.check_ex3_4(lambda X, w, b: torch.sigmoid(X @ w + b).detach())
    out = capsys.readouterr().out
    assert "your code recorded one on the way" in out
    assert "instead of .detach()" in out


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        (not_done, "❌ Exercise 3.4 (predict): not done yet"),
        (lambda X, w, b: None, "❌ Exercise 3.4 (predict): it returned None"),
        (lambda X, w, b: (X @ w + b).detach(), "❌ Exercise 3.4 (predict): the values are wrong"),  # forgot the sigmoid
        (lambda X, w, b: torch.sigmoid(X @ w[:1] + b), "❌ Exercise 3.4 (predict): your code raised RuntimeError"),  # (3, 2) @ (1,)
    ],
)
def test_ex3_4_wrong_answers_fail_with_a_reason(capsys, learner, expected):
    assert not checks.check_ex3_4(learner)
    out = capsys.readouterr().out
    assert out.startswith(expected)
    assert out.count("\n") == 1


# ---------------------------------------------------------------- near misses and non-functions
def test_ex3_1_starting_below_the_output_node_is_one_node_short(capsys):
    def skips_the_output_node(output):  # off by one: starts from the children of output.grad_fn
        counts, seen = Counter(), set()
        stack = [child for child, _ in output.grad_fn.next_functions if child is not None]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            counts[type(node).__name__] += 1
            stack.extend(child for child, _ in node.next_functions if child is not None)
        return dict(counts)

    assert not checks.check_ex3_1(skips_the_output_node)
    assert "on `tanh(w * x + b).sum()` you counted 0 x SumBackward0, the graph has 1" in capsys.readouterr().out


def test_ex3_1_leaving_out_accumulate_grad_is_caught(capsys):
    def ops_only(output):
        return {k: v for k, v in checks.solution_ex3_1(output).items() if k != "AccumulateGrad"}

    assert not checks.check_ex3_1(ops_only)
    assert "you counted 0 x AccumulateGrad, the graph has 3" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        # float32 where the float64 input asks for float64
        (lambda x: tuple(g.float() for g in checks.solution_ex3_2(x)),
         "on input 1 (x of shape (5,), torch.float64) item 0: the dtype is torch.float32, expected torch.float64"),
        # one part in 1e5 off: just outside the float64 tolerance
        (lambda x: tuple(g * (1 + 1e-5) for g in checks.solution_ex3_2(x)),
         "on input 1 (x of shape (5,), torch.float64) item 0: the values are wrong"),
        # one element short
        (lambda x: tuple(g[:-1] for g in checks.solution_ex3_2(x)), "item 0: the shape is (4,), expected (5,)"),
    ],
    ids=["float32", "1e-5 off", "one element short"],
)
def test_ex3_2_near_misses_fail(capsys, learner, expected):
    assert not checks.check_ex3_2(learner)
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        (lambda X, w: checks.solution_ex3_3(X, w).double(), "the dtype is torch.float64, expected torch.float32"),
        (lambda X, w: checks.solution_ex3_3(X, w) * (1 + 1e-4), "on input 1 (X of shape (4, 2), w of shape (2,)) the values are wrong"),
        (lambda X, w: checks.solution_ex3_3(X, w)[:-1], "the shape is (3,), expected (4,)"),
    ],
    ids=["float64", "1e-4 off", "one element short"],
)
def test_ex3_3_near_misses_fail(capsys, learner, expected):
    assert not checks.check_ex3_3(learner)
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("learner", "expected"),
    [
        (lambda X, w, b: checks.solution_ex3_4(X, w, b).double(), "the dtype is torch.float64, expected torch.float32"),
        # a float16 detour: rounding of about 1e-4, outside float32's tolerance
        (lambda X, w, b: checks.solution_ex3_4(X, w, b).half().float(), "the values are wrong"),
        (lambda X, w, b: checks.solution_ex3_4(X[:-1], w, b), "the shape is (2,), expected (3,)"),
    ],
    ids=["float64", "float16 rounding", "one row short"],
)
def test_ex3_4_near_misses_fail(capsys, learner, expected):
    assert not checks.check_ex3_4(learner)
    assert expected in capsys.readouterr().out


NAMES = {"check_ex3_1": "op_counts", "check_ex3_2": "two_gradients", "check_ex3_3": "hidden_gradient", "check_ex3_4": "predict"}


@pytest.mark.parametrize("checker", sorted(NAMES))
@pytest.mark.parametrize("value", [None, torch.ones(2)], ids=["None", "a Tensor"])
def test_not_a_function_asks_for_the_function_itself(capsys, checker, value):
    assert not getattr(checks, checker)(value)
    out = capsys.readouterr().out
    assert "Pass the function itself" in out and f"`{checker}({NAMES[checker]})`" in out
    assert out.count("\n") == 1


# ---------------------------------------------------------------- 3.1: the new misconceptions
def test_ex3_1_remembering_nodes_by_name_is_named(capsys):
    def seen_by_name(output):
        counts, seen, stack = Counter(), set(), [output.grad_fn]
        while stack:
            node = stack.pop()
            if type(node).__name__ in seen:  # two MulBackward0 nodes are not one node
                continue
            seen.add(type(node).__name__)
            counts[type(node).__name__] += 1
            stack.extend(child for child, _ in node.next_functions if child is not None)
        return dict(counts)

    assert not checks.check_ex3_1(seen_by_name)
    out = capsys.readouterr().out
    assert "you counted 1 x AccumulateGrad, the graph has 3" in out
    assert "two nodes of one type are still two nodes: remember visited nodes by `id(node)`" in out


def test_ex3_1_following_none_entries_is_translated(capsys):
    def follows_none(output):
        counts, seen, stack = Counter(), set(), [output.grad_fn]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            counts[type(node).__name__] += 1
            stack.extend(child for child, _ in node.next_functions)  # (None, 0) entries too
        return dict(counts)

    assert not checks.check_ex3_1(follows_none)
    out = capsys.readouterr().out
    assert "AttributeError: 'NoneType' object has no attribute 'next_functions'" in out
    assert "some entries of next_functions are (None, 0)" in out and "Skip them: `if child is not None`" in out


def test_ex3_1_node_name_is_named(capsys):
    def by_node_name(output):
        counts, seen, stack = Counter(), set(), [output.grad_fn]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            counts[node.name()] += 1  # 'torch::autograd::AccumulateGrad' for the leaves' nodes
            stack.extend(child for child, _ in node.next_functions if child is not None)
        return dict(counts)

    assert not checks.check_ex3_1(by_node_name)
    out = capsys.readouterr().out
    assert "you counted 'torch::autograd::AccumulateGrad': that is `node.name()`" in out
    assert "`type(node).__name__`" in out


def test_ex3_1_graph_with_one_type_three_times_is_among_the_cases():
    text, build = checks._ex3_1_cases()[-1]
    assert checks.solution_ex3_1(build()) == {"SumBackward0": 1, "MulBackward0": 3, "AccumulateGrad": 1}, text


def test_ex3_3_changing_w_in_place_is_caught(capsys):
    def steps_w(X, w):
        h = X @ w
        h.retain_grad()
        torch.relu(h).pow(2).mean().backward()
        with torch.no_grad():
            w -= 0.1 * w.grad  # a training step on the caller's parameter: not what the exercise asks
        return h.grad

    assert not checks.check_ex3_3(steps_w)
    assert "changed the values of the caller's `w` in place" in capsys.readouterr().out


def test_ex3_2_a_list_instead_of_a_tuple_is_named(capsys):
    def as_list(x):
        return list(checks.solution_ex3_2(x))

    assert not checks.check_ex3_2(as_list)
    assert "list" in capsys.readouterr().out
