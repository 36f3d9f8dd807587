"""Adaptive resonator kernel (contract: ``adaptive_resonator_forward`` in docs/backends.md).

The resonator's damped rotation and the adaptive threshold/refractory recursion in one pass; a spike
(``im >= θ + r``, Izhikevich style) jumps θ and r but does not reset re/im. The op's backward reuses
``resonator_backward`` and ``adaptive_threshold_backward``.
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
    load_state,
    or_nan,
    put,
    row_of,
    scale_to_int,
    tile_mask,
    tile_offsets,
    to_float,
)
from ._triton import jit, tl
from .adaptive_threshold import decay_threshold, jump_threshold
from .resonator import rotate


@jit
def _forward_kernel(
    xr_ptr, xi_ptr, sin_ptr, cos_ptr, ref_decay_ptr, th_decay_ptr, rs_ptr, is_ptr, refs_ptr, ths_ptr,
    re_ptr, im_ptr, th_out_ptr, r_out_ptr, next_re_ptr, next_im_ptr, next_r_ptr, next_th_ptr, events_ptr,
    M, T, th_step, th0,
    sxr_n, sxr_m, sxr_t, sxi_n, sxi_m, sxi_t, sre_n, sre_m, sre_t, sim_n, sim_m, sim_t,
    sth_n, sth_m, sth_t, sr_n, sr_m, sr_t, se_n, se_m, se_t,
    srs_n, srs_m, sis_n, sis_m, srefs_n, srefs_m, sths_n, sths_m,
    S_SCALE: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    sin, sin_ok = load_decay(sin_ptr, m64, live)
    cos, cos_ok = load_decay(cos_ptr, m64, live)
    re, re_ok = load_state(rs_ptr, n * srs_n + m64 * srs_m, live, S_SCALE)
    im, im_ok = load_state(is_ptr, n * sis_n + m64 * sis_m, live, S_SCALE)
    ref_d, ref_ok = load_decay(ref_decay_ptr, m64, live)
    th_d, th_ok = load_decay(th_decay_ptr, m64, live)
    ref_retention, th_retention = DECAY_ONE - ref_d, DECAY_ONE - th_d
    r, r_ok = load_state(refs_ptr, n * srefs_n + m64 * srefs_m, live, S_SCALE)
    th, t_ok = load_state(ths_ptr, n * sths_n + m64 * sths_m, live, S_SCALE)
    res_bad = (sin_ok & cos_ok & re_ok & im_ok) == 0  # poisons re/im from the bin of the invalid value
    th_bad = res_bad | ((ref_ok & th_ok & r_ok & t_ok) == 0)  # poisons θ/r from the next bin on
    xr_row = row_of(n, m64, sxr_n, sxr_m, ROW_ALIGN)
    xi_row = row_of(n, m64, sxi_n, sxi_m, ROW_ALIGN)
    re_row = row_of(n, m64, sre_n, sre_m, ROW_ALIGN)
    im_row = row_of(n, m64, sim_n, sim_m, ROW_ALIGN)
    th_row = row_of(n, m64, sth_n, sth_m, ROW_ALIGN)
    r_row = row_of(n, m64, sr_n, sr_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        xrs = tl.load(xr_ptr + tile_offsets(xr_row, t0, cols, sxr_t), mask=mask, other=0.0)
        xis = tl.load(xi_ptr + tile_offsets(xi_row, t0, cols, sxi_t), mask=mask, other=0.0)
        res = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ims = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ths = tl.full((BLOCK, TILE_T), 0, DTYPE)
        rs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            xr, xr_ok = scale_to_int(column(xrs, cols, j, TILE_T), S_SCALE)
            xi, xi_ok = scale_to_int(column(xis, cols, j, TILE_T), S_SCALE)
            new_re, new_im = rotate(re, im, sin, cos)
            new_re += xr
            new_im += xi
            x_bad = (xr_ok & xi_ok) == 0
            new_res_bad = res_bad | x_bad
            res = put(res, cols, j, or_nan(to_float(new_re, S_SCALE, DTYPE), new_res_bad), TILE_T)
            ims = put(ims, cols, j, or_nan(to_float(new_im, S_SCALE, DTYPE), new_res_bad), TILE_T)
            new_r, new_th = decay_threshold(r, th, ref_retention, th_retention, th0)
            ths = put(ths, cols, j, or_nan(to_float(new_th, S_SCALE, DTYPE), th_bad), TILE_T)
            rs = put(rs, cols, j, or_nan(to_float(new_r, S_SCALE, DTYPE), th_bad), TILE_T)
            fired = new_im >= new_th + new_r
            fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
            new_r, new_th = jump_threshold(new_r, new_th, fired, th_step)
            new_th_bad = th_bad | x_bad
            re = advance(new_re, re, t0 + j, T, TILE_T)
            im = advance(new_im, im, t0 + j, T, TILE_T)
            r = advance(new_r, r, t0 + j, T, TILE_T)
            th = advance(new_th, th, t0 + j, T, TILE_T)
            res_bad = advance(new_res_bad, res_bad, t0 + j, T, TILE_T)
            th_bad = advance(new_th_bad, th_bad, t0 + j, T, TILE_T)
        tl.store(re_ptr + tile_offsets(re_row, t0, cols, sre_t), res, mask=mask)
        tl.store(im_ptr + tile_offsets(im_row, t0, cols, sim_t), ims, mask=mask)
        tl.store(th_out_ptr + tile_offsets(th_row, t0, cols, sth_t), ths, mask=mask)
        tl.store(r_out_ptr + tile_offsets(r_row, t0, cols, sr_t), rs, mask=mask)
        tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    state = n * M + m64
    tl.store(next_re_ptr + state, or_nan(to_float(re, S_SCALE, DTYPE), res_bad), mask=live)
    tl.store(next_im_ptr + state, or_nan(to_float(im, S_SCALE, DTYPE), res_bad), mask=live)
    tl.store(next_r_ptr + state, or_nan(to_float(r, S_SCALE, DTYPE), th_bad), mask=live)
    tl.store(next_th_ptr + state, or_nan(to_float(th, S_SCALE, DTYPE), th_bad), mask=live)


def adaptive_resonator_forward(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """-> ``(real_out, imag_out, threshold, refractory, next_real, next_imag, next_ref, next_th, events)``."""
    L.check_series("real", real)
    L.check_series("imag", imag, real.shape)
    batch, neurons, steps = real.shape
    decays = {"sin_decay": sin_decay, "cos_decay": cos_decay, "ref_decay": ref_decay, "th_decay": th_decay}
    states = {"real_state": real_state, "imag_state": imag_state, "ref_state": ref_state, "th_state": th_state}
    L.check_floats(real.device, real=real, imag=imag, **decays, **states)
    L.check_vectors(neurons, **decays)
    L.check_states(batch, neurons, **states)
    re, im, th_out, r_out = L.series_like(real), L.series_like(imag), L.series_like(real), L.series_like(real)
    nexts = [L.state_like(batch, neurons, real) for _ in range(4)]
    events = L.series_like(real, torch.bool)
    if batch * neurons == 0:
        return (re, im, th_out, r_out, *nexts, events)
    ev = L.as_bytes(events)
    L.launch(
        _forward_kernel, real, L.tiling(real, imag, re, im, th_out, r_out),
        real, imag, *decays.values(), *states.values(), re, im, th_out, r_out, *nexts, ev,
        neurons, steps, int(th_step), int(th0),
        *real.stride(), *imag.stride(), *re.stride(), *im.stride(), *th_out.stride(), *r_out.stride(),
        *ev.stride(), *real_state.stride(), *imag_state.stride(), *ref_state.stride(), *th_state.stride(),
        S_SCALE=int(s_scale),
    )  # fmt: skip
    return (re, im, th_out, r_out, *nexts, events)
