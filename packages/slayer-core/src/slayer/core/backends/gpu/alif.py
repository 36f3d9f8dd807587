"""Fused ALIF neuron kernels (contract: ``alif_forward``/``alif_backward`` in docs/backends.md).

One pass per neuron: current and voltage integrators (no reset), the adaptive threshold/refractory
recursion driven by the float voltage, and the real spike ``v >= θ + r``; each stage reads the previous
one through its float value, as the reference composition does. Backward: the three adjoints (threshold,
voltage, current) in one reverse pass.
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
from .adaptive_threshold import decay_threshold, jump_threshold


@jit
def _forward_kernel(
    x_ptr, cd_ptr, vd_ptr, rd_ptr, td_ptr, cs_ptr, vs_ptr, rs_ptr, ts_ptr,
    spikes_ptr, c_ptr, v_ptr, th_ptr, r_ptr, next_c_ptr, next_v_ptr, next_r_ptr, next_th_ptr, events_ptr,
    M, T, th_step, th0,
    sx_n, sx_m, sx_t, so_n, so_m, so_t, se_n, se_m, se_t,
    S_SCALE: tl.constexpr, GRADED: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """Outputs share one layout (``so_*``: ``empty_like(x)``); states and decays are contiguous."""
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)
    state = n * M + m64

    cd, cd_ok = load_decay(cd_ptr, m64, live)
    vd, vd_ok = load_decay(vd_ptr, m64, live)
    rd, rd_ok = load_decay(rd_ptr, m64, live)
    td, td_ok = load_decay(td_ptr, m64, live)
    kc, kv, kr, kt = DECAY_ONE - cd, DECAY_ONE - vd, DECAY_ONE - rd, DECAY_ONE - td
    c, c_ok = load_state(cs_ptr, state, live, S_SCALE)
    v, v_ok = load_state(vs_ptr, state, live, S_SCALE)
    r, r_ok = load_state(rs_ptr, state, live, S_SCALE)
    th, t_ok = load_state(ts_ptr, state, live, S_SCALE)
    c_bad = (c_ok & cd_ok) == 0
    v_bad = (v_ok & vd_ok) == 0
    th_bad = (rd_ok & td_ok & r_ok & t_ok) == 0
    x_row = row_of(n, m64, sx_n, sx_m, ROW_ALIGN)
    o_row = row_of(n, m64, so_n, so_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        xs = tl.load(x_ptr + tile_offsets(x_row, t0, cols, sx_t), mask=mask, other=0.0)
        cs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        vs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ths = tl.full((BLOCK, TILE_T), 0, DTYPE)
        rs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ss = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            x_int, x_ok = scale_to_int(column(xs, cols, j, TILE_T), S_SCALE)
            new_c = rtz_shift(c * kc) + x_int
            new_c_bad = c_bad | (x_ok == 0)
            c_float = or_nan(to_float(new_c, S_SCALE, DTYPE), new_c_bad)
            c_int, c_int_ok = scale_to_int(c_float, S_SCALE)
            new_v = rtz_shift(v * kv) + c_int
            new_v_bad = v_bad | (c_int_ok == 0)
            v_float = or_nan(to_float(new_v, S_SCALE, DTYPE), new_v_bad)
            v_int, v_int_ok = scale_to_int(v_float, S_SCALE)  # the threshold reads the float voltage
            new_r, new_th = decay_threshold(r, th, kr, kt, th0)
            th_float = or_nan(to_float(new_th, S_SCALE, DTYPE), th_bad)
            r_float = or_nan(to_float(new_r, S_SCALE, DTYPE), th_bad)
            fired = v_int >= new_th + new_r
            new_r, new_th = jump_threshold(new_r, new_th, fired, th_step)
            new_th_bad = th_bad | (v_int_ok == 0)  # poisons θ/r from the next bin on
            cs = put(cs, cols, j, c_float, TILE_T)
            vs = put(vs, cols, j, v_float, TILE_T)
            ths = put(ths, cols, j, th_float, TILE_T)
            rs = put(rs, cols, j, r_float, TILE_T)
            ss = put(ss, cols, j, spike(v_float, th_float + r_float, GRADED), TILE_T)
            fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
            c = advance(new_c, c, t0 + j, T, TILE_T)
            v = advance(new_v, v, t0 + j, T, TILE_T)
            r = advance(new_r, r, t0 + j, T, TILE_T)
            th = advance(new_th, th, t0 + j, T, TILE_T)
            c_bad = advance(new_c_bad, c_bad, t0 + j, T, TILE_T)
            v_bad = advance(new_v_bad, v_bad, t0 + j, T, TILE_T)
            th_bad = advance(new_th_bad, th_bad, t0 + j, T, TILE_T)
        o_off = tile_offsets(o_row, t0, cols, so_t)
        tl.store(c_ptr + o_off, cs, mask=mask)
        tl.store(v_ptr + o_off, vs, mask=mask)
        tl.store(th_ptr + o_off, ths, mask=mask)
        tl.store(r_ptr + o_off, rs, mask=mask)
        tl.store(spikes_ptr + o_off, ss, mask=mask)
        tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    tl.store(next_c_ptr + state, or_nan(to_float(c, S_SCALE, DTYPE), c_bad), mask=live)
    tl.store(next_v_ptr + state, or_nan(to_float(v, S_SCALE, DTYPE), v_bad), mask=live)
    tl.store(next_r_ptr + state, or_nan(to_float(r, S_SCALE, DTYPE), th_bad), mask=live)
    tl.store(next_th_ptr + state, or_nan(to_float(th, S_SCALE, DTYPE), th_bad), mask=live)


@jit
def _backward_kernel(
    gs_ptr, gv_ptr, gnc_ptr, gnv_ptr, gnr_ptr, gnt_ptr, c_ptr, v_ptr, th_ptr, r_ptr, events_ptr,
    cd_ptr, vd_ptr, rd_ptr, td_ptr, cs_ptr, vs_ptr, rs_ptr, ts_ptr, scalars_ptr,
    gx_ptr, g_cd_ptr, g_vd_ptr, g_rd_ptr, g_td_ptr, g_cs_ptr, g_vs_ptr, g_rs_ptr, g_ts_ptr,
    M, T, th_step, th0,
    sgs_n, sgs_m, sgs_t, sgv_n, sgv_m, sgv_t, sc_n, sc_m, sc_t, sv_n, sv_m, sv_t, sth_n, sth_m, sth_t,
    sr_n, sr_m, sr_t, se_n, se_m, se_t, sgx_n, sgx_m, sgx_t,
    S_SCALE: tl.constexpr, HAS_GV: tl.constexpr, GRADED: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)
    state = n * M + m64
    tau_rho = tl.load(scalars_ptr)
    scale_rho = tl.load(scalars_ptr + 1)

    kc = load_retention(cd_ptr, m64, live)
    kv = load_retention(vd_ptr, m64, live)
    kr = load_retention(rd_ptr, m64, live)
    kt = load_retention(td_ptr, m64, live)
    base = to_float(tl.full((BLOCK,), th0, tl.int64), S_SCALE, DTYPE)
    step = to_float(tl.full((BLOCK,), th_step, tl.int64), S_SCALE, DTYPE)
    adj_c = tl.load(gnc_ptr + state, mask=live, other=0.0)
    adj_v = tl.load(gnv_ptr + state, mask=live, other=0.0)
    adj_r = tl.load(gnr_ptr + state, mask=live, other=0.0)
    adj_phi = tl.load(gnt_ptr + state, mask=live, other=0.0)
    zero = tl.full((BLOCK,), 0, DTYPE)
    acc_c, acc_v, acc_r, acc_phi = zero, zero, zero, zero
    later_c, later_v, later_r, later_phi = zero, zero, zero, zero  # the totals of bin t + 1
    gs_row = row_of(n, m64, sgs_n, sgs_m, ROW_ALIGN)
    gv_row = row_of(n, m64, sgv_n, sgv_m, ROW_ALIGN)
    c_row = row_of(n, m64, sc_n, sc_m, ROW_ALIGN)
    v_row = row_of(n, m64, sv_n, sv_m, ROW_ALIGN)
    th_row = row_of(n, m64, sth_n, sth_m, ROW_ALIGN)
    r_row = row_of(n, m64, sr_n, sr_m, ROW_ALIGN)
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
        ths = tl.load(th_ptr + tile_offsets(th_row, t0, cols, sth_t), mask=mask, other=0.0)
        rs = tl.load(r_ptr + tile_offsets(r_row, t0, cols, sr_t), mask=mask, other=0.0)
        es = tl.load(events_ptr + tile_offsets(e_row, t0, cols, se_t), mask=mask, other=0)
        gxs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        for jj in tl.static_range(TILE_T):
            j = TILE_T - 1 - jj
            t = t0 + j
            v_t = column(volts, cols, j, TILE_T)
            th_t = column(ths, cols, j, TILE_T)
            r_t = column(rs, cols, j, TILE_T)
            fired = column(es, cols, j, TILE_T).to(DTYPE)
            has_later = t < T - 1  # the states bin t + 1 starts from, times that bin's totals
            acc_c = tl.where(has_later, acc_c + later_c * column(currents, cols, j, TILE_T), acc_c)
            acc_v = tl.where(has_later, acc_v + later_v * v_t, acc_v)
            acc_r = tl.where(has_later, acc_r + later_r * (r_t + 2 * fired * th_t), acc_r)
            acc_phi = tl.where(has_later, acc_phi + later_phi * (th_t - base + step * fired), acc_phi)
            rho, bump = surrogate(v_t - (th_t + r_t), tau_rho, scale_rho, GRADED)
            g_s = column(g_spikes, cols, j, TILE_T)
            if GRADED:
                g_level = g_s * (-bump * v_t)
            else:
                g_level = g_s * -bump
            total_r = g_level + adj_r
            total_phi = g_level + adj_phi + 2 * fired * adj_r
            g_v = g_s * rho
            if HAS_GV:
                g_v = g_v + column(g_volts, cols, j, TILE_T)
            total_v = g_v + adj_v
            total_c = total_v + adj_c
            gxs = put(gxs, cols, j, total_c, TILE_T)
            active = t < T
            adj_r = tl.where(active, kr * total_r, adj_r)
            adj_phi = tl.where(active, kt * total_phi, adj_phi)
            adj_v = tl.where(active, kv * total_v, adj_v)
            adj_c = tl.where(active, kc * total_c, adj_c)
            later_r = tl.where(active, total_r, later_r)
            later_phi = tl.where(active, total_phi, later_phi)
            later_v = tl.where(active, total_v, later_v)
            later_c = tl.where(active, total_c, later_c)
        tl.store(gx_ptr + tile_offsets(gx_row, t0, cols, sgx_t), gxs, mask=mask)

    some = T > 0
    acc_c = tl.where(some, acc_c + later_c * tl.load(cs_ptr + state, mask=live, other=0.0), acc_c)
    acc_v = tl.where(some, acc_v + later_v * tl.load(vs_ptr + state, mask=live, other=0.0), acc_v)
    acc_r = tl.where(some, acc_r + later_r * tl.load(rs_ptr + state, mask=live, other=0.0), acc_r)
    start_phi = tl.load(ts_ptr + state, mask=live, other=0.0) - base
    acc_phi = tl.where(some, acc_phi + later_phi * start_phi, acc_phi)
    tl.store(g_cd_ptr + state, -acc_c * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_vd_ptr + state, -acc_v * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_rd_ptr + state, -acc_r * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_td_ptr + state, -acc_phi * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_cs_ptr + state, adj_c, mask=live)
    tl.store(g_vs_ptr + state, adj_v, mask=live)
    tl.store(g_rs_ptr + state, adj_r, mask=live)
    tl.store(g_ts_ptr + state, adj_phi, mask=live)


def alif_forward(
    x: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """x ``(N, M, T)`` -> ``(spikes, current, voltage, th, r, next_current, next_voltage, next_r, next_th,
    events)``."""
    L.check_series("x", x)
    batch, neurons, steps = x.shape
    decays = {"current_decay": current_decay, "voltage_decay": voltage_decay, "ref_decay": ref_decay}
    decays["th_decay"] = th_decay
    states = {"current_state": current_state, "voltage_state": voltage_state, "ref_state": ref_state}
    states["th_state"] = th_state
    L.check_floats(x.device, x=x, **decays, **states)
    L.check_vectors(neurons, **decays)
    L.check_states(batch, neurons, **states)
    series = [L.series_like(x) for _ in range(5)]  # spikes, current, voltage, th, r
    nexts = [L.state_like(batch, neurons, x) for _ in range(4)]
    events = L.series_like(x, torch.bool)
    if batch * neurons == 0:
        return (*series, *nexts, events)
    ev = L.as_bytes(events)
    L.launch(
        _forward_kernel, x, L.tiling(x, series[0]),
        x, *decays.values(), *(s.contiguous() for s in states.values()), *series, *nexts, ev,
        neurons, steps, int(th_step), int(th0),
        *x.stride(), *series[0].stride(), *ev.stride(),
        S_SCALE=int(s_scale), GRADED=bool(graded),
    )  # fmt: skip
    return (*series, *nexts, events)


def alif_backward(
    grad_spikes: Tensor,
    grad_voltage: Tensor,
    grad_next_current: Tensor,
    grad_next_voltage: Tensor,
    grad_next_ref: Tensor,
    grad_next_th: Tensor,
    current: Tensor,
    voltage: Tensor,
    threshold_out: Tensor,
    refractory_out: Tensor,
    events: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """-> ``(grad_x like voltage, grad of current/voltage/ref/th decay, grad of the four states)``, all but
    the first ``(N, M)``; ``grad_voltage`` may be empty ``(0,)``."""
    L.check_series("voltage", voltage)
    batch, neurons, steps = voltage.shape
    has_gv = grad_voltage.numel() > 0
    series = {"grad_spikes": grad_spikes, "current": current, "threshold_out": threshold_out}
    series["refractory_out"] = refractory_out
    if has_gv:
        series["grad_voltage"] = grad_voltage
    for name, s in series.items():
        L.check_series(name, s, voltage.shape)
    decays = {"current_decay": current_decay, "voltage_decay": voltage_decay, "ref_decay": ref_decay}
    decays["th_decay"] = th_decay
    states = {"current_state": current_state, "voltage_state": voltage_state, "ref_state": ref_state}
    states["th_state"] = th_state
    grad_nexts = {"grad_next_current": grad_next_current, "grad_next_voltage": grad_next_voltage}
    grad_nexts |= {"grad_next_ref": grad_next_ref, "grad_next_th": grad_next_th}
    dtype = L.check_floats(voltage.device, voltage=voltage, **series, **decays, **states, **grad_nexts)
    L.check_vectors(neurons, **decays)
    L.check_states(batch, neurons, **states, **grad_nexts)
    L.check_events(events, voltage)
    grad_x = L.series_like(voltage)
    grads = [L.state_like(batch, neurons, voltage) for _ in range(8)]
    if batch * neurons == 0:
        return (grad_x, *grads)
    scalars = L.device_scalars([tau_rho, scale_rho], dtype, voltage.device)
    gv = grad_voltage if has_gv else grad_spikes  # without a voltage gradient: a placeholder, never read
    ev = L.as_bytes(events)
    tiles = L.tiling(voltage, grad_spikes, gv, current, threshold_out, refractory_out, grad_x)
    L.launch(
        _backward_kernel, voltage, tiles,
        grad_spikes, gv, *(g.contiguous() for g in grad_nexts.values()), current, voltage, threshold_out,
        refractory_out, ev, *decays.values(), *(s.contiguous() for s in states.values()), scalars,
        grad_x, *grads,
        neurons, steps, int(th_step), int(th0),
        *grad_spikes.stride(), *gv.stride(), *current.stride(), *voltage.stride(), *threshold_out.stride(),
        *refractory_out.stride(), *ev.stride(), *grad_x.stride(),
        S_SCALE=int(s_scale), HAS_GV=has_gv, GRADED=bool(graded),
    )  # fmt: skip
    return (grad_x, *grads)
