"""Axonal delays: a fixed shift and a learnable per-channel or per-neuron integer delay."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core import arguments
from slayer.synapse._layout import neuron_shape
from slayer.utils.time import shift

#: delays are whole steps counted in int64 (and held as float32): anything near 2**62 is an input error
MAX_DELAY = float(2**62)


def delay(input: Tensor, delay_val: float | Tensor = 1, sampling_time: float = 1) -> Tensor:
    """Delay ``input`` (``(N, *neurons, T)``, time last) by ``int(delay_val / sampling_time)`` steps.

    ``delay_val``: a number, or a tensor with one value per neuron. Zeros enter at the start; the
    gradient is shifted back. No learnable parameter (see :class:`Delay`). Negative values raise
    (use :func:`slayer.utils.time.shift` to advance).
    """
    negative = (delay_val < 0).any() if isinstance(delay_val, Tensor) else delay_val < 0  # NaN is not < 0
    if bool(negative):
        smallest = float(delay_val[delay_val < 0].min()) if isinstance(delay_val, Tensor) else float(delay_val)
        raise ValueError(
            f"delay: delay_val must be >= 0, received {smallest!r} (use slayer.utils.time.shift to advance)"
        )
    return shift(input, delay_val, sampling_time)


class _LearnableShift(torch.autograd.Function):
    """Shift each neuron by ``trunc(d / Ts)`` steps; ``dL/dd = grad_scale * sum_{n,t} g (y[t-1] - y[t]) / Ts``."""

    @staticmethod
    def forward(ctx, input: Tensor, delays: Tensor, grad_scale: float, sampling_time: float) -> Tensor:
        output = shift(input, delays.detach(), sampling_time)
        ctx.save_for_backward(output, delays)
        ctx.grad_scale, ctx.sampling_time = grad_scale, sampling_time
        return output

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        output, delays = ctx.saved_tensors
        steps = torch.trunc(delays / ctx.sampling_time)
        grad_input = shift(grad_output, -steps) if ctx.needs_input_grad[0] else None
        grad_delay = None
        if ctx.needs_input_grad[1]:
            # y(t) = x(t - d) so dy/dd = -dy/dt, estimated by the causal difference (y[t-1] - y[t]) / Ts
            previous = shift(output, 1)
            rate = (previous - output) / ctx.sampling_time
            grad_delay = (grad_output * rate).sum(dim=(0, -1)).reshape(delays.shape) * ctx.grad_scale
        return grad_input, grad_delay, None, None


class Delay(torch.nn.Module):
    """Learnable axonal delay, one per channel (lava-dl) or, with ``per_neuron=True``, one per neuron.

    * ``sampling_time``: the time step (finite, > 0); the applied shift is ``trunc(delay / sampling_time)`` steps.
    * ``max_delay``: delays are clamped to ``[0, max_delay]`` before every forward (``None``: no upper bound;
      else finite and >= 0).
    * ``grad_scale``: multiplies the delay gradient (finite).
    * ``init_delay``: optional starting delay(s) (a number, or a tensor of the final shape), all finite and >= 0;
      by default ``U[0, 1)`` per delay, drawn at the first forward (lava-dl).

    Parameter ``delay``: ``(C,)`` per channel or ``neurons`` per neuron, created at the first
    forward (a 1-element placeholder before; loading a state dict sizes it). Input
    ``(N, C, *spatial, T)`` with any number of spatial dims → output of the same shape.
    Gradients: the input gradient is shifted back; ``dL/d delay_i = grad_scale * sum_{n,t}
    g[n,i,t] (y[n,i,t-1] - y[n,i,t]) / sampling_time`` (summed over a channel's neurons when per channel).
    """

    def __init__(
        self,
        sampling_time: float = 1,
        max_delay: float | None = None,
        grad_scale: float = 1,
        per_neuron: bool = False,
        init_delay: float | Tensor | None = None,
    ) -> None:
        super().__init__()
        sampling_time = arguments.positive("Delay", "sampling_time", sampling_time)
        if max_delay is not None:
            max_delay = arguments.in_range("Delay", "max_delay", max_delay, 0, MAX_DELAY, high_open=True)
        grad_scale = arguments.finite("Delay", "grad_scale", grad_scale)
        if init_delay is not None:
            arguments.fraction("Delay", "init_delay", init_delay, 0, MAX_DELAY, high_open=True)
        self.sampling_time, self.max_delay, self.grad_scale = sampling_time, max_delay, grad_scale
        self.per_neuron = per_neuron
        self._init_delay = init_delay
        start = torch.as_tensor(init_delay, dtype=torch.float32) if isinstance(init_delay, Tensor) else None
        self.init = start is not None
        self.delay = torch.nn.Parameter(start.clone() if start is not None else torch.zeros(1))
        self.register_load_state_dict_pre_hook(_size_before_load)

    @property
    def shape(self) -> torch.Size | None:
        return self.delay.shape if self.init else None

    @torch.no_grad()
    def clamp(self) -> None:
        """Clamp the delays to ``[0, max_delay]`` in place (called by every forward)."""
        self.delay.clamp_(0, self.max_delay)

    def integer_delay(self) -> Tensor:
        """Applied delays in steps, ``trunc(clamp(delay) / sampling_time)``, for export (no mutation)."""
        limited = self.delay.detach().clamp(0, self.max_delay)
        return torch.trunc(limited / self.sampling_time)

    def forward(self, input: Tensor) -> Tensor:
        """``input`` ``(N, C, *spatial, T)`` shifted by each channel's (or neuron's) delay; same shape."""
        neurons = neuron_shape("Delay", input, None)
        expected = neurons if self.per_neuron else neurons[:1]
        if not self.init:
            with torch.no_grad(), torch.inference_mode(False):  # shaped under inference mode: still trainable
                value = (
                    torch.rand(expected) if self._init_delay is None else torch.full(expected, float(self._init_delay))
                )
                self.delay.data = value.to(device=input.device, dtype=self.delay.dtype)
            self.init = True
        if self.delay.shape != expected:
            kind = "neuron shape" if self.per_neuron else "channel count"
            raise ValueError(
                f"Delay holds delays of shape {tuple(self.delay.shape)} but the input's {kind} is {tuple(expected)} "
                f"(input shape {tuple(input.shape)})"
            )
        self.clamp()
        spatial = input.dim() - 3
        delays = self.delay if self.per_neuron else self.delay.reshape(-1, *([1] * spatial)).expand(input.shape[1:-1])
        return _LearnableShift.apply(input, delays, self.grad_scale, self.sampling_time)

    def extra_repr(self) -> str:
        granularity = "per_neuron" if self.per_neuron else "per_channel"
        return f"{granularity}, sampling_time={self.sampling_time}, max_delay={self.max_delay}, shape={self.shape}"


def _size_before_load(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors) -> None:
    key = prefix + "delay"
    if key in state_dict and not module.init:
        module.delay.data = torch.empty_like(state_dict[key], device=module.delay.device)
        module.init = True
