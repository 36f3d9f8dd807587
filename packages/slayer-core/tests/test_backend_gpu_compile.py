"""Every Triton kernel of the gpu backend compiles to PTX and a cubin for sm_80 and sm_90, without a GPU.

The host launchers run on small CPU tensors with ``_launch.run`` replaced by a recorder, so each launch
the backend would make (kernel, argument types, constexprs, ``num_warps``) is captured exactly as built; each
distinct one is then compiled with ``triton.compile(ASTSource(...), target=GPUTarget("cuda", arch, 32))``,
which runs Triton's whole pipeline and ``ptxas`` on a CPU-only machine. This catches what differs between
Triton versions (``nox -s triton_compile`` runs it per version) before a GPU session does.

By default (CI) a smoke runs: every kernel in one configuration per storage order, for sm_90.
``SLAYER_TRITON_COMPILE=full`` compiles every recorded configuration (both storage orders, float32 and
float64, each flag, a non-power-of-two ``s_scale``) for sm_80 and sm_90.
"""

from __future__ import annotations

import importlib.util
import inspect
import os

import pytest
import torch

from slayer.core.backends.gpu import KERNEL_MODULES
from slayer.core.backends.gpu._mode import interpreting

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="triton is not installed"),
    pytest.mark.skipif(interpreting(), reason="kernels are interpreted in this process, not compiled"),
]
FULL = os.environ.get("SLAYER_TRITON_COMPILE", "").strip().lower() == "full"
ARCHS = (80, 90) if FULL else (90,)
N, M, T = 2, 5, 11
#: (storage order, dtype, flag: reset / graded / a voltage gradient, s_scale)
CONFIGS = (
    [
        (layout, dtype, flag, scale)
        for layout in ("ntc", "nct")
        for dtype in (torch.float32, torch.float64)
        for flag in (False, True)
        for scale in (4096, 1000)
        if scale == 4096 or dtype == torch.float32
    ]
    if FULL
    else [("ntc", torch.float32, True, 1000), ("nct", torch.float64, False, 4096)]
)
_TRITON_DTYPES = {torch.float32: "fp32", torch.float64: "fp64", torch.uint8: "u8", torch.bool: "u8"}


def kernel_calls(layout: str, dtype: torch.dtype, flag: bool, s_scale: int) -> dict[str, tuple]:
    """Arguments of every contract kernel (values do not matter here, only types, shapes and strides)."""
    if layout == "ntc":
        x = torch.zeros(N, T, M, dtype=dtype).transpose(1, 2)
    else:
        x = torch.zeros(N, M, T, dtype=dtype)
    events = torch.zeros(x.shape, dtype=torch.bool)
    p, s = torch.zeros(M, dtype=dtype), torch.zeros(N, M, dtype=dtype)
    gv = x if flag else torch.empty(0, dtype=dtype)  # with / without a voltage gradient
    return {
        "leaky_integrator_forward": (x, p, s, flag, 3000, s_scale),
        "leaky_integrator_backward": (x, s, x, events, p, s, flag, 3000, s_scale),
        "resonator_forward": (x, x, p, p, s, s, flag, 1000, s_scale),
        "resonator_backward": (x, x, s, s, x, x, events, p, p, s, s, flag, 1000, s_scale),
        "adaptive_threshold_forward": (x, p, p, s, s, 2048, 4096, s_scale),
        "adaptive_threshold_backward": (x, x, s, s, x, x, events, p, p, s, s, 2048, 4096, s_scale),
        "adaptive_phase_threshold_forward": (x, x, p, p, s, s, s, 2048, 400, s_scale),
        "adaptive_resonator_forward": (x, x, p, p, p, p, s, s, s, s, 2048, 400, s_scale),
        "cuba_forward": (x, p, p, s, s, 1229, 0.3, flag, s_scale),
        "cuba_backward": (x, gv, s, s, x, x, events, p, p, s, s, 0.3, 0.3, 1.5, flag, s_scale),
        "alif_forward": (x, p, p, p, p, s, s, s, s, 409, 204, flag, s_scale),
        "alif_backward": (x, gv, *(s,) * 4, *(x,) * 4, events, *(p,) * 4, *(s,) * 4, 409, 204, 0.3, 1.5, flag, s_scale),
        "neuron_major": (events if flag else x,),
    }


