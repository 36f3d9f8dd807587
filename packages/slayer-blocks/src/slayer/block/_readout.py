"""Non-spiking read-out blocks: Affine (a Dense synapse and the neuron's read-out trace, for regression)
and sigma-delta's Output (a Dense synapse and the sigma accumulator)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from ._block import NEURON_QUANTIZER
from ._hdf5_fields import LayerReader, write_neuron
from ._synaptic import Dense


class Affine(Dense):
    """``Affine(neuron_params, in_neurons, out_neurons, weight_scale=1, weight_norm=False,
    pre_hook_fx=<neuron.quantize_8bit>, dynamics=True, mask=None, count_log=False)``.

    ``dynamics=True``: the neuron's :meth:`~slayer.core.Neuron.readout` of the synaptic current (CUBA: the
    voltage without reset; resonators: the imaginary trace); ``False``: the current itself (a complex
    synapse's imaginary current). No delay shift, no axonal delay. Output ``(N, out, T)``; exported as a
    ``dense`` layer whose neuron never spikes (``vThMant = 2**18 - 1``), without neuron if not ``dynamics``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Affine(params, 16, 4)
    >>> y = block(torch.ones(2, 16, 20))  # the neuron's trace, not spikes
    >>> y.shape
    torch.Size([2, 4, 20])
    """

    name = "Affine"

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_neurons: int | tuple[int, ...],
        out_neurons: int,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        dynamics: bool = True,
        mask: Tensor | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__(
            neuron_params,
            in_neurons,
            out_neurons,
            weight_scale,
            weight_norm,
            pre_hook_fx,
            False,
            False,
            mask,
            count_log,
        )
        self.dynamics = bool(dynamics)
        self._arguments = dict(
            in_neurons=in_neurons, out_neurons=out_neurons, weight_scale=weight_scale, weight_norm=weight_norm,
            pre_hook_fx=pre_hook_fx, dynamics=dynamics, mask=mask, count_log=count_log,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, None]:
        current = self.synapse(input)
        if self.dynamics:
            output = self.neuron.readout(current)
        else:
            output = current[1] if isinstance(current, tuple) else current
        self._output_shape = tuple(output.shape[1:-1])
        return self._logged(output, False)

    def _write_hdf5(self, handle: Any) -> None:
        self._write_dense_fields(handle, self.synapse)
        if self.dynamics:
            write_neuron(handle, self.neuron.readout_device_params())

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        arguments = super()._arguments_from_hdf5(reader)
        del arguments["delay"]
        return {**arguments, "dynamics": reader.has("neuron")}

    @classmethod
    def _neuron_params_from_device(cls, reader: LayerReader) -> dict[str, Any] | None:
        params = super()._neuron_params_from_device(reader)
        if params is None:  # dynamics=False: netx's default integrator; any neuron of the family will do
            raise reader.error("neuron", f"an {cls.__qualname__} layer without neuron needs slayer's description")
        return params

    def extra_repr(self) -> str:
        return "dynamics=False" if not self.dynamics else ""


class Output(Affine):
    """Sigma-delta read-out: ``Output(neuron_params, in_neurons, out_neurons, weight_scale=1,
    weight_norm=False, pre_hook_fx=<neuron.quantize_8bit>, mask=None, count_log=False)``: a Dense synapse
    followed by the neuron's sigma accumulator (absolute values from delta messages). Output ``(N, out, T)``;
    exported as ``dense`` with ``neuron/sigma_output = True``.

    >>> import torch, slayer
    >>> block = slayer.block.sigma_delta.Output(dict(threshold=0.1, activation=torch.relu), 16, 4)
    >>> block(torch.ones(2, 16, 20)).shape
    torch.Size([2, 4, 20])
    """

    name = "Output"

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_neurons: int | tuple[int, ...],
        out_neurons: int,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        mask: Tensor | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__(
            neuron_params, in_neurons, out_neurons, weight_scale, weight_norm, pre_hook_fx, True, mask, count_log
        )
        del self._arguments["dynamics"]

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        arguments = super()._arguments_from_hdf5(reader)
        del arguments["dynamics"]
        return arguments
