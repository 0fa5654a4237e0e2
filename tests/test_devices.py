"""helpers.devices: the choice order, the override, and clear errors."""

import pytest
import torch

from helpers import devices
from helpers.devices import DEVICE_ENV_VAR, DeviceUnavailableError, choose_device, pick_device


@pytest.fixture
def no_accelerators(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


def test_cpu_when_nothing_else(no_accelerators):
    choice = choose_device()
    assert choice.device == torch.device("cpu")
    assert "no CUDA GPU and no Apple MPS" in choice.reason


def test_cuda_comes_first(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: "Test GPU")
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    choice = choose_device("auto")
    assert choice.device == torch.device("cuda") and "Test GPU" in choice.reason


def test_mps_before_cpu(no_accelerators, monkeypatch):
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert pick_device() == torch.device("mps")


def test_argument_overrides_the_automatic_choice(no_accelerators):
    choice = choose_device("cpu")
    assert choice.device == torch.device("cpu") and choice.reason == "cpu: asked for as an argument"


def test_environment_variable_overrides(no_accelerators, monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    choice = choose_device()
    assert choice.device == torch.device("cpu") and choice.reason == f"cpu: asked for through ${DEVICE_ENV_VAR}"


def test_missing_gpu_is_a_clear_error(no_accelerators, monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda")
    with pytest.raises(DeviceUnavailableError, match=r"no working CUDA device.*'auto'"):
        choose_device()


def test_unknown_device_names_the_choices(no_accelerators):
    with pytest.raises(DeviceUnavailableError, match="use 'auto', 'cpu', 'cuda' or 'mps'"):
        choose_device("gpu")


def test_cuda_index_out_of_range(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(DeviceUnavailableError, match="only 1 CUDA device"):
        choose_device("cuda:1")


def test_choosing_a_device_leaves_pytorchs_default_alone(no_accelerators, monkeypatch):
    # What notebook 00 shows: the course picks a device and moves things there itself; it never
    # makes a GPU PyTorch's default (torch.set_default_device would hide every .to(device) lesson).
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: "Test GPU")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    calls = []
    monkeypatch.setattr(torch, "set_default_device", lambda *a, **k: calls.append(a))
    for requested in (None, "auto", "cuda", "cuda:0", "cpu"):
        choose_device(requested)
        pick_device(requested)
    assert calls == [] and torch.get_default_device() == torch.device("cpu")
