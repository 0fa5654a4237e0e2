"""Checkers and reference solutions for the exercises of 04_modules.ipynb.

Each ``check_ex4_N(learner_answer)`` runs the learner's answer and the reference on the
same fixed inputs, prints one verdict line and returns a truthy/falsy Verdict. Each knows
its exercise's usual mistakes by name (see the ``_MISTAKES_*`` tables) and says where the
notebook explains them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Verdict,
    describe_error,
    first_difference,
    judged,
    watching_global_state,
    wrong_type,
)

# ---------------------------------------------------------------- Exercise 4.1: a small nn.Module subclass


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

#: What 4.1's learners' errors mean, tried before the shared translations.
_ERRORS_4_1 = (
    (r"cannot assign module before Module.__init__\(\) call", (
        "`super().__init__()` must be the first line of `__init__`: it creates the registries that "
        "`self.fc1 = nn.Linear(...)` files the layer in (section 1 shows the mistake)")),
)

#: Known wrong forward passes, computed from the learner's own layers: (name, fn(model, X), message).
_FORWARD_MISTAKES_4_1: tuple[tuple[str, Callable[[Any, torch.Tensor], torch.Tensor], str], ...] = (
    ("no ReLU", lambda m, X: F.linear(F.linear(X, *_wb(m, "fc1")), *_wb(m, "fc2")), (
        "forward has no ReLU between the layers: fc2(fc1(X)) is a single linear map, however many Linear "
        "layers you stack. Put F.relu (or torch.relu) between them")),
    ("ReLU at the end", lambda m, X: F.relu(_reference_forward(m, X)), (
        "forward applies a ReLU after fc2 too: the outputs (logits) must be able to be negative. "
        "Return fc2's output as it is")),
    ("softmax at the end", lambda m, X: torch.softmax(_reference_forward(m, X), dim=-1), (
        "forward ends with a softmax: return fc2's raw outputs (the loss, nn.CrossEntropyLoss, applies "
        "its own log-softmax)")),
)


def _wb(model: nn.Module, layer: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    params = dict(model.named_parameters())
    return params[f"{layer}.weight"], params.get(f"{layer}.bias")


def _reference_forward(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """fc2(relu(fc1(X))) with the learner's own registered parameters."""
    return F.linear(F.relu(F.linear(X, *_wb(model, "fc1"))), *_wb(model, "fc2"))


def _expected_shapes(in_features: int, hidden: int, out_features: int) -> dict[str, tuple[int, ...]]:
    return {"fc1.weight": (hidden, in_features), "fc1.bias": (hidden,),
            "fc2.weight": (out_features, hidden), "fc2.bias": (out_features,)}


def _build_4_1(cls: Any, call: str, case: int, n_in: int, n_hidden: int, n_out: int) -> tuple[Any, Verdict | None]:
    try:
        with torch.random.fork_rng(devices=[]):  # the layers' random init must not move the learner's seed
            torch.manual_seed(case)
            return cls(n_in, n_hidden, n_out), None
    except NotImplementedError:
        return None, Verdict(False, f"{FAIL} Exercise 4.1 (TwoLayerNet): {NOT_DONE}")
    except Exception as err:  # a learner's bug, reported in one line
        raised = describe_error(err, _ERRORS_4_1)
        return None, Verdict(False, f"{FAIL} Exercise 4.1 (TwoLayerNet): {call} raised {raised}")


def _registration_problem(model: Any, call: str, want: dict[str, tuple[int, ...]]) -> str | None:
    if not isinstance(model, nn.Module):
        return f"{call} made a {type(model).__name__}, not an nn.Module: write `class TwoLayerNet(nn.Module):`."
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    if not shapes:
        return (f"{call} has no parameters. Only layers assigned to attributes (self.fc1 = nn.Linear(...)) are "
                "registered; a plain Python list or dict hides them (section 1, the InAList cell; nn.ModuleList "
                "registers a list).")
    if sorted(shapes) != sorted(want):
        return (f"{call} has parameters {sorted(shapes)}, expected {sorted(want)}: name the layers self.fc1 "
                "and self.fc2.")
    for pname, shape in want.items():
        if shapes[pname] != shape:
            swapped = shape[::-1] == shapes[pname]
            return (f"in {call}, {pname} has shape {shapes[pname]}, expected {shape} "
                    f"(nn.Linear(in_features, out_features) stores weight as (out, in)"
                    + ("; yours looks like nn.Linear(out, in): the arguments are swapped" if swapped else "")
                    + ", section 2).")
    return None


