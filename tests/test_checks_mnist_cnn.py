"""The exercise checkers of 08_mnist_cnn pass their solutions and name each usual mistake.

Every wrong answer below is written as a learner would write it (not imported from the checker),
and each listed misconception must be rejected with its own message.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_calls import not_done, returns_none, run

from helpers.checks import hint, show_solution
from helpers.checks.mnist_cnn import HINTS, check_ex8_1, check_ex8_2, solution_ex8_1, solution_ex8_2

# ---------------------------------------------------------------- Exercise 8.1: conv_output_size


def test_ex8_1_accepts_the_solution_and_other_right_forms(capsys):
    ok, out = run(check_ex8_1, solution_ex8_1, capsys)
    assert ok and out.startswith("✅ Exercise 8.1 (conv_output_size)") and "as a Python int" in out

    def with_floor(size, kernel_size, stride=1, padding=0):
        return math.floor((size + 2 * padding - kernel_size) / stride) + 1  # math.floor returns an int

    assert run(check_ex8_1, with_floor, capsys)[0]


def test_ex8_1_solution_gives_the_models_shapes():
    assert [solution_ex8_1(28, 3), solution_ex8_1(26, 2, 2), solution_ex8_1(13, 3), solution_ex8_1(11, 2, 2)] == [
        26, 13, 11, 5]


def test_ex8_1_names_the_forgotten_plus_one(capsys):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return (size + 2 * padding - kernel_size) // stride

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "it returned 25, the layer gives 26: the + 1 is missing" in out


def test_ex8_1_names_true_division(capsys):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return (size + 2 * padding - kernel_size) / stride + 1

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "it returned 26.0" in out and "`/` is true division" in out and "`//`" in out


def test_ex8_1_names_padding_counted_once(capsys):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return (size + padding - kernel_size) // stride + 1

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "on input 5" in out and "it returned 26, the layer gives 28" in out
    assert "the padding is counted once" in out and "size + 2 * padding" in out


def test_ex8_1_names_rounding_up(capsys):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return math.ceil((size + 2 * padding - kernel_size) / stride) + 1

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "on input 4" in out and "it returned 6, the layer gives 5" in out and "rounds up" in out


@pytest.mark.parametrize("answer, shown, kind", [
    (lambda s, k, st=1, p=0: torch.tensor((s + 2 * p - k) / st + 1), "tensor(26.)", "a torch.Tensor"),
    (lambda s, k, st=1, p=0: torch.tensor((s + 2 * p - k) // st + 1), "tensor(26)", "a torch.Tensor"),
    (lambda s, k, st=1, p=0: float((s + 2 * p - k) // st + 1), "26.0", "a float"),
    (lambda s, k, st=1, p=0: np.int64((s + 2 * p - k) // st + 1), "np.int64(26)", "(int64)"),
])
def test_ex8_1_asks_for_a_python_int_and_says_why(capsys, answer, shown, kind):
    ok, out = run(check_ex8_1, answer, capsys)
    assert not ok and f"it returned {shown}" in out and kind in out
    assert "`nn.Linear(64 * s * s, 128)`" in out and "`range(s)`" in out


def test_ex8_1_a_near_miss_is_rejected_with_its_numbers_not_a_wrong_name(capsys):
    def conv_output_size(size, kernel_size, stride=1, padding=0):  # the + 1 inside the division
        return (size + 2 * padding - kernel_size + 1) // stride

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "on input 2" in out and "it returned 12, the layer gives 13 (1 fewer)" in out
    assert "is missing" not in out  # it agrees with "the + 1 forgotten" on input 2 only


def test_ex8_1_reports_the_stub_a_missing_return_and_an_error(capsys):
    assert "not done yet" in run(check_ex8_1, not_done, capsys)[1]
    assert "returned None" in run(check_ex8_1, returns_none, capsys)[1]

    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return (size + 2 * padding - kernel_size) // stride + 1 + undefined_name  # noqa: F821

    ok, out = run(check_ex8_1, conv_output_size, capsys)
    assert not ok and "NameError" in out and "Traceback" not in out


# ---------------------------------------------------------------- Exercise 8.2: train_step


def test_ex8_2_accepts_the_solution_and_other_right_orders(capsys):
    ok, out = run(check_ex8_2, solution_ex8_2, capsys)
    assert ok and out.startswith("✅ Exercise 8.2 (train_step)")

    def zero_grad_last(model, X, y, loss_fn, optimizer):  # also right: gradients are clear for the next step
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.detach()

    def zero_grad_first_and_train_mode(model, X, y, loss_fn, optimizer):
        model.train()  # harmless: the caller's model is in training mode already
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach().clone()  # a detached copy: no graph, no wait

    assert run(check_ex8_2, zero_grad_last, capsys)[0]
    assert run(check_ex8_2, zero_grad_first_and_train_mode, capsys)[0]


def test_ex8_2_names_zero_grad_between_backward_and_step(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        return loss.detach()

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "zero_grad() comes between loss.backward() and optimizer.step()" in out
    assert "call optimizer.step() after" not in out  # the old message named a wrong cause


def test_ex8_2_names_a_missing_zero_grad(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "on call 2 the gradients were not cleared before loss.backward(), so they added up" in out
    assert "optimizer.zero_grad() before loss.backward()" in out


def test_ex8_2_names_step_before_backward(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        optimizer.step()
        loss.backward()
        return loss.detach()

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "optimizer.step() runs before loss.backward()" in out and "lag one batch behind" in out


def test_ex8_2_names_a_missing_step_and_a_missing_backward(capsys):
    def no_step(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        return loss.detach()

    def no_backward(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        optimizer.step()
        return loss.detach()

    assert "optimizer.step() is never called" in run(check_ex8_2, no_step, capsys)[1]
    assert "loss.backward() is never called" in run(check_ex8_2, no_backward, capsys)[1]


def test_ex8_2_names_backward_on_the_model(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward()
        optimizer.step()
        return loss.detach()

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "AttributeError" in out and "loss.backward()" in out and "Traceback" not in out


def _step_returning(what):
    def train_step(model, X, y, loss_fn, optimizer):
        logits = model(X)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return what(loss, logits)
    return train_step


def test_ex8_2_names_the_loss_with_its_graph_and_says_what_it_keeps(capsys):
    ok, out = run(check_ex8_2, _step_returning(lambda loss, logits: loss), capsys)
    assert not ok and "still attached to its graph (grad_fn=NllLossBackward0)" in out and "loss.detach()" in out
    assert "nodes alive" in out and "whole graph" not in out  # backward() freed the saved tensors


def test_ex8_2_names_item_and_says_why_detach(capsys):
    ok, out = run(check_ex8_2, _step_returning(lambda loss, logits: loss.item()), capsys)
    assert not ok and "returned a Python float (loss.item()?): return loss.detach()" in out and "waits" in out


def test_ex8_2_names_item_in_disguise(capsys):
    ok, out = run(check_ex8_2, _step_returning(lambda loss, logits: torch.tensor(loss.item())), capsys)
    assert not ok and "torch.tensor(loss.item())?" in out and ".item() in disguise" in out
    ok, out = run(check_ex8_2, _step_returning(lambda loss, logits: torch.tensor(float(loss), dtype=loss.dtype)), capsys)
    assert not ok and ".item() in disguise" in out  # float() reads the number into Python just the same


def test_ex8_2_names_item_used_inside_the_step_for_printing(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        loss = solution_ex8_2(model, X, y, loss_fn, optimizer)
        print(f"loss {loss.item():.3f}")
        return loss

    verdict = check_ex8_2(train_step)
    out = capsys.readouterr().out
    assert not verdict and "reads the loss into Python" in verdict.message and verdict.message in out


def test_ex8_2_names_eval_mode_inside_the_step(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        model.eval()
        return solution_ex8_2(model, X, y, loss_fn, optimizer)

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "ran in eval mode (model.eval() inside the step?)" in out and "dropout" in out


def test_ex8_2_catches_the_logits_a_list_and_nothing(capsys):
    assert "tensor of shape (8, 3), expected the loss, a 0-d tensor" in run(
        check_ex8_2, _step_returning(lambda loss, logits: logits.detach()), capsys)[1]
    assert "returned a list, expected the loss as a 0-d tensor" in run(
        check_ex8_2, _step_returning(lambda loss, logits: [loss.detach()]), capsys)[1]

    def returns_nothing(model, X, y, loss_fn, optimizer):
        solution_ex8_2(model, X, y, loss_fn, optimizer)

    assert "returned None" in run(check_ex8_2, returns_nothing, capsys)[1]


def test_ex8_2_catches_the_loss_after_the_step(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        solution_ex8_2(model, X, y, loss_fn, optimizer)
        return loss_fn(model(X), y).detach()

    assert "computed before the step" in run(check_ex8_2, train_step, capsys)[1]


def test_ex8_2_catches_the_loss_of_the_previous_batch(capsys):
    previous = {}

    def train_step(model, X, y, loss_fn, optimizer):
        loss = solution_ex8_2(model, X, y, loss_fn, optimizer)
        result = previous.get("loss", loss)
        previous["loss"] = loss
        return result

    assert "the second step returned" in run(check_ex8_2, train_step, capsys)[1]


def test_ex8_2_asks_for_the_loss_fn_it_is_given(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        loss = F.cross_entropy(model(X), y)  # the right number here, but not the caller's loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    assert "never called the loss_fn it was given" in run(check_ex8_2, train_step, capsys)[1]


def test_ex8_2_translates_a_forward_pass_without_gradients(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        with torch.no_grad():
            loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "does not require grad" in out and "What it means" in out


def test_ex8_2_catches_grad_mode_left_off(capsys):
    def train_step(model, X, y, loss_fn, optimizer):
        loss = solution_ex8_2(model, X, y, loss_fn, optimizer)
        torch.set_grad_enabled(False)
        return loss

    ok, out = run(check_ex8_2, train_step, capsys)
    assert not ok and "gradient recording switched off" in out
    assert torch.is_grad_enabled()  # the checker switched it back on


def test_ex8_2_reports_the_stub(capsys):
    assert "not done yet" in run(check_ex8_2, not_done, capsys)[1]


def test_ex8_2_checker_leaves_the_global_random_state_and_torch_alone():
    state = torch.random.get_rng_state()
    check_ex8_2(solution_ex8_2)
    check_ex8_2(_step_returning(lambda loss, logits: loss.item()))
    assert torch.equal(state, torch.random.get_rng_state())
    assert "item" not in vars(torch.Tensor) and "__float__" not in vars(torch.Tensor)  # unpatched again


# ---------------------------------------------------------------- non-functions, hints


@pytest.mark.parametrize("check, call", [(check_ex8_1, "check_ex8_1(conv_output_size)"),
                                         (check_ex8_2, "check_ex8_2(train_step)")])
@pytest.mark.parametrize("value", [None, torch.tensor(1.0), 26])
def test_something_that_is_not_a_function_gets_the_call_to_write(capsys, check, call, value):
    assert not check(value)
    out = capsys.readouterr().out
    assert "not a function. Pass the function itself" in out and f"`{call}`" in out


@pytest.mark.parametrize("exercise", ["8.1", "8.2"])
def test_every_exercise_has_a_ladder_and_a_solution_to_show(capsys, exercise):
    assert 3 <= len(HINTS[exercise]) <= 4
    hint(exercise)
    first = capsys.readouterr().out
    assert first.startswith(f"💡 Exercise {exercise}, hint 1 of {len(HINTS[exercise])}") and HINTS[exercise][0] in first
    hint(exercise, len(HINTS[exercise]))
    assert "show_solution(" in capsys.readouterr().out
    show_solution(exercise)
    shown = capsys.readouterr().out
    assert f"def solution_ex{exercise.replace('.', '_')}(" in shown and "return" in shown
