"""Recurrent blocks: Recurrent (learnable recurrent matrix) and KWTA (k-winner-take-all), both
``s[t] = neuron(W x[t] + R s[t-1] (+ b))`` computed one step at a time.

The loop is the neuron's :meth:`~slayer.core.Neuron.recurrence` (CUBA: one fused autograd node; others: one
neuron call per step inside :meth:`~slayer.core.Neuron.stepping`). Either way backpropagation through time
follows both the spike recurrence and the membrane state (lava-dl's recurrence detaches the membrane
state). Nothing is
carried between calls unless the neuron is persistent (``persistent_state=True``): then the last
spike and the neuron state continue in the next call, so chunked runs equal one long run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ._block import NEURON_QUANTIZER
from ._hdf5_fields import LayerReader, write_float
from ._synaptic import SynapticBlock

Currents = Tensor | tuple[Tensor, Tensor]


class _RecurrentBase(SynapticBlock):
    """Shared forward, state and hdf5 datasets (``dense_rec``) of Recurrent and KWTA."""

    hdf5_type = "dense_rec"

    def _build_input(
        self, neuron_params: Mapping[str, Any], in_neurons: int, out_neurons: int, weight_scale: float,
        weight_norm: bool, pre_hook_fx: Any,
    ) -> None:  # fmt: skip
        self._build_neuron_and_hook(neuron_params, pre_hook_fx)
        self.input_synapse = self._new_synapse("dense", in_neurons, out_neurons, weight_scale, weight_norm)
        self.out_neurons = out_neurons
        self._last_spikes: Tensor | None = None

    @property
    def synapse(self) -> torch.nn.Module:
        """The input synapse (lava-dl's name: ``input_synapse``)."""
        return self.input_synapse

    def _recurrent_weight(self) -> Currents:
        raise NotImplementedError

    def _recurrent_bias(self) -> Tensor | None:
        return None

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor | None]:
        """Spikes ``(N, out, T)`` for an input ``(N, in, T)``."""
        drive = self.input_synapse(input)
        weight = self._recurrent_weight()
        first = drive[0] if isinstance(drive, tuple) else drive
        initial = self._last_spikes if self._persistent else None
        if initial is None or initial.shape != first.shape[:-1]:
            initial = first.new_zeros(first.shape[:-1])
        if first.shape[-1] == 0:  # an empty time axis: nothing to run, the stored spikes stay
            return self._emit(first * 0)
        spikes = self.neuron.recurrence(drive, weight, self._recurrent_bias(), initial.to(first.dtype))
        if self._persistent:
            self._last_spikes = spikes[..., -1].detach()
        return self._emit(spikes)

    def reset_state(self) -> None:
        super().reset_state()
        self._last_spikes = None

    def _square(self, weight: Tensor) -> Tensor:
        return weight.reshape(self.out_neurons, self.out_neurons)

    def _write_hdf5(self, handle: Any) -> None:
        self._write_dense_fields(handle, self.input_synapse)
        self._write_recurrent(handle)
        self._write_neuron_and_delay(handle)

    def _write_recurrent(self, handle: Any) -> None:
        raise NotImplementedError

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {
            "in_neurons": reader.integer("inFeatures"),
            "out_neurons": reader.integer("outFeatures"),
            "delay": reader.has("delay"),
        }


class Recurrent(_RecurrentBase):
    """``Recurrent(neuron_params, in_neurons, out_neurons, weight_scale=1, weight_norm=False,
    pre_hook_fx=<neuron.quantize_8bit>, requires_grad=True, delay=False, delay_shift=<model default>,
    count_log=False)``: ``s[t] = neuron(W x[t] + R s[t-1])`` with learnable ``W`` (``input_synapse``) and ``R``
    (``recurrent_synapse``, learnable if ``requires_grad``). Complex neurons get complex synapses.
    Input ``(N, in, T)``, output ``(N, out, T)``. Exported as ``dense_rec`` (``weight``, ``weight_rec``).

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Recurrent(params, 16, 8)
    >>> block(torch.ones(2, 16, 20)).shape
    torch.Size([2, 8, 20])
    """

    name = "Recurrent"

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_neurons: int,
        out_neurons: int,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        requires_grad: bool = True,
        delay: bool = False,
        delay_shift: bool | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        self._arguments = dict(
            in_neurons=in_neurons, out_neurons=out_neurons, weight_scale=weight_scale, weight_norm=weight_norm,
            pre_hook_fx=pre_hook_fx, requires_grad=requires_grad, delay=delay, count_log=count_log,
        )  # fmt: skip
        self._build_input(neuron_params, in_neurons, out_neurons, weight_scale, weight_norm, pre_hook_fx)
        self.recurrent_synapse = self._new_synapse("dense", out_neurons, out_neurons, weight_scale, weight_norm)
        for parameter in self.recurrent_synapse.parameters():
            parameter.requires_grad_(bool(requires_grad))
        self.bias = None  # lava-dl attribute: a tensor (out,) set here is added to the input current
        self._setup_output(delay, delay_shift, count_log)

    def _recurrent_weight(self) -> Currents:
        weight = self.recurrent_synapse.effective_weight()
        if isinstance(weight, tuple):
            return tuple(self._square(w) for w in weight)
        return self._square(weight)

    def _recurrent_bias(self) -> Tensor | None:
        return self.bias

    def _write_recurrent(self, handle: Any) -> None:
        self._write_weights(handle, "weight_rec", self.recurrent_synapse, (self.out_neurons, self.out_neurons))

    def _load_hdf5(self, reader: LayerReader) -> None:
        super()._load_hdf5(reader)
        self._load_weights(reader, "weight_rec", self.recurrent_synapse)