def _forward_problem(model: nn.Module, call: str, X: torch.Tensor) -> str | None:
    """What is wrong with the learner's forward on X, or None."""
    shape = tuple(X.shape)
    expected = _reference_forward(model, X)  # the reference: the learner's own parameters, used the right way
    given = X.clone()
    try:
        got = model(given)
        again = model(X.clone())
    except NotImplementedError:
        return f"{NOT_DONE} (forward is not written yet)"
    except Exception as err:
        return f"{call} on a batch of shape {shape} raised {describe_error(err)}"
    if not torch.equal(given, X):
        return (f"{call}'s forward changed its input X in place (e.g. X.relu_() or X += ...): compute new "
                "tensors and leave X as it is.")
    problem = first_difference(got, expected, rtol=1e-5, atol=1e-6)
    if problem is None:
        return None
    if isinstance(got, torch.Tensor) and isinstance(again, torch.Tensor) and got.shape == again.shape and \
            not torch.equal(got, again):
        return (f"{call} gave two different outputs for the same batch: forward seems to create a new layer "
                "(new random weights) on every call. Create the layers once in __init__, and only use them in "
                "forward (section 1).")
    for _, wrong, message in _FORWARD_MISTAKES_4_1:
        if first_difference(got, wrong(model, X), rtol=1e-5, atol=1e-6) is None:
            return f"{call} on a batch of shape {shape}: {message}."
    return (f"{call} on a batch of shape {shape}: {problem} (forward should compute fc2(relu(fc1(X))) with the "
            "layers made in __init__).")


def _judge_ex4_1(name: str, cls: Any) -> Verdict:
    for case, (n_in, n_hidden, n_out, batch) in enumerate(EX4_1_CASES, start=1):
        call = f"TwoLayerNet({n_in}, {n_hidden}, {n_out})"
        changes: list[str] = []
        with watching_global_state(changes):
            model, failed = _build_4_1(cls, call, case, n_in, n_hidden, n_out)
            if failed is not None:
                return failed
            problem = _registration_problem(model, call, _expected_shapes(n_in, n_hidden, n_out))
            if problem is None:
                X = torch.randn(batch, n_in, generator=torch.Generator().manual_seed(40 + case))
                with torch.no_grad():
                    problem = _forward_problem(model, call, X)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {problem}")
        if changes:
            return Verdict(False, f"{FAIL} {name}: {call}: {changes[0]}.")
    return Verdict(True, f"{PASS} {name}: parameters and outputs are right for all {len(EX4_1_CASES)} sizes.")


def check_ex4_1(learner_cls: Any) -> Verdict:
    """Check a learner's ``TwoLayerNet`` class: registered layers fc1/fc2, their shapes, and forward.

    Introduced in: 04_modules.ipynb
    """
    return judged("Exercise 4.1 (TwoLayerNet)", learner_cls, _judge_ex4_1)


# ---------------------------------------------------------------- Exercise 4.2: parameters of a convolution


