"""Delta encoder: send the change of a signal once it reaches a threshold, carry the rest."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core import arguments
from slayer.core.dynamics import validation_enabled
from slayer.synapse._layout import neuron_shape
from slayer.utils.quantization import MODE, quantize


def _encode(x, threshold, previous, residual, error, cum_error):
    """The thresholding recursion, looped over time only (vectorised over neurons).

    ``x``: ``(N, *neurons, T)``. Returns messages ``y`` as an ``(N, T, *neurons)`` stack,
    differences ``delta`` as a ``(T, N, *neurons)`` stack, and the final (previous, residual, error) states.
    """
    messages, deltas = [], []
    for t in range(x.shape[-1]):
        current = x[..., t]
        delta = (current - previous) + residual
        if cum_error:
            error = error + delta
            send = ~(error.abs() < threshold)  # NaN is sent: it poisons its neuron instead of vanishing
            error = torch.where(send, torch.zeros_like(error), error)
        else:
            send = ~(delta.abs() < threshold)
        message = torch.where(send, delta, torch.zeros_like(delta))
        residual = delta - message
        previous = current
        messages.append(message)
        deltas.append(delta)
    return torch.stack(messages, dim=1), torch.stack(deltas), previous, residual, error


class _DeltaEncode(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, threshold, previous, residual, error, scale, tau_grad, scale_grad, cum_error):
        messages, deltas, previous, residual, error = _encode(x, threshold, previous, residual, error, cum_error)
        ctx.save_for_backward(deltas, threshold)
        ctx.tau_grad, ctx.scale_grad = tau_grad, scale_grad
        # messages leave quantised to 1/scale (floor); the residual keeps the unquantised value
        output = quantize(messages, step=1 / scale, mode=MODE.FLOOR).movedim(1, -1)
        return output, previous.clone(), residual, error.clone()

    @staticmethod
    def backward(ctx, grad_output, *_):
        deltas, threshold = ctx.saved_tensors
        grad = grad_output.movedim(-1, 0)  # (T, N, *neurons)
        grad_input = None
        if ctx.needs_input_grad[0]:  # adjoint of differencing: g_x[t] = g_y[t] - g_y[t+1]
            grad_input = grad.clone()
            grad_input[:-1] -= grad[1:]
            grad_input = grad_input.movedim(0, -1)
        grad_threshold = None
        if ctx.needs_input_grad[1]:
            excess = deltas.abs() - threshold
            surrogate = -deltas * ctx.scale_grad * torch.exp(-excess.abs() / ctx.tau_grad) / threshold
            per_element = torch.where(excess > 0, surrogate, -torch.sign(deltas)) * grad
            if threshold.numel() == 1:
                grad_threshold = per_element.sum().reshape(threshold.shape)
            else:  # per channel: (T, N, C, ...) summed to (C,), then to the threshold's (C, 1, ...)
                grad_threshold = per_element.transpose(0, 2).reshape(threshold.shape[0], -1).sum(1)
                grad_threshold = grad_threshold.reshape(threshold.shape)
        return grad_input, grad_threshold, None, None, None, None, None, None, None


class Delta(torch.nn.Module):
    """Delta encoder (lava-dl ``slayer.axon.Delta``), the axon of sigma-delta neurons.

    For each neuron, with ``x[-1]`` = ``pre_state`` and ``r[-1]`` = ``residual_state`` (zeros
    unless ``persistent_state``)::

        delta[t] = x[t] - x[t-1] + r[t-1]
        y[t]     = delta[t] if |delta[t]| >= threshold else 0
        r[t]     = delta[t] - y[t]                # what was not sent is carried
        out[t]   = floor(y[t] * scale) / scale    # messages quantised to 1/scale

    With ``cum_error`` an error ``e += delta[t]`` is accumulated, the test is ``|e| >= threshold``
    and ``e`` resets where a message is sent. A NaN input is sent (NaN from its step on, in its neuron
    only); under ``SLAYER_VALIDATE`` a non-finite input raises. ``threshold >= 0``, ``scale > 0`` and
    ``tau_grad > 0`` (finite), else a ValueError naming the argument.

    * ``threshold``: learnable (``requires_grad``) parameter, clamped to ``>= 1/scale``; shared
      (1 element) or, with ``shared_param=False``, per channel ``(C, 1, ...)`` from the first forward.
    * gradients: input ``g_x[t] = g_y[t] - g_y[t+1]`` (straight through the thresholding, so
      Sigma∘Delta has identity gradient); threshold as lava-dl (``tau_grad``, ``scale_grad``).

    Input/output ``(N, C, *spatial, T)``, time last; the output is a time-last view of
    ``(N, T, ...)`` memory. The recursion loops over time (vectorised over neurons).
    """

    pre_state: Tensor | None
    residual_state: Tensor | None
    error_state: Tensor | None

    def __init__(
        self,
        threshold: float,
        scale: float = 1 << 6,
        tau_grad: float = 1,
        scale_grad: float = 1,
        cum_error: bool = False,
        shared_param: bool = True,
        persistent_state: bool = False,
        requires_grad: bool = False,
    ) -> None:
        super().__init__()
        threshold = arguments.in_range("Delta", "threshold", threshold, 0, None)
        scale = arguments.positive("Delta", "scale", scale)
        tau_grad = arguments.positive("Delta", "tau_grad", tau_grad)
        scale_grad = arguments.finite("Delta", "scale_grad", scale_grad)
        self.scale, self.tau_grad, self.scale_grad = scale, tau_grad, scale_grad
        self.cum_error, self.shared_param, self.persistent_state = cum_error, shared_param, persistent_state
        self.threshold = torch.nn.Parameter(torch.tensor([float(threshold)]), requires_grad=requires_grad)
        self.shape: torch.Size | None = None
        for name in ("pre_state", "residual_state", "error_state"):
            self.register_buffer(name, None, persistent=False)
        self.register_load_state_dict_pre_hook(_size_threshold_before_load)

    @torch.no_grad()
    def clamp(self) -> None:
        """Keep the threshold at or above one message step ``1/scale``."""
        self.threshold.clamp_(min=1 / self.scale)

    def reset_state(self) -> None:
        """Forget the persistent states (the next forward starts from zeros)."""
        self.pre_state = self.residual_state = self.error_state = None

    def _identify_shape(self, input: Tensor) -> None:
        first_call = self.shape is None
        self.shape = neuron_shape("Delta", input, self.shape)
        if first_call and not self.shared_param and self.threshold.numel() == 1:
            with torch.inference_mode(False):  # shaped under inference mode, the parameter must stay trainable
                per_channel = self.threshold.detach().expand(self.shape[0]).clone()
                self.threshold.data = per_channel.reshape(-1, *([1] * (len(self.shape) - 1))).to(input.device)

    def _state(self, name: str, input: Tensor) -> Tensor:
        state = getattr(self, name)
        if not self.persistent_state or state is None or state.shape != input.shape[:-1]:
            return torch.zeros_like(input[..., 0])  # lava-dl also restarts when the batch size changes
        if state.is_inference() and not torch.is_inference_mode_enabled():
            state = state.clone()  # stored under torch.inference_mode, now used with autograd
        return state.to(input.dtype)

    def forward(self, input: Tensor) -> Tensor:
        """Delta messages ``(N, *S, T)`` (multiples of ``1/scale``) for a signal ``(N, *S, T)``."""
        self._identify_shape(input)
        if validation_enabled():
            arguments.finite_values("Delta", "input", input)
        if input.shape[-1] == 0:  # no time step: nothing to send, the states stay (clone: keeps the graph)
            return input.clone()
        self.clamp()
        output, previous, residual, error = _DeltaEncode.apply(
            input,
            self.threshold,
            self._state("pre_state", input),
            self._state("residual_state", input),
            self._state("error_state", input),
            self.scale,
            self.tau_grad,
            self.scale_grad,
            self.cum_error,
        )
        if self.persistent_state:
            self.pre_state, self.residual_state = previous.detach(), residual.detach()
            self.error_state = error.detach()
        return output

    def extra_repr(self) -> str:
        return (
            f"threshold={self.threshold.detach().flatten()[:4].tolist()}, scale={self.scale}, "
            f"cum_error={self.cum_error}, persistent_state={self.persistent_state}, shape={self.shape}"
        )


def _size_threshold_before_load(
    module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
) -> None:
    """Before the first forward a per-channel threshold is a placeholder: take the checkpoint's shape
    (the first forward keeps a loaded per-channel threshold)."""
    value = state_dict.get(prefix + "threshold")
    if module.shape is None and isinstance(value, Tensor) and value.shape != module.threshold.shape:
        module.threshold.data = torch.empty_like(value, device=module.threshold.device)
