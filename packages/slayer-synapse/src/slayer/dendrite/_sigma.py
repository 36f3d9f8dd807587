"""Sigma decoder: the running sum of delta messages."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.backends import as_series, kernel_or_reference
from slayer.synapse._layout import neuron_shape


# A custom op (as the delta encoder's), so that torch.compile traces a sigma-delta network through the sum.
@torch.library.custom_op("slayer::running_sum", mutates_args=())
def running_sum_op(x: Tensor, reverse: bool) -> Tensor:
    """``x`` ``(N, M, T)`` summed over time (``running_sum``, docs/backends.md), laid out like ``x``."""
    return kernel_or_reference("running_sum", x)(x, reverse)


@running_sum_op.register_fake
def _(x, reverse):
    return torch.empty_like(x)


def _running_sum_setup(ctx, inputs, output) -> None:
    ctx.reverse = inputs[1]


def _running_sum_backward(ctx, grad_output):
    return running_sum_op(grad_output, not ctx.reverse), None  # the adjoint of a running sum runs the other way


running_sum_op.register_autograd(_running_sum_backward, setup_context=_running_sum_setup)


def _cumsum(x: Tensor) -> Tensor:
    """``torch.cumsum(x, -1)`` for ``(N, *S, T)`` through the ``running_sum`` kernel (one pass over time on the
    cpu backend, vectorised over neurons)."""
    if not x.is_floating_point():
        return torch.cumsum(x, dim=-1)  # integer messages: torch's promotion to int64, as before
    return running_sum_op(as_series(x), False).reshape(x.shape)


class Sigma(torch.nn.Module):
    """Sigma dendrite (lava-dl ``slayer.dendrite.Sigma``): ``y[t] = s + sum_{k<=t} x[k]``.

    ``s`` is the persistent ``pre_state`` (the last output of the previous call) when
    ``persistent_state`` is set, else 0. As in lava-dl, ``s`` is added after the chunk's own
    ``cumsum`` (bit-exact with lava-dl's persistent sigma). Chunked runs equal one long run bit for
    bit when every addition is exact, e.g. float32 messages on a ``2**-k`` grid whose running sums
    stay below ``2**(24 - k)`` in magnitude (docs/synapses.md). Input/output ``(N, C, *spatial, T)``.
    """

    pre_state: Tensor | None

    def __init__(self, persistent_state: bool = False) -> None:
        super().__init__()
        self.persistent_state = persistent_state
        self.shape: torch.Size | None = None
        self.register_buffer("pre_state", None, persistent=False)

    @property
    def device_params(self) -> dict:
        return {"type": "SDNN", "sigma_output": True}

    def reset_state(self) -> None:
        """Forget the persistent state (the next forward starts from zero)."""
        self.pre_state = None

    def forward(self, input: Tensor) -> Tensor:
        """Running sums ``(N, *S, T)`` of the messages ``input`` ``(N, *S, T)``."""
        self.shape = neuron_shape("Sigma", input, self.shape)
        state = self.pre_state
        output = _cumsum(input)
        if self.persistent_state and state is not None and state.shape == input.shape[:-1]:
            output = output + state.to(input.dtype).unsqueeze(-1)  # lava-dl's order: carried sum added last
        if self.persistent_state and input.shape[-1]:  # an empty time axis leaves the sum where it was
            self.pre_state = output[..., -1].detach().clone()
        return output

    def extra_repr(self) -> str:
        return f"persistent_state={self.persistent_state}, shape={self.shape}"
