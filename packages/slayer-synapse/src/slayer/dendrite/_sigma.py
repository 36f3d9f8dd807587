"""Sigma decoder: the running sum of delta messages."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.synapse._layout import neuron_shape


class Sigma(torch.nn.Module):
    """Sigma dendrite (lava-dl ``slayer.dendrite.Sigma``): ``y[t] = s + sum_{k<=t} x[k]``.

    ``s`` is the persistent ``pre_state`` (the last output of the previous call) when
    ``persistent_state`` is set, else 0. The sum continues from ``s`` exactly as one long
    ``cumsum`` would, so chunked runs equal one long run. Input/output ``(N, C, *spatial, T)``.
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
        if self.persistent_state and state is not None and state.shape == input.shape[:-1]:
            # prepend the carried sum so the additions happen in the order of one long cumsum
            output = torch.cumsum(torch.cat([state.to(input.dtype).unsqueeze(-1), input], dim=-1), dim=-1)[..., 1:]
        else:
            output = torch.cumsum(input, dim=-1)
        if self.persistent_state and input.shape[-1]:  # an empty time axis leaves the sum where it was
            self.pre_state = output[..., -1].detach().clone()
        return output

    def extra_repr(self) -> str:
        return f"persistent_state={self.persistent_state}, shape={self.shape}"