def recorded_launches(monkeypatch) -> dict[tuple, tuple]:
    """Every distinct launch of every kernel over ``CONFIGS``: key -> ``(kernel, args, options)``."""
    import importlib

    from slayer.core.backends.gpu import _launch

    launches: dict[tuple, tuple] = {}

    def record(kernel, programs, like, *args, **options):
        key = (kernel.fn.__module__, kernel.fn.__name__, signature_of(kernel, args, options))
        key += (tuple(sorted((k, str(v)) for k, v in options.items())),)
        launches.setdefault(key, (kernel, args, options))

    monkeypatch.setattr(_launch, "run", record)
    for config in CONFIGS:
        for name, args in kernel_calls(*config).items():
            module = importlib.import_module(f"slayer.core.backends.gpu.{KERNEL_MODULES[name]}")
            getattr(module, name)(*args)
    return launches


def type_of(value) -> str:
    if isinstance(value, torch.Tensor):
        return "*" + _TRITON_DTYPES[value.dtype]
    if isinstance(value, bool):
        return "i1"
    if isinstance(value, int):
        return "i32" if -(2**31) <= value < 2**31 else "i64"
    if isinstance(value, float):
        return "fp32"
    raise TypeError(f"no Triton type for a kernel argument of type {type(value).__name__}")


def signature_of(kernel, args: tuple, options: dict) -> tuple[tuple[str, str], ...]:
    """``(parameter, Triton type)`` of every parameter; ``constexpr`` for the constexprs."""
    names = kernel.arg_names
    runtime = [name for name, param in zip(names, kernel.params) if not param.is_constexpr]
    assert len(runtime) == len(args), f"{kernel.fn.__name__}: {len(args)} arguments for {runtime}"
    types = dict(zip(runtime, map(type_of, args)))
    missing = [name for name in names if name not in types and name not in options]
    assert not missing, f"{kernel.fn.__name__}: no value for constexprs {missing}"
    return tuple((name, types.get(name, "constexpr")) for name in names)


def compile_for(kernel, args: tuple, options: dict, arch: int):
    """``triton.compile`` of one launch for ``sm_<arch>`` (ASTSource's keyword differs between versions)."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    signature = dict(signature_of(kernel, args, options))
    constexprs = {name: value for name, value in options.items() if name in signature}
    keyword = "constexprs" if "constexprs" in inspect.signature(ASTSource).parameters else "constants"
    source = ASTSource(kernel, signature, **{keyword: constexprs})
    return triton.compile(source, target=GPUTarget("cuda", arch, 32), options={"num_warps": options["num_warps"]})


def defined_kernels() -> set[tuple[str, str]]:
    """``(module, name)`` of every ``*_kernel`` the kernel modules define."""
    import importlib

    from triton.runtime.jit import JITFunction

    found = set()
    for module_name in set(KERNEL_MODULES.values()):
        module = importlib.import_module(f"slayer.core.backends.gpu.{module_name}")
        for name, value in vars(module).items():
            if isinstance(value, JITFunction) and name.endswith("_kernel"):
                found.add((module.__name__, name))
    return found


def test_every_kernel_compiles_for_cuda(monkeypatch):
    launches = recorded_launches(monkeypatch)
    assert {(module, name) for module, name, *_ in launches} == defined_kernels()  # none left out
    failures = []
    for arch in ARCHS:
        for (module, name, *_), (kernel, args, options) in launches.items():
            try:
                compiled = compile_for(kernel, args, options, arch)
                assert ".target sm_" in compiled.asm["ptx"] and len(compiled.asm["cubin"]) > 0
            except Exception as error:  # collect every failing configuration, then fail once
                config = {k: v for k, v in options.items() if k in ("DTYPE", "TILE_T")}
                failures.append(f"sm_{arch} {module}.{name} {config}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(f[:600] for f in failures)
    print(f"compiled {len(launches)} launches x {len(ARCHS)} architectures")
