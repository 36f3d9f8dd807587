"""Dense (fully connected) synapse: one matmul over ``(N*T, C)``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._base import PreHook, SynapseBase, default_weight
from ._layout import check_input, time_major


def _kernel(in_neurons: int | tuple[int, ...]) -> tuple[int, int, int]:
    """(channels, height, width) of the weight for lava-dl's ``in_neurons`` forms."""
    if isinstance(in_neurons, int):
        return in_neurons, 1, 1
    dims = tuple(int(d) for d in in_neurons)
    if len(dims) == 2:  # (x, y): one channel, kernel (y, x)
        return 1, dims[1], dims[0]
    if len(dims) == 3:  # (x, y, c)
        return dims[2], dims[1], dims[0]
    raise ValueError(f"Dense in_neurons must be an int, (x, y) or (x, y, c), received {in_neurons!r}")


class Dense(SynapseBase):
    """Fully connected synapse ``y[n, o, t] = sum_i W[o, i] x[n, i, t]``, weights shared over time.

    * ``in_neurons``: ``int`` (input ``(N, in, T)``; a 5-D input ``(N, in, H, W, T)`` is
      connected per pixel, giving ``(N, out, H, W, T)``), or lava-dl's ``(x, y)`` / ``(x, y, c)``
      for an un-flattened ``(N, c, y, x, T)`` map, giving ``(N, out, 1, 1, T)``.
    * ``out_neurons``: ``int``.
    * ``weight_scale``: multiplies PyTorch's default initialisation.
    * ``weight_norm``, ``pre_hook_fx``, ``mask``: see :class:`SynapseBase`; ``mask`` is
      ``(out, in)`` (or the full weight shape).

    Weight: ``(out, c, y, x, 1)`` (lava-dl's layout). Output: a time-last view of ``(N, T, out)``
    memory (neuron-contiguous), computed as one ``(N*T, c*y*x) @ (c*y*x, out)`` matmul.

    >>> import torch, slayer
    >>> dense = slayer.synapse.Dense(in_neurons=3, out_neurons=2)
    >>> dense.weight.shape  # lava-dl's Conv3d layout (out, in, 1, 1, 1)
    torch.Size([2, 3, 1, 1, 1])
    >>> dense(torch.ones(4, 3, 10)).shape  # (N, in, T) -> (N, out, T)
    torch.Size([4, 2, 10])
    """

    name = "dense"

    def __init__(
        self,
        in_neurons: int | tuple[int, ...],
        out_neurons: int,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: PreHook | None = None,
        mask: Tensor | None = None,
    ) -> None:
        channels, height, width = _kernel(in_neurons)
        if not isinstance(out_neurons, int) or out_neurons < 1 or min(channels, height, width) < 1:
            raise ValueError(
                f"Dense needs positive sizes, received in_neurons={in_neurons!r}, out_neurons={out_neurons!r}"
            )
        self.in_neurons = in_neurons
        self.in_channels = channels
        self.out_channels = out_neurons
        self.kernel_size = (height, width, 1)
        super().__init__(
            default_weight((out_neurons, channels, height, width, 1), weight_scale), weight_norm, pre_hook_fx, mask
        )

    def extra_repr(self) -> str:
        return f"{self.in_neurons!r}, {self.out_channels}, {super().extra_repr()}"

    def forward(self, input: Tensor) -> Tensor:
        """``(N, in, T)`` → ``(N, out, T)``; see the class docstring for the 5-D forms."""
        weight = self.effective_weight().reshape(self.out_channels, -1)  # (out, c*y*x)
        if isinstance(self.in_neurons, int):
            check_input(input, (3, 5), "Dense", self.in_channels, "(N, C, T) or (N, C, H, W, T)")
            if input.dim() == 3:
                return F.linear(time_major(input), weight).transpose(1, 2)
            n, c, h, w, t = input.shape
            pixels = time_major(input).reshape(n, t, c, h * w)
            out = torch.matmul(weight, pixels)  # (N, T, out, H*W)
            return out.view(n, t, self.out_channels, h, w).permute(0, 2, 3, 4, 1)
        expected = (self.in_channels, self.kernel_size[0], self.kernel_size[1])
        check_input(input, (5,), "Dense", None, f"(N, {expected[0]}, {expected[1]}, {expected[2]}, T)")
        if tuple(input.shape[1:4]) != expected:
            raise ValueError(
                f"Dense(in_neurons={self.in_neurons!r}) expects input (N, {expected[0]}, {expected[1]}, "
                f"{expected[2]}, T), received shape {tuple(input.shape)}"
            )
        n, t = input.shape[0], input.shape[-1]
        flat = time_major(input).reshape(n, t, -1)
        return F.linear(flat, weight).transpose(1, 2).unsqueeze(2).unsqueeze(3)
