"""The checkers of 04_modules.ipynb: right answers pass, typical wrong answers fail and say why."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from checker_calls import run
from helpers.checks import hint, show_solution
from helpers.checks.modules import (
    EX4_2_CASES,
    HINTS,
    TwoLayerNet,
    check_ex4_1,
    check_ex4_2,
    check_ex4_3,
    solution_ex4_2,
    solution_ex4_3,
)


# ---------------------------------------------------------------- Exercise 4.1: TwoLayerNet


class WithSequential(nn.Module):
    """Also right: the same layers and names, with the ReLU as a module."""

    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, X):
        return self.fc2(self.act(self.fc1(X)))


def test_ex4_1_accepts_the_solution_and_an_equivalent(capsys):
    for answer in (TwoLayerNet, WithSequential):
        ok, out = run(check_ex4_1, answer, capsys)
        assert ok, out
        assert out.startswith("✅ Exercise 4.1 (TwoLayerNet)")


def test_ex4_1_solution_has_the_expected_parameters():
    model = TwoLayerNet(784, 100, 10)
    assert [(n, tuple(p.shape)) for n, p in model.named_parameters()] == [
        ("fc1.weight", (100, 784)), ("fc1.bias", (100,)), ("fc2.weight", (10, 100)), ("fc2.bias", (10,))]
    X = torch.randn(3, 784)
    torch.testing.assert_close(model(X), model.fc2(torch.relu(model.fc1(X))))


def test_ex4_1_does_not_move_the_learners_seed(capsys):
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    check_ex4_1(TwoLayerNet)
    capsys.readouterr()
    assert torch.equal(state, torch.random.get_rng_state())


def test_ex4_1_layers_in_a_list_are_not_registered(capsys):
    class InAList(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super().__init__()
            self.layers = [nn.Linear(in_features, hidden_features), nn.Linear(hidden_features, out_features)]

        def forward(self, X):
            return self.layers[1](F.relu(self.layers[0](X)))

    ok, out = run(check_ex4_1, InAList, capsys)
    assert not ok and "has no parameters" in out and "plain Python list" in out


def test_ex4_1_missing_super_init(capsys):
    class NoSuper(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.fc2 = nn.Linear(hidden_features, out_features)

    ok, out = run(check_ex4_1, NoSuper, capsys)
    assert not ok and "TwoLayerNet(6, 5, 3) raised AttributeError" in out and "__init__() call" in out
    assert "self.fc1 = nn.Linear" in out  # the learner's own line is quoted


def test_ex4_1_other_names(capsys):
    class OtherNames(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super().__init__()
            self.hidden = nn.Linear(in_features, hidden_features)
            self.out = nn.Linear(hidden_features, out_features)

        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))

    ok, out = run(check_ex4_1, OtherNames, capsys)
    assert not ok and "'hidden.weight'" in out and "self.fc1 and self.fc2" in out


def test_ex4_1_swapped_linear_arguments(capsys):
    class Swapped(TwoLayerNet):
        def __init__(self, in_features, hidden_features, out_features):
            nn.Module.__init__(self)
            self.fc1 = nn.Linear(hidden_features, in_features)
            self.fc2 = nn.Linear(out_features, hidden_features)

    ok, out = run(check_ex4_1, Swapped, capsys)
    assert not ok and "fc1.weight has shape (6, 5), expected (5, 6)" in out


def test_ex4_1_missing_relu_is_a_value_error(capsys):
    class NoReLU(TwoLayerNet):
        def forward(self, X):
            return self.fc2(self.fc1(X))

    ok, out = run(check_ex4_1, NoReLU, capsys)
    assert not ok and "values are wrong" in out and "fc2(relu(fc1(X)))" in out


def test_ex4_1_new_layer_made_in_forward_is_a_value_error(capsys):
    class FreshLayer(TwoLayerNet):
        def forward(self, X):
            return nn.Linear(self.fc1.in_features, self.fc2.out_features)(X)  # not the registered layers

    ok, out = run(check_ex4_1, FreshLayer, capsys)
    assert not ok and "values are wrong" in out


def test_ex4_1_stub_forward_stub_not_a_module_and_not_a_class(capsys):
    class Stub(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super().__init__()
            raise NotImplementedError

    class ForwardStub(TwoLayerNet):
        def forward(self, X):
            raise NotImplementedError

    ok, out = run(check_ex4_1, Stub, capsys)
    assert not ok and "not done yet" in out
    ok, out = run(check_ex4_1, ForwardStub, capsys)
    assert not ok and "not done yet" in out and "forward" in out
    ok, out = run(check_ex4_1, lambda a, b, c: [a, b, c], capsys)
    assert not ok and "made a list, not an nn.Module" in out
    ok, out = run(check_ex4_1, TwoLayerNet(2, 3, 4), capsys)  # an instance is callable: it fails later
    assert not ok
    ok, out = run(check_ex4_1, None, capsys)
    assert not ok and "Pass the function itself" in out and "check_ex4_1(TwoLayerNet)" in out


# ---------------------------------------------------------------- Exercise 4.2: conv_parameters


def test_solution_ex4_2_counts_what_pytorch_allocates():
    for in_ch, out_ch, k, bias in EX4_2_CASES:
        layer = nn.Conv2d(in_ch, out_ch, k, bias=bias)
        assert solution_ex4_2(in_ch, out_ch, k, bias) == sum(p.numel() for p in layer.parameters())
    assert solution_ex4_2(1, 32, 3) == 320 and solution_ex4_2(32, 64, 3) == 18_496


@pytest.mark.parametrize("answer", [
    solution_ex4_2,
    lambda i, o, k, bias=True: sum(p.numel() for p in nn.Conv2d(i, o, k, bias=bias).parameters()),
    lambda i, o, k, bias=True: float(o * (i * k * k + int(bias))),  # a float with the right value is fine
])
def test_ex4_2_accepts_correct_answers(answer, capsys):
    ok, out = run(check_ex4_2, answer, capsys)
    assert ok, out
    assert out.startswith("✅ Exercise 4.2 (conv_parameters)") and f"all {len(EX4_2_CASES)}" in out


def test_ex4_2_forgotten_bias(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: o * i * k * k, capsys)
    assert not ok and "on input 1" in out and "it returned 288, expected 320" in out


def test_ex4_2_kernel_not_squared(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: o * i * k + (o if bias else 0), capsys)
    assert not ok and "it returned 128, expected 320" in out


def test_ex4_2_bias_always_added_fails_only_on_the_bias_free_case(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: o * i * k * k + o, capsys)
    assert not ok and "on input 3" in out and "it returned 1216, expected 1200" in out


def test_ex4_2_off_by_one_is_caught(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: solution_ex4_2(i, o, k, bias) + 1, capsys)
    assert not ok and "it returned 321, expected 320" in out


def test_ex4_2_stub_missing_return_and_not_a_function(capsys):
    def stub(i, o, k, bias=True):
        raise NotImplementedError

    def no_return(i, o, k, bias=True):
        o * i * k * k + o

    ok, out = run(check_ex4_2, stub, capsys)
    assert not ok and "not done yet" in out
    ok, out = run(check_ex4_2, no_return, capsys)
    assert not ok and "returned None" in out
    ok, out = run(check_ex4_2, 320, capsys)
    assert not ok and "Pass the function itself" in out and "check_ex4_2(conv_parameters)" in out


# ---------------------------------------------------------------- Exercise 4.3: init_weights


def test_solution_ex4_3_gives_kaiming_statistics():
    layer = nn.Linear(1000, 500)
    solution_ex4_3(layer)
    assert torch.all(layer.bias == 0)
    assert layer.weight.std().item() == pytest.approx(math.sqrt(2 / 1000), rel=0.02)
    norm = nn.BatchNorm1d(5)
    solution_ex4_3(norm)
    assert torch.all(norm.weight == 1)


def by_hand(module):
    """Also right: the same draws, written out."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        fan_in = module.weight[0].numel()
        with torch.no_grad():
            module.weight.normal_(0, math.sqrt(2 / fan_in))
            if module.bias is not None:
                module.bias.zero_()


