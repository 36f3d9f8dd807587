#!/usr/bin/env python
"""Check and time slayer's ``gpu`` backend (Triton kernels) on the CUDA GPU at hand, in one command.

    python benchmarks/gpu_check.py            # everything (a few minutes on an H100/H200)
    python benchmarks/gpu_check.py --quick    # no tiling sweep

Runs from a checkout (adds ``packages/*/src`` to ``sys.path`` when slayer is not installed) and:

1. compile: a fresh process with an empty Triton cache times the first call (cold compile), a second
   process with that cache the same call (warm start);
2. correctness: every kernel against the reference backend on the GPU (forward states bit-identical,
   NaN where the reference has NaN; backward to rounding), both storage orders, negative values,
   float32/float64, partial tiles, a non-power-of-two scale; the public API with autograd; the large
   case's leaky-integrator forward; Triton's integer ``//`` on negative numbers;
3. timing: the large case ``N=64, C=4096, T=1000`` (float32: 1 GiB per time series) through the public
   API, forward and forward+backward, neuron-contiguous (``N T C`` storage seen as ``N C T``) and plain
   ``N C T``, next to a device copy of the input's bytes; CUDA events, median after warm-up;
4. a sweep of block size and time tile (``SLAYER_GPU_BLOCK``, ``SLAYER_GPU_TIME_TILE``).

Exit status: 0 when every check passes (timings are reported, never judged), 1 on any mismatch, 0
with a message when there is no CUDA GPU, 2 when triton is missing on a CUDA machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LARGE = (64, 4096, 1000)
#: "cuda", or "cpu" under --dry-run-cpu (interpreted kernels, tiny sizes: checks this script itself)
DEV = "cuda"


def _sync() -> None:
    """Wait for every queued GPU kernel (nothing to wait for under --dry-run-cpu)."""
    if DEV == "cuda":
        import torch

        torch.cuda.synchronize()


def _free() -> None:
    """Give the caching allocator's idle GPU memory back between large cases (a no-op on CPU)."""
    if DEV == "cuda":
        import torch

        torch.cuda.empty_cache()


TARGETS_MS = {"ntc": 2.5, "nct": 3.75}  # CUBA fwd+bwd on an H200 (issue 14: 2.5 ms; plain N C T <= 1.5x)
TARGET_OP = "cuba"


def _use_checkout() -> None:
    """Import slayer from this checkout when it is not installed; register slayer-core's backends."""
    os.environ.setdefault("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "1")
    try:
        import slayer.core  # noqa: F401
    except ImportError:
        for src in sorted((ROOT / "packages").glob("*/src")):
            sys.path.insert(0, str(src))
    from slayer.core.plugins import registry

    if "gpu" not in registry().get("backends"):  # not installed: no entry points to find it by
        import slayer.core._plugin as core_plugin

        registry().register(core_plugin, "slayer-core")


# -- 1. compile time (run in fresh processes) --------------------------------------------------


def probe() -> None:
    """Child process: time import, the first leaky-integrator forward+backward, then every other op."""
    start = time.perf_counter()
    import torch

    _use_checkout()
    from slayer.core import dynamics as D

    imported = time.perf_counter()
    dev = torch.device(DEV)
    torch.zeros(1, device=dev)
    _sync()
    cuda_ready = time.perf_counter()

    def first_call(x):
        x = x.requires_grad_()
        decays = [torch.full((x.shape[1],), v, device=dev, requires_grad=True) for v in (1000.0, 300.0)]
        spikes, voltage, _, _ = D.cuba(x, *decays, threshold=0.5, tau_rho=0.5, scale_rho=1.0)
        (spikes.sum() + voltage.sum()).backward()
        _sync()

    first_call(torch.randn(2, 8, 16, device=dev))
    first = time.perf_counter()
    first_call(torch.randn(2, 16, 8, device=dev).transpose(1, 2))  # the other storage order
    re, im = (torch.randn(2, 8, 16, device=dev, requires_grad=True) for _ in range(2))
    d = [torch.full((8,), v, device=dev, requires_grad=True) for v in (1000.0, 2000.0, 300.0, 400.0)]
    out = D.resonator(re, im, d[0], d[1], threshold=0.5)
    sum(o.sum() for o in out).backward()
    th, r, _, _ = D.adaptive_threshold(re.detach(), d[2], d[3], 0.5, 1.0)
    (th.sum() + r.sum()).backward()
    th, r, _, _ = D.adaptive_phase_threshold(re.detach(), im.detach(), d[2], d[3], 0.5, 1.0)
    (th.sum() + r.sum()).backward()
    out = D.adaptive_resonator(re, im, d[0], d[1], d[2], d[3], 0.5, 1.0)
    sum(o.sum() for o in out).backward()
    out = D.leaky_integrator(re, d[2], threshold=0.5)
    sum(o.sum() for o in out).backward()
    out = D.alif(re, d[2], d[3], d[2], d[3], th_step=0.2, th0=0.5, tau_rho=0.5, scale_rho=1.0)
    sum(o.sum() for o in out).backward()
    _sync()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - start,
                "cuda_init_s": cuda_ready - imported,
                "first_cuba_fwd_bwd_s": first - cuda_ready,
                "all_ops_both_orders_s": done - cuda_ready,
            }
        )
    )


