"""Sum pooling and its transpose, one fixed filter shared by every channel."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._base import PreHook, SynapseBase
from ._layout import check_input, fold_time, pair, unfold_time


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
        layer = type(self).__name__
        kh, kw = pair(kernel_size, f"{layer} kernel_size")
        sh, sw = pair(kernel_size if stride is None else stride, f"{layer} stride")
        ph, pw = pair(padding, f"{layer} padding")
        dh, dw = pair(dilation, f"{layer} dilation")
        if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
            raise ValueError(f"{layer} needs positive kernel/stride/dilation and padding >= 0, received {kernel_size=}")
        self.in_channels = self.out_channels = 1  # lava-dl: one filter (a Conv3d(1, 1)) shared by all channels
        self.kernel_size, self.stride = (kh, kw, 1), (sh, sw, 1)
        self.padding, self.dilation = (ph, pw, 0), (dh, dw, 1)
        weight = torch.full((1, 1, kh, kw, 1), float(weight_scale))
        super().__init__(weight, weight_norm, pre_hook_fx, mask, requires_grad=False)

    def _filter(self, channels: int) -> Tensor:
        """The shared ``(kH, kW)`` filter repeated for a depthwise (per-channel) convolution."""
        return self.effective_weight()[..., 0].expand(channels, 1, -1, -1)

    def _args(self, channels: int) -> dict:
        return {
            "stride": self.stride[:2],
            "padding": self.padding[:2],
            "dilation": self.dilation[:2],
            "groups": channels,
        }


class Pool(_PoolBase):
    """Sum pooling: each output is ``sum`` of filter ``*`` window, per channel (filter = ``weight_scale``).

    ``stride`` defaults to ``kernel_size``. As in lava-dl, an input whose height (width) is not a
    multiple of the kernel is zero-padded at the end by ``H % kH`` rows (``W % kW`` columns)
    before pooling. Unlike lava-dl, windows never straddle two channels (lava-dl folds channels
    into the height axis, which mixes channels when ``stride != kernel`` or padding is used).

    Input ``(N, C, H, W, T)`` → output ``(N, C, H', W', T)``, a view of ``(N, T, C, H', W')`` memory.
    Weight: non-learnable ``(1, 1, kH, kW, 1)``.
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
        return unfold_time(F.conv2d(images, self._filter(channels), **self._args(channels)), input.shape[0])


class Unpool(_PoolBase):
    """Transpose of :class:`Pool`: every input value is spread over a window weighted by the filter.

    Input ``(N, C, H, W, T)`` → output ``(N, C, H', W', T)`` with
    ``H' = (H-1)*stride - 2*padding + dilation*(kH-1) + 1``, per channel.
    """

    name = "unpool"

    def forward(self, input: Tensor) -> Tensor:
        check_input(input, (5,), "Unpool", None, "(N, C, H, W, T)")
        channels = input.shape[1]
        images = F.conv_transpose2d(fold_time(input), self._filter(channels), **self._args(channels))
        return unfold_time(images, input.shape[0])
