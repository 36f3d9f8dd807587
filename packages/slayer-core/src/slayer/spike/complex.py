r"""Phase spike of resonate-and-fire neurons: spike at an upward zero crossing of the
imaginary part while the real part is at or above threshold.

Forward, per time step ``t`` (time last, ``im[-1] = imag_last``, zeros when ``None``):

* fire where ``re[t] >= θ`` **and** ``im[t-1] < 0 <= im[t]``;
* binary output 1 there, graded output ``re[t] / scale``.

Backward (``a`` = ``tau_rho``, ``u = re - θ``, all terms evaluated at step ``t``), following
lava-dl: :math:`\delta_{re} = e^{-|u|/a}/(2a)` (binary) or :math:`e^{\min(u,0)/a}` (graded),
:math:`\delta_{im} = e^{-|im|/a}/(2a)`,
:math:`H_{re} = \tfrac12(1 + \operatorname{sign}(u)(1 - 2a\,\delta_{re}))`,

* :math:`\partial s/\partial re = \text{scale\_rho}\,\delta_{re}\,\delta_{im}`,
* :math:`\partial s/\partial im = -(\text{scale\_rho}/a)\,\operatorname{sign}(im)\,\delta_{im}\,H_{re}`.

For binary spikes these are the exact derivatives of the smooth surrogate
:math:`S = \text{scale\_rho}\,H_a(re - \theta)\,\delta_{im}(im[t])`: the crossing indicator is
modelled by a bump of ``im[t]`` around 0 and **``im[t-1]`` contributes no gradient** (nor does
``imag_last``), as in lava-dl. Giving ``im[t-1]`` a term would count the same crossing twice
and change the gradients that lava-dl-trained models were tuned with.

Threshold gradient (not in lava-dl; for tensor θ requiring grad, summed to θ's shape):

* binary: :math:`\partial s/\partial\theta = -\partial s/\partial re
  = -\text{scale\_rho}\,\delta_{re}\,\delta_{im}` (``S`` depends on ``re - θ`` only);
* graded: :math:`\partial s/\partial\theta = -\text{scale\_rho}\,\delta_a(u)\,\delta_{im}\,re/\text{scale}`
  with the Laplace :math:`\delta_a` — the product rule on :math:`H(re-\theta)\,re/\text{scale}`,
  as for the real graded spike.
"""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.backends import as_series, kernel_or_reference
from slayer.core.backends import reference as reference_kernels

from ._checks import align_threshold, broadcasts_to, check_state, check_surrogate_constants
from ._context import save_spike_inputs, saved_spike_inputs
from ._kernel_path import backward_kernel, kernel_applies, like, threshold_arguments
from .surrogate import laplace_density

__all__ = ["Spike", "phase_spike"]


class _PhaseSpikeFunction(torch.autograd.Function):
    """``(real, imag, threshold, imag_last, tau_rho, scale_rho, graded, scale) -> spikes``: the general path
    (broadcast or graded learnable thresholds, tensor constants, half precision, ``torch.compile``), elementwise
    PyTorch."""

    @staticmethod
    def forward(
        real: Tensor,
        imag: Tensor,
        threshold: float | Tensor,
        imag_last: Tensor | None,
        tau_rho: float | Tensor,
        scale_rho: float | Tensor,
        graded: bool,
        scale: float | Tensor,
    ) -> Tensor:
        return reference_kernels.phase_spike_forward(real, imag, imag_last, None, threshold, graded, scale)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        real, imag, threshold, _imag_last, tau_rho, scale_rho, graded, scale = inputs
        save_spike_inputs(ctx, (real, imag), threshold, tau_rho, scale_rho, graded, scale)

    @staticmethod
    def backward(ctx, grad_spikes: Tensor):
        (real, imag), threshold = saved_spike_inputs(ctx)
        a, scale_rho = ctx.tau_rho, ctx.scale_rho
        grad_real, grad_imag = reference_kernels.phase_spike_backward(
            grad_spikes, real, imag, None, threshold, a, scale_rho, ctx.graded, *ctx.needs_input_grad[:2]
        )
        grad_threshold = None
        if ctx.threshold_is_tensor and ctx.needs_input_grad[2]:
            d_theta = -scale_rho * laplace_density(real - threshold, a) * laplace_density(imag, a)
            if ctx.graded:
                d_theta = d_theta * (real / ctx.scale)
            grad_threshold = (grad_spikes * d_theta).sum_to_size(threshold.shape)
        grad_real = grad_real if ctx.needs_input_grad[0] else None
        grad_imag = grad_imag if ctx.needs_input_grad[1] else None
        return grad_real, grad_imag, grad_threshold, None, None, None, None, None


