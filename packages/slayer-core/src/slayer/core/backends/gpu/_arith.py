"""Triton device helpers: lava-dl's fixed-point rules (as ``slayer.core.dynamics._fixed_point``) and
time-tile access.

Every state is int64. ``x // 4096`` on int64 in Triton truncates toward zero (C semantics, unlike
Python's floor): checked in the interpreter and by ``benchmarks/gpu_check.py`` on the GPU with
negative values. int64 -> float conversion rounds to nearest; the division by ``s_scale`` is exact
(power of two: a multiply by the exact inverse) or IEEE-rounded (``fdiv(ieee_rounding=True)``, not
Triton's default approximate float32 division), so outputs equal ``int.to(dtype) / s_scale`` bit for bit.
"""

from __future__ import annotations

from ._triton import INTERPRETED, jit, tl

#: Scaled values at or above this magnitude (and NaN/inf) are invalid (``_fixed_point.INT_LIMIT``).
INT_LIMIT = tl.constexpr(4611686018427387904.0)  # 2**62
DECAY_ONE = tl.constexpr(4096)
_INTERPRETED = tl.constexpr(INTERPRETED)


@jit
def scale_to_int(x, S_SCALE: tl.constexpr):
    """``(trunc(x * s_scale) as int64, valid)``: the product is formed in ``x``'s dtype; invalid -> 0."""
    scaled = x * S_SCALE
    valid = tl.abs(scaled) < INT_LIMIT
    return tl.where(valid, scaled, 0.0).to(tl.int64), valid


@jit
def decay_to_int(d):
    """``(trunc(d) as int64, valid)`` for a decay already rounded to an integer value."""
    valid = tl.abs(d) < INT_LIMIT
    return tl.where(valid, d, 0.0).to(tl.int64), valid


@jit
def rtz_shift(product):
    """``product / 4096`` truncated toward zero (``-1 -> 0``); Triton's integer ``//`` truncates."""
    return product // DECAY_ONE


@jit
def to_float(value, S_SCALE: tl.constexpr, DTYPE: tl.constexpr):
    """Integer state in float units, ``value.to(DTYPE) / s_scale`` correctly rounded."""
    f = value.to(DTYPE)
    if (S_SCALE & (S_SCALE - 1)) == 0:
        return f * (1.0 / S_SCALE)  # exact: a power of two
    elif DTYPE == tl.float32:
        # the divisor as a float32 tensor: Triton 3.6's fdiv rejects an int constexpr (3.9 converts it)
        return tl.fdiv(f, tl.full(f.shape, S_SCALE, tl.float32), ieee_rounding=True)
    else:
        return f / S_SCALE


