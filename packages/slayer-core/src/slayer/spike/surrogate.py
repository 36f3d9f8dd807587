r"""Surrogate derivatives of the Heaviside step used by the spike functions.

All are pure, elementwise functions of ``x`` (a tensor of any shape, usually ``v - θ``) and
a positive width ``tau`` (``tau_rho``); they return a tensor of ``x``'s shape and dtype.

* :func:`laplace_step` :math:`H_\tau(x) = \tfrac12\,(1 + \operatorname{sign}(x)(1 - e^{-|x|/\tau}))`,
  the Laplace distribution's CDF: a smooth stand-in for the step :math:`H(x)`.
* :func:`laplace_density` :math:`\delta_\tau(x) = e^{-|x|/\tau} / (2\tau) = H_\tau'(x)`,
  integrates to 1; the binary spike's surrogate is ``scale_rho * laplace_density``.
* :func:`laplace_density_slope` :math:`\delta_\tau'(x) = -\operatorname{sign}(x)\,\delta_\tau(x)/\tau`,
  used for the phase spike's gradient w.r.t. the imaginary part.
* :func:`graded_density` :math:`e^{\min(x, 0)/\tau}`: 1 above threshold, exponential tail
  below; the graded spike's surrogate is ``scale_rho * graded_density``.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["graded_density", "laplace_density", "laplace_density_slope", "laplace_step"]


def laplace_density(x: Tensor, tau: float | Tensor) -> Tensor:
    """``exp(-|x| / tau) / (2 tau)``: Laplace-shaped bump of unit area around 0."""
    return torch.exp(-torch.abs(x) / tau) / (2 * tau)


def laplace_step(x: Tensor, tau: float | Tensor) -> Tensor:
    """``(1 + sign(x) (1 - exp(-|x| / tau))) / 2``: smooth step whose derivative is
    :func:`laplace_density`; equals 1/2 at ``x = 0``."""
    return 0.5 * (1 + torch.sign(x) * (1 - torch.exp(-torch.abs(x) / tau)))


def laplace_density_slope(x: Tensor, tau: float | Tensor) -> Tensor:
    """``-sign(x) / tau * laplace_density(x, tau)``: derivative of :func:`laplace_density`
    (0 at the kink ``x = 0``)."""
    return -torch.sign(x) / tau * laplace_density(x, tau)


def graded_density(x: Tensor, tau: float | Tensor) -> Tensor:
    """``exp(min(x, 0) / tau)``: 1 for ``x >= 0``, decaying exponentially below 0."""
    return torch.exp(torch.clamp(x, max=0) / tau)
