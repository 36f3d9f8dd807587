"""Delta encoder: send the change of a signal once it reaches a threshold, carry the rest."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core import arguments
from slayer.core.backends import as_series, kernel_or_reference
from slayer.core.dynamics import validation_enabled
from slayer.synapse._layout import neuron_shape


def _per_neuron(threshold: Tensor, neurons: int) -> Tensor:
    """The threshold for each of ``neurons`` (``M``) neurons: ``(M,)`` from a shared ``(1,)`` or a per-channel
    ``(C, 1, ...)`` parameter (neuron-major order: a channel's neurons are consecutive). Differentiable: the
    per-neuron gradient flows back summed to the parameter's shape."""
    return threshold.reshape(-1, 1).expand(threshold.numel(), neurons // threshold.numel()).reshape(neurons)


def _neuron_contiguous_like(x: Tensor) -> Tensor:
    """An empty ``(N, M, T)`` series in ``N T M`` storage, as the kernels return their series."""
    batch, neurons, steps = x.shape
    return x.new_empty((batch, steps, neurons)).permute(0, 2, 1)


# Custom ops (as the dynamics ops in slayer.core.dynamics._ops), so that torch.compile(fullgraph=True)
# traces a sigma-delta network through the encoder: a series (N, M, T), a per-neuron threshold (M,), states
# (N, M).
@torch.library.custom_op("slayer::delta_encode", mutates_args=())
def delta_encode_op(
    x: Tensor,
    threshold: Tensor,
    previous: Tensor,
    residual: Tensor,
    error: Tensor,
    step: float,
    tau_grad: float,
    scale_grad: float,
    cum_error: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(messages, delta, next_previous, next_residual, next_error)`` (``delta_forward``, docs/backends.md)."""
    return kernel_or_reference("delta_forward", x)(x, threshold, previous, residual, error, step, cum_error)


@delta_encode_op.register_fake
def _(x, threshold, previous, residual, error, step, tau_grad, scale_grad, cum_error):
    return (
        _neuron_contiguous_like(x),
        _neuron_contiguous_like(x),
        previous.new_empty(previous.shape),
        residual.new_empty(residual.shape),
        error.new_empty(error.shape),
    )


@torch.library.custom_op("slayer::delta_encode_backward", mutates_args=())
def delta_encode_backward_op(
    grad_output: Tensor,
    delta: Tensor,
    threshold: Tensor,
    tau_grad: float,
    scale_grad: float,
    input_grad: bool,
    threshold_grad: bool,
) -> tuple[Tensor, Tensor]:
    """``(grad_input, grad_threshold)`` (``delta_backward``, docs/backends.md)."""
    kernel = kernel_or_reference("delta_backward", delta)
    return kernel(grad_output, delta, threshold, tau_grad, scale_grad, input_grad, threshold_grad)


@delta_encode_backward_op.register_fake
def _(grad_output, delta, threshold, tau_grad, scale_grad, input_grad, threshold_grad):
    grad_input = _neuron_contiguous_like(delta) if input_grad else delta.new_empty(0)
    return grad_input, threshold.new_empty(threshold.shape) if threshold_grad else delta.new_empty(0)


def _delta_setup(ctx, inputs, output) -> None:
    _, threshold, _, _, _, _, tau_grad, scale_grad, _ = inputs
    ctx.save_for_backward(output[1], threshold)
    ctx.tau_grad, ctx.scale_grad = tau_grad, scale_grad


def _delta_backward(ctx, grad_output, *_):
    delta, threshold = ctx.saved_tensors
    if grad_output is None:
        grad_output = torch.zeros_like(delta)
    input_grad, threshold_grad = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
    grad_input, grad_threshold = delta_encode_backward_op(
        grad_output.to(delta.dtype), delta, threshold, ctx.tau_grad, ctx.scale_grad, input_grad, threshold_grad
    )
    return (
        grad_input if input_grad else None,
        grad_threshold if threshold_grad else None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )


delta_encode_op.register_autograd(_delta_backward, setup_context=_delta_setup)


def _encode(x, threshold, previous, residual, error, scale, tau_grad, scale_grad, cum_error):
    """Messages ``(N, *S, T)`` and the states after the last step, for ``x`` ``(N, *S, T)``."""
    series = as_series(x)
    batch, neurons = series.shape[:2]
    per_neuron = _per_neuron(threshold, neurons).to(x.dtype)
    planes = [state.reshape(batch, neurons) for state in (previous, residual, error)]
    output, _, previous, residual, error = delta_encode_op(
        series, per_neuron, *planes, 1 / scale, float(tau_grad), float(scale_grad), bool(cum_error)
    )
    state_shape = x.shape[:-1]
    return (
        output.reshape(x.shape),
        previous.reshape(state_shape),
        residual.reshape(state_shape),
        error.reshape(state_shape),
    )


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

    Input/output ``(N, C, *spatial, T)``, time last, the output laid out like the input. The recursion
    runs in the backend kernels ``delta_forward``/``delta_backward``: C++ on CPU (cpu backend), a
    Python loop over time (vectorised over neurons) elsewhere.
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
        output, previous, residual, error = _encode(
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
