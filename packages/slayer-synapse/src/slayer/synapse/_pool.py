"""Sum pooling and its transpose, one fixed filter shared by every channel."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._base import PreHook, SynapseBase
from ._layout import check_input, conv2d_arguments, conv_geometry, fold_time, geometry_repr, unfold_time


class _PoolBase(SynapseBase):
    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: PreHook | None = None,
        mask: Tensor | None = None,
    ) -> None:
        self.in_channels = self.out_channels = 1  # lava-dl: one filter (a Conv3d(1, 1)) shared by all channels
        self.kernel_size, self.stride, self.padding, self.dilation = conv_geometry(
            type(self).__name__, kernel_size, kernel_size if stride is None else stride, padding, dilation
        )
        kh, kw = self.kernel_size[:2]
        weight = torch.full((1, 1, kh, kw, 1), float(weight_scale))
        super().__init__(weight, weight_norm, pre_hook_fx, mask, requires_grad=False)

    def extra_repr(self) -> str:
        return f"{geometry_repr(self)}, {super().extra_repr()}"

    def _filter(self, channels: int) -> Tensor:
        """The shared ``(kH, kW)`` filter repeated for a depthwise (per-channel) convolution."""
        return self.effective_weight()[..., 0].expand(channels, 1, -1, -1)


class Pool(_PoolBase):
    """Sum pooling: each output is ``sum`` of filter ``*`` window, per channel (filter = ``weight_scale``).

    ``stride`` defaults to ``kernel_size``. As in lava-dl, an input whose height (width) is not a
    multiple of the kernel is zero-padded at the end by ``H % kH`` rows (``W % kW`` columns)
    before pooling. Unlike lava-dl, windows never straddle two channels (lava-dl folds channels
    into the height axis, which mixes channels when ``stride != kernel`` or padding is used).

    Input ``(N, C, H, W, T)`` → output ``(N, C, H', W', T)``, a view of ``(N, T, C, H', W')`` memory.
    Weight: non-learnable ``(1, 1, kH, kW, 1)``.

    >>> import torch, slayer
    >>> pool = slayer.synapse.Pool(kernel_size=2)  # sum pooling, stride = kernel
    >>> y = pool(torch.ones(1, 3, 4, 4, 5))
    >>> y.shape, y[0, 0, 0, 0, 0].item()  # each output sums a 2 x 2 window of its own channel
    (torch.Size([1, 3, 2, 2, 5]), 4.0)
    """

    name = "pool"

    def forward(self, input: Tensor) -> Tensor:
        check_input(input, (5,), "Pool", None, "(N, C, H, W, T)")
        kh, kw = self.kernel_size[:2]
        extra_h, extra_w = input.shape[2] % kh, input.shape[3] % kw
        images = fold_time(input)
        if extra_h or extra_w:
            images = F.pad(images, (0, extra_w, 0, extra_h))
        channels = input.shape[1]
        return unfold_time(F.conv2d(images, self._filter(channels), **conv2d_arguments(self, channels)), input)


class Unpool(_PoolBase):
    """Transpose of :class:`Pool`: every input value is spread over a window weighted by the filter.

    Input ``(N, C, H, W, T)`` → output ``(N, C, H', W', T)`` with
    ``H' = (H-1)*stride - 2*padding + dilation*(kH-1) + 1``, per channel.

    >>> import torch, slayer
    >>> unpool = slayer.synapse.Unpool(kernel_size=2)
    >>> unpool(torch.ones(1, 3, 2, 2, 5)).shape
    torch.Size([1, 3, 4, 4, 5])
    """

    name = "unpool"

    def forward(self, input: Tensor) -> Tensor:
        check_input(input, (5,), "Unpool", None, "(N, C, H, W, T)")
        channels = input.shape[1]
        images = F.conv_transpose2d(fold_time(input), self._filter(channels), **conv2d_arguments(self, channels))
        return unfold_time(images, input)