def solution_ex4_2(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> int:
    """Scalar parameters of ``nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)``.

    One (in_channels, k, k) filter per output channel, plus one bias per output channel.
    Introduced in: 04_modules.ipynb
    """
    weights = out_channels * in_channels * kernel_size * kernel_size  # weight: (out, in, k, k)
    return weights + (out_channels if bias else 0)  # bias: (out,)


#: (in_channels, out_channels, kernel_size, bias): the course CNN's two convolutions, then others.
EX4_2_CASES = [(1, 32, 3, True), (32, 64, 3, True), (3, 16, 5, False), (16, 8, 1, True), (4, 4, 7, True)]

#: Known wrong formulas: (name, fn(in, out, k, bias), message).
_MISTAKES_4_2: tuple[tuple[str, Callable[[int, int, int, bool], Any], str], ...] = (
    ("bias missing", lambda i, o, k, b: o * i * k * k, (
        "the biases are missing: a Conv2d with bias=True adds one bias per output channel (its bias has shape "
        "(out_channels,)), so add out_channels")),
    ("bias per weight", lambda i, o, k, b: 2 * o * i * k * k if b else o * i * k * k, (
        "you counted one bias per weight: a Conv2d has one bias per output channel (one per filter), "
        "whatever the size of the filter")),
    ("bias per input channel", lambda i, o, k, b: o * i * k * k + (i if b else 0), (
        "you counted one bias per input channel: each output channel (each filter) gets one bias, so the bias "
        "has shape (out_channels,); in and out swapped?")),
    ("bias per channel pair", lambda i, o, k, b: o * i * k * k + (o * i if b else 0), (
        "you counted a bias per (output, input) channel pair: a filter sums over all input channels and then "
        "adds one bias, so there are out_channels biases")),
    ("kernel not squared", lambda i, o, k, b: o * i * k + (o if b else 0), (
        "kernel_size=3 means a 3x3 window: each filter holds in_channels·k·k weights, so the kernel size "
        "appears squared")),
    ("bias flag ignored", lambda i, o, k, b: o * i * k * k + o, (
        "with bias=False the layer has no bias at all (its .bias is None): add out_channels only when bias "
        "is True")),
)


def _judge_ex4_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for i, (in_ch, out_ch, k, bias) in enumerate(EX4_2_CASES, start=1):
        where = f"conv_parameters({in_ch}, {out_ch}, {k}, bias={bias})"
        want = solution_ex4_2(in_ch, out_ch, k, bias)
        changes: list[str] = []
        rng_before = torch.random.get_rng_state()
        with watching_global_state(changes):
            try:
                got = learner_fn(in_ch, out_ch, k, bias)
            except NotImplementedError:
                return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
            except Exception as err:
                return Verdict(False, f"{FAIL} {name}: {where} raised {describe_error(err)}")
        if changes:
            return Verdict(False, f"{FAIL} {name}: {where}: {changes[0]}.")
        if not torch.equal(rng_before, torch.random.get_rng_state()):
            torch.random.set_rng_state(rng_before)  # undo, so the learner's notebook is as it was
            return Verdict(False, (
                f"{FAIL} {name}: {where} built a layer (it drew random weights): compute the count from the four "
                "numbers alone, with the shapes of section 3's table; counting a real layer's parameters is "
                "how you check your formula afterwards."))
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {where} returned None (is the `return` missing?).")
        if isinstance(got, float) and got == want:
            return Verdict(False, (
                f"{FAIL} {name}: {where} returned {got!r}, a float: a count is a Python int. `/` and `math.pow` "
                "give floats; multiply with `*` (and `**` on ints) so it stays an int."))
        problem = wrong_type(got, want)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {where}: {problem}.")
        if got != want:
            known = next((message for _, wrong, message in _MISTAKES_4_2 if wrong(in_ch, out_ch, k, bias) == got), None)
            return Verdict(False, f"{FAIL} {name}: {where} returned {got:,}, expected {want:,}"
                                  + (f": {known}." if known else ". Count the weight's shape, then the bias's."))
    return Verdict(True, f"{PASS} {name}: right for all {len(EX4_2_CASES)} layers.")


def check_ex4_2(learner_fn: Callable[[int, int, int, bool], int]) -> Verdict:
    """Check ``conv_parameters(in_channels, out_channels, kernel_size, bias)``: an exact Python int.

    Introduced in: 04_modules.ipynb
    """
    return judged("Exercise 4.2 (conv_parameters)", learner_fn, _judge_ex4_2)


# ---------------------------------------------------------------- Exercise 4.3: an init function for model.apply


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
    """A small CNN with a batch-norm layer, a nested block and a bias-free layer; always the same default init."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(43)
        return nn.Sequential(
            nn.Conv2d(2, 8, 3),  # (B, 2, 6, 6) -> (B, 8, 4, 4); fan_in 2*3*3 = 18
            nn.BatchNorm2d(8),  # its weight (ones) and bias (zeros) must stay as they are
            nn.ReLU(),
            nn.Flatten(),  # (B, 8, 4, 4) -> (B, 128)
            nn.Sequential(nn.Linear(128, 16), nn.ReLU()),  # a block: model.apply reaches inside it too
            nn.Linear(16, 10, bias=False),  # fan_in 16, no bias
        )


def _initialised(init_fn: Callable[[nn.Module], Any]) -> tuple[nn.Sequential, dict[str, nn.Parameter]]:
    """The check model after ``model.apply(init_fn)`` from a fixed seed, and its Parameter objects before."""
    model = _ex4_3_model()
    before = dict(model.named_parameters())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)  # the same random draws for the learner's function and the reference
        model.apply(init_fn)
    return model, before


def _mistaken_init(weight_init: Callable[[torch.Tensor], Any], bias_init: Callable[[torch.Tensor], Any]):
    def init(module: nn.Module) -> None:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            weight_init(module.weight)
            if module.bias is not None:
                bias_init(module.bias)
    return init


_RELU = {"nonlinearity": "relu"}
#: Known wrong inits, as a learner writes them: (name, init function, message).
_MISTAKES_4_3: tuple[tuple[str, Callable[[nn.Module], Any], str], ...] = (
    ("ones for the bias", _mistaken_init(lambda w: nn.init.kaiming_normal_(w, **_RELU), nn.init.ones_), (
        "the biases are ones: they should be zeros (nn.init.zeros_). A bias of 1 shifts every output before "
        "ReLU; 0 leaves the scale to the weights")),
    ("normal_ with std 1", _mistaken_init(nn.init.normal_, nn.init.zeros_), (
        "the weights come from nn.init.normal_, std 1 whatever the layer: Kaiming's std is sqrt(2 / fan_in), "
        "so it shrinks as a layer gets more inputs (section 6's ReLU panel shows std 1 exploding)")),
    ("kaiming_uniform_", _mistaken_init(lambda w: nn.init.kaiming_uniform_(w, **_RELU), nn.init.zeros_), (
        "kaiming_uniform_ draws from a uniform distribution: the exercise asks for kaiming_normal_ (a normal "
        "distribution with the same std)")),
    ("fan_out mode", _mistaken_init(lambda w: nn.init.kaiming_normal_(w, mode="fan_out", **_RELU),
                                    nn.init.zeros_), (
        "mode=\"fan_out\" takes the std from the number of outputs: the exercise asks for fan_in mode (the "
        "default), which keeps the forward pass's scale")),
    ("xavier", _mistaken_init(nn.init.xavier_normal_, nn.init.zeros_), (
        "that is Xavier (Glorot), meant for tanh: for ReLU use kaiming_normal_(w, nonlinearity=\"relu\"), whose "
        "gain √2 makes up for ReLU zeroing half of its inputs (section 6)")),
    ("default gain", _mistaken_init(lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear"), nn.init.zeros_), (
        "the gain is 1 (nonlinearity=\"linear\"): for ReLU it is √2 (nonlinearity=\"relu\")")),
)

_ERRORS_4_3 = (
    (r"'NoneType' object has no attribute 'zero_'|'NoneType' object has no attribute 'fill_'", (
        "a layer made with bias=False has `module.bias` None: test `if module.bias is not None:` before "
        "initialising it")),
    (r"Fan in and fan out can not be computed", (
        "kaiming_normal_ got a 1-D weight, such as a BatchNorm's: test the layer's type first, "
        "`isinstance(module, (nn.Conv2d, nn.Linear))`, and leave other layers alone")),
    (r"cannot assign '.*' as parameter", (
        "`module.weight = tensor` replaces the Parameter: fill the existing one in place instead "
        "(`nn.init.kaiming_normal_(module.weight, ...)` does)")),
)


def _layer_of(model: nn.Module, pname: str) -> str:
    return type(dict(model.named_modules())[pname.rpartition(".")[0]]).__name__


def _param_problem(got: nn.Module, want: nn.Module, before: dict[str, nn.Parameter]) -> tuple[str, str] | None:
    """(kind, what) of the first wrong parameter: kind "sentence" (what says it all) or "values" (what: its name)."""
    wanted, untouched = dict(want.named_parameters()), dict(_ex4_3_model().named_parameters())
    for pname, param in got.named_parameters():
        layer = _layer_of(want, pname)
        if param is not before.get(pname):
            return "sentence", (
                f"{pname} ({layer}) is a new Parameter object: `module.{pname.rpartition('.')[2]} = ...` "
                "replaces it, so an optimizer made before (or any other reference) keeps the old one. Fill it "
                "in place: nn.init's functions ending in _ do.")
        if first_difference(param.detach(), wanted[pname].detach(), rtol=1e-5, atol=1e-6) is None:
            continue
        if layer not in ("Conv2d", "Linear"):
            return "sentence", (f"{pname} ({layer}) changed: leave every layer but Conv2d and Linear as it is "
                                "(check the type with isinstance).")
        if torch.equal(param.detach(), untouched[pname].detach()):
            return "sentence", (
                f"{pname} ({layer}) still holds PyTorch's default init: your function never changed it. model.apply "
                "calls it on every module, nested ones included: test for both types, "
                "isinstance(module, (nn.Conv2d, nn.Linear)).")
        return "values", pname
    return None


def _kaiming_spread(model: nn.Module) -> float:
    """The std of every Conv2d/Linear weight divided by Kaiming's sqrt(2 / fan_in), pooled: about 1 if Kaiming."""
    scaled = [m.weight.detach().flatten() / math.sqrt(2 / m.weight[0].numel())
              for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    return torch.cat(scaled).std().item()


def _judge_ex4_3(name: str, init_fn: Callable[[nn.Module], Any]) -> Verdict:
    want, _ = _initialised(solution_ex4_3)
    changes: list[str] = []
    try:
        with watching_global_state(changes):
            got, before = _initialised(init_fn)
    except NotImplementedError:
        return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
    except Exception as err:
        return Verdict(False, f"{FAIL} {name}: model.apply(init_weights) raised {describe_error(err, _ERRORS_4_3)}")
    if changes:
        return Verdict(False, f"{FAIL} {name}: {changes[0]}.")
    found = _param_problem(got, want, before)
    if found is None:
        return Verdict(True, f"{PASS} {name}: every Conv2d and Linear layer is initialised right, the rest untouched.")
    kind, what = found
    if kind == "sentence":
        return Verdict(False, f"{FAIL} {name}: {what}")
    for _, wrong, message in _MISTAKES_4_3:
        theirs = _initialised(wrong)[0].state_dict().values()
        if all(torch.equal(a, b) for a, b in zip(theirs, got.state_dict().values())):
            return Verdict(False, f"{FAIL} {name}: {message}.")
    param, expected = dict(got.named_parameters())[what], dict(want.named_parameters())[what]
    layer = _layer_of(want, what)
    if what.endswith("bias"):
        problem = first_difference(param.detach(), expected.detach(), rtol=1e-5, atol=1e-6)
        return Verdict(False, f"{FAIL} {name}: {what} ({layer}): {problem}; biases should be zeros.")
    spread = _kaiming_spread(got)
    if abs(spread - 1) < 0.1:
        return Verdict(False, (
            f"{FAIL} {name}: the weights have Kaiming's spread (their std is {spread:.2f}× sqrt(2 / fan_in)) but "
            f"other numbers than the reference drawn from the same seed, first in {what}: were the layers "
            "initialised in another order, or some twice? Let model.apply walk the model: your function should "
            "only look at the one module it is given, not loop over its children (section 6, the model.apply cell)."))
    fan_in = param[0].numel()
    return Verdict(False, (
        f"{FAIL} {name}: {what} ({layer}): its std is {param.std().item():.3g}, expected about "
        f"{expected.std().item():.3g} = sqrt(2 / fan_in) with fan_in {fan_in}; over all layers the weights' std is "
        f"{spread:.2f}× Kaiming's."))


def check_ex4_3(learner_fn: Callable[[nn.Module], Any]) -> Verdict:
    """Apply a learner's ``init_weights`` to a small CNN and compare every parameter with the reference's.

    Both run from the same seed, so a correct function gives exactly the same numbers; the parameters
    must stay the same objects (filled in place). Introduced in: 04_modules.ipynb
    """
    return judged("Exercise 4.3 (init_weights)", learner_fn, _judge_ex4_3)


HINTS = {
    "4.1": (
        "A module finds its layers by looking at its own attributes, once the parent class has set up the "
        "bookkeeping: `self.fc1 = nn.Linear(2, 3)` is what makes 'fc1.weight' and 'fc1.bias' appear in "
        "named_parameters(). forward is only the arithmetic, done with those very layers.",
        "Section 1's TinyNet cell has the pattern (super().__init__() first, then layers as attributes), and "
        "section 2's named_parameters cell shows the shapes a Linear registers. To see what yours registers: "
        "`print([n for n, _ in TwoLayerNet(6, 5, 3).named_parameters()])`.",
        "A sketch to complete: in __init__, `super().__init__()`, then `self.fc1 = nn.Linear(___, ___)` and "
        "`self.fc2 = nn.Linear(___, ___)`; in forward, `return self.fc2(F.relu(___))`.",
    ),
    "4.2": (
        "Count by the shapes: a filter spans every input channel over a k×k window, each output channel has "
        "its own filter and its own single bias. For Conv2d(2, 4, 3): 4 filters of 2·3·3 = 18 weights, "
        "plus 4 biases.",
        "The parameter table in section 3 lists conv1.weight (32, 1, 3, 3) = 288 and conv1.bias (32,) = 32 for "
        "the reference model: check your formula against both rows (and against conv2's) before running the check.",
        "A sketch to complete: `weights = ___ * ___ * kernel_size * kernel_size`, then "
        "`return weights + (___ if bias else 0)`.",
    ),
    "4.3": (
        "model.apply hands your function one module at a time (the children first, the whole model last); "
        "your function decides by the module's type and changes the tensors it holds, filling them in place, "
        "never replacing them.",
        "Section 6 has both halves: the cell listing what model.apply visits, and the cell printing "
        "kaiming_normal_'s std next to sqrt(2 / fan_in). Layers built with bias=False have `module.bias` None.",
        "A sketch to complete: `if isinstance(module, (___, ___)):` then "
        "`nn.init.kaiming_normal_(module.weight, nonlinearity=___)` and, when `module.bias is not None`, "
        "`nn.init.___(module.bias)`.",
    ),
}