class KWTA(_RecurrentBase):
    """``KWTA(neuron_params, in_neurons, out_neurons, num_winners, self_excitation=0.5, weight_scale=1,
    weight_norm=False, pre_hook_fx=<neuron.quantize_8bit>, delay_shift=<model default>, requires_grad=True,
    count_log=False)``: k-winner-take-all, ``s[t] = neuron(W x[t] + R s[t-1] + b)`` with the fixed structure
    ``R = (1 + a) I - 1`` (every spike inhibits the others by 1 and excites itself by ``a``, the learnable
    ``self_excitation`` clamped to ``[0, 1]``) and the bias ``b = θ (out - 2 K) / out`` (θ the neuron
    threshold, ``K = num_winners``); ``R`` and ``b`` pass through ``pre_hook_fx``.
    Input ``(N, in, T)``, output ``(N, out, T)``. Exported as ``dense_rec`` with ``weight_rec = R``, ``bias = b``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.KWTA(params, 16, 8, num_winners=2)
    >>> block(torch.ones(2, 16, 20)).shape
    torch.Size([2, 8, 20])
    """

    name = "KWTA"

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_neurons: int,
        out_neurons: int,
        num_winners: int,
        self_excitation: float = 0.5,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        delay_shift: bool | None = None,
        requires_grad: bool = True,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(num_winners, int) or not 0 < num_winners <= out_neurons:
            raise ValueError(
                f"KWTA: num_winners must be an int in [1, out_neurons={out_neurons}], received {num_winners!r}"
            )
        self._arguments = dict(
            in_neurons=in_neurons, out_neurons=out_neurons, num_winners=num_winners, self_excitation=self_excitation,
            weight_scale=weight_scale, weight_norm=weight_norm, pre_hook_fx=pre_hook_fx, requires_grad=requires_grad,
            count_log=count_log,
        )  # fmt: skip
        self._build_input(neuron_params, in_neurons, out_neurons, weight_scale, weight_norm, pre_hook_fx)
        self.num_winners = num_winners
        self.self_excitation = torch.nn.Parameter(
            torch.tensor([float(self_excitation)]), requires_grad=bool(requires_grad)
        )
        self._setup_output(False, delay_shift, count_log)

    def _hooked(self, value: Tensor) -> Tensor:
        return value if self._hook is None else self._hook(value)

    def _recurrent_weight(self) -> Tensor:
        with torch.no_grad():
            self.self_excitation.clamp_(0, 1)
        eye = torch.eye(self.out_neurons, device=self.self_excitation.device)
        return self._hooked((1 + self.self_excitation) * eye - 1)

    def _recurrent_bias(self) -> Tensor:
        threshold = float(self.neuron.threshold)
        value = threshold * (self.out_neurons - 2 * self.num_winners) / self.out_neurons
        return self._hooked(torch.full((self.out_neurons,), value, device=self.self_excitation.device))

    def _write_recurrent(self, handle: Any) -> None:
        with torch.no_grad():
            recurrent, bias = self._recurrent_weight(), self._recurrent_bias()
            if self._quantized:
                recurrent = self.neuron.quantize_8bit(recurrent, descale=True)
                bias = self.neuron.quantize_8bit(bias, descale=True)
        write_float(handle, "weight_rec", recurrent)
        write_float(handle, "bias", bias)

    def _description(self) -> dict[str, Any]:
        from . import _params

        arguments = {**self._arguments, "self_excitation": float(self.self_excitation.detach().clamp(0, 1))}
        return {**super()._description(), "arguments": _params.dumps(arguments)}

    def extra_repr(self) -> str:
        head = f"num_winners={self.num_winners}, self_excitation={float(self.self_excitation):.3f}"
        return ", ".join(part for part in (head, super().extra_repr()) if part)


__all__ = ["KWTA", "Recurrent"]
