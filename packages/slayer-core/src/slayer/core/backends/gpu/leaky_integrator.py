"""Leaky integrator kernels (contract: ``leaky_integrator_forward``/``_backward`` in docs/backends.md).

Forward, per neuron: ``y[t] = rtz(y'[t-1] * (4096 - d), 12) + trunc(s_scale * x[t])``, reset to zero
after ``y[t] >= threshold`` when ``reset``; NaN from the first invalid value on. Backward: the
linear adjoint with resets held fixed (as the reference backend).
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
def _forward_kernel(
    x_ptr, decay_ptr, state_ptr, out_ptr, next_ptr, events_ptr,
    M, T, threshold,
    sx_n, sx_m, sx_t, so_n, so_m, so_t, se_n, se_m, se_t, ss_n, ss_m,
    S_SCALE: tl.constexpr, RESET: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    d, d_ok = load_decay(decay_ptr, m64, live)
    retention = DECAY_ONE - d
    y, y_ok = load_state(state_ptr, n * ss_n + m64 * ss_m, live, S_SCALE)
    bad = (d_ok & y_ok) == 0
    x_row = row_of(n, m64, sx_n, sx_m, ROW_ALIGN)
    o_row = row_of(n, m64, so_n, so_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    for chunk in range(0, (T + TILE_T - 1) // TILE_T):
        t0 = chunk * TILE_T  # a multiple of TILE_T the compiler can see (aligned tile loads)
        mask = tile_mask(live, t0, cols, T)
        xs = tl.load(x_ptr + tile_offsets(x_row, t0, cols, sx_t), mask=mask, other=0.0)
        outs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        fired_tile = tl.full((BLOCK, TILE_T), 0, tl.uint8)
        for j in tl.static_range(TILE_T):
            x_int, x_ok = scale_to_int(column(xs, cols, j, TILE_T), S_SCALE)
            new_y = rtz_shift(y * retention) + x_int
            new_bad = bad | (x_ok == 0)
            outs = put(outs, cols, j, or_nan(to_float(new_y, S_SCALE, DTYPE), new_bad), TILE_T)
            if RESET:
                fired = new_y >= threshold
                fired_tile = put(fired_tile, cols, j, fired.to(tl.uint8), TILE_T)
                new_y = tl.where(fired, 0, new_y)
            y = advance(new_y, y, t0 + j, T, TILE_T)
            bad = advance(new_bad, bad, t0 + j, T, TILE_T)
        tl.store(out_ptr + tile_offsets(o_row, t0, cols, so_t), outs, mask=mask)
        if RESET:
            tl.store(events_ptr + tile_offsets(e_row, t0, cols, se_t), fired_tile, mask=mask)

    tl.store(next_ptr + n * M + m64, or_nan(to_float(y, S_SCALE, DTYPE), bad), mask=live)


@jit
def _backward_kernel(
    g_ptr, g_next_ptr, y_ptr, events_ptr, decay_ptr, state_ptr, gx_ptr, g_decay_ptr, g_state_ptr,
    M, T,
    sg_n, sg_m, sg_t, sy_n, sy_m, sy_t, se_n, se_m, se_t, sgx_n, sgx_m, sgx_t, ss_n, ss_m, sgn_n, sgn_m,
    RESET: tl.constexpr, DTYPE: tl.constexpr,
    BLOCK: tl.constexpr, TILE_T: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    n, m64, live = block_of(M, BLOCK)
    cols = tl.arange(0, TILE_T)

    retention = load_retention(decay_ptr, m64, live)
    adjoint = tl.load(g_next_ptr + n * sgn_n + m64 * sgn_m, mask=live, other=0.0)
    grad_retention = tl.full((BLOCK,), 0, DTYPE)
    later_total = tl.full((BLOCK,), 0, DTYPE)  # the total of bin t + 1
    g_row = row_of(n, m64, sg_n, sg_m, ROW_ALIGN)
    y_row = row_of(n, m64, sy_n, sy_m, ROW_ALIGN)
    gx_row = row_of(n, m64, sgx_n, sgx_m, ROW_ALIGN)
    e_row = row_of(n, m64, se_n, se_m, 1)

    chunks = (T + TILE_T - 1) // TILE_T
    for c in range(0, chunks):
        t0 = (chunks - 1 - c) * TILE_T
        mask = tile_mask(live, t0, cols, T)
        gs = tl.load(g_ptr + tile_offsets(g_row, t0, cols, sg_t), mask=mask, other=0.0)
        ys = tl.load(y_ptr + tile_offsets(y_row, t0, cols, sy_t), mask=mask, other=0.0)
        if RESET:
            es = tl.load(events_ptr + tile_offsets(e_row, t0, cols, se_t), mask=mask, other=0)
        gxs = tl.full((BLOCK, TILE_T), 0, DTYPE)
        for jj in tl.static_range(TILE_T):
            j = TILE_T - 1 - jj
            t = t0 + j
            post = column(ys, cols, j, TILE_T)  # y'[t], the value bin t + 1 starts from
            if RESET:
                post = tl.where(column(es, cols, j, TILE_T) != 0, 0.0, post)
            grad_retention = tl.where(t < T - 1, grad_retention + later_total * post, grad_retention)
            total = column(gs, cols, j, TILE_T) + adjoint
            gxs = put(gxs, cols, j, total, TILE_T)
            active = t < T
            adjoint = tl.where(active, retention * total, adjoint)
            later_total = tl.where(active, total, later_total)
        tl.store(gx_ptr + tile_offsets(gx_row, t0, cols, sgx_t), gxs, mask=mask)

    start = tl.load(state_ptr + n * ss_n + m64 * ss_m, mask=live, other=0.0)
    grad_retention = tl.where(T > 0, grad_retention + later_total * start, grad_retention)
    tl.store(g_decay_ptr + n * M + m64, -grad_retention * (1.0 / DECAY_ONE), mask=live)
    tl.store(g_state_ptr + n * M + m64, adjoint, mask=live)


def leaky_integrator_forward(
    x: Tensor, decay: Tensor, state: Tensor, reset: bool, threshold: int, s_scale: int
) -> tuple[Tensor, Tensor, Tensor]:
    """x ``(N, M, T)`` any strides, decay ``(M,)``, state ``(N, M)`` -> ``(output, next_state, events)``."""
    L.check_series("x", x)
    batch, neurons, steps = x.shape
    L.check_floats(x.device, x=x, decay=decay, state=state)
    L.check_vectors(neurons, decay=decay)
    L.check_states(batch, neurons, state=state)
    output = L.series_like(x)
    next_state = L.state_like(batch, neurons, x)
    events = L.series_like(x, torch.bool) if reset else L.no_events(x)
    if batch * neurons == 0:
        return output, next_state, events
    ev, ev_strides = L.events_arg(events, reset, output)
    L.launch(
        _forward_kernel, x, L.tiling(x, output),
        x, decay, state, output, next_state, ev,
        neurons, steps, int(threshold) if reset else 0,
        *x.stride(), *output.stride(), *ev_strides, *state.stride(),
        S_SCALE=int(s_scale), RESET=bool(reset),
    )  # fmt: skip
    return output, next_state, events


def leaky_integrator_backward(
    grad_output: Tensor,
    grad_next_state: Tensor,
    output: Tensor,
    events: Tensor,
    decay: Tensor,
    state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor]:
    """-> ``(grad_input (N, M, T) laid out like output, grad_decay (N, M), grad_state (N, M))``."""
    L.check_series("output", output)
    batch, neurons, steps = output.shape
    L.check_series("grad_output", grad_output, output.shape)
    L.check_floats(
        output.device, output=output, grad_output=grad_output, grad_next_state=grad_next_state, decay=decay,
        state=state,
    )  # fmt: skip
    L.check_vectors(neurons, decay=decay)
    L.check_states(batch, neurons, state=state, grad_next_state=grad_next_state)
    if reset:
        L.check_events(events, output)
    grad_input = L.series_like(output)
    grad_decay = L.state_like(batch, neurons, output)
    grad_state = L.state_like(batch, neurons, output)
    if batch * neurons == 0:
        return grad_input, grad_decay, grad_state
    ev, ev_strides = L.events_arg(events, reset, output)
    L.launch(
        _backward_kernel, output, L.tiling(output, grad_output, grad_input),
        grad_output, grad_next_state, output, ev, decay, state, grad_input, grad_decay, grad_state,
        neurons, steps,
        *grad_output.stride(), *output.stride(), *ev_strides, *grad_input.stride(), *state.stride(),
        *grad_next_state.stride(),
        RESET=bool(reset),
    )  # fmt: skip
    return grad_input, grad_decay, grad_state
