r"""Real-valued spike: threshold crossing of a voltage with a Laplace-shaped surrogate gradient.

Forward (``u = v - θ``):

* binary: :math:`s = H(u)` with :math:`H(0) = 1` (``v == θ`` spikes);
* graded: :math:`s = H(u)\,v/\text{scale}` (the voltage at the crossing).

Backward (incoming gradient times):

* binary: :math:`\partial s/\partial v = \rho = \text{scale\_rho}\,\delta_\tau(u)`,
  :math:`\delta_\tau(u) = e^{-|u|/\tau}/(2\tau)`, :math:`\tau` = ``tau_rho``;
  :math:`\partial s/\partial\theta = -\rho`;
* graded: :math:`\partial s/\partial v = \text{scale\_rho}\,e^{\min(u,0)/\tau}` (as lava-dl);
  :math:`\partial s/\partial\theta = -\text{scale\_rho}\,\delta_\tau(u)\,v/\text{scale}`: the
  product rule on :math:`H(v-\theta)\,v/\text{scale}` with :math:`H' \to \delta_\tau`; only
  the step depends on θ, so the gradient vanishes far above threshold where θ changes
  nothing.

lava-dl returns no gradient for θ; here a tensor θ that requires grad gets the one above,
summed to θ's own shape (adaptive-threshold neurons learn their decays through it).
"""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.backends import as_series, kernel_or_reference
from slayer.core.backends import reference as reference_kernels

from ._checks import align_threshold, check_state, check_surrogate_constants
from ._context import save_spike_inputs, saved_spike_inputs
from ._kernel_path import backward_kernel, kernel_applies, like, threshold_arguments
from .surrogate import laplace_density

__all__ = ["Spike", "real_spike"]


class _RealSpikeFunction(torch.autograd.Function):
    """``(voltage, threshold, tau_rho, scale_rho, graded, scale) -> spikes``; θ already aligned. The general path
    (broadcast or graded learnable thresholds, tensor constants, half precision, ``torch.compile``)."""

    @staticmethod
    def forward(
        voltage: Tensor,
        threshold: float | Tensor,
        tau_rho: float | Tensor,
        scale_rho: float | Tensor,
        graded: bool,
        scale: float | Tensor,
    ) -> Tensor:
        return reference_kernels.real_spike_forward(voltage, None, threshold, graded, scale)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        voltage, threshold, tau_rho, scale_rho, graded, scale = inputs
        save_spike_inputs(ctx, (voltage,), threshold, tau_rho, scale_rho, graded, scale)

    @staticmethod
    def backward(ctx, grad_spikes: Tensor):
        (voltage,), threshold = saved_spike_inputs(ctx)
        grad_voltage = grad_threshold = None
        if ctx.needs_input_grad[0]:
            grad_voltage = reference_kernels.real_spike_backward(
                grad_spikes, voltage, None, threshold, ctx.tau_rho, ctx.scale_rho, ctx.graded
            )
        if ctx.threshold_is_tensor and ctx.needs_input_grad[1]:
            bump = ctx.scale_rho * laplace_density(voltage - threshold, ctx.tau_rho)
            d_theta = -bump * (voltage / ctx.scale) if ctx.graded else -bump
            grad_threshold = (grad_spikes * d_theta).sum_to_size(threshold.shape)
        return grad_voltage, grad_threshold, None, None, None, None


class _RealSpikeKernel(torch.autograd.Function):
    """The fast path on an ``(N, M, T)`` series through the backend's ``real_spike_*`` kernels (one pass each way
    on the ``cpu`` backend): ``(voltage, threshold_series, threshold, tau_rho, scale_rho, graded, scale) ->
    spikes``, the threshold a number or a series (binary spikes when it needs a gradient: ``ds/dθ = -ds/dv``)."""

    @staticmethod
    def forward(voltage, threshold_series, threshold, tau_rho, scale_rho, graded, scale):
        return kernel_or_reference("real_spike_forward", voltage)(voltage, threshold_series, threshold, graded, scale)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        voltage, threshold_series, threshold, tau_rho, scale_rho, graded, _ = inputs
        ctx.save_for_backward(voltage, threshold_series)
        ctx.constants = (threshold, tau_rho, scale_rho, graded)

    @staticmethod
    def backward(ctx, grad_spikes):
        voltage, threshold_series = ctx.saved_tensors
        threshold, tau_rho, scale_rho, graded = ctx.constants
        grad_voltage = backward_kernel("real_spike_backward", voltage)(
            like(grad_spikes.to(voltage.dtype), voltage),
            voltage,
            threshold_series,
            threshold,
            tau_rho,
            scale_rho,
            graded,
        )
        grad_threshold = -grad_voltage if ctx.needs_input_grad[1] else None
        return grad_voltage if ctx.needs_input_grad[0] else None, grad_threshold, *([None] * 5)


def _real_spike_kernel(voltage, threshold, tau_rho, scale_rho, graded, scale) -> Tensor:
    """:func:`real_spike` through the kernels, on an ``(N, M, T)`` view of ``(N, *S, T)``."""
    threshold_series, threshold = threshold_arguments(threshold, voltage)
    constants = [float(value) for value in (threshold, tau_rho, scale_rho)]
    output = _RealSpikeKernel.apply(as_series(voltage), threshold_series, *constants, bool(graded), float(scale))
    return output.reshape(voltage.shape)


def real_spike(
    voltage: Tensor,
    threshold: float | Tensor,
    tau_rho: float | Tensor,
    scale_rho: float | Tensor,
    graded: bool = False,
    scale: float | Tensor = 1.0,
) -> Tensor:
    """Spikes where ``voltage >= threshold``, differentiable through a surrogate gradient.

    Args:
        voltage: ``(N, C, T)`` or ``(N, C, H, W, T)`` (any shape works), float16/bfloat16/
            float32/float64.
        threshold: a float; or a tensor broadcastable to ``voltage`` (scalar, per-channel
            ``(C,)`` which is viewed as ``(C, 1, ..., 1)``, ``(C, 1, ..., 1)``, or
            ``voltage``'s own shape for time-varying thresholds). Receives a gradient when it
            requires one.
        tau_rho: surrogate width (> 0). scale_rho: surrogate height. Neither is differentiated.
        graded: emit ``voltage / scale`` instead of 1 at spikes.
        scale: divisor of graded spikes (non-zero).

    Returns:
        spikes of ``voltage``'s shape and dtype.
    """
    check_state(voltage, "voltage")
    check_surrogate_constants(tau_rho, scale_rho, scale)
    threshold = align_threshold(threshold, voltage)
    if kernel_applies(voltage, threshold, (tau_rho, scale_rho, scale), graded):
        return _real_spike_kernel(voltage, threshold, tau_rho, scale_rho, graded, scale)
    return _RealSpikeFunction.apply(voltage, threshold, tau_rho, scale_rho, bool(graded), scale)


class Spike:
    """lava-dl-compatible entry point: ``Spike.apply(voltage, threshold, tau_rho, scale_rho,
    graded_spike, voltage_last, scale)``. ``voltage_last`` is accepted and unused (as in
    lava-dl). See :func:`real_spike`."""

    @staticmethod
    def apply(
        voltage: Tensor,
        threshold: float | Tensor,
        tau_rho: float | Tensor,
        scale_rho: float | Tensor,
        graded_spike: bool = False,
        voltage_last: Tensor | None = None,
        scale: float | Tensor = 1.0,
    ) -> Tensor:
        return real_spike(voltage, threshold, tau_rho, scale_rho, graded_spike, scale)