def defaults(module):
    """Also right: kaiming_normal_'s defaults (leaky_relu with a=0) give the ReLU gain."""
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.kaiming_normal_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


@pytest.mark.parametrize("answer", [solution_ex4_3, by_hand, defaults])
def test_ex4_3_accepts_correct_answers(answer, capsys):
    ok, out = run(check_ex4_3, answer, capsys)
    assert ok, out
    assert out.startswith("✅ Exercise 4.3 (init_weights)")


def test_ex4_3_biases_left_alone(capsys):
    def keep_bias(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    ok, out = run(check_ex4_3, keep_bias, capsys)
    assert not ok and "0.bias (Conv2d)" in out and "biases should be zeros" in out


def test_ex4_3_fan_out_mode(capsys):
    def fan_out(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    ok, out = run(check_ex4_3, fan_out, capsys)
    assert not ok and "0.weight (Conv2d)" in out and "values are wrong" in out and "its std is" in out


def test_ex4_3_xavier_instead(capsys):
    def xavier(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    ok, out = run(check_ex4_3, xavier, capsys)
    assert not ok and "values are wrong" in out


def test_ex4_3_only_linear_layers(capsys):
    def only_linear(module):
        if isinstance(module, nn.Linear):
            solution_ex4_3(module)

    ok, out = run(check_ex4_3, only_linear, capsys)
    assert not ok and "0.weight (Conv2d)" in out


def test_ex4_3_every_layer_with_a_weight(capsys):
    def everything(module):
        if hasattr(module, "weight"):
            nn.init.kaiming_normal_(module.weight)  # a BatchNorm weight is 1-D: no fan-in

    ok, out = run(check_ex4_3, everything, capsys)
    assert not ok and "raised ValueError" in out and "Fan in and fan out" in out


def test_ex4_3_batch_norm_changed(capsys):
    def touches_norm(module):
        solution_ex4_3(module)
        if isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight)

    ok, out = run(check_ex4_3, touches_norm, capsys)
    assert not ok and "1.weight (BatchNorm2d) changed" in out


def test_ex4_3_bias_free_layer_handled(capsys):
    def assumes_bias(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)  # the last layer has bias=None

    ok, out = run(check_ex4_3, assumes_bias, capsys)
    assert not ok and "raised AttributeError" in out


def test_ex4_3_stub_and_not_a_function(capsys):
    def stub(module):
        raise NotImplementedError

    ok, out = run(check_ex4_3, stub, capsys)
    assert not ok and "not done yet" in out
    ok, out = run(check_ex4_3, solution_ex4_3(nn.Linear(2, 2)), capsys)  # called instead of passed: None
    assert not ok and "got None" in out and "check_ex4_3(init_weights)" in out


# ---------------------------------------------------------------- hints and solutions


@pytest.mark.parametrize("exercise", ["4.2", "4.1", "4.3"])
def test_every_exercise_has_hints_and_a_solution(exercise, capsys):
    assert 2 <= len(HINTS[exercise]) <= 3
    hint(exercise)
    out = capsys.readouterr().out
    assert f"Exercise {exercise}, hint 1 of {len(HINTS[exercise])}" in out and HINTS[exercise][0] in out
    hint(exercise, 99)
    assert HINTS[exercise][-1] in capsys.readouterr().out
    show_solution(exercise)
    out = capsys.readouterr().out
    assert f"reference solution of Exercise {exercise}" in out
    assert ("def solution_ex4_" in out) or ("class TwoLayerNet(nn.Module)" in out)
