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
    assert not ok and "has no parameters" in out and "plain Python list" in out and "section 1" in out


def test_ex4_1_missing_super_init(capsys):
    class NoSuper(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.fc2 = nn.Linear(hidden_features, out_features)

    ok, out = run(check_ex4_1, NoSuper, capsys)
    assert not ok and "TwoLayerNet(6, 5, 3) raised AttributeError" in out and "__init__() call" in out
    assert "self.fc1 = nn.Linear" in out  # the learner's own line is quoted
    assert "must be the first line of `__init__`" in out


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
    assert not ok and "fc1.weight has shape (6, 5), expected (5, 6)" in out and "arguments are swapped" in out


def test_ex4_1_missing_relu_is_named(capsys):
    class NoReLU(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super().__init__()
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.fc2 = nn.Linear(hidden_features, out_features)

        def forward(self, X):
            return self.fc2(self.fc1(X))

    ok, out = run(check_ex4_1, NoReLU, capsys)
    assert not ok and "no ReLU between the layers" in out and "single linear map" in out


def test_ex4_1_relu_after_the_last_layer_is_named(capsys):
    class ReLUAtTheEnd(TwoLayerNet):
        def forward(self, X):
            return F.relu(self.fc2(F.relu(self.fc1(X))))

    ok, out = run(check_ex4_1, ReLUAtTheEnd, capsys)
    assert not ok and "ReLU after fc2 too" in out


def test_ex4_1_softmax_at_the_end_is_named(capsys):
    class Softmaxed(TwoLayerNet):
        def forward(self, X):
            return torch.softmax(self.fc2(torch.relu(self.fc1(X))), dim=1)

    ok, out = run(check_ex4_1, Softmaxed, capsys)
    assert not ok and "ends with a softmax" in out


def test_ex4_1_new_layer_made_in_forward_is_named(capsys):
    class FreshLayers(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super().__init__()
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.fc2 = nn.Linear(hidden_features, out_features)

        def forward(self, X):
            hidden = nn.Linear(X.shape[1], self.fc1.out_features)(X)  # a new random layer at every call
            return self.fc2(F.relu(hidden))

    ok, out = run(check_ex4_1, FreshLayers, capsys)
    assert not ok and "create a new layer" in out and "in __init__" in out


def test_ex4_1_changing_the_input_in_place_is_caught(capsys):
    class InPlace(TwoLayerNet):
        def forward(self, X):
            X.mul_(1.0).add_(0.0)  # harmless arithmetic, but on the caller's tensor
            X += 1
            return self.fc2(F.relu(self.fc1(X - 1)))

    ok, out = run(check_ex4_1, InPlace, capsys)
    assert not ok and "changed its input X in place" in out


def test_ex4_1_leaving_grad_mode_off_is_caught(capsys):
    class GradOff(TwoLayerNet):
        def __init__(self, *sizes):
            super().__init__(*sizes)
            torch.set_grad_enabled(False)

    ok, out = run(check_ex4_1, GradOff, capsys)
    assert torch.is_grad_enabled()
    assert not ok and "gradient recording switched off" in out


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
    lambda i, o, k, bias=True: o * (i * k**2 + int(bias)),
    lambda i, o, k, bias=True: math.prod((o, i, k, k)) + o * bias,  # int * bool is an int
])
def test_ex4_2_accepts_correct_answers(answer, capsys):
    ok, out = run(check_ex4_2, answer, capsys)
    assert ok, out
    assert out.startswith("✅ Exercise 4.2 (conv_parameters)") and f"all {len(EX4_2_CASES)}" in out


# The misconceptions, each as a learner writes it, and the words its message must contain.
EX4_2_MISTAKES = {
    "bias forgotten": (lambda i, o, k, bias=True: o * i * k * k,
                       "returned 288, expected 320: the biases are missing"),
    "a bias per weight": (lambda i, o, k, bias=True: o * i * k * k + (o * i * k * k if bias else 0),
                          "returned 576, expected 320: you counted one bias per weight"),
    "in and out swapped for the bias": (lambda i, o, k, bias=True: o * i * k * k + (i if bias else 0),
                                        "returned 289, expected 320: you counted one bias per input channel"),
    "kernel not squared": (lambda i, o, k, bias=True: o * i * k + (o if bias else 0),
                           "returned 128, expected 320: kernel_size=3 means a 3x3 window"),
    "bias=False ignored": (lambda i, o, k, bias=True: o * i * k * k + o,
                           "conv_parameters(3, 16, 5, bias=False) returned 1,216, expected 1,200: with bias=False"),
}


@pytest.mark.parametrize("mistake", EX4_2_MISTAKES)
def test_ex4_2_names_each_misconception(mistake, capsys):
    answer, words = EX4_2_MISTAKES[mistake]
    ok, out = run(check_ex4_2, answer, capsys)
    assert not ok and words in out, out


def test_ex4_2_a_float_is_refused_even_with_the_right_value(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: o * (i * k * k + bias) / 1, capsys)
    assert not ok and "returned 320.0, a float: a count is a Python int" in out
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: torch.tensor(o * (i * k * k + bias)), capsys)
    assert not ok and "expected a Python int" in out


