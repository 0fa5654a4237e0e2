"""Mixed precision: helpers.devices.choose_precision and the autocast path of helpers.training."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import devices
from helpers.data import TensorBatches
from helpers.devices import PrecisionUnavailableError, choose_precision, cpu_bf16_features
from helpers.models import MnistCNN
from helpers.training import autocast_context, evaluate, fit, predict, train_one_epoch


# ---------------------------------------------------------------- choose_precision on the CPU

@pytest.fixture
def cpu_features(monkeypatch):
    """Pretend the CPU has the capability flags in the returned set (torch.cpu.get_capabilities mocked)."""
    present: set[str] = set()
    keys = ("avx2", "avx512_f", "avx512_bf16", "amx_tile", "amx_bf16", "bf16", "sve", "neon")
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {key: key in present for key in keys})
    return present


def test_auto_on_a_cpu_without_bf16_hardware_is_float32_and_says_why(cpu_features):
    cpu_features.update({"avx2", "avx512_f", "amx_tile"})  # AVX-512 without its BF16 part; AMX tiles without AMX-BF16
    choice = choose_precision("cpu")
    assert choice.dtype == torch.float32 and choice.autocast_dtype is None and not choice.needs_grad_scaler
    assert "reports no bfloat16 instructions" in choice.reason and "emulated" in choice.reason
    assert choice.reason.startswith("float32 (auto)")


@pytest.mark.parametrize("features, named", [({"avx512_bf16"}, "AVX512-BF16"), ({"amx_bf16"}, "AMX"),
                                             ({"avx512_bf16", "amx_bf16"}, "AVX512-BF16 and AMX"),
                                             ({"neon", "sve", "bf16"}, "Arm BF16")])
def test_auto_on_a_cpu_with_bf16_hardware_is_bfloat16(cpu_features, features, named):
    cpu_features.update(features)
    choice = choose_precision(torch.device("cpu"), "auto")
    assert choice.dtype == torch.bfloat16 and choice.autocast_dtype == torch.bfloat16
    assert f"this CPU has {named} instructions" in choice.reason and "(auto)" in choice.reason
    assert choose_precision("cpu", "bfloat16").dtype == torch.bfloat16


def test_an_arm_cpu_without_the_bf16_extension_is_not_called_native(cpu_features):
    cpu_features.update({"neon", "sve"})  # e.g. Neoverse N1: SIMD, but no BF16 instructions
    assert choose_precision("cpu").dtype == torch.float32
    with pytest.raises(PrecisionUnavailableError, match="no BF16 extension on Arm"):
        choose_precision("cpu", "bfloat16")


def test_asking_for_emulated_bf16_stops_with_a_clear_message(cpu_features):
    with pytest.raises(PrecisionUnavailableError, match=r"'bfloat16' was asked for on cpu.*emulated.*'auto'"):
        choose_precision("cpu", "bfloat16")


def test_float16_is_for_cuda_only(cpu_features, monkeypatch):
    cpu_features.add("amx_bf16")
    with pytest.raises(PrecisionUnavailableError, match="float16 autocast is for CUDA GPUs"):
        choose_precision("cpu", "float16")
    with pytest.raises(PrecisionUnavailableError, match="float16"):
        choose_precision("mps", "float16")
    choice = choose_precision("cuda", "float16")
    assert choice.dtype == torch.float16 and choice.needs_grad_scaler and "GradScaler" in choice.reason


def test_float32_is_always_available_and_unknown_names_are_refused():
    for device in ("cpu", "cuda", "mps"):
        assert choose_precision(device, "float32").dtype == torch.float32
    assert choose_precision("mps").dtype == torch.float32
    with pytest.raises(PrecisionUnavailableError, match="use 'auto', 'float32', 'bfloat16' or 'float16'"):
        choose_precision("cpu", "bf16")


def test_cpu_feature_probe_survives_a_torch_without_get_capabilities(monkeypatch):
    monkeypatch.delattr(torch.cpu, "get_capabilities")
    assert cpu_bf16_features() == []
    assert choose_precision("cpu").dtype == torch.float32

    def broken():
        raise RuntimeError("cpuinfo failed")

    monkeypatch.setattr(torch.cpu, "get_capabilities", broken, raising=False)
    assert cpu_bf16_features() == []


def test_cpu_feature_probe_reports_what_torch_reports():
    capabilities = torch.cpu.get_capabilities()
    expected = [name for name, key in (("AVX512-BF16", "avx512_bf16"), ("AMX", "amx_bf16"), ("Arm BF16", "bf16"))
                if capabilities.get(key)]
    assert cpu_bf16_features() == expected
    assert devices.choose_precision("cpu").dtype == (torch.bfloat16 if expected else torch.float32)
    # get_cpu_capability() names a vector width, never bfloat16: it cannot make this decision.
    assert "BF16" not in torch.backends.cpu.get_cpu_capability().upper()


# ---------------------------------------------------------------- choose_precision on CUDA GPUs
# A fake machine answers torch.cuda's questions per device index: availability, how many devices,
# which is current, and each one's compute capability. torch.cuda.is_bf16_supported is made to fail
# if asked: its default (including_emulation=True) was the bug, so the decision must not rest on it.

GPUS = {"T4": (7, 5), "V100": (7, 0), "A100": (8, 0), "RTX 3090": (8, 6), "H100": (9, 0), "B200": (10, 0)}


@pytest.fixture
def gpus(monkeypatch):
    """machine(["T4", "A100"], current=0) makes cuda:0 a T4 and cuda:1 an A100, cuda:0 current."""
    state: dict = {"names": [], "current": 0}

    def by_index(index):
        assert isinstance(index, int) and not isinstance(index, bool), f"asked with {index!r}, not an index"
        return index

    def capability(index=None):
        return GPUS[state["names"][by_index(index)]]

    def refuse(*args, **kwargs):
        raise AssertionError("the decision must not ask torch.cuda.is_bf16_supported()")

    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: bool(state["names"]))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(state["names"]))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: state["current"])
    monkeypatch.setattr(torch.cuda, "get_device_capability", capability)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: state["names"][by_index(index)])
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", refuse)

    def machine(names, current=0):
        state["names"], state["current"] = list(names), current

    return machine


@pytest.mark.parametrize("name", ["T4", "V100"])
def test_auto_on_a_pre_ampere_gpu_is_float32_and_names_its_capability(gpus, name):
    gpus([name])
    major, minor = GPUS[name]
    choice = choose_precision("cuda")
    assert choice.dtype == torch.float32 and choice.reason.startswith("float32 (auto): cuda:0")
    assert f"{name}, compute capability {major}.{minor}" in choice.reason and "emulate" in choice.reason
    with pytest.raises(PrecisionUnavailableError, match=r"'bfloat16' was asked for on cuda.*compute capability 8\.0"):
        choose_precision("cuda:0", "bfloat16")
    assert choose_precision("cuda", "float16").dtype == torch.float16  # its mixed precision


@pytest.mark.parametrize("name", ["A100", "RTX 3090", "H100", "B200"])
def test_auto_on_compute_capability_8_or_newer_is_bfloat16(gpus, name):
    gpus([name])
    choice = choose_precision("cuda")
    assert choice.dtype == torch.bfloat16 and "runs it natively" in choice.reason and name in choice.reason
    assert choose_precision("cuda:0", "bfloat16").dtype == torch.bfloat16


def test_the_device_asked_about_decides_not_the_current_one(gpus):
    gpus(["T4", "A100"], current=0)
    assert choose_precision("cuda:1").dtype == torch.bfloat16  # cuda:1 is the A100, although cuda:0 is current
    assert choose_precision(torch.device("cuda", 0)).dtype == torch.float32
    assert choose_precision("cuda").dtype == torch.float32  # "cuda": the current device, the T4
    gpus(["T4", "A100"], current=1)
    assert choose_precision("cuda").dtype == torch.bfloat16
    assert choose_precision("cuda:0").dtype == torch.float32


def test_no_gpu_or_a_missing_index_is_float32_with_the_reason(gpus):
    gpus([])
    choice = choose_precision("cuda")
    assert choice.dtype == torch.float32 and "no CUDA GPU is available" in choice.reason
    gpus(["A100"])
    choice = choose_precision("cuda:3")
    assert choice.dtype == torch.float32 and "there is no cuda:3 (this machine has 1 CUDA device(s))" in choice.reason


def test_torchs_own_default_check_would_have_said_bf16_on_a_t4(monkeypatch):
    """The bug this replaces: torch.cuda.is_bf16_supported() answers True on a T4 (emulation counted)."""
    from types import SimpleNamespace

    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device=None: SimpleNamespace(major=7, minor=5))
    monkeypatch.setattr(torch.cuda, "_check_bf16_tensor_supported", lambda device: True)  # a bf16 tensor can be made
    assert torch.cuda.is_bf16_supported() is True  # the default: including_emulation=True
    assert torch.cuda.is_bf16_supported(including_emulation=False) is False  # the native answer
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda index=None: (7, 5))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: "Tesla T4")
    assert choose_precision("cuda").dtype == torch.float32


def test_a_rocm_build_follows_torch(monkeypatch):
    monkeypatch.setattr(torch.version, "hip", "6.4")
    choice = choose_precision("cuda")
    assert choice.dtype == torch.bfloat16 and "ROCm" in choice.reason


# ---------------------------------------------------------------- training with autocast

def _data(n: int = 64, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def _model(seed: int = 0) -> MnistCNN:
    torch.manual_seed(seed)
    return MnistCNN()


def test_autocast_context_is_a_no_op_for_float32():
    for dtype in (None, torch.float32):
        with autocast_context("cpu", dtype):
            assert not torch.is_autocast_enabled("cpu")
    with autocast_context("cpu", torch.bfloat16):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


def test_float32_path_is_unchanged_bit_for_bit():
    X, y = _data(96)
    by_hand, default, explicit = _model(), _model(), _model()
    optimizers = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in (by_hand, default, explicit)]
    loader = TensorBatches(X, y, batch_size=32)
    for Xb, yb in loader:  # the loop train_one_epoch ran before autocast existed
        loss = F.cross_entropy(by_hand(Xb), yb)
        optimizers[0].zero_grad()
        loss.backward()
        optimizers[0].step()
    train_one_epoch(default, loader, nn.CrossEntropyLoss(), optimizers[1], "cpu")
    train_one_epoch(explicit, loader, nn.CrossEntropyLoss(), optimizers[2], "cpu", autocast_dtype=torch.float32)
    for a, b, c in zip(by_hand.parameters(), default.parameters(), explicit.parameters()):
        assert torch.equal(a, b) and torch.equal(a, c)
    assert torch.equal(predict(default, loader, "cpu"), predict(explicit, loader, "cpu", autocast_dtype=None))


def test_bf16_training_on_the_cpu_runs_in_bf16_keeps_float32_weights_and_lowers_the_loss():
    X, y = _data(64)
    model = _model()
    seen = []
    model.conv1.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    loader = TensorBatches(X, y, batch_size=32)
    before = evaluate(model, loader, "cpu")["loss"]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(8):
        stats = train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, "cpu",
                                autocast_dtype=torch.bfloat16)
    after = evaluate(model, loader, "cpu", autocast_dtype=torch.bfloat16)["loss"]
    assert seen[:2] == [torch.float32] * 2  # the float32 evaluate (2 batches) ran without autocast
    assert set(seen[2:]) == {torch.bfloat16}  # under autocast the convolution ran in bf16
    assert all(p.dtype == torch.float32 for p in model.parameters())  # the weights stay float32
    assert after < 0.8 * before and stats["samples"] == 64


def test_bf16_predict_returns_float32_logits_close_to_float32_ones():
    X, y = _data(20)
    model = _model()
    loader = TensorBatches(X, y, batch_size=8)
    full = predict(model, loader, "cpu")
    half = predict(model, loader, "cpu", autocast_dtype=torch.bfloat16)
    assert half.dtype == torch.float32 and half.shape == (20, 10)
    assert not torch.equal(half, full)  # bf16 keeps 8 bits of mantissa: not the same numbers...
    torch.testing.assert_close(half, full, rtol=0.05, atol=0.05)  # ...but close


def test_a_grad_scaler_with_a_power_of_two_scale_gives_the_same_step():
    X, y = _data(32)
    plain, scaled = _model(), _model()
    opt_plain = torch.optim.SGD(plain.parameters(), lr=0.1)
    opt_scaled = torch.optim.SGD(scaled.parameters(), lr=0.1)
    loader = TensorBatches(X, y, batch_size=16)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    train_one_epoch(plain, loader, nn.CrossEntropyLoss(), opt_plain, "cpu")
    train_one_epoch(scaled, loader, nn.CrossEntropyLoss(), opt_scaled, "cpu", scaler=scaler)
    assert scaler.get_scale() == 2.0**10  # no inf/NaN: the scale stayed
    for a, b in zip(plain.parameters(), scaled.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    assert not all(torch.equal(a, b) for a, b in zip(_model().parameters(), scaled.parameters()))


def test_fit_passes_the_autocast_dtype_to_training_and_evaluation(capsys):
    X, y = _data(32)
    model = _model()
    dtypes = []
    model.fc2.register_forward_hook(lambda module, inputs, output: dtypes.append(output.dtype))
    history = fit(model, TensorBatches(X, y, 16), TensorBatches(X, y, 32), nn.CrossEntropyLoss(),
                  torch.optim.Adam(model.parameters(), lr=1e-3), "cpu", num_epochs=1, progress=False,
                  autocast_dtype=torch.bfloat16)
    assert len(history) == 1 and dtypes == [torch.bfloat16] * 3  # 2 training batches + 1 test batch
    assert "epoch 1/1" in capsys.readouterr().out