class _PhaseSpikeKernel(torch.autograd.Function):
    """The fast path on ``(N, M, T)`` series through the backend's ``phase_spike_*`` kernels (one pass over the
    series each way on the ``cpu`` backend): ``(real, imag, imag_state, threshold_series, threshold, tau_rho,
    scale_rho, graded, scale) -> spikes``, the threshold a number or a series (binary spikes when it needs a
    gradient: then ``ds/dθ = -ds/dre``)."""

    @staticmethod
    def forward(real, imag, imag_state, threshold_series, threshold, tau_rho, scale_rho, graded, scale):
        kernel = kernel_or_reference("phase_spike_forward", real)
        return kernel(real, imag, imag_state, threshold_series, threshold, graded, scale)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        real, imag, _, threshold_series, threshold, tau_rho, scale_rho, graded, _ = inputs
        ctx.save_for_backward(real, imag, threshold_series)
        ctx.constants = (threshold, tau_rho, scale_rho, graded)

    @staticmethod
    def backward(ctx, grad_spikes):
        real, imag, threshold_series = ctx.saved_tensors
        threshold, tau_rho, scale_rho, graded = ctx.constants
        real_wanted, imag_wanted, _, threshold_wanted = ctx.needs_input_grad[:4]
        grad_real, grad_imag = backward_kernel("phase_spike_backward", real)(
            like(grad_spikes.to(real.dtype), real),
            real,
            imag,
            threshold_series,
            threshold,
            tau_rho,
            scale_rho,
            graded,
            real_wanted or threshold_wanted,
            imag_wanted,
        )
        grad_threshold = -grad_real if threshold_wanted else None
        return (
            grad_real if real_wanted else None,
            grad_imag if imag_wanted else None,
            None,
            grad_threshold,
            *([None] * 5),
        )


def _phase_spike_kernel(real, imag, threshold, imag_last, tau_rho, scale_rho, graded, scale) -> Tensor:
    """:func:`phase_spike` through the kernels, on ``(N, M, T)`` views of ``(N, *S, T)``."""
    series = [as_series(x) for x in (real, imag)]
    batch, neurons = series[0].shape[:2]
    if imag_last is None:
        imag_state = real.new_zeros(()).expand(batch, neurons)
    else:
        imag_state = imag_last.expand(real.shape[:-1]).reshape(batch, neurons)
    threshold_series, threshold = threshold_arguments(threshold, real)
    constants = [float(value) for value in (threshold, tau_rho, scale_rho)]
    output = _PhaseSpikeKernel.apply(*series, imag_state, threshold_series, *constants, bool(graded), float(scale))
    return output.reshape(real.shape)


def _align_imag_last(imag_last: Tensor | float | None, real: Tensor) -> Tensor | None:
    if imag_last is None:
        return None
    if isinstance(imag_last, (int, float)) and not isinstance(imag_last, bool):
        # lava-dl's tutorials pass a plain 0 (the real Spike.apply's voltage_last takes one too)
        return real.new_full((), float(imag_last))
    check_state(imag_last, "imag_last")
    state_shape = tuple(real.shape[:-1])
    if not broadcasts_to(tuple(imag_last.shape), state_shape):
        raise ValueError(
            f"imag_last must have the state shape without time {state_shape} (or broadcast to it), "
            f"received {tuple(imag_last.shape)}"
        )
    return imag_last.detach().to(real.dtype)


def phase_spike(
    real: Tensor,
    imag: Tensor,
    threshold: float | Tensor,
    tau_rho: float | Tensor,
    scale_rho: float | Tensor,
    graded: bool = False,
    imag_last: Tensor | float | None = None,
    scale: float | Tensor = 1.0,
) -> Tensor:
    """Phase spikes: ``re[t] >= threshold`` and ``im[t-1] < 0 <= im[t]``.

    Args:
        real, imag: the resonator state, same shape ``(N, C, T)`` or ``(N, C, H, W, T)``
            (time last), same float16/bfloat16/float32/float64 dtype.
        threshold: a float or a tensor broadcastable to ``real`` (per-channel ``(C,)`` is viewed
            as ``(C, 1, ..., 1)``); receives a gradient when it requires one.
        tau_rho: surrogate width ``a`` (> 0). scale_rho: surrogate height. Not differentiated.
        graded: emit ``real / scale`` instead of 1 at spikes.
        imag_last: ``im`` of the step before ``t = 0``, shape ``(N, C[, H, W])`` (or
            broadcastable to it) or a number for every neuron; zeros when ``None``. Receives
            no gradient.
        scale: divisor of graded spikes (non-zero).

    Returns:
        spikes of ``real``'s shape and dtype.
    """
    check_state(real, "real")
    check_state(imag, "imag")
    if real.shape != imag.shape:
        raise ValueError(
            f"real and imag must have the same shape, received {tuple(real.shape)} and {tuple(imag.shape)}"
        )
    if real.dtype != imag.dtype:
        raise TypeError(f"real and imag must have the same dtype, received {real.dtype} and {imag.dtype}")
    if real.ndim < 1:
        raise ValueError("real and imag need a time axis (last dimension), received 0-d tensors")
    check_surrogate_constants(tau_rho, scale_rho, scale)
    threshold = align_threshold(threshold, real)
    imag_last = _align_imag_last(imag_last, real)
    if kernel_applies(real, threshold, (tau_rho, scale_rho, scale), graded):
        return _phase_spike_kernel(real, imag, threshold, imag_last, tau_rho, scale_rho, graded, scale)
    return _PhaseSpikeFunction.apply(real, imag, threshold, imag_last, tau_rho, scale_rho, bool(graded), scale)


class Spike:
    """lava-dl-compatible entry point: ``Spike.apply(real, imag, threshold, tau_rho,
    scale_rho, graded_spike, imag_last, scale)``. See :func:`phase_spike`."""

    @staticmethod
    def apply(
        real: Tensor,
        imag: Tensor,
        threshold: float | Tensor,
        tau_rho: float | Tensor,
        scale_rho: float | Tensor,
        graded_spike: bool = False,
        imag_last: Tensor | float | None = None,
        scale: float | Tensor = 1.0,
    ) -> Tensor:
        return phase_spike(real, imag, threshold, tau_rho, scale_rho, graded_spike, imag_last, scale)
