"""The exercise checkers of 08_mnist_cnn pass their solutions and catch typical mistakes."""

import torch

import pytest

from helpers.checks import hint, show_solution
from helpers.checks.mnist_cnn import HINTS, check_ex8_1, check_ex8_2, solution_ex8_1, solution_ex8_2


# ---------------------------------------------------------------- Exercise 8.1: conv_output_size

def test_ex8_1_accepts_the_solution(capsys):
    assert check_ex8_1(solution_ex8_1)
    assert capsys.readouterr().out.startswith("✅ Exercise 8.1 (conv_output_size)")


def test_ex8_1_solution_gives_the_models_shapes():
    assert [solution_ex8_1(28, 3), solution_ex8_1(26, 2, 2), solution_ex8_1(13, 3), solution_ex8_1(11, 2, 2)] == [
        26, 13, 11, 5]


def test_ex8_1_catches_the_off_by_one(capsys):
    assert not check_ex8_1(lambda size, kernel_size, stride=1, padding=0: (size + 2 * padding - kernel_size) // stride)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 8.1 (conv_output_size)") and "it returned 25, expected 26" in out


def test_ex8_1_catches_true_division_on_the_pooling_case(capsys):
    assert not check_ex8_1(lambda size, kernel_size, stride=1, padding=0: (size + 2 * padding - kernel_size) / stride + 1)
    assert "it returned 5.5, expected 5" in capsys.readouterr().out


def test_ex8_1_catches_forgotten_padding(capsys):
    assert not check_ex8_1(lambda size, kernel_size, stride=1, padding=0: (size - kernel_size) // stride + 1)
    assert "input 5" in capsys.readouterr().out  # the first padded case


def test_ex8_1_reports_the_stub_and_a_missing_return(capsys):
    def stub(size, kernel_size, stride=1, padding=0):
        raise NotImplementedError

    def no_return(size, kernel_size, stride=1, padding=0):
        size - kernel_size + 1

    assert not check_ex8_1(stub)
    assert "not done yet" in capsys.readouterr().out
    assert not check_ex8_1(no_return)
    assert "returned None" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 8.2: train_step

def test_ex8_2_accepts_the_solution_and_zero_grad_after_step(capsys):
    assert check_ex8_2(solution_ex8_2)
    assert capsys.readouterr().out.startswith("✅ Exercise 8.2 (train_step)")

    def zero_grad_last(model, X, y, loss_fn, optimizer):  # also right: gradients are clear for the next step
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.detach()

    assert check_ex8_2(zero_grad_last)


def test_ex8_2_catches_a_missing_zero_grad(capsys):
    def no_zero_grad(model, X, y, loss_fn, optimizer):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    assert not check_ex8_2(no_zero_grad)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 8.2 (train_step)") and "the second is not" in out and "zero_grad()" in out


def test_ex8_2_catches_a_missing_step(capsys):
    def no_step(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        return loss.detach()

    assert not check_ex8_2(no_step)
    assert "did not change: call optimizer.step()" in capsys.readouterr().out


def test_ex8_2_catches_zero_grad_between_backward_and_step(capsys):
    def zero_grad_too_late(model, X, y, loss_fn, optimizer):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        return loss.detach()

    assert not check_ex8_2(zero_grad_too_late)
    assert "did not change" in capsys.readouterr().out


def test_ex8_2_catches_backward_on_the_model(capsys):
    def backward_on_model(model, X, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward()
        optimizer.step()
        return loss.detach()

    assert not check_ex8_2(backward_on_model)
    out = capsys.readouterr().out
    assert "AttributeError" in out and "loss.backward()" in out and "Traceback" not in out


def _step_returning(what):
    def train_step(model, X, y, loss_fn, optimizer):
        logits = model(X)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return what(loss, logits)
    return train_step


def test_ex8_2_catches_the_loss_with_its_graph(capsys):
    assert not check_ex8_2(_step_returning(lambda loss, logits: loss))
    out = capsys.readouterr().out
    assert "still attached to its graph (grad_fn=NllLossBackward0)" in out and "loss.detach()" in out


def test_ex8_2_catches_item_and_says_why_detach(capsys):
    assert not check_ex8_2(_step_returning(lambda loss, logits: loss.item()))
    out = capsys.readouterr().out
    assert "returned a Python float (loss.item()?): return loss.detach()" in out and "waits" in out


def test_ex8_2_catches_the_logits_a_list_and_nothing(capsys):
    assert not check_ex8_2(_step_returning(lambda loss, logits: logits.detach()))
    assert "tensor of shape (8, 3), expected the loss, a 0-d tensor" in capsys.readouterr().out
    assert not check_ex8_2(_step_returning(lambda loss, logits: [loss.detach()]))
    assert "returned a list, expected the loss as a 0-d tensor" in capsys.readouterr().out

    def returns_none(model, X, y, loss_fn, optimizer):
        solution_ex8_2(model, X, y, loss_fn, optimizer)

    assert not check_ex8_2(returns_none)
    assert "returned None" in capsys.readouterr().out


def test_ex8_2_accepts_a_detached_copy(capsys):
    assert check_ex8_2(_step_returning(lambda loss, logits: loss.detach().clone()))


def test_ex8_2_catches_the_loss_after_the_step(capsys):
    def loss_after_step(model, X, y, loss_fn, optimizer):
        solution_ex8_2(model, X, y, loss_fn, optimizer)
        return loss_fn(model(X), y).detach()

    assert not check_ex8_2(loss_after_step)
    assert "computed before the step" in capsys.readouterr().out


def test_ex8_2_reports_the_stub(capsys):
    def stub(model, X, y, loss_fn, optimizer):
        raise NotImplementedError

    assert not check_ex8_2(stub)
    assert "not done yet" in capsys.readouterr().out


def test_ex8_2_checker_leaves_the_global_random_state_alone():
    state = torch.random.get_rng_state()
    check_ex8_2(solution_ex8_2)
    assert torch.equal(state, torch.random.get_rng_state())


# ---------------------------------------------------------------- near misses, non-functions, hints

def test_ex8_1_catches_padding_counted_once(capsys):
    assert not check_ex8_1(lambda size, kernel_size, stride=1, padding=0: (size + padding - kernel_size) // stride + 1)
    out = capsys.readouterr().out
    assert "on input 5" in out and "it returned 26, expected 28" in out


def test_ex8_1_near_miss_on_the_strided_case(capsys):
    assert not check_ex8_1(lambda size, kernel_size, stride=1, padding=0: (size + 2 * padding - kernel_size + 1) // stride)
    out = capsys.readouterr().out
    assert "on input 2" in out and "it returned 12, expected 13" in out


def test_ex8_2_near_miss_loss_of_the_previous_batch(capsys):
    previous = {}

    def stale(model, X, y, loss_fn, optimizer):
        loss = solution_ex8_2(model, X, y, loss_fn, optimizer)
        result = previous.get("loss", loss)
        previous["loss"] = loss
        return result

    assert not check_ex8_2(stale)  # the first step's loss is right, the second step's is the first's
    assert "the second step returned" in capsys.readouterr().out


@pytest.mark.parametrize("check, call", [(check_ex8_1, "check_ex8_1(conv_output_size)"),
                                         (check_ex8_2, "check_ex8_2(train_step)")])
@pytest.mark.parametrize("value", [None, torch.tensor(1.0), 26])
def test_something_that_is_not_a_function_gets_the_call_to_write(capsys, check, call, value):
    assert not check(value)
    out = capsys.readouterr().out
    assert "not a function. Pass the function itself" in out and f"`{call}`" in out


@pytest.mark.parametrize("exercise", ["8.1", "8.2"])
def test_every_exercise_has_hints_and_a_solution_to_show(capsys, exercise):
    assert 2 <= len(HINTS[exercise]) <= 3
    hint(exercise)
    first = capsys.readouterr().out
    assert first.startswith(f"💡 Exercise {exercise}, hint 1 of {len(HINTS[exercise])}") and HINTS[exercise][0] in first
    hint(exercise, len(HINTS[exercise]))
    assert "show_solution(" in capsys.readouterr().out
    show_solution(exercise)
    shown = capsys.readouterr().out
    assert f"def solution_ex{exercise.replace('.', '_')}(" in shown and "return" in shown