def compile_times() -> tuple[dict, dict]:
    with tempfile.TemporaryDirectory(prefix="slayer-triton-cache-") as cache:
        env = dict(os.environ, TRITON_CACHE_DIR=cache, SLAYER_BACKEND="gpu")
        runs = []
        for _ in ("cold", "warm"):
            command = [sys.executable, __file__, "--probe"] + (["--dry-run-cpu"] if DEV == "cpu" else [])
            proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"compile probe failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return runs[0], runs[1]


# -- 2. correctness ----------------------------------------------------------------------------


class Checks:
    def __init__(self):
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def run(self, name, fn):
        try:
            fn()
        except Exception as error:  # report every failing check, then exit non-zero
            self.failed.append((name, f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=4)}"))
            print(f"  FAIL {name}: {type(error).__name__}: {str(error)[:300]}")
        else:
            self.passed.append(name)


def _identical(got, expected, what):
    import torch

    assert len(got) == len(expected), f"{what}: {len(got)} outputs vs {len(expected)}"
    for i, (a, b) in enumerate(zip(got, expected)):
        assert a.shape == b.shape and a.dtype == b.dtype, f"{what}[{i}]: {a.shape}/{a.dtype} vs {b.shape}/{b.dtype}"
        assert torch.equal(a.isnan(), b.isnan()), f"{what}[{i}]: NaN positions differ"
        diff = (a.nan_to_num() != b.nan_to_num()).sum().item()
        assert diff == 0, f"{what}[{i}]: {diff} of {a.numel()} values differ"
        if a.dim() == 3 and a.numel():
            assert a.stride() == b.stride(), f"{what}[{i}]: strides {a.stride()} vs reference {b.stride()}"


def _close(got, expected, what):
    import torch

    for i, (a, b) in enumerate(zip(got, expected)):
        tol = 1e-4 if a.dtype == torch.float32 else 1e-10
        torch.testing.assert_close(a, b, rtol=tol, atol=tol, equal_nan=True, msg=lambda m, i=i: f"{what}[{i}]: {m}")


