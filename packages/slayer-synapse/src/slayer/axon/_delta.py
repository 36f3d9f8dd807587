"""Delta encoder: send the change of a signal once it reaches a threshold, carry the rest."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from slayer.core.backends import BackendSelectionError, select_kernel
from slayer.core.backends import reference as reference_backend
from slayer.synapse._layout import neuron_shape


def _per_neuron(threshold: Tensor, neurons: int) -> Tensor:
    """The threshold for each of ``neurons`` (``M``) neurons: ``(M,)`` from a shared ``(1,)`` or a per-channel
    ``(C, 1, ...)`` parameter (neuron-major order: a channel's neurons are consecutive)."""
    return threshold.reshape(-1, 1).expand(threshold.numel(), neurons // threshold.numel()).reshape(neurons)


def _kernel(op: str, x: Tensor):
    """The selected backend's delta kernel for ``x``; the reference one for dtypes other than float32/float64
    (the kernels' contract) and when ``SLAYER_BACKEND`` names a backend without it (the gpu backend has none
    yet): a dynamics backend choice must not break sigma-delta neurons."""
    if x.dtype not in (torch.float32, torch.float64):
        return reference_backend.KERNELS[op]
    try:
        return select_kernel(op, x.device.type)
    except BackendSelectionError:
        return reference_backend.KERNELS[op]


class _DeltaEncode(torch.autograd.Function):
    """The encoder through the backend kernels ``delta_forward``/``delta_backward`` (docs/backends.md): C++ on
    CPU when the cpu backend is built, the reference (a Python loop over time) elsewhere."""

    @staticmethod
    def forward(ctx, x, threshold, previous, residual, error, scale, tau_grad, scale_grad, cum_error):
        batch, steps = x.shape[0], x.shape[-1]
        series = x.reshape(batch, -1, steps)  # (N, M, T): a view for time-last and neuron-contiguous layouts
        neurons = series.shape[1]
        per_neuron = _per_neuron(threshold.detach(), neurons).to(x.dtype).contiguous()
        planes = [state.reshape(batch, neurons) for state in (previous, residual, error)]
        forward_kernel = _kernel("delta_forward", x)
        output, deltas, previous, residual, error = forward_kernel(
            series, per_neuron, *planes, 1 / scale, bool(cum_error)
        )
        ctx.save_for_backward(deltas, per_neuron, threshold)
        ctx.tau_grad, ctx.scale_grad, ctx.input_shape = tau_grad, scale_grad, x.shape
        state_shape = x.shape[:-1]
        return (
            output.reshape(x.shape),
            previous.reshape(state_shape),
            residual.reshape(state_shape),
            error.reshape(state_shape),
        )

    @staticmethod
    def backward(ctx, grad_output, *_):
        deltas, per_neuron, threshold = ctx.saved_tensors
        grad = grad_output.reshape(deltas.shape)
        backward_kernel = _kernel("delta_backward", deltas)
        grad_input, grad_neurons = backward_kernel(
            grad.to(deltas.dtype),
            deltas,
            per_neuron,
            float(ctx.tau_grad),
            float(ctx.scale_grad),
            ctx.needs_input_grad[0],
            ctx.needs_input_grad[1],
        )
        grad_threshold = None
        if ctx.needs_input_grad[1]:  # per neuron -> the parameter's shape (shared: one sum; per channel: C sums)
            grad_threshold = grad_neurons.reshape(threshold.numel(), -1).sum(1).reshape(threshold.shape)
            grad_threshold = grad_threshold.to(threshold.dtype)
        grad_input = grad_input.reshape(ctx.input_shape) if ctx.needs_input_grad[0] else None
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
    and ``e`` resets where a message is sent.

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
        if not math.isfinite(threshold) or threshold < 0:
            raise ValueError(f"Delta: threshold must be finite and >= 0, received {threshold!r}")
        if scale <= 0:
            raise ValueError(f"Delta: scale must be positive, received {scale!r}")
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
            per_channel = self.threshold.detach().expand(self.shape[0]).clone()
            self.threshold.data = per_channel.reshape(-1, *([1] * (len(self.shape) - 1))).to(input.device)

    def _state(self, name: str, input: Tensor) -> Tensor:
        state = getattr(self, name)
        if not self.persistent_state or state is None or state.shape != input.shape[:-1]:
            return torch.zeros_like(input[..., 0])  # lava-dl also restarts when the batch size changes
        return state.to(input.dtype)

    def forward(self, input: Tensor) -> Tensor:
        """Delta messages ``(N, *S, T)`` (multiples of ``1/scale``) for a signal ``(N, *S, T)``."""
        self._identify_shape(input)
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
