"""Resonator kernels (contract: ``resonator_forward``/``_backward`` in docs/backends.md).

Forward, per neuron: the damped rotation with each product truncated separately,
``re = rtz(cos re', 12) - rtz(sin im', 12) + trunc(s x_re)``, ``im = rtz(sin re', 12) + rtz(cos im', 12) +
trunc(s x_im)``; with ``reset``, ``im >= threshold`` sets ``re' = 0``, ``im' = threshold - 1``.
Backward: the transposed rotation with resets held fixed.
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
    rtz_shift,
    scale_to_int,
    tile_mask,
    tile_offsets,
    to_float,
)
from ._triton import jit, tl


@jit
def rotate(re, im, sin, cos):
    """One fixed-point damped rotation of int64 states (shared with the adaptive resonator)."""
    return rtz_shift(cos * re) - rtz_shift(sin * im), rtz_shift(sin * re) + rtz_shift(cos * im)


@jit
def _forward_kernel(
    xr_ptr, xi_ptr, sin_ptr, cos_ptr, rs_ptr, is_ptr, re_ptr, im_ptr, next_re_ptr, next_im_ptr, events_ptr,
    M, T, threshold,
    sxr_n, sxr_m, sxr_t, sxi_n, sxi_m, sxi_t, sre_n, sre_m, sre_t, sim_n, sim_m, sim_t, se_n, se_m, se_t,
    srs_n, srs_m, sis_n, sis_m,
    S_SCALE: tl.constexpr, RESET: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    sin, sin_ok = load_decay(sin_ptr, m64, live)
    cos, cos_ok = load_decay(cos_ptr, m64, live)
    re, re_ok = load_state(rs_ptr, n * srs_n + m64 * srs_m, live, S_SCALE)
    im, im_ok = load_state(is_ptr, n * sis_n + m64 * sis_m, live, S_SCALE)
    bad = (sin_ok & cos_ok & re_ok & im_ok) == 0
    xr_row = row_of(n, m64, sxr_n, sxr_m, ROW_ALIGN)
    xi_row = row_of(n, m64, sxi_n, sxi_m, ROW_ALIGN)
    re_row = row_of(n, m64, sre_n, sre_m, ROW_ALIGN)
    im_row = row_of(n, m64, sim_n, sim_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        xrs = tl.load(xr_ptr + tile_offsets(xr_row, t0, cols, sxr_t), mask=mask, other=0.0)
        xis = tl.load(xi_ptr + tile_offsets(xi_row, t0, cols, sxi_t), mask=mask, other=0.0)
        res = tl.full((BLOCK, TILE_T), 0, DTYPE)
        ims = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            xr, xr_ok = scale_to_int(column(xrs, cols, j, TILE_T), S_SCALE)
            xi, xi_ok = scale_to_int(column(xis, cols, j, TILE_T), S_SCALE)
            new_re, new_im = rotate(re, im, sin, cos)
            new_re += xr
            new_im += xi
            new_bad = bad | ((xr_ok & xi_ok) == 0)
            res = put(res, cols, j, or_nan(to_float(new_re, S_SCALE, DTYPE), new_bad), TILE_T)
            ims = put(ims, cols, j, or_nan(to_float(new_im, S_SCALE, DTYPE), new_bad), TILE_T)
            if RESET:
                fired = new_im >= threshold
                fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
                new_re = tl.where(fired, 0, new_re)
                new_im = tl.where(fired, threshold - 1, new_im)
            re = advance(new_re, re, t0 + j, T, TILE_T)
            im = advance(new_im, im, t0 + j, T, TILE_T)
            bad = advance(new_bad, bad, t0 + j, T, TILE_T)
        tl.store(re_ptr + tile_offsets(re_row, t0, cols, sre_t), res, mask=mask)
        tl.store(im_ptr + tile_offsets(im_row, t0, cols, sim_t), ims, mask=mask)
        if RESET:
            tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    tl.store(next_re_ptr + n * M + m64, or_nan(to_float(re, S_SCALE, DTYPE), bad), mask=live)
    tl.store(next_im_ptr + n * M + m64, or_nan(to_float(im, S_SCALE, DTYPE), bad), mask=live)


@jit
def _backward_kernel(
    gr_ptr, gi_ptr, gnr_ptr, gni_ptr, re_ptr, im_ptr, events_ptr, sin_ptr, cos_ptr, rs_ptr, is_ptr,
    gxr_ptr, gxi_ptr, g_sin_ptr, g_cos_ptr, g_rs_ptr, g_is_ptr,
    M, T, threshold,
    sgr_n, sgr_m, sgr_t, sgi_n, sgi_m, sgi_t, sre_n, sre_m, sre_t, sim_n, sim_m, sim_t, se_n, se_m, se_t,
    sxr_n, sxr_m, sxr_t, sxi_n, sxi_m, sxi_t, sgnr_n, sgnr_m, sgni_n, sgni_m, srs_n, srs_m, sis_n, sis_m,
    S_SCALE: tl.constexpr, RESET: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    sin = tl.load(sin_ptr + m64, mask=live, other=0.0) * (1.0 / DECAY_ONE)
    cos = tl.load(cos_ptr + m64, mask=live, other=0.0) * (1.0 / DECAY_ONE)
    adj_re = tl.load(gnr_ptr + n * sgnr_n + m64 * sgnr_m, mask=live, other=0.0)
    adj_im = tl.load(gni_ptr + n * sgni_n + m64 * sgni_m, mask=live, other=0.0)
    reset_im = to_float(tl.full((BLOCK,), threshold - 1, tl.int64), S_SCALE, DTYPE)
    grad_sin = tl.full((BLOCK,), 0, DTYPE)
    grad_cos = tl.full((BLOCK,), 0, DTYPE)
    later_re = tl.full((BLOCK,), 0, DTYPE)  # the totals of bin t + 1
    later_im = tl.full((BLOCK,), 0, DTYPE)
    gr_row = row_of(n, m64, sgr_n, sgr_m, ROW_ALIGN)
    gi_row = row_of(n, m64, sgi_n, sgi_m, ROW_ALIGN)
    re_row = row_of(n, m64, sre_n, sre_m, ROW_ALIGN)
    im_row = row_of(n, m64, sim_n, sim_m, ROW_ALIGN)
    xr_row = row_of(n, m64, sxr_n, sxr_m, ROW_ALIGN)
    xi_row = row_of(n, m64, sxi_n, sxi_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    chunks = (T + TILE_T - 1) // TILE_T
    for c in range(0, chunks):
        t0 = (chunks - 1 - c) * TILE_T
        mask = tile_mask(live, t0, cols, T)
        grs = tl.load(gr_ptr + tile_offsets(gr_row, t0, cols, sgr_t), mask=mask, other=0.0)
        gis = tl.load(gi_ptr + tile_offsets(gi_row, t0, cols, sgi_t), mask=mask, other=0.0)
        res = tl.load(re_ptr + tile_offsets(re_row, t0, cols, sre_t), mask=mask, other=0.0)
        ims = tl.load(im_ptr + tile_offsets(im_row, t0, cols, sim_t), mask=mask, other=0.0)
        if RESET:
            es = tl.load(events_ptr + tile_offsets(e_row, t0, cols, se_t), mask=mask, other=0)
        gxrs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        gxis = tl.full((BLOCK, TILE_T), 0, DTYPE)
        for jj in tl.static_range(TILE_T):
            j = TILE_T - 1 - jj
            t = t0 + j
            post_re = column(res, cols, j, TILE_T)  # the state bin t + 1 starts from
            post_im = column(ims, cols, j, TILE_T)
            if RESET:
                fired = column(es, cols, j, TILE_T) != 0
                post_re = tl.where(fired, 0.0, post_re)
                post_im = tl.where(fired, reset_im, post_im)
            has_later = t < T - 1
            grad_cos = tl.where(has_later, grad_cos + later_re * post_re + later_im * post_im, grad_cos)
            grad_sin = tl.where(has_later, grad_sin - later_re * post_im + later_im * post_re, grad_sin)
            total_re = column(grs, cols, j, TILE_T) + adj_re
            total_im = column(gis, cols, j, TILE_T) + adj_im
            gxrs = put(gxrs, cols, j, total_re, TILE_T)
            gxis = put(gxis, cols, j, total_im, TILE_T)
            active = t < T
            # transpose of the rotation [[cos, -sin], [sin, cos]]
            adj_re = tl.where(active, cos * total_re + sin * total_im, adj_re)
            adj_im = tl.where(active, cos * total_im - sin * total_re, adj_im)
            later_re = tl.where(active, total_re, later_re)
            later_im = tl.where(active, total_im, later_im)
        tl.store(gxr_ptr + tile_offsets(xr_row, t0, cols, sxr_t), gxrs, mask=mask)
        tl.store(gxi_ptr + tile_offsets(xi_row, t0, cols, sxi_t), gxis, mask=mask)

    start_re = tl.load(rs_ptr + n * srs_n + m64 * srs_m, mask=live, other=0.0)
    start_im = tl.load(is_ptr + n * sis_n + m64 * sis_m, mask=live, other=0.0)
    some = T > 0
    grad_cos = tl.where(some, grad_cos + later_re * start_re + later_im * start_im, grad_cos)
    grad_sin = tl.where(some, grad_sin - later_re * start_im + later_im * start_re, grad_sin)
    tl.store(g_sin_ptr + n * M + m64, grad_sin * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_cos_ptr + n * M + m64, grad_cos * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_rs_ptr + n * M + m64, adj_re, mask=live)
    tl.store(g_is_ptr + n * M + m64, adj_im, mask=live)


def resonator_forward(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """-> ``(real_out, imag_out, next_real_state, next_imag_state, events)``; series like their input."""
    L.check_series("real", real)
    L.check_series("imag", imag, real.shape)
    batch, neurons, steps = real.shape
    L.check_floats(
        real.device, real=real, imag=imag, sin_decay=sin_decay, cos_decay=cos_decay, real_state=real_state,
        imag_state=imag_state,
    )  # fmt: skip
    L.check_vectors(neurons, sin_decay=sin_decay, cos_decay=cos_decay)
    L.check_states(batch, neurons, real_state=real_state, imag_state=imag_state)
    re, im = L.series_like(real), L.series_like(imag)
    next_re, next_im = L.state_like(batch, neurons, real), L.state_like(batch, neurons, real)
    events = L.series_like(real, torch.bool) if reset else L.no_events(real)
    if batch * neurons == 0:
        return re, im, next_re, next_im, events
    ev, ev_strides = L.events_arg(events, reset, re)
    L.launch(
        _forward_kernel, real, L.tiling(real, imag, re, im),
        real, imag, sin_decay, cos_decay, real_state, imag_state, re, im, next_re, next_im, ev,
        neurons, steps, int(threshold) if reset else 0,
        *real.stride(), *imag.stride(), *re.stride(), *im.stride(), *ev_strides,
        *real_state.stride(), *imag_state.stride(),
        S_SCALE=int(s_scale), RESET=bool(reset),
    )  # fmt: skip
    return re, im, next_re, next_im, events


def resonator_backward(
    grad_real: Tensor,
    grad_imag: Tensor,
    grad_next_real: Tensor,
    grad_next_imag: Tensor,
    real_out: Tensor,
    imag_out: Tensor,
    events: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """-> ``(grad_real, grad_imag, grad_sin (N, M), grad_cos (N, M), grad_real_state, grad_imag_state)``."""
    L.check_series("real_out", real_out)
    for name, x in (("imag_out", imag_out), ("grad_real", grad_real), ("grad_imag", grad_imag)):
        L.check_series(name, x, real_out.shape)
    batch, neurons, steps = real_out.shape
    L.check_floats(
        real_out.device, real_out=real_out, imag_out=imag_out, grad_real=grad_real, grad_imag=grad_imag,
        grad_next_real=grad_next_real, grad_next_imag=grad_next_imag, sin_decay=sin_decay, cos_decay=cos_decay,
        real_state=real_state, imag_state=imag_state,
    )  # fmt: skip
    L.check_vectors(neurons, sin_decay=sin_decay, cos_decay=cos_decay)
    L.check_states(
        batch, neurons, real_state=real_state, imag_state=imag_state, grad_next_real=grad_next_real,
        grad_next_imag=grad_next_imag,
    )  # fmt: skip
    if reset:
        L.check_events(events, real_out)
    grad_x_re, grad_x_im = L.series_like(real_out), L.series_like(imag_out)
    grads = [L.state_like(batch, neurons, real_out) for _ in range(4)]
    if batch * neurons == 0:
        return (grad_x_re, grad_x_im, *grads)
    ev, ev_strides = L.events_arg(events, reset, real_out)
    L.launch(
        _backward_kernel, real_out, L.tiling(real_out, imag_out, grad_real, grad_imag, grad_x_re, grad_x_im),
        grad_real, grad_imag, grad_next_real, grad_next_imag, real_out, imag_out, ev, sin_decay, cos_decay,
        real_state, imag_state, grad_x_re, grad_x_im, *grads,
        neurons, steps, int(threshold) if reset else 0,
        *grad_real.stride(), *grad_imag.stride(), *real_out.stride(), *imag_out.stride(), *ev_strides,
        *grad_x_re.stride(), *grad_x_im.stride(), *grad_next_real.stride(), *grad_next_imag.stride(),
        *real_state.stride(), *imag_state.stride(),
        S_SCALE=int(s_scale), RESET=bool(reset),
    )  # fmt: skip
    return (grad_x_re, grad_x_im, *grads)
