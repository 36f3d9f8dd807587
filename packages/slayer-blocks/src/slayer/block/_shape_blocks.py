"""Blocks without a neuron that only reshape: Flatten, Average (population mean), TimeDecimation."""

from __future__ import annotations

import math
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from ._block import Block
from ._hdf5_fields import LayerReader, write_int


class Flatten(Block):
    """``Flatten(count_log=False)``: ``(N, C, H, W, T) -> (N, C*H*W, T)`` (any ``(N, *S, T)``).

    >>> import torch, slayer
    >>> slayer.block.Flatten()(torch.ones(2, 3, 4, 4, 20)).shape  # (N, C, H, W, T) -> (N, C*H*W, T)
    torch.Size([2, 48, 20])
    """

    name = "Flatten"
    hdf5_type = "flatten"
    needs_neuron = False

    def __init__(self, count_log: bool = False) -> None:
        super().__init__()
        self._arguments = dict(count_log=count_log)
        self.count_log = bool(count_log)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, None]:
        if not isinstance(input, Tensor) or input.dim() < 3:
            raise ValueError(f"Flatten: expected a tensor (N, *S, T), received {getattr(input, 'shape', input)!r}")
        output = input.reshape(input.shape[0], math.prod(input.shape[1:-1]), input.shape[-1])  # N or T may be 0
        self._output_shape = (output.shape[1],)
        return self._logged(output, False)

    def _export_shape(self) -> tuple[int, ...]:
        return (*super()._export_shape(), 1, 1)  # lava-dl writes [C*H*W, 1, 1]

    def _load_hdf5(self, reader: LayerReader) -> None:
        super()._load_hdf5(reader)
        if self._output_shape is not None:
            self._output_shape = self._output_shape[:1]


class Average(Block):
    """``Average(num_outputs, count_log=False)``: the mean of each of ``num_outputs`` equal populations,
    ``(N, num_outputs * P, T) -> (N, num_outputs, T)`` (any ``(N, *S, T)`` with ``prod(S)`` divisible).

    >>> import torch, slayer
    >>> slayer.block.Average(num_outputs=2)(torch.ones(2, 6, 20)).shape  # mean of groups of neurons
    torch.Size([2, 2, 20])
    """

    name = "Average"
    hdf5_type = "average"
    needs_neuron = False

    def __init__(self, num_outputs: int, count_log: bool = False) -> None:
        super().__init__()
        if not isinstance(num_outputs, int) or num_outputs < 1:
            raise ValueError(f"Average: num_outputs must be a positive int, received {num_outputs!r}")
        self.num_outputs = num_outputs
        self._arguments = dict(num_outputs=num_outputs, count_log=count_log)
        self.count_log = bool(count_log)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, None]:
        neurons = math.prod(input.shape[1:-1]) if isinstance(input, Tensor) and input.dim() >= 3 else None
        if neurons is None or neurons % self.num_outputs:
            raise ValueError(
                f"Average({self.num_outputs}): expected (N, *S, T) with prod(S) divisible by {self.num_outputs}, "
                f"received {getattr(input, 'shape', input)!r}"
            )
        shape = (input.shape[0], self.num_outputs, neurons // self.num_outputs, input.shape[-1])
        output = input.reshape(shape).mean(dim=2)
        self._output_shape = (self.num_outputs,)
        return self._logged(output, False)

    def _export_shape(self) -> tuple[int, ...]:
        return (self.num_outputs, 1, 1)

    def _load_hdf5(self, reader: LayerReader) -> None:
        self._output_shape = (self.num_outputs,)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {"num_outputs": int(reader.array("shape", (None,), integer=True)[0])}

    def extra_repr(self) -> str:
        return f"num_outputs={self.num_outputs}" + (", " + super().extra_repr() if super().extra_repr() else "")


class TimeDecimation(Block):
    """``TimeDecimation(factor, count_log=False)``: average each window of ``factor`` steps (a power of two),
    zero-padding ``T`` to a multiple of it: ``(N, *S, T) -> (N, *S, ceil(T / factor))``.

    >>> import torch, slayer
    >>> slayer.block.TimeDecimation(factor=4)(torch.ones(2, 6, 20)).shape
    torch.Size([2, 6, 5])
    """

    name = "TimeDecimation"
    hdf5_type = "decimation"  # not a netx layer type (netx has none): written for slayer's own loader
    needs_neuron = False

    def __init__(self, factor: int, count_log: bool = False) -> None:
        super().__init__()
        if not isinstance(factor, int) or factor < 1 or factor & (factor - 1):
            raise ValueError(f"TimeDecimation: factor must be a positive power of two, received {factor!r}")
        self.factor = factor
        self._arguments = dict(factor=factor, count_log=count_log)
        self.count_log = bool(count_log)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, None]:
        if not isinstance(input, Tensor) or input.dim() < 3:
            raise ValueError(f"TimeDecimation: expected (N, *S, T), received {getattr(input, 'shape', input)!r}")
        steps = input.shape[-1]
        padded = F.pad(input, (0, -steps % self.factor))
        output = padded.reshape(*input.shape[:-1], padded.shape[-1] // self.factor, self.factor).mean(dim=-1)
        self._output_shape = tuple(input.shape[1:-1])
        return self._logged(output, False)

    def _write_hdf5(self, handle: Any) -> None:
        write_int(handle, "factor", self.factor)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {"factor": reader.integer("factor")}

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


__all__ = ["Average", "Flatten", "TimeDecimation"]
