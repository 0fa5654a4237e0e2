"""Checkers and reference solutions for the exercises of 04_modules.ipynb.

Each ``check_ex4_N(learner_answer)`` runs the learner's answer and the reference on the
same fixed inputs, prints one verdict line and returns a truthy/falsy Verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, check_function, describe_error, first_difference, judged

# Exercise 4.1: a small nn.Module subclass.


class TwoLayerNet(nn.Module):
    """fc1 -> ReLU -> fc2: (N, in_features) -> (N, out_features). Introduced in: 04_modules.ipynb"""

    def __init__(self, in_features: int, hidden_features: int, out_features: int) -> None:
        super().__init__()  # first: it creates the registries that the assignments below fill
        self.fc1 = nn.Linear(in_features, hidden_features)  # registered as a submodule: "fc1"
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(X)))  # (N, in) -> (N, hidden) -> (N, out)


solution_ex4_1 = TwoLayerNet  # the reference solution has the name the learner writes

#: (in_features, hidden_features, out_features, batch size)
EX4_1_CASES = [(6, 5, 3, 4), (2, 8, 1, 1)]


def _expected_shapes(in_features: int, hidden: int, out_features: int) -> dict[str, tuple[int, ...]]:
    return {"fc1.weight": (hidden, in_features), "fc1.bias": (hidden,),
            "fc2.weight": (out_features, hidden), "fc2.bias": (out_features,)}


def _judge_ex4_1(name: str, cls: Any) -> Verdict:
    for case, (n_in, n_hidden, n_out, batch) in enumerate(EX4_1_CASES, start=1):
        call = f"TwoLayerNet({n_in}, {n_hidden}, {n_out})"
        try:
            with torch.random.fork_rng(devices=[]):  # the layers' random init must not move the learner's seed
                torch.manual_seed(case)
                model = cls(n_in, n_hidden, n_out)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {call} raised {describe_error(err)}")
        if not isinstance(model, nn.Module):
            return Verdict(False, f"{FAIL} {name}: {call} made a {type(model).__name__}, not an nn.Module: "
                                  "write `class TwoLayerNet(nn.Module):`.")
        shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
        want = _expected_shapes(n_in, n_hidden, n_out)
        if not shapes:
            return Verdict(False, f"{FAIL} {name}: {call} has no parameters. Only layers assigned to attributes "
                                  "(self.fc1 = nn.Linear(...)) are registered; a plain Python list or dict hides them.")
        if sorted(shapes) != sorted(want):
            return Verdict(False, f"{FAIL} {name}: {call} has parameters {sorted(shapes)}, expected {sorted(want)}: "
                                  "name the layers self.fc1 and self.fc2.")
        for pname, shape in want.items():
            if shapes[pname] != shape:
                return Verdict(False, f"{FAIL} {name}: in {call}, {pname} has shape {shapes[pname]}, expected {shape} "
                                      "(nn.Linear(in_features, out_features) stores weight as (out, in)).")
        X = torch.randn(batch, n_in, generator=torch.Generator().manual_seed(40 + case))
        params = dict(model.named_parameters())
        with torch.no_grad():  # the reference: the learner's own parameters, used the right way
            expected = F.linear(F.relu(F.linear(X, params["fc1.weight"], params["fc1.bias"])),
                                params["fc2.weight"], params["fc2.bias"])
        try:
            with torch.no_grad():
                got = model(X.clone())
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE} (forward is not written yet)")
        except Exception as err:
            return Verdict(False, f"{FAIL} {name}: {call} on a batch of shape {tuple(X.shape)} raised {describe_error(err)}")
        problem = first_difference(got, expected, rtol=1e-5, atol=1e-6)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {call} on a batch of shape {tuple(X.shape)}: {problem} "
                                  "(forward should compute fc2(relu(fc1(X))) with the layers made in __init__).")
    return Verdict(True, f"{PASS} {name}: parameters and outputs are right for all {len(EX4_1_CASES)} sizes.")


def check_ex4_1(learner_cls: Any) -> Verdict:
    """Check a learner's ``TwoLayerNet`` class: registered layers fc1/fc2, their shapes, and forward.

    Introduced in: 04_modules.ipynb
    """
    name = "Exercise 4.1 (TwoLayerNet)"
    return judged(name, learner_cls, _judge_ex4_1)


# Exercise 4.2: the number of parameters of a convolution, by hand.


def solution_ex4_2(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> int:
    """Scalar parameters of ``nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)``.

    One (in_channels, k, k) filter per output channel, plus one bias per output channel.
    Introduced in: 04_modules.ipynb
    """
    weights = out_channels * in_channels * kernel_size * kernel_size  # weight: (out, in, k, k)
    return weights + (out_channels if bias else 0)  # bias: (out,)


#: (in_channels, out_channels, kernel_size, bias): the course CNN's two convolutions, then others.
EX4_2_CASES = [(1, 32, 3, True), (32, 64, 3, True), (3, 16, 5, False), (16, 8, 1, True), (4, 4, 7, True)]


def check_ex4_2(learner_fn: Callable[[int, int, int, bool], int]) -> Verdict:
    """Check ``conv_parameters(in_channels, out_channels, kernel_size, bias)`` (exact).

    Introduced in: 04_modules.ipynb
    """
    return check_function("Exercise 4.2 (conv_parameters)", learner_fn, solution_ex4_2, EX4_2_CASES, rtol=0, atol=0)


# Exercise 4.3: a custom initialisation function for model.apply.


def solution_ex4_3(module: nn.Module) -> None:
    """Kaiming-normal weights (ReLU gain) and zero biases for Conv2d and Linear; nothing else changes.

    Meant for ``model.apply(init_weights)``, which calls it on every submodule.
    Introduced in: 04_modules.ipynb
    """
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")  # std sqrt(2 / fan_in)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _ex4_3_model() -> nn.Sequential:
    """A small CNN with a batch-norm layer and a bias-free layer; always the same default init."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(43)
        return nn.Sequential(
            nn.Conv2d(2, 8, 3),  # (B, 2, 6, 6) -> (B, 8, 4, 4); fan_in 2*3*3 = 18
            nn.BatchNorm2d(8),  # its weight (ones) and bias (zeros) must stay as they are
            nn.ReLU(),
            nn.Flatten(),  # (B, 8, 4, 4) -> (B, 128)
            nn.Linear(128, 16),  # fan_in 128
            nn.ReLU(),
            nn.Linear(16, 10, bias=False),  # fan_in 16, no bias
        )