def correctness(checks: Checks) -> None:
    import torch

    from slayer.core.backends import reference
    from slayer.core.backends.gpu import adaptive_resonator as GAR
    from slayer.core.backends.gpu import adaptive_threshold as GA
    from slayer.core.backends.gpu import alif as GF
    from slayer.core.backends.gpu import cuba as GC
    from slayer.core.backends.gpu import leaky_integrator as GL
    from slayer.core.backends.gpu import resonator as GR

    ref = reference.KERNELS
    dev = torch.device(DEV)
    gen = torch.Generator(device=dev)

    def series(layout, shape, dtype=torch.float32, scale=2.0, seed=0):
        gen.manual_seed(seed)
        n, m, t = shape
        if layout == "ntc":
            return (torch.randn(n, t, m, generator=gen, device=dev, dtype=dtype) * scale).transpose(1, 2)
        return torch.randn(n, m, t, generator=gen, device=dev, dtype=dtype) * scale

    def uniform(shape, low, high, dtype=torch.float32, seed=0):
        gen.manual_seed(seed)
        return torch.rand(shape, generator=gen, device=dev, dtype=dtype) * (high - low) + low

    def decays(m, low=0, high=4096, dtype=torch.float32, seed=0):
        return uniform((m,), low, high + 1, dtype, seed).floor()

    def poison(x, value=float("nan")):
        x = x.clone()
        x[0, 1, x.shape[2] // 2] = value
        x[-1, -1, -1] = value
        return x

    # several blocks of neurons and a partial time tile; float64 for a subset (every variant compiles anew)
    shape = (3, 300, 50)
    for layout, dtype in [(lay, d) for d in (torch.float32, torch.float64) for lay in ("ntc", "nct")]:
        every_op = dtype == torch.float32
        n, m, _ = shape
        tag = f"{layout} {tuple(shape)} {str(dtype)[6:]}"
        x = poison(series(layout, shape, dtype, seed=1))
        xf = series(layout, shape, dtype, seed=1)
        decay, state = decays(m, dtype=dtype, seed=2), uniform((n, m), -1, 1, dtype, 3)
        re, im = series(layout, shape, dtype, seed=4), poison(series(layout, shape, dtype, seed=5), float("inf"))
        imf = series(layout, shape, dtype, seed=5)
        sin, cos = decays(m, -3000, 3000, dtype, 6), decays(m, -3000, 3000, dtype, 7)
        rs, is_ = uniform((n, m), -1, 1, dtype, 8), uniform((n, m), -1, 1, dtype, 9)
        v = poison(series(layout, shape, dtype, scale=3.0, seed=10))
        vf = series(layout, shape, dtype, scale=3.0, seed=10)
        ref_d, th_d = decays(m, dtype=dtype, seed=11), decays(m, dtype=dtype, seed=12)
        r0, t0 = uniform((n, m), 0, 1, dtype, 13), uniform((n, m), 1, 2, dtype, 14)
        g1, g2 = series(layout, shape, dtype, seed=20), series(layout, shape, dtype, seed=21)
        s1, s2 = uniform((n, m), -1, 1, dtype, 22), uniform((n, m), -1, 1, dtype, 23)

        for reset, threshold in ((False, 0), (True, 3000)):
            a = (x, decay, state, reset, threshold, 4096)
            checks.run(
                f"leaky_integrator_forward reset={reset} {tag}",
                lambda a=a: _identical(GL.leaky_integrator_forward(*a), ref["leaky_integrator_forward"](*a), "li"),
            )
            out, _, events = ref["leaky_integrator_forward"](xf, decay, state, reset, threshold, 4096)
            b = (g1, s1, out, events, decay, state, reset, threshold, 4096)
            checks.run(
                f"leaky_integrator_backward reset={reset} {tag}",
                lambda b=b: _close(GL.leaky_integrator_backward(*b), ref["leaky_integrator_backward"](*b), "li bwd"),
            )
        for reset, threshold in ((False, 0), (True, 1000)) if every_op else ():
            a = (re, im, sin, cos, rs, is_, reset, threshold, 4096)
            checks.run(
                f"resonator_forward reset={reset} {tag}",
                lambda a=a: _identical(GR.resonator_forward(*a), ref["resonator_forward"](*a), "res"),
            )
            fwd = ref["resonator_forward"](re, imf, sin, cos, rs, is_, reset, threshold, 4096)
            b = (g1, g2, s1, s2, fwd[0], fwd[1], fwd[4], sin, cos, rs, is_, reset, threshold, 4096)
            checks.run(
                f"resonator_backward reset={reset} {tag}",
                lambda b=b: _close(GR.resonator_backward(*b), ref["resonator_backward"](*b), "res bwd"),
            )
        a = (v, ref_d, th_d, r0, t0, 2048, 4096, 4096)
        checks.run(
            f"adaptive_threshold_forward {tag}",
            lambda a=a: _identical(GA.adaptive_threshold_forward(*a), ref["adaptive_threshold_forward"](*a), "ath"),
        )
        th, r, _, _, ev = ref["adaptive_threshold_forward"](vf, ref_d, th_d, r0, t0, 2048, 4096, 4096)
        b = (g1, g2, s1, s2, th, r, ev, ref_d, th_d, r0, t0, 2048, 4096, 4096)
        checks.run(
            f"adaptive_threshold_backward {tag}",
            lambda b=b: _close(GA.adaptive_threshold_backward(*b), ref["adaptive_threshold_backward"](*b), "ath bwd"),
        )
        if not every_op:
            continue
        a = (re, im, ref_d, th_d, is_, r0, t0 * 0.1, 2048, 400, 4096)
        checks.run(
            f"adaptive_phase_threshold_forward {tag}",
            lambda a=a: _identical(
                GA.adaptive_phase_threshold_forward(*a), ref["adaptive_phase_threshold_forward"](*a), "aph"
            ),
        )
        a = (re, im, sin, cos, ref_d, th_d, rs, is_, r0, t0 * 0.1, 2048, 400, 4096)
        checks.run(
            f"adaptive_resonator_forward {tag}",
            lambda a=a: _identical(GAR.adaptive_resonator_forward(*a), ref["adaptive_resonator_forward"](*a), "ares"),
        )

        for graded in (False, True):
            xc = poison(series(layout, shape, dtype, scale=0.5, seed=15))
            xcf = series(layout, shape, dtype, scale=0.5, seed=15)
            a = (xc, decay, ref_d, s1 * 0.2, s2 * 0.2, 1229, 0.3 + 0.01 / 4096, graded, 4096)
            checks.run(
                f"cuba_forward graded={graded} {tag}",
                lambda a=a: _identical(GC.cuba_forward(*a), ref["cuba_forward"](*a), "cuba"),
            )
            f = ref["cuba_forward"](xcf, *a[1:])
            for gv in (g2, g2.new_empty(0)):
                b = (g1, gv, s1, s2, xcf, f[1], f[4], decay, ref_d, s1 * 0.2, s2 * 0.2, 0.3, 0.3, 1.5, graded, 4096)
                checks.run(
                    f"cuba_backward graded={graded} grad_voltage={gv.numel() > 0} {tag}",
                    lambda b=b: _close(GC.cuba_backward(*b), ref["cuba_backward"](*b), "cuba bwd"),
                )
            fused_states = (s1 * 0.2, s2 * 0.2, r0 * 0.2, t0 * 0.2)
            a = (xc, decay, ref_d, th_d, decay, *fused_states, 409, 204, graded, 4096)
            checks.run(
                f"alif_forward graded={graded} {tag}",
                lambda a=a: _identical(GF.alif_forward(*a), ref["alif_forward"](*a), "alif"),
            )
            f = ref["alif_forward"](xcf, *a[1:])
            for gv in (g2, g2.new_empty(0)):
                b = (g1, gv, s1, s2, r0, t0, f[1], f[2], f[3], f[4], f[9], decay, ref_d, th_d, decay, *fused_states)
                b = (*b, 409, 204, 0.3, 1.5, graded, 4096)
                checks.run(
                    f"alif_backward graded={graded} grad_voltage={gv.numel() > 0} {tag}",
                    lambda b=b: _close(GF.alif_backward(*b), ref["alif_backward"](*b), "alif bwd"),
                )

    a = (series("nct", (2, 50, 40), seed=30), decays(50, seed=31), uniform((2, 50), -1, 1, seed=32), True, 3000, 1000)
    checks.run(
        "leaky_integrator_forward s_scale=1000 (IEEE float division)",
        lambda a=a: _identical(GL.leaky_integrator_forward(*a), ref["leaky_integrator_forward"](*a), "li s1000"),
    )
    from slayer.core.backends.gpu import layout as GLAY

    for layout in ("ntc", "nct"):
        for dtype in (torch.float32, torch.float64, torch.bool):
            x = series(layout, (3, 300, 50), torch.float64, seed=33)
            x = (x > 0.5) if dtype == torch.bool else x.to(dtype)
            checks.run(
                f"neuron_major {layout} {dtype}",
                lambda x=x: _identical((GLAY.neuron_major(x),), (ref["neuron_major"](x),), "neuron_major"),
            )
    checks.run("integer // truncates toward zero on the GPU", _check_integer_division)
    checks.run("public API with autograd, (N, C, H, W, T), per-channel/per-neuron", _check_public_api)
    checks.run("cuba_recurrence (recurrent CUBA, one kernel call per step) with autograd", _check_cuba_recurrence)

    def large(layout):
        a = (series(layout, LARGE, scale=0.3, seed=40), decays(LARGE[1], seed=41))
        a += (torch.zeros(LARGE[:2], device=dev), True, 4096, 4096)
        _identical(GL.leaky_integrator_forward(*a), ref["leaky_integrator_forward"](*a), "li large")

    for layout in ("ntc", "nct"):
        checks.run(f"large case leaky_integrator_forward {layout} {LARGE}", lambda layout=layout: large(layout))
        _free()


def _check_integer_division() -> None:
    import torch
    import triton
    import triton.language as tl

    @triton.jit
    def divide(x_ptr, q_ptr, n, BLOCK: tl.constexpr):
        i = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + i, mask=i < n)
        tl.store(q_ptr + i, x // 4096, mask=i < n)

    x = torch.tensor([-8193, -4097, -4096, -4095, -1, 0, 1, 4095, 4096, 8193, -(2**40) - 1], device=DEV)
    q = torch.empty_like(x)
    divide[(1,)](x, q, x.numel(), BLOCK=16)
    expected = torch.div(x, 4096, rounding_mode="trunc")
    assert torch.equal(q, expected), f"{q.tolist()} != {expected.tolist()}"


def _with_backend(name, fn):
    from slayer.core.backends import clear_cache

    previous = os.environ.get("SLAYER_BACKEND")
    os.environ["SLAYER_BACKEND"] = name
    clear_cache()
    try:
        return fn()
    finally:
        os.environ.pop("SLAYER_BACKEND")
        if previous is not None:
            os.environ["SLAYER_BACKEND"] = previous
        clear_cache()


def _check_public_api() -> None:
    import torch

    from slayer.core.dynamics import adaptive_resonator, adaptive_threshold, leaky_integrator

    gen = torch.Generator(device=DEV).manual_seed(50)
    for shape in ((3,), (3, 4, 5)):
        x = (torch.randn(2, 3, 4, 5, 30, generator=gen, device=DEV) * 2).requires_grad_()
        im = torch.randn(2, 3, 4, 5, 30, generator=gen, device=DEV).requires_grad_()
        d1, d2, d3, d4 = (
            torch.randint(0, 4097, shape, generator=gen, device=DEV).float().requires_grad_() for _ in range(4)
        )

        def run(x=x, im=im, d1=d1, d2=d2, d3=d3, d4=d4):
            u, u_next = leaky_integrator(x, d1, threshold=1.5)
            th, r, _, _ = adaptive_threshold(u, d2, d1, th_step=0.5, th0=1.0)
            out = adaptive_resonator(u, im, d3 - 2048, d4 - 2048, d1, d2, 0.3, 0.6)
            loss = (u * u.detach().sign()).sum() + u_next.sum() + (th * r).sum() + sum(o.sum() for o in out)
            grads = torch.autograd.grad(loss, (x, im, d1, d2, d3, d4))
            return (u.detach(), u_next.detach(), th.detach(), r.detach(), *(o.detach() for o in out)), grads

        values, grads = _with_backend("gpu", run)
        ref_values, ref_grads = _with_backend("reference", run)
        _identical(values, ref_values, f"public api {shape}")
        for i, (a, b) in enumerate(zip(grads, ref_grads)):
            torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3, msg=lambda m, i=i: f"public api grad {i}: {m}")


