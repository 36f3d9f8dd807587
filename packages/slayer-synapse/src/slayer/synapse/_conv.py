"""2-D convolution and transposed convolution synapses, applied to every time step at once."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ._base import PreHook, SynapseBase, default_weight
from ._layout import check_input, conv2d_arguments, conv_geometry, fold_time, geometry_repr, unfold_time


class _SpatialSynapse(SynapseBase):
    """Shared arguments of :class:`Conv` and :class:`ConvTranspose` (lava-dl's ``Conv3d`` attributes kept)."""

    transposed = False

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: PreHook | None = None,
        mask: Tensor | None = None,
    ) -> None:
        layer = type(self).__name__
        if in_features < 1 or out_features < 1 or groups < 1 or in_features % groups or out_features % groups:
            raise ValueError(
                f"{layer} needs positive in/out features divisible by groups, received in_features={in_features}, "
                f"out_features={out_features}, groups={groups}"
            )
        self.in_channels, self.out_channels, self.groups = in_features, out_features, groups
        self.kernel_size, self.stride, self.padding, self.dilation = conv_geometry(
            layer, kernel_size, stride, padding, dilation
        )
        kh, kw = self.kernel_size[:2]
        if self.transposed:
            shape = (in_features, out_features // groups, kh, kw, 1)
        else:
            shape = (out_features, in_features // groups, kh, kw, 1)
        super().__init__(default_weight(shape, weight_scale), weight_norm, pre_hook_fx, mask)

    def extra_repr(self) -> str:
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        head = f"{self.in_channels}, {self.out_channels}, {geometry_repr(self)}{groups}"
        return f"{head}, {super().extra_repr()}"

    def _check(self, input: Tensor) -> None:
        check_input(input, (5,), type(self).__name__, self.in_channels, "(N, C, H, W, T)")


class Conv(_SpatialSynapse):
    """Convolution over ``(H, W)`` at every time step (``Conv3d`` with a time kernel of 1 in lava-dl).

    Arguments as lava-dl's (``kernel_size/stride/padding/dilation``: int or ``(height, width)``).
    Weight ``(out, in/groups, kH, kW, 1)``. Input ``(N, in, H, W, T)`` → output
    ``(N, out, H', W', T)``, a view of ``(N, T, out, H', W')`` memory; computed as one
    ``conv2d`` over the ``N*T`` images.

    >>> import torch, slayer
    >>> conv = slayer.synapse.Conv(in_features=2, out_features=4, kernel_size=3, padding=1)
    >>> conv(torch.ones(1, 2, 8, 8, 5)).shape  # (N, C, H, W, T) -> (N, out, H, W, T)
    torch.Size([1, 4, 8, 8, 5])
    """

    name = "conv"

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        weight = self.effective_weight()[..., 0]
        return unfold_time(F.conv2d(fold_time(input), weight, **conv2d_arguments(self, self.groups)), input)


class ConvTranspose(_SpatialSynapse):
    """Transposed convolution over ``(H, W)`` at every time step (output padding 0).

    Weight ``(in, out/groups, kH, kW, 1)``. Input ``(N, in, H, W, T)`` → output
    ``(N, out, H', W', T)`` with ``H' = (H-1)*stride - 2*padding + dilation*(kH-1) + 1``,
    a view of ``(N, T, out, H', W')`` memory.

    >>> import torch, slayer
    >>> up = slayer.synapse.ConvTranspose(in_features=4, out_features=2, kernel_size=2, stride=2)
    >>> up(torch.ones(1, 4, 4, 4, 5)).shape
    torch.Size([1, 2, 8, 8, 5])
    """

    name = "conv_transpose"
    transposed = True

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        weight = self.effective_weight()[..., 0]
        return unfold_time(F.conv_transpose2d(fold_time(input), weight, **conv2d_arguments(self, self.groups)), input)