def _initialised(init_fn: Callable[[nn.Module], Any]) -> nn.Sequential:
    model = _ex4_3_model()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)  # the same random draws for the learner's function and the reference
        model.apply(init_fn)
    return model


def _judge_ex4_3(name: str, init_fn: Callable[[nn.Module], Any]) -> Verdict:
    want = _initialised(solution_ex4_3)
    try:
        got = _initialised(init_fn)
    except NotImplementedError:
        return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
    except Exception as err:
        return Verdict(False, f"{FAIL} {name}: model.apply(init_weights) raised {describe_error(err)}")
    layers = dict(want.named_modules())
    wanted = dict(want.named_parameters())
    for pname, param in got.named_parameters():
        layer = type(layers[pname.rpartition(".")[0]]).__name__
        problem = first_difference(param.detach(), wanted[pname].detach(), rtol=1e-5, atol=1e-6)
        if problem and layer not in ("Conv2d", "Linear"):
            return Verdict(False, f"{FAIL} {name}: {pname} ({layer}) changed: leave every layer but Conv2d and "
                                  "Linear as it is (check the type with isinstance).")
        if problem and pname.endswith("bias"):
            return Verdict(False, f"{FAIL} {name}: {pname} ({layer}): {problem}; biases should be zeros.")
        if problem:
            spread = f"its std is {param.std().item():.3g}, expected about {wanted[pname].std().item():.3g}"
            return Verdict(False, f"{FAIL} {name}: {pname} ({layer}): {problem}; {spread}.")
    return Verdict(True, f"{PASS} {name}: every Conv2d and Linear layer is initialised right, the rest untouched.")


def check_ex4_3(learner_fn: Callable[[nn.Module], Any]) -> Verdict:
    """Apply a learner's ``init_weights`` to a small CNN and compare every parameter with the reference's.

    Both run from the same seed, so a correct function gives exactly the same numbers.
    Introduced in: 04_modules.ipynb
    """
    name = "Exercise 4.3 (init_weights)"
    return judged(name, learner_fn, _judge_ex4_3)


HINTS = {
    "4.1": (
        "Call super().__init__() first, then assign the two layers to attributes: self.fc1 = nn.Linear(...), "
        "self.fc2 = nn.Linear(...). Assigning is what registers them.",
        "fc1 maps in_features to hidden_features and fc2 maps hidden_features to out_features; "
        "forward uses them: fc1, then F.relu (or torch.relu), then fc2.",
        "In forward: return self.fc2(F.relu(self.fc1(X)))",
    ),
    "4.2": (
        "A Conv2d layer has one filter per output channel, and each filter spans every input channel: "
        "its weight has shape (out_channels, in_channels, kernel_size, kernel_size).",
        "Multiply the four numbers of the weight's shape, then add one bias per output channel when bias is True.",
        "return out_channels * in_channels * kernel_size**2 + (out_channels if bias else 0)",
    ),
    "4.3": (
        "model.apply(init_weights) calls init_weights once for every submodule, the model itself included. "
        "Check the layer's type with isinstance(module, (nn.Conv2d, nn.Linear)) and do nothing for the others.",
        "nn.init.kaiming_normal_(module.weight, nonlinearity=\"relu\") fills the weight in place; "
        "nn.init.zeros_(module.bias) clears the bias, but only when module.bias is not None.",
        "if isinstance(module, (nn.Conv2d, nn.Linear)): nn.init.kaiming_normal_(module.weight, nonlinearity=\"relu\") "
        "and, if module.bias is not None, nn.init.zeros_(module.bias).",
    ),
}