def _check_cuba_recurrence() -> None:
    """``cuba_recurrence`` calls the backend's fused CUBA kernels one step at a time (``T = 1`` series): its
    spikes on the gpu backend equal the reference backend's on the same device, its gradients to rounding."""
    import torch

    from slayer.core.dynamics import cuba_recurrence

    gen = torch.Generator(device=DEV).manual_seed(60)
    n, c, steps = 3, 40, 25
    drive = (torch.randn(n, c, steps, generator=gen, device=DEV) * 0.8).requires_grad_()
    weight = (torch.randn(c, c, generator=gen, device=DEV) * 0.2).requires_grad_()
    bias = (torch.randn(c, generator=gen, device=DEV) * 0.1).requires_grad_()
    current_decay, voltage_decay = (
        torch.randint(0, 4097, (c,), generator=gen, device=DEV).float().requires_grad_() for _ in range(2)
    )
    leaves = (drive, weight, bias, current_decay, voltage_decay)

    def run():
        spikes, current, voltage = cuba_recurrence(
            drive, weight, bias, current_decay, voltage_decay, threshold=0.5, tau_rho=0.3, scale_rho=1.0
        )
        loss = (spikes * torch.linspace(-1, 1, steps, device=DEV)).sum()
        return (spikes.detach(), current, voltage), torch.autograd.grad(loss, leaves)

    values, grads = _with_backend("gpu", run)
    ref_values, ref_grads = _with_backend("reference", run)
    _identical(values, ref_values, "cuba_recurrence")
    for i, (a, b) in enumerate(zip(grads, ref_grads)):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3, msg=lambda m, i=i: f"cuba_recurrence grad {i}: {m}")


