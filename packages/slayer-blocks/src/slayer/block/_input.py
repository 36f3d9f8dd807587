"""The Input block: an optional affine transform of the raw input, then the neuron's input encoding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ._block import Block
from ._hdf5_fields import LayerReader, write_float, write_neuron


class Input(Block):
    """``Input(neuron_params=None, weight=None, bias=None, delay_shift=<model default>, count_log=False)``.

    With a neuron: ``z = q(x) * q(weight) + q(bias)`` (``q``: the neuron's 8-bit quantiser; ``weight`` and
    ``bias`` optional learnable scalars), then the neuron's :meth:`~slayer.core.Neuron.encode_input` (its
    spikes; sigma-delta: the delta encoding only; complex models receive ``(z, 0)``). Without a neuron the
    input passes through. Input ``(N, *S, T)``, output of the same shape.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Input(params)
    >>> block(torch.ones(2, 3, 20)).shape
    torch.Size([2, 3, 20])
    """

    name = "Input"
    hdf5_type = "input"

    def __init__(
        self,
        neuron_params: Mapping[str, Any] | None = None,
        weight: float | None = None,
        bias: float | None = None,
        delay_shift: bool | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        self._arguments = dict(weight=weight, bias=bias, count_log=count_log)
        self._build_neuron(neuron_params, optional=True)
        self.weight = None if weight is None else torch.nn.Parameter(torch.tensor([float(weight)]))
        self.bias = None if bias is None else torch.nn.Parameter(torch.tensor([float(bias)]))
        self._setup_output(False, delay_shift if self.neuron is not None else False, count_log)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor | None]:
        if self.neuron is None:
            self._output_shape = tuple(input.shape[1:-1])
            return self._logged(input, False)
        quantize = self.neuron.quantize_8bit
        z = quantize(input)
        if self.weight is not None:
            z = z * quantize(self.weight)
        if self.bias is not None:
            z = z + quantize(self.bias)
        return self._emit(self.neuron.encode_input(z))

    def _write_hdf5(self, handle: Any) -> None:
        if self.neuron is None:
            return
        for name in ("weight", "bias"):
            value = getattr(self, name)
            if value is not None:
                write_float(handle, name, self.neuron.quantize_8bit(value.detach(), descale=True))
        write_neuron(handle, self.neuron.device_params)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {name: 0.0 for name in ("weight", "bias") if reader.has(name) and reader.has("neuron")}

    def _load_hdf5(self, reader: LayerReader) -> None:
        super()._load_hdf5(reader)
        for name in ("weight", "bias"):
            parameter = getattr(self, name)
            if parameter is not None:
                value = reader.tensor(name).reshape(-1)
                if value.numel() != 1:
                    raise reader.error(name, f"expected one value, found {value.numel()}")
                with torch.no_grad():
                    parameter.copy_(value / self.neuron.w_scale)