@jit
def block_of(M, BLOCK: tl.constexpr):
    """``(sample, neurons, live)`` of this program: program ids run over samples x blocks of ``BLOCK``
    neurons; ``neurons`` ``(BLOCK,)`` int64 indices, ``live`` marks those ``< M`` (the last block's tail)."""
    pid = tl.program_id(0)
    blocks = (M + BLOCK - 1) // BLOCK  # not tl.cdiv: a standard-library @jit function (see _triton)
    m = (pid % blocks) * BLOCK + tl.arange(0, BLOCK)
    return (pid // blocks).to(tl.int64), m.to(tl.int64), m < M


@jit
def load_decay(ptr, m64, live):
    """``(trunc(decay) as int64, valid)`` of a ``(M,)`` decay vector at neurons ``m64``."""
    return decay_to_int(tl.load(ptr + m64, mask=live, other=0.0))


@jit
def load_retention(ptr, m64, live):
    """``1 - decay / 4096`` in the float dtype (the backward kernels' linear retention)."""
    return 1.0 - tl.load(ptr + m64, mask=live, other=0.0) * (1.0 / DECAY_ONE)


@jit
def load_state(ptr, offsets, live, S_SCALE: tl.constexpr):
    """``(trunc(state * s_scale) as int64, valid)`` of an ``(N, M)`` state at element ``offsets``."""
    return scale_to_int(tl.load(ptr + offsets, mask=live, other=0.0), S_SCALE)


@jit
def advance(new, old, t, T, TILE_T: tl.constexpr):
    """The state after bin ``t``: ``new``, but ``old`` past the end (the last time tile may run past ``T``)."""
    if TILE_T == 1:
        return new  # one bin per chunk: never past the end
    else:
        return tl.where(t < T, new, old)


@jit
def or_nan(value, poisoned):
    return tl.where(poisoned, float("nan"), value)


# -- time tiles ------------------------------------------------------------------------------
# A tile is (BLOCK, TILE_T): a block of neurons by a chunk of time, loaded and stored whole so that
# time-contiguous storage moves in full sectors; the scan walks its columns. TILE_T == 1 is the
# neuron-contiguous path: one coalesced (BLOCK,) load per step.


@jit
def column(tile, cols, j, TILE_T: tl.constexpr):
    """Column ``j`` (a ``(BLOCK,)`` vector) of a ``(BLOCK, TILE_T)`` tile."""
    if TILE_T == 1:
        return tl.reshape(tile, (tile.shape[0],))
    elif _INTERPRETED:  # the builtin reduce with the combine function the interpreter sums with numpy
        return tl.reduce(tl.where(cols[None, :] == j, tile, 0), 1, tl.standard._sum_combine)
    else:
        return tl.sum(tl.where(cols[None, :] == j, tile, 0), axis=1)


@jit
def put(tile, cols, j, value, TILE_T: tl.constexpr):
    """The tile with column ``j`` replaced by ``value`` (a ``(BLOCK,)`` vector)."""
    if TILE_T == 1:
        return tl.reshape(value, (value.shape[0], 1)).to(tile.dtype)
    else:
        return tl.where(cols[None, :] == j, value[:, None], tile)


@jit
def aligned(offsets, ROW_ALIGN: tl.constexpr):
    """Tell the compiler that every offset is a multiple of ``ROW_ALIGN`` (no hint when it is 1)."""
    if ROW_ALIGN > 1:
        return tl.multiple_of(offsets, ROW_ALIGN)
    else:
        return offsets


@jit
def row_of(n, m64, stride_n, stride_m, ROW_ALIGN: tl.constexpr):
    """``(BLOCK,)`` int64 element offsets of sample ``n``, neurons ``m64`` (bin 0), with the alignment hint."""
    return aligned(n * stride_n + m64 * stride_m, ROW_ALIGN)


@jit
def tile_offsets(row, t0, cols, stride_t):
    """Element offsets of a tile: ``row`` ``(BLOCK,)`` int64 neuron offsets, times ``t0 + cols``."""
    return row[:, None] + (t0 + cols)[None, :].to(tl.int64) * stride_t


@jit
def tile_mask(live, t0, cols, T):
    """``(BLOCK, TILE_T)`` mask of a tile: live neurons, bins ``t0 + cols < T``."""
    return live[:, None] & ((t0 + cols) < T)[None, :]


@jit
def surrogate(distance, tau_rho, scale_rho, GRADED: tl.constexpr):
    """``(∂s/∂v, Laplace bump)`` of the real spike at ``distance = v - level`` (reference ``_surrogate``)."""
    bump = scale_rho * (tl.exp(-tl.abs(distance) / tau_rho) / (2 * tau_rho))
    if GRADED:
        return scale_rho * tl.exp(tl.minimum(distance, 0.0) / tau_rho), bump
    else:
        return bump, bump


@jit
def spike(voltage, level, GRADED: tl.constexpr):
    """``voltage >= level`` as 0/1 in the voltage's dtype; graded spikes carry the voltage (``0 * v`` else)."""
    fired = (voltage >= level).to(voltage.dtype)
    if GRADED:
        return fired * voltage
    else:
        return fired
