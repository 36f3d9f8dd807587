"""Adaptive threshold/refractory kernels (contract: ``adaptive_threshold_forward``,
``adaptive_phase_threshold_forward``, ``adaptive_threshold_backward`` in docs/backends.md).

Forward, per neuron and bin: ``r = rtz(r' (4096 - ref_decay), 12)``, ``θ = rtz((θ' - θ0)(4096 - th_decay), 12)
+ θ0`` (the outputs), then a spike when ``trunc(s v) >= θ + r`` (phase variant: and the imaginary part
crosses zero upward) jumps ``r' = r + 2θ``, ``θ' = θ + θ_step``. An invalid driving value poisons the
outputs from the next bin on. Backward: the linear adjoint with spike times held fixed.
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
    tile_mask,
    tile_offsets,
    to_float,
)
from ._triton import jit, tl


@jit
def decay_threshold(r, th, ref_retention, th_retention, th0):
    """Decay refractory state and threshold (towards ``th0``) by one bin; int64."""
    return rtz_shift(r * ref_retention), rtz_shift((th - th0) * th_retention) + th0


@jit
def jump_threshold(r, th, fired, th_step):
    """A spike adds ``2θ`` to the refractory state and ``θ_step`` to the threshold."""
    return tl.where(fired, r + 2 * th, r), tl.where(fired, th + th_step, th)


@jit
def _forward_kernel(
    v_ptr, im_ptr, ref_decay_ptr, th_decay_ptr, before_ptr, rs_ptr, ts_ptr,
    th_out_ptr, r_out_ptr, next_r_ptr, next_th_ptr, events_ptr,
    M, T, th_step, th0,
    sv_n, sv_m, sv_t, sim_n, sim_m, sim_t, sth_n, sth_m, sth_t, sr_n, sr_m, sr_t, se_n, se_m, se_t,
    sb_n, sb_m, srs_n, srs_m, sts_n, sts_m,
    S_SCALE: tl.constexpr, PHASE: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    ref_d, ref_ok = load_decay(ref_decay_ptr, m64, live)
    th_d, th_ok = load_decay(th_decay_ptr, m64, live)
    ref_retention, th_retention = DECAY_ONE - ref_d, DECAY_ONE - th_d
    r, r_ok = load_state(rs_ptr, n * srs_n + m64 * srs_m, live, S_SCALE)
    th, t_ok = load_state(ts_ptr, n * sts_n + m64 * sts_m, live, S_SCALE)
    ok = ref_ok & th_ok & r_ok & t_ok
    if PHASE:
        im_before, b_ok = load_state(before_ptr, n * sb_n + m64 * sb_m, live, S_SCALE)
        ok = ok & b_ok
    bad = ok == 0
    v_row = row_of(n, m64, sv_n, sv_m, ROW_ALIGN)
    im_row = row_of(n, m64, sim_n, sim_m, ROW_ALIGN)
    th_row = row_of(n, m64, sth_n, sth_m, ROW_ALIGN)
    r_row = row_of(n, m64, sr_n, sr_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        vs = tl.load(v_ptr + tile_offsets(v_row, t0, cols, sv_t), mask=mask, other=0.0)
        if PHASE:
            ims = tl.load(im_ptr + tile_offsets(im_row, t0, cols, sim_t), mask=mask, other=0.0)
        ths = tl.full((BLOCK, TILE_T), 0, DTYPE)
        rs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            v, v_ok = scale_to_int(column(vs, cols, j, TILE_T), S_SCALE)
            new_r, new_th = decay_threshold(r, th, ref_retention, th_retention, th0)
            ths = put(ths, cols, j, or_nan(to_float(new_th, S_SCALE, DTYPE), bad), TILE_T)
            rs = put(rs, cols, j, or_nan(to_float(new_r, S_SCALE, DTYPE), bad), TILE_T)
            fired = v >= new_th + new_r
            if PHASE:
                im, im_ok = scale_to_int(column(ims, cols, j, TILE_T), S_SCALE)
                fired = fired & (im_before < 0) & (im >= 0)  # upward zero crossing
                v_ok = v_ok & im_ok
            fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
            new_r, new_th = jump_threshold(new_r, new_th, fired, th_step)
            new_bad = bad | (v_ok == 0)  # poisons from the next bin on
            r = advance(new_r, r, t0 + j, T, TILE_T)
            th = advance(new_th, th, t0 + j, T, TILE_T)
            bad = advance(new_bad, bad, t0 + j, T, TILE_T)
            if PHASE:
                im_before = advance(im, im_before, t0 + j, T, TILE_T)
        tl.store(th_out_ptr + tile_offsets(th_row, t0, cols, sth_t), ths, mask=mask)
        tl.store(r_out_ptr + tile_offsets(r_row, t0, cols, sr_t), rs, mask=mask)
        tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    tl.store(next_r_ptr + n * M + m64, or_nan(to_float(r, S_SCALE, DTYPE), bad), mask=live)
    tl.store(next_th_ptr + n * M + m64, or_nan(to_float(th, S_SCALE, DTYPE), bad), mask=live)


@jit
def _backward_kernel(
    g_th_ptr, g_r_ptr, g_next_r_ptr, g_next_th_ptr, th_ptr, r_ptr, events_ptr,
    ref_decay_ptr, th_decay_ptr, rs_ptr, ts_ptr, g_ref_decay_ptr, g_th_decay_ptr, g_rs_ptr, g_ts_ptr,
    M, T, th_step, th0,
    sgth_n, sgth_m, sgth_t, sgr_n, sgr_m, sgr_t, sth_n, sth_m, sth_t, sr_n, sr_m, sr_t, se_n, se_m, se_t,
    sgnr_n, sgnr_m, sgnt_n, sgnt_m, srs_n, srs_m, sts_n, sts_m,
    S_SCALE: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """Adjoint of ``r[t] = b r'[t-1]``, ``φ[t] = a φ'[t-1]`` (``φ = θ - θ0``) with the jumps
    ``r' = r + 2 s θ``, ``φ' = φ + s θ_step`` for fixed spikes ``s`` (the reference backend's rule)."""
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    ref_retention = load_retention(ref_decay_ptr, m64, live)
    th_retention = load_retention(th_decay_ptr, m64, live)
    base = to_float(tl.full((BLOCK,), th0, tl.int64), S_SCALE, DTYPE)
    step = to_float(tl.full((BLOCK,), th_step, tl.int64), S_SCALE, DTYPE)
    adj_r = tl.load(g_next_r_ptr + n * sgnr_n + m64 * sgnr_m, mask=live, other=0.0)
    adj_phi = tl.load(g_next_th_ptr + n * sgnt_n + m64 * sgnt_m, mask=live, other=0.0)
    grad_ref = tl.full((BLOCK,), 0, DTYPE)
    grad_th = tl.full((BLOCK,), 0, DTYPE)
    later_r = tl.full((BLOCK,), 0, DTYPE)  # the totals of bin t + 1
    later_phi = tl.full((BLOCK,), 0, DTYPE)
    gth_row = row_of(n, m64, sgth_n, sgth_m, ROW_ALIGN)
    gr_row = row_of(n, m64, sgr_n, sgr_m, ROW_ALIGN)
    th_row = row_of(n, m64, sth_n, sth_m, ROW_ALIGN)
    r_row = row_of(n, m64, sr_n, sr_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    chunks = (T + TILE_T - 1) // TILE_T
    for c in range(0, chunks):
        t0 = (chunks - 1 - c) * TILE_T
        mask = tile_mask(live, t0, cols, T)
        g_ths = tl.load(g_th_ptr + tile_offsets(gth_row, t0, cols, sgth_t), mask=mask, other=0.0)
        g_rs = tl.load(g_r_ptr + tile_offsets(gr_row, t0, cols, sgr_t), mask=mask, other=0.0)
        ths = tl.load(th_ptr + tile_offsets(th_row, t0, cols, sth_t), mask=mask, other=0.0)
        rs = tl.load(r_ptr + tile_offsets(r_row, t0, cols, sr_t), mask=mask, other=0.0)
        es = tl.load(events_ptr + tile_offsets(e_row, t0, cols, se_t), mask=mask, other=0)
        for jj in tl.static_range(TILE_T):
            j = TILE_T - 1 - jj
            t = t0 + j
            fired = column(es, cols, j, TILE_T).to(DTYPE)
            th_t = column(ths, cols, j, TILE_T)
            post_r = column(rs, cols, j, TILE_T) + 2 * fired * th_t  # the state bin t + 1 starts from
            post_phi = th_t - base + step * fired
            has_later = t < T - 1
            grad_ref = tl.where(has_later, grad_ref + later_r * post_r, grad_ref)
            grad_th = tl.where(has_later, grad_th + later_phi * post_phi, grad_th)
            total_r = column(g_rs, cols, j, TILE_T) + adj_r
            total_phi = column(g_ths, cols, j, TILE_T) + adj_phi + 2 * fired * adj_r
            active = t < T
            adj_r = tl.where(active, ref_retention * total_r, adj_r)
            adj_phi = tl.where(active, th_retention * total_phi, adj_phi)
            later_r = tl.where(active, total_r, later_r)
            later_phi = tl.where(active, total_phi, later_phi)

    start_r = tl.load(rs_ptr + n * srs_n + m64 * srs_m, mask=live, other=0.0)
    start_phi = tl.load(ts_ptr + n * sts_n + m64 * sts_m, mask=live, other=0.0) - base
    some = T > 0
    grad_ref = tl.where(some, grad_ref + later_r * start_r, grad_ref)
    grad_th = tl.where(some, grad_th + later_phi * start_phi, grad_th)
    tl.store(g_ref_decay_ptr + n * M + m64, -grad_ref * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_th_decay_ptr + n * M + m64, -grad_th * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_rs_ptr + n * M + m64, adj_r, mask=live)
    tl.store(g_ts_ptr + n * M + m64, adj_phi, mask=live)


def _threshold_forward(
    voltage: Tensor,
    imag: Tensor | None,
    ref_decay: Tensor,
    th_decay: Tensor,
    imag_state: Tensor | None,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    phase = imag is not None
    name = "real" if phase else "voltage"
    L.check_series(name, voltage)
    batch, neurons, steps = voltage.shape
    floats = {name: voltage, "ref_decay": ref_decay, "th_decay": th_decay, "ref_state": ref_state}
    floats["th_state"] = th_state
    if phase:
        L.check_series("imag", imag, voltage.shape)
        L.check_states(batch, neurons, imag_state=imag_state)
        floats.update(imag=imag, imag_state=imag_state)
    L.check_floats(voltage.device, **floats)
    L.check_vectors(neurons, ref_decay=ref_decay, th_decay=th_decay)
    L.check_states(batch, neurons, ref_state=ref_state, th_state=th_state)
    th_out, r_out = L.series_like(voltage), L.series_like(voltage)
    next_r, next_th = L.state_like(batch, neurons, voltage), L.state_like(batch, neurons, voltage)
    events = L.series_like(voltage, torch.bool)
    if batch * neurons == 0:
        return th_out, r_out, next_r, next_th, events
    im = imag if phase else voltage  # without the phase rule: placeholders, never read
    before = imag_state if phase else ref_state
    ev = L.as_bytes(events)
    L.launch(
        _forward_kernel, voltage, L.tiling(voltage, im, th_out, r_out),
        voltage, im, ref_decay, th_decay, before, ref_state, th_state, th_out, r_out, next_r, next_th, ev,
        neurons, steps, int(th_step), int(th0),
        *voltage.stride(), *im.stride(), *th_out.stride(), *r_out.stride(), *ev.stride(),
        *before.stride(), *ref_state.stride(), *th_state.stride(),
        S_SCALE=int(s_scale), PHASE=phase,
    )  # fmt: skip
    return th_out, r_out, next_r, next_th, events


def adaptive_threshold_forward(
    voltage: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """voltage ``(N, M, T)`` -> ``(threshold, refractory, next_ref_state, next_th_state, events)``."""
    return _threshold_forward(voltage, None, ref_decay, th_decay, None, ref_state, th_state, th_step, th0, s_scale)


def adaptive_phase_threshold_forward(
    real: Tensor,
    imag: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    imag_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """real, imag ``(N, M, T)`` -> ``(threshold, refractory, next_ref_state, next_th_state, events)``."""
    return _threshold_forward(real, imag, ref_decay, th_decay, imag_state, ref_state, th_state, th_step, th0, s_scale)


def adaptive_threshold_backward(
    grad_threshold: Tensor,
    grad_refractory: Tensor,
    grad_next_ref: Tensor,
    grad_next_th: Tensor,
    threshold_out: Tensor,
    refractory_out: Tensor,
    events: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """-> ``(grad_ref_decay (N, M), grad_th_decay (N, M), grad_ref_state, grad_th_state)``."""
    L.check_series("threshold_out", threshold_out)
    for name, x in (
        ("refractory_out", refractory_out), ("grad_threshold", grad_threshold), ("grad_refractory", grad_refractory)
    ):  # fmt: skip
        L.check_series(name, x, threshold_out.shape)
    batch, neurons, steps = threshold_out.shape
    L.check_floats(
        threshold_out.device, threshold_out=threshold_out, refractory_out=refractory_out,
        grad_threshold=grad_threshold, grad_refractory=grad_refractory, grad_next_ref=grad_next_ref,
        grad_next_th=grad_next_th, ref_decay=ref_decay, th_decay=th_decay, ref_state=ref_state, th_state=th_state,
    )  # fmt: skip
    L.check_vectors(neurons, ref_decay=ref_decay, th_decay=th_decay)
    L.check_states(
        batch, neurons, ref_state=ref_state, th_state=th_state, grad_next_ref=grad_next_ref, grad_next_th=grad_next_th
    )
    L.check_events(events, threshold_out)
    grads = [L.state_like(batch, neurons, threshold_out) for _ in range(4)]
    if batch * neurons == 0:
        return tuple(grads)
    ev = L.as_bytes(events)
    L.launch(
        _backward_kernel, threshold_out, L.tiling(threshold_out, refractory_out, grad_threshold, grad_refractory),
        grad_threshold, grad_refractory, grad_next_ref, grad_next_th, threshold_out, refractory_out, ev,
        ref_decay, th_decay, ref_state, th_state, *grads,
        neurons, steps, int(th_step), int(th0),
        *grad_threshold.stride(), *grad_refractory.stride(), *threshold_out.stride(), *refractory_out.stride(),
        *ev.stride(), *grad_next_ref.stride(), *grad_next_th.stride(), *ref_state.stride(), *th_state.stride(),
        S_SCALE=int(s_scale),
    )  # fmt: skip
    return tuple(grads)
