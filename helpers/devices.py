"""Which device the course computes on, and in which precision, and why.

A tensor created without ``device=`` lands on PyTorch's default device, which is the CPU on
every machine (``torch.get_default_device()`` is ``cpu`` even with a GPU) until code changes
it with ``torch.set_default_device``; ``*_like`` functions and operations follow their inputs'
device. The course never changes that default: it picks a device here (CUDA, then Apple's
MPS, then the CPU) and moves models and data there on purpose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple

import torch

#: Environment variable that overrides the choice for every notebook, e.g. PTGU_DEVICE=cpu.
DEVICE_ENV_VAR = "PTGU_DEVICE"

_KINDS = ("cuda", "mps", "cpu")


class DeviceUnavailableError(RuntimeError):
    """A device was asked for that this machine cannot provide. Introduced in: 00_setup_check.ipynb"""


class DeviceChoice(NamedTuple):
    """The chosen device and a one-line reason. Introduced in: 00_setup_check.ipynb"""

    device: torch.device
    reason: str


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _available(kind: str) -> bool:
    return {"cuda": torch.cuda.is_available, "mps": _mps_available, "cpu": lambda: True}[kind]()


def choose_device(requested: str | None = None) -> DeviceChoice:
    """Pick the device: ``requested`` if given, else $PTGU_DEVICE, else CUDA > MPS > CPU.

    ``requested`` may be "auto", "cpu", "cuda", "cuda:1" or "mps". Asking for a device
    the machine lacks raises DeviceUnavailableError with what to do instead.
    Introduced in: 00_setup_check.ipynb
    """
    origin = "as an argument"
    if requested in (None, "", "auto"):
        requested = os.environ.get(DEVICE_ENV_VAR, "").strip() or None
        origin = f"through ${DEVICE_ENV_VAR}"
    if requested in (None, "auto"):
        return _best_device()
    kind = requested.split(":")[0]
    if kind not in _KINDS:
        raise DeviceUnavailableError(
            f"Unknown device {requested!r} (asked for {origin}): use 'auto', 'cpu', 'cuda' or 'mps'."
        )
    if not _available(kind):
        raise DeviceUnavailableError(
            f"{requested!r} was asked for {origin}, but this machine has no working {kind.upper()} "
            f"device. Use 'auto' (or unset ${DEVICE_ENV_VAR}) to fall back to what is available."
        )
    device = torch.device(requested)
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise DeviceUnavailableError(
            f"{requested!r} was asked for {origin}, but only {torch.cuda.device_count()} "
            "CUDA device(s) exist; they are numbered from 0."
        )
    return DeviceChoice(device, f"{device}: asked for {origin}")


def _best_device() -> DeviceChoice:
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        return DeviceChoice(torch.device("cuda"), f"cuda: an NVIDIA GPU is available ({name})")
    if _mps_available():
        return DeviceChoice(torch.device("mps"), "mps: no CUDA GPU, but Apple's Metal (MPS) works")
    return DeviceChoice(torch.device("cpu"), "cpu: no CUDA GPU and no Apple MPS device was found")


def pick_device(requested: str | None = None) -> torch.device:
    """Just the device of :func:`choose_device`. Introduced in: 00_setup_check.ipynb"""
    return choose_device(requested).device


def synchronize(device: torch.device | str) -> None:
    """Wait until all work queued on ``device`` has finished; the CPU never queues, so no wait there.

    CUDA and MPS run asynchronously: a call returns once its work is queued. Call this before
    reading a clock (or use CUDA events). Introduced in: 07_devices.ipynb
    """
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# ----------------------------------------------------------------- precision (mixed precision)

#: The precisions ``choose_precision`` understands, by name.
PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class PrecisionUnavailableError(RuntimeError):
    """A precision was asked for that this device does not run natively. Introduced in: 08_mnist_cnn.ipynb"""


@dataclass(frozen=True)
class PrecisionChoice:
    """The chosen compute precision and a one-line reason. Introduced in: 08_mnist_cnn.ipynb

    ``dtype`` is what ``torch.autocast`` computes in (float32: no autocast at all);
    ``autocast_dtype`` is the value for ``helpers.training``'s ``autocast_dtype`` argument
    (None for float32); float16 needs a ``torch.amp.GradScaler`` (``needs_grad_scaler``).
    """

    dtype: torch.dtype
    reason: str

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return None if self.dtype == torch.float32 else self.dtype

    @property
    def needs_grad_scaler(self) -> bool:
        return self.dtype == torch.float16


#: The bfloat16 instructions ``torch.cpu.get_capabilities()`` reports, by the name the course prints:
#: x86's AVX512-BF16 and AMX-BF16, and Arm's BF16 extension (Armv8.6-A: e.g. Neoverse V1 and V2).
_CPU_BF16 = (("AVX512-BF16", "avx512_bf16"), ("AMX", "amx_bf16"), ("Arm BF16", "bf16"))


def cpu_bf16_features() -> list[str]:
    """The CPU's bfloat16 instructions as torch reports them: "AVX512-BF16", "AMX", "Arm BF16".

    Read from ``torch.cpu.get_capabilities()`` (torch/cpu/__init__.py: the flags cpuinfo detects;
    ``avx512_bf16`` and ``amx_bf16`` on x86, ``bf16`` on ARM64). ``torch.backends.cpu.get_cpu_capability()``
    cannot tell: it names the vector instruction set PyTorch's kernels were picked for ("AVX2", "AVX512";
    "DEFAULT" or an SVE width on Arm), never bfloat16. An empty list means bfloat16 is emulated on this
    CPU (computed through float32 conversions), usually slower than float32; a torch without
    ``get_capabilities`` counts as none. Introduced in: 08_mnist_cnn.ipynb
    """
    try:
        capabilities = torch.cpu.get_capabilities()
    except (AttributeError, RuntimeError):  # an older or unusual torch: "not known to work"
        return []
    return [name for name, key in _CPU_BF16 if capabilities.get(key) is True]


def _cuda_bf16(device: torch.device) -> tuple[bool, str]:
    """Whether CUDA device ``device`` runs bfloat16 natively, and why (or why not).

    Native means compute capability 8.0 or newer (Ampere and later), asked of ``device`` itself
    (``cuda`` without an index: the current device). Not ``torch.cuda.is_bf16_supported()``: in
    torch 2.14 (torch/cuda/__init__.py) it asks about the current device only, answers True when
    ``major >= 8``, and otherwise, by default (``including_emulation=True``), answers whether a
    bfloat16 tensor can be created at all, which is True on a T4 or V100 that only emulates the
    arithmetic; ``including_emulation=False`` is the ``major >= 8`` rule used here. On a ROCm build
    the same function answers True for every AMD GPU without asking it, and the course follows it.
    """
    if torch.version.hip:
        return True, "bfloat16: torch's ROCm build counts every AMD GPU as supporting it"
    if not torch.cuda.is_available():
        return False, "bfloat16: no CUDA GPU is available here to run it"
    count = torch.cuda.device_count()
    index = torch.cuda.current_device() if device.index is None else device.index
    if index >= count:
        return False, f"bfloat16: there is no cuda:{index} (this machine has {count} CUDA device(s))"
    major, minor = torch.cuda.get_device_capability(index)
    gpu = f"cuda:{index} ({torch.cuda.get_device_name(index)}, compute capability {major}.{minor})"
    if (major, minor) >= (8, 0):
        return True, f"bfloat16: {gpu} runs it natively (compute capability 8.0 and newer do)"
    return False, (f"bfloat16: {gpu} would only emulate it (NVIDIA GPUs compute in bfloat16 from compute "
                   "capability 8.0 on)")


def _native(device: torch.device, dtype: torch.dtype) -> tuple[bool, str]:
    """Whether ``device`` runs ``dtype`` autocast natively, and why (or why not)."""
    kind = device.type
    if dtype == torch.float32:
        return True, "float32: every device computes in it natively"
    if dtype == torch.float16:
        if kind == "cuda":
            return True, "float16: a CUDA GPU computes in it natively (with a GradScaler against underflow)"
        return False, (f"float16 autocast is for CUDA GPUs (with a GradScaler); on {kind} use "
                       "'bfloat16' where it is native, or 'float32'")
    if kind == "cuda":
        return _cuda_bf16(device)
    if kind == "cpu":
        features = cpu_bf16_features()
        if features:
            return True, f"bfloat16: this CPU has {' and '.join(features)} instructions"
        return False, ("bfloat16: this CPU reports no bfloat16 instructions (no AVX512-BF16 or AMX on x86, "
                       "no BF16 extension on Arm), so bfloat16 would be emulated (usually slower than float32)")
    return False, f"bfloat16 autocast is not used on {kind} by this course; float32 is"


def choose_precision(device: torch.device | str, requested: str = "auto") -> PrecisionChoice:
    """Pick the training precision for ``device``: ``requested`` if it is native there, else stop.

    ``requested``: "auto" (bfloat16 where the device runs it natively: a CUDA GPU of compute
    capability 8.0 or newer, or a CPU with AVX512-BF16, AMX or Arm's BF16; float32 otherwise), "float32",
    "bfloat16" or "float16" (CUDA only). A precision the device would only emulate raises
    PrecisionUnavailableError saying why, instead of silently training several times slower.
    Introduced in: 08_mnist_cnn.ipynb
    """
    device = torch.device(device)
    kind = device.type
    if requested in (None, "", "auto"):
        native, why = _native(device, torch.bfloat16)
        if native:
            return PrecisionChoice(torch.bfloat16, f"{why} (auto)")
        return PrecisionChoice(torch.float32, f"float32 (auto): {why.removeprefix('bfloat16: ')}")
    if requested not in PRECISIONS:
        raise PrecisionUnavailableError(
            f"Unknown precision {requested!r}: use 'auto', 'float32', 'bfloat16' or 'float16'."
        )
    native, why = _native(device, PRECISIONS[requested])
    if not native:
        raise PrecisionUnavailableError(
            f"{requested!r} was asked for on {kind}, but {why.removeprefix(requested + ': ')}. "
            "Use 'auto' to get the fastest precision this device runs natively."
        )
    return PrecisionChoice(PRECISIONS[requested], f"{why} (asked for)")
