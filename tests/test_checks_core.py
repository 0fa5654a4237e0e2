"""helpers.checks: the one-line verdicts every exercise relies on."""

import torch

from helpers.checks import check_function, first_difference
from helpers.checks.setup import check_ex0_1, solution_ex0_1


def double(x):
    return x * 2


CASES = [(torch.arange(6.0).reshape(2, 3),)]


def test_right_answer_passes(capsys):
    verdict = check_function("Ex", lambda x: x + x, double, CASES)
    assert verdict and capsys.readouterr().out == "✅ Ex: correct on all 1 test inputs.\n"


def test_each_kind_of_wrong_answer_is_named(capsys):
    wrong = {
        "returned None": lambda x: None,
        "returned a list, expected a torch.Tensor": lambda x: (x * 2).tolist(),
        "the shape is (3, 2), expected (2, 3)": lambda x: (x * 2).T,
        "the dtype is torch.float64, expected torch.float32": lambda x: x.double() * 2,
        "the values are wrong (greatest absolute difference 5 at index (1, 2): got 15, expected 10)": lambda x: x * 3,
        "raised ZeroDivisionError": lambda x: 1 / 0,
        "not done yet": lambda x: (_ for _ in ()).throw(NotImplementedError()),
    }
    for expected, answer in wrong.items():
        verdict = check_function("Ex", answer, double, CASES)
        out = capsys.readouterr().out
        assert not verdict and out.startswith("❌ Ex:") and expected in out, out
        assert out.count("\n") == 1 and "Traceback" not in out


def test_learner_cannot_change_the_reference_inputs():
    def sneaky(x):
        x.zero_()  # in place: must not affect the reference's copy
        return x

    assert not check_function("Ex", sneaky, double, CASES)
    assert CASES[0][0].sum().item() == 15.0


def test_numbers_and_tuples():
    assert first_difference(3.0, 3.0) is None
    assert first_difference(3.5, 3.0) == "it returned 3.5, expected 3.0"
    assert first_difference((torch.ones(2), 1.5), (torch.ones(2), 2.0)) == "item 1: it returned 1.5, expected 2.0"
    assert "expected a tuple of 2 items" in first_difference(torch.ones(2), (torch.ones(2), 1.0))


def test_exercise_0_1_both_ways(capsys):
    assert check_ex0_1(solution_ex0_1)
    assert not check_ex0_1(lambda y, label: int((y != label).sum()))  # counts the others
    assert "it returned 16, expected 4" in capsys.readouterr().out
