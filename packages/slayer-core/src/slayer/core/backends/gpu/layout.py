"""``neuron_major`` (contract in docs/backends.md): a series of any strides copied into neuron-contiguous storage.

One program per sample and ``(BLOCK_M, BLOCK_T)`` tile: the tile is loaded along the source's own contiguous
axis and stored along the neurons, Triton exchanging it through shared memory, so both sides move in whole
sectors (torch's copy of a transposed view is coalesced on one side only).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from . import _launch as L
from ._triton import jit, tl

BLOCK_M = 64
BLOCK_T = 64
TILE = {"BLOCK_M": BLOCK_M, "BLOCK_T": BLOCK_T, "num_warps": 4}


@jit
def _neuron_major_kernel(
    x_ptr, y_ptr, M, T, sx_n, sx_m, sx_t,
    BLOCK_M: tl.constexpr, BLOCK_T: tl.constexpr,
):  # fmt: skip
    pid = tl.program_id(0)
    m_tiles = (M + BLOCK_M - 1) // BLOCK_M
    t_tiles = (T + BLOCK_T - 1) // BLOCK_T
    n = (pid // (m_tiles * t_tiles)).to(tl.int64)
    rest = pid % (m_tiles * t_tiles)
    m = ((rest // t_tiles) * BLOCK_M + tl.arange(0, BLOCK_M)).to(tl.int64)
    t = ((rest % t_tiles) * BLOCK_T + tl.arange(0, BLOCK_T)).to(tl.int64)
    mask = (m < M)[:, None] & (t < T)[None, :]
    tile = tl.load(x_ptr + n * sx_n + m[:, None] * sx_m + t[None, :] * sx_t, mask=mask)
    tl.store(y_ptr + n * T * M + t[None, :] * M + m[:, None], tile, mask=mask)


def neuron_major(x: Tensor) -> Tensor:
    """``x`` ``(N, M, T)`` (float or bool, any strides) -> the same values in ``N T M`` storage as ``(N, M, T)``."""
    L.check_series("x", x)
    batch, neurons, steps = x.shape
    out = torch.empty((batch, steps, neurons), dtype=x.dtype, device=x.device).transpose(1, 2)
    if out.numel() == 0:
        return out
    source, target = (L.as_bytes(x), L.as_bytes(out)) if x.dtype == torch.bool else (x, out)
    programs = (batch * math.ceil(neurons / BLOCK_M) * math.ceil(steps / BLOCK_T),)
    L.run(_neuron_major_kernel, programs, x, source, target, neurons, steps, *source.stride(), **TILE)
    return out