# -- 3. timing ---------------------------------------------------------------------------------


def cuda_ms(fn, warmup: int = 3, iters: int = 20) -> float:
    import torch

    for _ in range(warmup):
        fn()
    _sync()
    times = []
    if DEV != "cuda":  # --dry-run-cpu: wall clock, one run
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1e3
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def timing_cases():
    """name -> (make inputs for a layout, run forward returning the outputs to differentiate): the seven
    dynamics ops of ``benchmarks/_op_cases.py`` at the large size on this device."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _op_cases import op_cases

    return op_cases(LARGE, DEV)


def time_case(make, forward, layout: str) -> dict:
    """Forward (no grad) and forward+backward (every input and parameter a leaf) of one op."""
    import torch
    from _op_cases import steps

    fwd, fwd_bwd = steps(make, forward, layout)
    fwd_ms = cuda_ms(fwd)
    fwd_bwd_ms = cuda_ms(fwd_bwd)
    x = make(layout)[0][0]
    copy_ms = cuda_ms(lambda: torch.empty_like(x).copy_(x))
    return {"fwd_ms": fwd_ms, "fwd_bwd_ms": fwd_bwd_ms, "copy_ms": copy_ms}


def timings() -> list[tuple]:

    rows = []
    for name, (make, forward) in timing_cases().items():
        for layout in ("ntc", "nct"):
            result = time_case(make, forward, layout)
            _free()
            rows.append((name, layout, result))
            print(
                f"  {name:26s} {layout}  fwd {result['fwd_ms']:7.3f} ms  fwd+bwd {result['fwd_bwd_ms']:7.3f} ms"
                f"  copy {result['copy_ms']:6.3f} ms"
            )
    return rows


def sweep() -> list[tuple]:
    """CUBA forward+backward per (layout, block, time tile)."""

    make, forward = timing_cases()[TARGET_OP]
    configs = [("ntc", b, 1) for b in (64, 128, 256, 512)]
    configs += [("nct", 128, tt) for tt in (4, 8, 16, 32)] + [("nct", b, 8) for b in (32, 64, 256)]
    rows = []
    for layout, block, tile in configs:
        os.environ["SLAYER_GPU_BLOCK"], os.environ["SLAYER_GPU_TIME_TILE"] = str(block), str(tile)
        try:
            result = time_case(make, forward, layout)
            _free()
        except Exception as error:
            print(f"  {layout} block {block} tile {tile}: {type(error).__name__}: {str(error)[:200]}")
            continue
        finally:
            os.environ.pop("SLAYER_GPU_BLOCK")
            os.environ.pop("SLAYER_GPU_TIME_TILE")
        rows.append((layout, block, tile, result))
        print(
            f"  {layout} block {block:4d} tile {tile:3d}  fwd {result['fwd_ms']:7.3f} ms"
            f"  fwd+bwd {result['fwd_bwd_ms']:7.3f} ms"
        )
    return rows


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the block/tile sweep")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--dry-run-cpu",
        action="store_true",
        help="check this script without a GPU: interpreted kernels on CPU tensors, tiny sizes (numbers mean nothing)",
    )
    args = parser.parse_args()
    if args.dry_run_cpu:
        global DEV, LARGE
        DEV, LARGE = "cpu", (2, 16, 24)
        os.environ["SLAYER_TRITON_INTERPRET"] = os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported
    if args.probe:
        probe()
        return 0

    import torch

    if DEV == "cuda" and not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU here (torch.cuda.is_available() is False); nothing to check.")
        return 0
    try:
        import triton
    except ImportError:
        print("gpu_check: a CUDA GPU is present but triton cannot be imported; install triton (pip install triton).")
        return 2
    _use_checkout()
    import warnings

    from slayer.core.backends.gpu import GpuBackendWarning

    warnings.simplefilter("error", GpuBackendWarning)  # a fallback to the reference is a failure here
    os.environ["SLAYER_BACKEND"] = "gpu"  # explicit: a kernel that fails raises instead of falling back
    if DEV == "cuda":
        props = torch.cuda.get_device_properties(0)
        device_name = props.name
        print(
            f"device: {props.name} (sm_{props.major}{props.minor}, {props.multi_processor_count} SMs, "
            f"{props.total_memory / 2**30:.0f} GiB); torch {torch.__version__}; triton {triton.__version__}"
        )
    else:
        device_name = "CPU (Triton interpreter, dry run)"
        print(f"device: {device_name}; torch {torch.__version__}; triton {triton.__version__}")

    print("\n[1] compile (fresh processes; SLAYER_BACKEND=gpu)")
    try:
        cold, warm = compile_times()
    except Exception as error:
        print(f"  FAIL compile probe: {error}")
        return 1
    for label, run in (("cold (empty Triton cache)", cold), ("warm (cached)", warm)):
        print(
            f"  {label:26s} import {run['import_s']:5.2f} s, CUDA init {run['cuda_init_s']:5.2f} s, "
            f"first cuba fwd+bwd {run['first_cuba_fwd_bwd_s']:6.2f} s, "
            f"all ops both orders {run['all_ops_both_orders_s']:6.2f} s"
        )
    print(f"  target: cold first call <= 10 s -> {'met' if cold['first_cuba_fwd_bwd_s'] <= 10 else 'MISSED'}")

    print("\n[2] correctness against the reference backend on the GPU")
    checks = Checks()
    started = time.perf_counter()
    correctness(checks)
    print(f"  {len(checks.passed)} passed, {len(checks.failed)} failed ({time.perf_counter() - started:.1f} s)")

    print(f"\n[3] timing, N C T = {LARGE}, float32, public API, median of 20 after 3 warm-ups")
    rows = timings()
    sweep_rows = []
    if not args.quick:
        print(f"\n[4] sweep ({TARGET_OP}, SLAYER_GPU_BLOCK / SLAYER_GPU_TIME_TILE)")
        sweep_rows = sweep()

    print("\nsummary")
    print(f"  {'op':26s} {'order':5s} {'fwd ms':>8s} {'fwd+bwd ms':>11s} {'copy ms':>8s} {'fwd/copy':>9s}")
    for name, layout, r in rows:
        print(
            f"  {name:26s} {layout:5s} {r['fwd_ms']:8.3f} {r['fwd_bwd_ms']:11.3f} {r['copy_ms']:8.3f} "
            f"{r['fwd_ms'] / r['copy_ms']:9.2f}"
        )
    by_op = {(name, layout): r for name, layout, r in rows}
    for name in dict.fromkeys(name for name, _, _ in rows):
        ratio = by_op[name, "nct"]["fwd_bwd_ms"] / by_op[name, "ntc"]["fwd_bwd_ms"]
        print(f"  {name}: plain N C T / neuron-contiguous fwd+bwd {ratio:.2f} (target <= 1.5)")
    for name, layout, r in rows:
        if name == TARGET_OP:
            met = "met" if r["fwd_bwd_ms"] <= TARGETS_MS[layout] else "MISSED"
            print(f"  target {name} {layout}: fwd+bwd <= {TARGETS_MS[layout]} ms on an H200 -> {met} ({device_name})")
    if sweep_rows:
        best = {}
        for layout, block, tile, r in sweep_rows:
            if layout not in best or r["fwd_bwd_ms"] < best[layout][2]["fwd_bwd_ms"]:
                best[layout] = (block, tile, r)
        for layout, (block, tile, r) in best.items():
            print(f"  best {layout}: block {block}, time tile {tile}: fwd+bwd {r['fwd_bwd_ms']:.3f} ms")
    print(
        f"  cold compile (first call) {cold['first_cuba_fwd_bwd_s']:.2f} s, warm {warm['first_cuba_fwd_bwd_s']:.2f} s"
    )
    print(f"  correctness: {len(checks.passed)} passed, {len(checks.failed)} failed")
    for name, detail in checks.failed:
        print(f"\nFAILED {name}\n{detail}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
