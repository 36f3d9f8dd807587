"""Weight normalisation as a ``torch.nn.utils.parametrize`` parametrization.

``weight = g * v / ||v||`` with the norm over every dimension except the first (output
channels), like ``torch.nn.utils.parametrizations.weight_norm(dim=0)``: same state-dict keys
(``parametrizations.weight.original0`` = g, ``original1`` = v). The one difference: the norm is
clamped to ``eps``, so an output row that a connection mask zeroes entirely gives zeros and zero
gradients instead of NaN (0/0).
"""

from __future__ import annotations

import torch
from torch import Tensor

EPS = 1e-12


def row_norm(v: Tensor) -> Tensor:
    """L2 norm over all dimensions but the first, kept for broadcasting: ``(O, 1, ..., 1)``."""
    return torch.linalg.vector_norm(v, dim=tuple(range(1, v.dim())), keepdim=True)


def weight_from_gv(g: Tensor, v: Tensor) -> Tensor:
    return v * (g / row_norm(v).clamp_min(EPS))


class WeightNorm(torch.nn.Module):
    """Parametrization module: ``forward(g, v) -> weight``, ``right_inverse(weight) -> (g, v)``."""

    def forward(self, g: Tensor, v: Tensor) -> Tensor:
        return weight_from_gv(g, v)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return row_norm(weight), weight