def test_ex4_2_building_a_layer_is_refused_and_the_seed_kept(capsys):
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    def builds_a_layer(i, o, k, bias=True):
        return sum(p.numel() for p in nn.Conv2d(i, o, k, bias=bias).parameters())

    ok, out = run(check_ex4_2, builds_a_layer, capsys)
    assert not ok and "built a layer" in out and "four numbers alone" in out
    assert torch.equal(state, torch.random.get_rng_state())


def test_ex4_2_an_unknown_off_by_one_shows_both_numbers(capsys):
    ok, out = run(check_ex4_2, lambda i, o, k, bias=True: solution_ex4_2(i, o, k, bias) + 1, capsys)
    assert not ok and "returned 321, expected 320" in out


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


def _init(weight, bias):
    """An init_weights that a learner writes, with the given weight and bias calls."""
    def init_weights(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            weight(module.weight)
            if module.bias is not None:
                bias(module.bias)
    return init_weights


EX4_3_MISTAKES = {
    "ones for the bias": (_init(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), nn.init.ones_),
                          "the biases are ones: they should be zeros"),
    "normal_ instead of kaiming_normal_": (_init(nn.init.normal_, nn.init.zeros_),
                                           "the weights come from nn.init.normal_, std 1"),
    "kaiming_uniform_": (_init(lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"), nn.init.zeros_),
                         "kaiming_uniform_ draws from a uniform distribution"),
    "fan_out mode": (_init(lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), nn.init.zeros_),
                     'mode="fan_out" takes the std from the number of outputs'),
    "xavier": (_init(nn.init.xavier_normal_, nn.init.zeros_), "that is Xavier (Glorot), meant for tanh"),
    "gain 1": (_init(lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear"), nn.init.zeros_),
               "the gain is 1"),
}


@pytest.mark.parametrize("mistake", EX4_3_MISTAKES)
def test_ex4_3_names_each_misconception(mistake, capsys):
    answer, words = EX4_3_MISTAKES[mistake]
    ok, out = run(check_ex4_3, answer, capsys)
    assert not ok and words in out, out


def test_ex4_3_rebinding_the_weight_is_named(capsys):
    def rebinds(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            module.weight = nn.Parameter(nn.init.kaiming_normal_(torch.empty_like(module.weight), nonlinearity="relu"))
            if module.bias is not None:
                module.bias = nn.Parameter(torch.zeros_like(module.bias))

    ok, out = run(check_ex4_3, rebinds, capsys)
    assert not ok and "0.weight (Conv2d) is a new Parameter object" in out and "in place" in out


def test_ex4_3_assigning_a_plain_tensor_is_translated(capsys):
    def assigns_tensor(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            module.weight = nn.init.kaiming_normal_(torch.empty_like(module.weight), nonlinearity="relu")

    ok, out = run(check_ex4_3, assigns_tensor, capsys)
    assert not ok and "raised TypeError" in out and "replaces the Parameter" in out


def test_ex4_3_walking_the_children_itself_is_named(capsys):
    def walks_children(module):
        for child in module.children():  # model.apply already visits every module: this re-walks
            solution_ex4_3(child)

    ok, out = run(check_ex4_3, walks_children, capsys)
    assert not ok and "Kaiming's spread" in out and "another order, or some twice" in out


def test_ex4_3_biases_left_alone(capsys):
    def keep_bias(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    ok, out = run(check_ex4_3, keep_bias, capsys)
    assert not ok and "0.bias (Conv2d) still holds PyTorch's default init" in out


def test_ex4_3_a_small_constant_bias_shows_the_values(capsys):
    def small_bias(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.constant_(module.bias, 0.01)

    ok, out = run(check_ex4_3, small_bias, capsys)
    assert not ok and "0.bias (Conv2d)" in out and "got 0.01, expected 0" in out and "biases should be zeros" in out


def test_ex4_3_a_wrong_std_is_measured(capsys):
    def half_std(module):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(module.weight, 0, math.sqrt(0.5 / module.weight[0].numel()))
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    ok, out = run(check_ex4_3, half_std, capsys)
    assert not ok and "0.weight (Conv2d): its std is" in out and "0.50× Kaiming's" in out


def test_ex4_3_only_linear_layers(capsys):
    def only_linear(module):
        if isinstance(module, nn.Linear):
            solution_ex4_3(module)

    ok, out = run(check_ex4_3, only_linear, capsys)
    assert not ok and "0.weight (Conv2d) still holds PyTorch's default init" in out


def test_ex4_3_every_layer_with_a_weight(capsys):
    def everything(module):
        if hasattr(module, "weight"):
            nn.init.kaiming_normal_(module.weight)  # a BatchNorm weight is 1-D: no fan-in

    ok, out = run(check_ex4_3, everything, capsys)
    assert not ok and "raised ValueError" in out and "Fan in and fan out" in out and "isinstance" in out


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
    assert not ok and "raised AttributeError" in out and "bias=False has `module.bias` None" in out


def test_ex4_3_leaving_grad_mode_off_is_caught(capsys):
    def grad_off(module):
        torch.set_grad_enabled(False)
        solution_ex4_3(module)

    ok, out = run(check_ex4_3, grad_off, capsys)
    assert torch.is_grad_enabled()
    assert not ok and "gradient recording switched off" in out


def test_ex4_3_stub_and_not_a_function(capsys):
    def stub(module):
        raise NotImplementedError

    ok, out = run(check_ex4_3, stub, capsys)
    assert not ok and "not done yet" in out
    ok, out = run(check_ex4_3, solution_ex4_3(nn.Linear(2, 2)), capsys)  # called instead of passed: None
    assert not ok and "got None" in out and "check_ex4_3(init_weights)" in out


# ---------------------------------------------------------------- hints and solutions


@pytest.mark.parametrize("exercise", ["4.1", "4.2", "4.3"])
def test_every_exercise_has_a_ladder_and_a_solution(exercise, capsys):
    assert 3 <= len(HINTS[exercise]) <= 4
    hint(exercise)
    out = capsys.readouterr().out
    assert f"Exercise {exercise}, hint 1 of {len(HINTS[exercise])}" in out and HINTS[exercise][0] in out
    hint(exercise, len(HINTS[exercise]))
    assert HINTS[exercise][-1] in capsys.readouterr().out
    hint(exercise, 99)
    assert "show_solution" in capsys.readouterr().out
    show_solution(exercise)
    out = capsys.readouterr().out
    assert f"reference solution of Exercise {exercise}" in out
    assert ("def solution_ex4_" in out) or ("class TwoLayerNet(nn.Module)" in out)
