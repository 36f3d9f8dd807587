"""The gpu backend's Triton kernels, run in Triton's interpreter on CPU tensors, against the reference.

Triton decides at definition time whether a kernel is compiled or interpreted, so the interpreter has
to be switched on before triton is imported, and it must not leak into the other tests of the session
(it would make the gpu backend claim CPU tensors). Hence ``test_kernels_in_triton_interpreter`` runs
this very file in a subprocess with ``SLAYER_TRITON_INTERPRET=1``; there the checks marked ``inner``
run and the driver is skipped. Run them directly with
``SLAYER_TRITON_INTERPRET=1 python -m pytest packages/slayer-core/tests/test_backend_gpu_interpret.py``.

Forward states must be bit-identical to the reference (NaN where the reference has NaN), for both
storage orders (neuron-contiguous ``N T C`` seen as ``N C T``, and plain ``N C T``), negative values,
float32 and float64; backward passes must agree to rounding.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import warnings

import pytest
import torch

from slayer.core.backends import reference
from slayer.core.backends.gpu import GpuBackend, GpuBackendWarning
from slayer.core.plugins import registry

INTERPRETER = os.environ.get("SLAYER_TRITON_INTERPRET") == "1"
HAS_TRITON = importlib.util.find_spec("triton") is not None
inner = pytest.mark.skipif(
    not INTERPRETER, reason="runs in the interpreter subprocess started by test_kernels_in_triton_interpreter"
)
outer = pytest.mark.skipif(INTERPRETER, reason="checks the normal (non-interpreted) process")
if INTERPRETER and not HAS_TRITON:  # the interpreter was asked for, but there is nothing to run the kernels on
    pytestmark = pytest.mark.skip(
        reason="SLAYER_TRITON_INTERPRET=1 but triton is not installed (pip install triton to run the kernel checks)"
    )
REF = reference.KERNELS
N, M, T = 2, 5, 11  # T = 11: one full and one partial time tile of 8


# -- driver and checks that need no triton -----------------------------------------------------


@outer
@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed (pip install triton to run the kernel checks)")
def test_kernels_in_triton_interpreter():
    env = dict(os.environ, SLAYER_TRITON_INTERPRET="1")
    for name in ("SLAYER_BACKEND", "SLAYER_GPU_BLOCK", "SLAYER_GPU_TIME_TILE"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = proc.stdout[-8000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, report
    passed = re.search(r"(\d+) passed", proc.stdout)
    assert passed and int(passed.group(1)) >= 30, report


@outer
def test_registered_for_cuda_only_unless_interpreting(monkeypatch):
    backend = registry().get("backends")["gpu"].obj
    assert isinstance(backend, GpuBackend) and backend.priority > 10  # above cpu (10) and reference (0)
    monkeypatch.delenv("SLAYER_TRITON_INTERPRET", raising=False)
    assert backend.device_types == frozenset({"cuda"})
    if not torch.cuda.is_available():
        assert not backend.is_available()
    monkeypatch.setenv("SLAYER_TRITON_INTERPRET", "1")
    assert backend.device_types == frozenset({"cuda", "cpu"})
    assert backend.is_available() == HAS_TRITON
    # every dynamics kernel; the sigma-delta and phase-spike kernels are CPU/reference only so far
    # (CUDA runs the reference)
    cpu_only = {"delta_forward", "delta_backward", "running_sum"}
    cpu_only |= {"phase_spike_forward", "phase_spike_backward", "real_spike_forward", "real_spike_backward"}
    assert set(backend.kernels()) == set(REF) - cpu_only


@outer
def test_import_and_cpu_use_load_no_triton_kernels():
    """``import slayer`` and backend registration never import triton; CPU ops never load the kernels.

    (Calling any ``torch.library`` custom op imports ``torch._dynamo``, which imports triton when it is
    installed: that is torch's doing, so the op call is only checked for our kernel modules.)
    """
    code = (
        "import sys, torch, slayer, slayer.core.dynamics\n"
        "from slayer.core.plugins import registry\n"
        "gpu = registry().get('backends')['gpu'].obj\n"
        "gpu.is_available(); gpu.kernels(); gpu.device_types\n"
        "assert 'triton' not in sys.modules, 'triton imported'\n"
        "slayer.core.dynamics.leaky_integrator(torch.ones(1, 2, 3), torch.tensor(100.0))\n"
        "loaded = [m for m in sys.modules if m.startswith('slayer.core.backends.gpu.')]\n"
        "assert loaded == ['slayer.core.backends.gpu._mode'], loaded\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SLAYER_TRITON_INTERPRET", "SLAYER_BACKEND")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


@outer
def test_failing_kernel_warns_once_and_runs_the_reference(monkeypatch):
    def broken(self):
        raise RuntimeError("simulated ptxas failure")

    monkeypatch.setattr("slayer.core.backends.gpu._Kernel._load", broken)
    monkeypatch.delenv("SLAYER_BACKEND", raising=False)
    kernel = GpuBackend().kernels()["leaky_integrator_forward"]
    args = (torch.randn(1, 3, 4), torch.full((3,), 100.0), torch.zeros(1, 3), False, 0, 4096)
    with pytest.warns(GpuBackendWarning, match="leaky_integrator_forward failed.*simulated ptxas failure"):
        first = kernel(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = kernel(*args)
    expected = REF["leaky_integrator_forward"](*args)
    for got in (first, second):
        assert all(torch.equal(a, b) for a, b in zip(got, expected))


@outer
def test_failing_kernel_raises_when_gpu_was_requested(monkeypatch):
    monkeypatch.setattr("slayer.core.backends.gpu._Kernel._load", lambda self: 1 / 0)
    monkeypatch.setenv("SLAYER_BACKEND", "gpu")
    kernel = GpuBackend().kernels()["resonator_forward"]
    with pytest.raises(ZeroDivisionError):
        kernel(torch.zeros(1, 1, 1))


# -- interpreter checks ------------------------------------------------------------------------


def gpu(name):
    """The Triton implementation itself (no fallback wrapper: a failure must fail the test)."""
    module = {
        "leaky": "leaky_integrator",
        "resonator": "resonator",
        "adaptive": "adaptive_threshold",
        "adaptive_resonator": "adaptive_resonator",
        "cuba": "cuba",
        "alif": "alif",
        "neuron_major": "layout",
    }
    kind = next(k for k in sorted(module, key=len, reverse=True) if name.startswith(k))
    mod = __import__(f"slayer.core.backends.gpu.{module[kind]}", fromlist=[name])
    return getattr(mod, name)


def series(layout, seed, dtype=torch.float32, scale=2.0, shape=(N, M, T)):
    """Random ``(N, M, T)`` values of both signs, stored neuron-contiguous (``ntc``) or plain (``nct``)."""
    g = torch.Generator().manual_seed(seed)
    n, m, t = shape
    if layout == "ntc":
        x = (torch.randn(n, t, m, generator=g, dtype=dtype) * scale).transpose(1, 2)
        assert x.stride(1) == 1
    else:
        x = torch.randn(n, m, t, generator=g, dtype=dtype) * scale
        assert x.stride(2) == 1
    return x


def states(seed, dtype=torch.float32, low=-1.0, high=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(N, M, generator=g, dtype=dtype) * (high - low) + low


def decays(seed, low=0, high=4096, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(low, high + 1, (M,), generator=g).to(dtype)


def assert_identical(got, expected, same_layout=True):
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert a.shape == b.shape and a.dtype == b.dtype, (i, a.shape, b.shape, a.dtype, b.dtype)
        assert torch.equal(a.isnan(), b.isnan()), f"output {i}: NaN positions differ"
        assert torch.equal(a.nan_to_num(), b.nan_to_num()), f"output {i} differs:\n{a}\n{b}"
        if same_layout and a.dim() == 3 and a.numel():
            assert a.stride() == b.stride(), f"output {i}: layout {a.stride()} vs reference {b.stride()}"


def assert_close(got, expected, dtype):
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for i, (a, b) in enumerate(zip(got, expected)):
        assert a.shape == b.shape, (i, a.shape, b.shape)
        torch.testing.assert_close(a, b, equal_nan=True, **tol, msg=lambda m, i=i: f"gradient {i}: {m}")


LAYOUTS = ["ntc", "nct"]
DTYPES = [torch.float32, torch.float64]


def poisoned(x, where=(0, 1, 5), value=float("nan")):
    x = x.clone()  # keeps the storage order
    x[where] = value
    return x


def leaky_args(layout, dtype, reset):
    x = poisoned(series(layout, 1, dtype))
    return (x, decays(2, dtype=dtype), states(3, dtype), reset, 3000 if reset else 0, 4096)


def resonator_args(layout, dtype, reset):
    re, im = series(layout, 4, dtype), poisoned(series(layout, 5, dtype), (1, 2, 7), float("inf"))
    sin, cos = decays(6, -3000, 3000, dtype), decays(7, -3000, 3000, dtype)
    return (re, im, sin, cos, states(8, dtype), states(9, dtype), reset, 1000 if reset else 0, 4096)


def threshold_args(layout, dtype):
    v = poisoned(series(layout, 10, dtype, scale=3.0), (0, 3, 6))
    return (v, decays(11, dtype=dtype), decays(12, dtype=dtype), states(13, dtype, 0, 1), states(14, dtype, 1, 2))


@inner
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reset", [False, True])
def test_leaky_integrator_forward_identical(layout, dtype, reset):
    args = leaky_args(layout, dtype, reset)
    assert_identical(gpu("leaky_integrator_forward")(*args), REF["leaky_integrator_forward"](*args))


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reset", [False, True])
def test_resonator_forward_identical(layout, reset):
    args = resonator_args(layout, torch.float32, reset)
    assert_identical(gpu("resonator_forward")(*args), REF["resonator_forward"](*args))


@inner
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_adaptive_threshold_forward_identical(layout, dtype):
    args = (*threshold_args(layout, dtype), 2048, 4096, 4096)
    expected = REF["adaptive_threshold_forward"](*args)
    assert expected[4].any() and not expected[4].all()  # spikes happen: the jumps are exercised
    assert_identical(gpu("adaptive_threshold_forward")(*args), expected)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
def test_adaptive_phase_threshold_forward_identical(layout):
    re, im = series(layout, 15), poisoned(series(layout, 16), (1, 0, 4))
    _, ref_d, th_d, r0, th0 = threshold_args(layout, torch.float32)
    args = (re, im, ref_d, th_d, states(17), r0, th0 * 0.1, 2048, 400, 4096)
    expected = REF["adaptive_phase_threshold_forward"](*args)
    assert expected[4].any()
    assert_identical(gpu("adaptive_phase_threshold_forward")(*args), expected)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
def test_adaptive_resonator_forward_identical(layout):
    re, im, sin, cos, rs, is_, *_ = resonator_args(layout, torch.float32, False)
    _, ref_d, th_d, r0, th0 = threshold_args(layout, torch.float32)
    args = (re, im, sin, cos, ref_d, th_d, rs, is_, r0, th0 * 0.1, 2048, 400, 4096)
    expected = REF["adaptive_resonator_forward"](*args)
    assert expected[8].any()
    assert_identical(gpu("adaptive_resonator_forward")(*args), expected)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reset", [False, True])
def test_leaky_integrator_backward_close(layout, reset):
    x, decay, state, _, threshold, s = leaky_args(layout, torch.float64, reset)
    x = series(layout, 1, torch.float64)  # finite: gradients of poisoned runs are NaN anyway
    out, _, events = REF["leaky_integrator_forward"](x, decay, state, reset, threshold, s)
    args = (
        series(layout, 20, torch.float64),
        states(21, torch.float64),
        out,
        events,
        decay,
        state,
        reset,
        threshold,
        s,
    )
    assert_close(gpu("leaky_integrator_backward")(*args), REF["leaky_integrator_backward"](*args), torch.float64)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reset", [False, True])
def test_resonator_backward_close(layout, reset):
    re, _, sin, cos, rs, is_, _, threshold, s = resonator_args(layout, torch.float64, reset)
    im = series(layout, 5, torch.float64)
    fwd = REF["resonator_forward"](re, im, sin, cos, rs, is_, reset, threshold, s)
    grads = (series(layout, 22, torch.float64), series(layout, 23, torch.float64))
    args = (*grads, states(24, torch.float64), states(25, torch.float64), fwd[0], fwd[1], fwd[4])
    args = (*args, sin, cos, rs, is_, reset, threshold, s)
    assert_close(gpu("resonator_backward")(*args), REF["resonator_backward"](*args), torch.float64)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
def test_adaptive_threshold_backward_close(layout):
    _, ref_d, th_d, r0, th0 = threshold_args(layout, torch.float64)
    v = series(layout, 10, torch.float64, scale=3.0)
    th, r, _, _, events = REF["adaptive_threshold_forward"](v, ref_d, th_d, r0, th0, 2048, 4096, 4096)
    grads = (series(layout, 26, torch.float64), series(layout, 27, torch.float64))
    args = (*grads, states(28, torch.float64), states(29, torch.float64), th, r, events)
    args = (*args, ref_d, th_d, r0, th0, 2048, 4096, 4096)
    assert_close(gpu("adaptive_threshold_backward")(*args), REF["adaptive_threshold_backward"](*args), torch.float64)


def fused_args(layout, dtype, seed):
    x = poisoned(series(layout, seed, dtype, scale=0.5))
    decay4 = [decays(seed + i, dtype=dtype) for i in range(1, 5)]
    states4 = [states(seed + 5, dtype, -0.2, 0.2), states(seed + 6, dtype, -0.2, 0.2)]
    states4 += [states(seed + 7, dtype, 0, 0.2), states(seed + 8, dtype, 0.1, 0.3)]
    return x, decay4, states4


@inner
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("graded", [False, True])
def test_cuba_forward_identical_and_backward_close(layout, dtype, graded):
    x, (cd, vd, _, _), (cs, vs, _, _) = fused_args(layout, dtype, 60)
    level = 0.3 + 0.01 / 4096
    args = (x, cd, vd, cs, vs, 1229, level, graded, 4096)
    expected = REF["cuba_forward"](*args)
    assert expected[4].any()
    assert_identical(gpu("cuba_forward")(*args), expected)
    xf = x.nan_to_num()
    fwd = REF["cuba_forward"](xf, *args[1:])
    g_spikes, g_voltage = series(layout, 70, dtype), series(layout, 71, dtype)
    for grad_voltage in (g_voltage, torch.empty(0, dtype=dtype)):  # empty: no gradient reaches the voltage
        b = (g_spikes, grad_voltage, states(72, dtype), states(73, dtype), xf, fwd[1], fwd[4], cd, vd, cs, vs)
        b = (*b, level, 0.3, 1.5, graded, 4096)
        got, expected_grads = gpu("cuba_backward")(*b), REF["cuba_backward"](*b)
        assert_close(got, expected_grads, dtype)
        assert got[0].stride() == expected_grads[0].stride() == xf.stride()


@inner
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("graded", [False, True])
def test_alif_forward_identical_and_backward_close(layout, dtype, graded):
    x, decay4, states4 = fused_args(layout, dtype, 80)
    args = (x, *decay4, *states4, 409, 204, graded, 4096)
    expected = REF["alif_forward"](*args)
    assert expected[9].any()
    assert_identical(gpu("alif_forward")(*args), expected)
    fwd = REF["alif_forward"](x.nan_to_num(), *args[1:])
    g_spikes, g_voltage = series(layout, 90, dtype), series(layout, 91, dtype)
    grad_nexts = [states(92 + i, dtype) for i in range(4)]
    for grad_voltage in (g_voltage, torch.empty(0, dtype=dtype)):
        b = (g_spikes, grad_voltage, *grad_nexts, fwd[1], fwd[2], fwd[3], fwd[4], fwd[9], *decay4, *states4)
        b = (*b, 409, 204, 0.3, 1.5, graded, 4096)
        assert_close(gpu("alif_backward")(*b), REF["alif_backward"](*b), dtype)


@inner
@pytest.mark.parametrize("dtype", [*DTYPES, torch.bool])
def test_neuron_major_copies_into_neuron_contiguous_storage(dtype):
    """Partial tiles (70 neurons, 23 and 65 steps against 64 x 64 tiles), both storage orders, a strided view."""
    for layout in LAYOUTS:
        for shape in ((2, 70, 23), (1, 3, 65)):
            x = series(layout, 40, torch.float64, shape=shape)
            x = (x > 0.5) if dtype == torch.bool else x.to(dtype)
            for view in (x, x[:, 1::2, ::3]):
                got = gpu("neuron_major")(view)
                _, m, t = view.shape
                assert torch.equal(got, REF["neuron_major"](view)) and got.stride() == (m * t, 1, m)


@inner
def test_negative_products_truncate_toward_zero():
    """Hand-computed: ``y = -5/4096`` kept with retention 4095 gives ``rtz(-20475 / 4096) = -4`` (floor: -5)."""
    x = torch.tensor([[[-5.0, 0.0, 0.0, 0.0, -1.0, 0.0]]]) / 4096
    out, next_state, _ = gpu("leaky_integrator_forward")(x, torch.tensor([1.0]), torch.zeros(1, 1), False, 0, 4096)
    # -5 -> rtz(-4.9988) = -4 -> -3 -> -2 -> rtz(-1.9995) - 1 = -2 -> -1  (floor would stay at -5)
    assert (out * 4096).flatten().tolist() == [-5, -4, -3, -2, -2, -1]
    assert next_state.item() * 4096 == -1


@inner
def test_negative_rotation_truncates_each_product():
    """One step of the resonator from ``re = -3, im = 5`` with ``sin = cos = 2048`` (in 1/4096 units)."""
    zero = torch.zeros(1, 1, 1)
    re, im, *_ = gpu("resonator_forward")(
        zero, zero, torch.tensor([2048.0]), torch.tensor([2048.0]), torch.tensor([[-3.0]]) / 4096,
        torch.tensor([[5.0]]) / 4096, False, 0, 4096,
    )  # fmt: skip
    # re = rtz(-1.5) - rtz(2.5) = -1 - 2 = -3;  im = rtz(-1.5) + rtz(2.5) = -1 + 2 = 1
    assert (re.item() * 4096, im.item() * 4096) == (-3, 1)


@inner
@pytest.mark.parametrize(("tile", "block"), [("4", "4"), ("16", "2")])
def test_other_tilings_identical(monkeypatch, tile, block):
    """Time tiles of 4 and 16 bins (11 steps: partial tiles) and blocks smaller than the neuron count."""
    monkeypatch.setenv("SLAYER_GPU_TIME_TILE", tile)
    monkeypatch.setenv("SLAYER_GPU_BLOCK", block)
    for layout in LAYOUTS:
        args = leaky_args(layout, torch.float32, True)
        assert_identical(gpu("leaky_integrator_forward")(*args), REF["leaky_integrator_forward"](*args))
        _, ref_d, th_d, r0, th0 = threshold_args(layout, torch.float64)
        th, r, _, _, events = REF["adaptive_threshold_forward"](
            series(layout, 10, torch.float64, scale=3.0), ref_d, th_d, r0, th0, 2048, 4096, 4096
        )
        grads = (series(layout, 26, torch.float64), series(layout, 27, torch.float64))
        args = (*grads, states(28, torch.float64), states(29, torch.float64), th, r, events)
        args = (*args, ref_d, th_d, r0, th0, 2048, 4096, 4096)
        assert_close(
            gpu("adaptive_threshold_backward")(*args), REF["adaptive_threshold_backward"](*args), torch.float64
        )


@inner
@pytest.mark.parametrize("steps", [0, 1])
def test_degenerate_lengths(steps):
    x = series("nct", 30, shape=(N, M, steps))
    args = (x, decays(2), states(3), True, 3000, 4096)
    assert_identical(gpu("leaky_integrator_forward")(*args), REF["leaky_integrator_forward"](*args))
    out, _, events = REF["leaky_integrator_forward"](*args)
    bargs = (torch.ones_like(out), states(31), out, events, decays(2), states(3), True, 3000, 4096)
    assert_close(gpu("leaky_integrator_backward")(*bargs), REF["leaky_integrator_backward"](*bargs), torch.float32)


@inner
def test_non_power_of_two_scale_identical():
    """``s_scale = 1000``: the float output is an IEEE-rounded division, as in the reference."""
    args = (series("nct", 32), decays(2), states(3), True, 3000, 1000)
    assert_identical(gpu("leaky_integrator_forward")(*args), REF["leaky_integrator_forward"](*args))


@inner
def test_bad_arguments_are_named():
    x = series("nct", 1)
    with pytest.raises(TypeError, match="float16"):
        gpu("leaky_integrator_forward")(x.half(), decays(2).half(), states(3).half(), False, 0, 4096)
    with pytest.raises(TypeError, match="decay has dtype torch.float64"):
        gpu("leaky_integrator_forward")(x, decays(2, dtype=torch.float64), states(3), False, 0, 4096)
    with pytest.raises(ValueError, match=r"decay must have shape \(5,\)"):
        gpu("leaky_integrator_forward")(x, torch.ones(4), states(3), False, 0, 4096)


# -- through the public API (the gpu backend selected for CPU tensors) --------------------------


@pytest.fixture
def gpu_selected(monkeypatch):
    from slayer.core.backends import clear_cache, select_backend

    monkeypatch.setenv("SLAYER_BACKEND", "gpu")
    clear_cache()
    assert select_backend("leaky_integrator_forward", "cpu").name == "gpu"
    yield
    monkeypatch.delenv("SLAYER_BACKEND")
    clear_cache()


def with_backend(name, fn):
    from slayer.core.backends import clear_cache

    previous = os.environ.get("SLAYER_BACKEND")
    os.environ["SLAYER_BACKEND"] = name
    clear_cache()
    try:
        return fn()
    finally:
        if previous is None:
            del os.environ["SLAYER_BACKEND"]
        else:
            os.environ["SLAYER_BACKEND"] = previous
        clear_cache()


@inner
def test_automatic_selection_picks_gpu_for_cpu_tensors_when_interpreting(monkeypatch):
    from slayer.core.backends import clear_cache, select_backend

    monkeypatch.delenv("SLAYER_BACKEND", raising=False)
    clear_cache()
    assert select_backend("resonator_backward", "cpu").name == "gpu"


@inner
@pytest.mark.parametrize("granularity", ["channel", "neuron"])
def test_public_api_nchwt_parameters_and_gradients(gpu_selected, granularity):
    """``(N, C, H, W, T)`` input, per-channel ``(C,)`` or per-neuron ``(C, H, W)`` decays, autograd."""
    from slayer.core.dynamics import adaptive_threshold, leaky_integrator

    g = torch.Generator().manual_seed(40)
    x = (torch.randn(2, 3, 2, 2, 9, generator=g, dtype=torch.float64) * 2).requires_grad_()
    shape = (3,) if granularity == "channel" else (3, 2, 2)
    decay = torch.randint(0, 4097, shape, generator=g).double().requires_grad_()
    ref_decay = torch.randint(0, 4097, shape, generator=g).double().requires_grad_()

    def run():
        u, u_next = leaky_integrator(x, decay, threshold=1.5)
        th, r, _, _ = adaptive_threshold(u, ref_decay, decay, th_step=0.5, th0=1.0)
        loss = (u * torch.linspace(-1, 1, 9, dtype=torch.float64)).sum() + u_next.sum() + (th * r).sum()
        grads = torch.autograd.grad(loss, (x, decay, ref_decay))
        return (u.detach(), u_next.detach(), th.detach(), r.detach()), grads

    values, grads = run()
    ref_values, ref_grads = with_backend("reference", run)
    assert_identical(values, ref_values)
    assert_close(grads, ref_grads, torch.float64)


@inner
@pytest.mark.parametrize("layout", LAYOUTS)
def test_chunked_persistence_equals_one_run(gpu_selected, layout):
    """Three chunks with the state handed along equal one long run (bit for bit) and the reference."""
    from slayer.core.dynamics import adaptive_resonator, alif, cuba, leaky_integrator, resonator

    x, im = series(layout, 50, shape=(N, M, 12)), series(layout, 51, shape=(N, M, 12))
    decay, sin, cos = decays(52), decays(53, -3000, 3000), decays(54, -3000, 3000)
    ref_d, th_d = decays(55), decays(56)

    def whole_and_chunks(run):
        whole = run(x, im, None)
        state, pieces = None, []
        for t0 in range(0, 12, 4):
            out = run(x[..., t0 : t0 + 4], im[..., t0 : t0 + 4], state)
            pieces.append(out[0])
            state = out[1:]
        assert_identical((torch.cat(pieces, -1), *state), whole, same_layout=False)
        return whole

    runs = [
        lambda a, b, s: leaky_integrator(a, decay, *(s or (None,)), threshold=1.0),
        lambda a, b, s: (lambda o: (o[0], *o[2:]))(resonator(a, b, sin, cos, *(s or (None, None)), threshold=0.3)),
        lambda a, b, s: (lambda o: (o[0], *o[4:]))(
            adaptive_resonator(a, b, sin, cos, ref_d, th_d, 0.2, 0.4, *(s or (None,) * 4))
        ),
        lambda a, b, s: (lambda o: (o[0], *o[2:]))(
            cuba(a, decay, ref_d, *(s or (None, None)), threshold=0.5, tau_rho=0.3, scale_rho=1.0)
        ),
        lambda a, b, s: (lambda o: (o[0], *o[2:]))(
            alif(a, decay, ref_d, th_d, decay, *(s or (None,) * 4), th_step=0.1, th0=0.3, tau_rho=0.3, scale_rho=1.0)
        ),
    ]
    for run in runs:
        got = whole_and_chunks(run)
        assert_identical(got, with_backend("reference", lambda run=run: run(x, im, None)))
