"""Fused CUBA neuron kernels (contract: ``cuba_forward``/``cuba_backward`` in docs/backends.md).

One pass per neuron: current integrator, voltage integrator with reset, the real spike; the voltage
integrator reads the current through its float value (``trunc(s * float(current))``), exactly as the
unfused composition the reference spells out. The current is not stored: backward recomputes it from the
input with the leaky-integrator kernel, then runs both adjoints in one reverse pass.
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import _launch as L
from ._arith import (
    DECAY_ONE,
    advance,
    block_of,
    column,
    load_decay,
    load_retention,
    load_state,
    or_nan,
    put,
    row_of,
    rtz_shift,
    scale_to_int,
    spike,
    surrogate,
    tile_mask,
    tile_offsets,
    to_float,
)
from ._triton import jit, tl
from .leaky_integrator import leaky_integrator_forward


@jit
def _forward_kernel(
    x_ptr, cd_ptr, vd_ptr, cs_ptr, vs_ptr, level_ptr,
    spikes_ptr, v_ptr, next_c_ptr, next_v_ptr, events_ptr,
    M, T, threshold,
    sx_n, sx_m, sx_t, so_n, so_m, so_t, se_n, se_m, se_t,
    S_SCALE: tl.constexpr, GRADED: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """Outputs share one layout (``so_*``: ``empty_like(x)``); states and decays are contiguous."""
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)
    level = tl.load(level_ptr)

    cd, cd_ok = load_decay(cd_ptr, m64, live)
    vd, vd_ok = load_decay(vd_ptr, m64, live)
    kc, kv = DECAY_ONE - cd, DECAY_ONE - vd
    c, c_ok = load_state(cs_ptr, n * M + m64, live, S_SCALE)
    v, v_ok = load_state(vs_ptr, n * M + m64, live, S_SCALE)
    c_bad = (c_ok & cd_ok) == 0
    v_bad = (v_ok & vd_ok) == 0
    x_row = row_of(n, m64, sx_n, sx_m, ROW_ALIGN)
    o_row = row_of(n, m64, so_n, so_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        xs = tl.load(x_ptr + tile_offsets(x_row, t0, cols, sx_t), mask=mask, other=0.0)
        vs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ss = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            x_int, x_ok = scale_to_int(column(xs, cols, j, TILE_T), S_SCALE)
            new_c = rtz_shift(c * kc) + x_int
            new_c_bad = c_bad | (x_ok == 0)
            c_float = or_nan(to_float(new_c, S_SCALE, DTYPE), new_c_bad)
            c_int, c_int_ok = scale_to_int(c_float, S_SCALE)  # the voltage reads the float current
            new_v = rtz_shift(v * kv) + c_int
            new_v_bad = v_bad | (c_int_ok == 0)
            v_float = or_nan(to_float(new_v, S_SCALE, DTYPE), new_v_bad)
            fired = new_v >= threshold
            new_v = tl.where(fired, 0, new_v)
            vs = put(vs, cols, j, v_float, TILE_T)
            ss = put(ss, cols, j, spike(v_float, level, GRADED), TILE_T)
            fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
            c = advance(new_c, c, t0 + j, T, TILE_T)
            v = advance(new_v, v, t0 + j, T, TILE_T)
            c_bad = advance(new_c_bad, c_bad, t0 + j, T, TILE_T)
            v_bad = advance(new_v_bad, v_bad, t0 + j, T, TILE_T)
        o_off = tile_offsets(o_row, t0, cols, so_t)
        tl.store(v_ptr + o_off, vs, mask=mask)
        tl.store(spikes_ptr + o_off, ss, mask=mask)
        tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    tl.store(next_c_ptr + n * M + m64, or_nan(to_float(c, S_SCALE, DTYPE), c_bad), mask=live)
    tl.store(next_v_ptr + n * M + m64, or_nan(to_float(v, S_SCALE, DTYPE), v_bad), mask=live)


@jit
def _backward_kernel(
    gs_ptr, gv_ptr, gnc_ptr, gnv_ptr, c_ptr, v_ptr, events_ptr, cd_ptr, vd_ptr, cs_ptr, vs_ptr, scalars_ptr,
    gx_ptr, g_cd_ptr, g_vd_ptr, g_cs_ptr, g_vs_ptr,
    M, T,
    sgs_n, sgs_m, sgs_t, sgv_n, sgv_m, sgv_t, sc_n, sc_m, sc_t, sv_n, sv_m, sv_t, se_n, se_m, se_t,
    sgx_n, sgx_m, sgx_t,
    HAS_GV: tl.constexpr, GRADED: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)
    level = tl.load(scalars_ptr)
    tau_rho = tl.load(scalars_ptr + 1)
    scale_rho = tl.load(scalars_ptr + 2)

    kc = load_retention(cd_ptr, m64, live)
    kv = load_retention(vd_ptr, m64, live)
    adj_c = tl.load(gnc_ptr + n * M + m64, mask=live, other=0.0)
    adj_v = tl.load(gnv_ptr + n * M + m64, mask=live, other=0.0)
    acc_c = tl.full((BLOCK,), 0, DTYPE)
    acc_v = tl.full((BLOCK,), 0, DTYPE)
    later_c = tl.full((BLOCK,), 0, DTYPE)  # the totals of bin t + 1
    later_v = tl.full((BLOCK,), 0, DTYPE)
    gs_row = row_of(n, m64, sgs_n, sgs_m, ROW_ALIGN)
    gv_row = row_of(n, m64, sgv_n, sgv_m, ROW_ALIGN)
    c_row = row_of(n, m64, sc_n, sc_m, ROW_ALIGN)
    v_row = row_of(n, m64, sv_n, sv_m, ROW_ALIGN)
    gx_row = row_of(n, m64, sgx_n, sgx_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    chunks = (T + TILE_T - 1) // TILE_T
    for k in range(0, chunks):
        t0 = (chunks - 1 - k) * TILE_T
        mask = tile_mask(live, t0, cols, T)
        g_spikes = tl.load(gs_ptr + tile_offsets(gs_row, t0, cols, sgs_t), mask=mask, other=0.0)
        if HAS_GV:
            g_volts = tl.load(gv_ptr + tile_offsets(gv_row, t0, cols, sgv_t), mask=mask, other=0.0)
        currents = tl.load(c_ptr + tile_offsets(c_row, t0, cols, sc_t), mask=mask, other=0.0)
        volts = tl.load(v_ptr + tile_offsets(v_row, t0, cols, sv_t), mask=mask, other=0.0)
        es = tl.load(events_ptr + tile_offsets(e_row, t0, cols, se_t), mask=mask, other=0)
        gxs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        for jj in tl.static_range(TILE_T):
            j = TILE_T - 1 - jj
            t = t0 + j
            v_t = column(volts, cols, j, TILE_T)
            post_v = tl.where(column(es, cols, j, TILE_T) != 0, 0.0, v_t)
            has_later = t < T - 1
            acc_v = tl.where(has_later, acc_v + later_v * post_v, acc_v)
            acc_c = tl.where(has_later, acc_c + later_c * column(currents, cols, j, TILE_T), acc_c)
            rho, _ = surrogate(v_t - level, tau_rho, scale_rho, GRADED)
            g_v = column(g_spikes, cols, j, TILE_T) * rho
            if HAS_GV:
                g_v = g_v + column(g_volts, cols, j, TILE_T)
            total_v = g_v + adj_v
            total_c = total_v + adj_c
            gxs = put(gxs, cols, j, total_c, TILE_T)
            active = t < T
            adj_v = tl.where(active, kv * total_v, adj_v)
            adj_c = tl.where(active, kc * total_c, adj_c)
            later_v = tl.where(active, total_v, later_v)
            later_c = tl.where(active, total_c, later_c)
        tl.store(gx_ptr + tile_offsets(gx_row, t0, cols, sgx_t), gxs, mask=mask)

    some = T > 0
    acc_v = tl.where(some, acc_v + later_v * tl.load(vs_ptr + n * M + m64, mask=live, other=0.0), acc_v)
    acc_c = tl.where(some, acc_c + later_c * tl.load(cs_ptr + n * M + m64, mask=live, other=0.0), acc_c)
    state = n * M + m64
    tl.store(g_cd_ptr + state, -acc_c * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_vd_ptr + state, -acc_v * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_cs_ptr + state, adj_c, mask=live)
    tl.store(g_vs_ptr + state, adj_v, mask=live)


def cuba_forward(
    x: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    threshold: int,
    spike_threshold: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """x ``(N, M, T)`` -> ``(spikes, voltage, next_current, next_voltage, events)``; series like ``x``."""
    L.check_series("x", x)
    batch, neurons, steps = x.shape
    dtype = L.check_floats(
        x.device, x=x, current_decay=current_decay, voltage_decay=voltage_decay, current_state=current_state,
        voltage_state=voltage_state,
    )  # fmt: skip
    L.check_vectors(neurons, current_decay=current_decay, voltage_decay=voltage_decay)
    L.check_states(batch, neurons, current_state=current_state, voltage_state=voltage_state)
    spikes, voltage = L.series_like(x), L.series_like(x)
    next_c, next_v = L.state_like(batch, neurons, x), L.state_like(batch, neurons, x)
    events = L.series_like(x, torch.bool)
    if batch * neurons == 0:
        return spikes, voltage, next_c, next_v, events
    level = L.device_scalars([spike_threshold], dtype, x.device)  # in the dtype, as torch compares
    ev = L.as_bytes(events)
    L.launch(
        _forward_kernel, x, L.tiling(x, spikes),
        x, current_decay, voltage_decay, current_state.contiguous(), voltage_state.contiguous(), level,
        spikes, voltage, next_c, next_v, ev,
        neurons, steps, int(threshold),
        *x.stride(), *spikes.stride(), *ev.stride(),
        S_SCALE=int(s_scale), GRADED=bool(graded),
    )  # fmt: skip
    return spikes, voltage, next_c, next_v, events


def cuba_backward(
    grad_spikes: Tensor,
    grad_voltage: Tensor,
    grad_next_current: Tensor,
    grad_next_voltage: Tensor,
    x: Tensor,
    voltage: Tensor,
    events: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    spike_threshold: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """-> ``(grad_x like x, grad_current_decay, grad_voltage_decay, grad_current_state, grad_voltage_state)``;
    ``grad_voltage`` may be empty ``(0,)``."""
    L.check_series("voltage", voltage)
    batch, neurons, steps = voltage.shape
    has_gv = grad_voltage.numel() > 0
    series = {"grad_spikes": grad_spikes, "x": x} | ({"grad_voltage": grad_voltage} if has_gv else {})
    for name, s in series.items():
        L.check_series(name, s, voltage.shape)
    decays = {"current_decay": current_decay, "voltage_decay": voltage_decay}
    states = {"current_state": current_state, "voltage_state": voltage_state}
    grad_nexts = {"grad_next_current": grad_next_current, "grad_next_voltage": grad_next_voltage}
    dtype = L.check_floats(voltage.device, voltage=voltage, **series, **grad_nexts, **decays, **states)
    L.check_vectors(neurons, **decays)
    L.check_states(batch, neurons, **states, **grad_nexts)
    L.check_events(events, voltage)
    grad_x = L.series_like(x)
    grads = [L.state_like(batch, neurons, voltage) for _ in range(4)]
    if batch * neurons == 0:
        return (grad_x, *grads)
    # the forward does not store the current: recompute it (the same integer recursion, bit for bit)
    current, _, _ = leaky_integrator_forward(x, current_decay, current_state, False, 0, s_scale)
    scalars = L.device_scalars([spike_threshold, tau_rho, scale_rho], dtype, voltage.device)
    gv = grad_voltage if has_gv else grad_spikes  # without a voltage gradient: a placeholder, never read
    ev = L.as_bytes(events)
    L.launch(
        _backward_kernel, voltage, L.tiling(voltage, grad_spikes, gv, current, grad_x),
        grad_spikes, gv, grad_next_current.contiguous(), grad_next_voltage.contiguous(), current, voltage, ev,
        current_decay, voltage_decay, current_state.contiguous(), voltage_state.contiguous(), scalars,
        grad_x, *grads,
        neurons, steps,
        *grad_spikes.stride(), *gv.stride(), *current.stride(), *voltage.stride(), *ev.stride(),
        *grad_x.stride(),
        HAS_GV=has_gv, GRADED=bool(graded),
    )  # fmt: skip
    return (grad_x, *grads)
