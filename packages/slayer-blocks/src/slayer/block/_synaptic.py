"""Blocks made of a synapse and a spiking neuron: Dense, Conv, ConvT, Pool, Unpool.

``forward``: ``synapse -> neuron -> (delay_shift) -> (delay)``. A complex neuron (resonate-and-fire) gets
the complex synapse of the same kind (``(real, imag)`` currents). Synapses come from the plugin registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from slayer.core.plugins import registry

from ._block import NEURON_QUANTIZER, Block
from ._hdf5_fields import LayerReader, write_float, write_int, write_neuron


def synapse_class(name: str, complex: bool) -> type[torch.nn.Module]:
    """The registered synapse ``name`` (``"dense"``, ...) or its complex variant ``complex_<name>``."""
    return registry().lookup("synapses", f"complex_{name}" if complex else name)


def _real_parts(synapse: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """``[("", synapse)]`` for a real synapse, ``[("/real", re), ("/imag", im)]`` for a complex one."""
    if getattr(synapse, "complex", False):
        return [("/real", synapse.real), ("/imag", synapse.imag)]
    return [("", synapse)]


class SynapticBlock(Block):
    """Shared machinery of synapse + neuron blocks (see the module docstring)."""

    synapse_name: ClassVar[str]

    def _setup(
        self,
        neuron_params: Mapping[str, Any] | None,
        synapse_args: tuple[Any, ...],
        synapse_kwargs: dict[str, Any],
        *,
        pre_hook_fx: Any,
        delay: bool,
        delay_shift: bool | None,
        count_log: bool,
        neuron_overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self._build_neuron_and_hook(neuron_params, pre_hook_fx, **(neuron_overrides or {}))
        self.synapse = self._new_synapse(self.synapse_name, *synapse_args, **synapse_kwargs)
        self._setup_output(delay, delay_shift, count_log)

    def _build_neuron_and_hook(
        self, neuron_params: Mapping[str, Any] | None, pre_hook_fx: Any, **overrides: Any
    ) -> None:
        """The neuron, then the synapses' weight hook (``_hook``; ``_quantized`` if it is the neuron's quantiser)."""
        self._build_neuron(neuron_params, **overrides)
        self._quantized = pre_hook_fx is NEURON_QUANTIZER
        self._hook = self._weight_hook(pre_hook_fx)

    def _new_synapse(self, name: str, *args: Any, **kwargs: Any) -> torch.nn.Module:
        """The registered synapse ``name`` (complex for a complex neuron) with the block's weight hook."""
        return synapse_class(name, bool(self.neuron_class.complex))(*args, pre_hook_fx=self._hook, **kwargs)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor | None]:
        """Spikes (or graded messages) ``(N, *S_out, T)`` for an input ``(N, *S_in, T)``."""
        return self._emit(self.neuron(self.synapse(input)))

    # -- hdf5 ------------------------------------------------------------------------------------------

    def _hardware_weight(self, synapse: torch.nn.Module) -> Tensor:
        """The weight as exported: hardware integers with the neuron quantiser, else the effective float weight
        (lava-dl's ``pre_hook_fx(weight, descale=True)``)."""
        with torch.no_grad():
            weight = synapse.effective_weight()
            if self._quantized:
                weight = self.neuron.quantize_8bit(weight, descale=True)
        return weight[..., 0]  # drop lava-dl's time-kernel axis

    def _write_dense_fields(self, handle: Any, synapse: torch.nn.Module) -> None:
        """``inFeatures``, ``outFeatures`` and ``weight`` ``(out, in)`` of a dense synapse."""
        in_features = synapse.shape[1:4].numel()
        write_int(handle, "inFeatures", in_features)
        write_int(handle, "outFeatures", synapse.out_channels)
        self._write_weights(handle, "weight", synapse, (synapse.out_channels, in_features))

    def _write_weights(self, handle: Any, name: str, synapse: torch.nn.Module, shape: tuple[int, ...]) -> None:
        for suffix, part in _real_parts(synapse):
            write_float(handle, name + suffix, self._hardware_weight(part).reshape(shape))

    def _write_neuron_and_delay(self, handle: Any) -> None:
        norm = getattr(self.neuron, "norm", None)
        if norm is not None and hasattr(norm, "bias"):
            write_float(handle, "bias", norm.bias.reshape(-1))
        if self.delay is not None:
            delays = self.delay.integer_delay() if self.delay.init else torch.zeros(self.synapse.out_channels)
            write_float(handle, "delay", delays.reshape(-1))
        params = self.neuron.device_params
        if norm is not None and hasattr(norm, "weight_exp"):
            params = {**params, "weight_exp": int(norm.weight_exp.reshape(-1)[0])}
        write_neuron(handle, params)

    def _load_weights(self, reader: LayerReader, name: str, synapse: torch.nn.Module) -> None:
        for suffix, part in _real_parts(synapse):
            raw = part.raw_weight()
            values = reader.tensor(name + suffix)
            if values.numel() != raw.numel():
                raise reader.error(
                    name + suffix,
                    f"expected {raw.numel()} values for a weight of shape {tuple(raw.shape)}, "
                    f"found shape {tuple(values.shape)}",
                )
            if self._quantized:
                values = values / self.neuron.w_scale
            normed = part.weight_norm_enabled
            if normed:  # load the plain weight, then re-derive g and v from it
                part.disable_weight_norm()
            with torch.no_grad():
                part.weight.copy_(values.reshape(raw.shape))
            if normed:
                part.enable_weight_norm()

    def _load_delay(self, reader: LayerReader) -> None:
        if self.delay is None:
            return
        values = reader.tensor("delay", (None,))
        with torch.no_grad():
            self.delay.delay.data = values.clone()
        self.delay.init = True

    def _load_hdf5(self, reader: LayerReader) -> None:
        super()._load_hdf5(reader)
        self._load_weights(reader, "weight", self.synapse)
        self._load_delay(reader)


class Dense(SynapticBlock):
    """Dense synapse + neuron: ``Dense(neuron_params, in_neurons, out_neurons, weight_scale=1,
    weight_norm=False, pre_hook_fx=<neuron.quantize_8bit>, delay=False, delay_shift=<model default>,
    mask=None, count_log=False)``.

    ``in_neurons``: an int (input ``(N, in, T)``) or lava-dl's ``(x, y)``/``(x, y, c)`` for an unflattened
    ``(N, c, y, x, T)`` input. Output ``(N, out, T)`` (with ``count_log``: ``(output, event rate)``).
    ``pre_hook_fx`` defaults to the neuron's 8-bit weight quantiser; ``None`` keeps full precision.
    ``delay=True`` adds a learnable axonal delay per output neuron (at most 62 steps).

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Dense(params, 16, 8)
    >>> block(torch.ones(2, 16, 20)).shape  # (N, in, T) -> (N, out, T) spikes
    torch.Size([2, 8, 20])
    """

    name = "Dense"
    hdf5_type = "dense"
    synapse_name = "dense"

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_neurons: int | tuple[int, ...],
        out_neurons: int,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        delay: bool = False,
        delay_shift: bool | None = None,
        mask: Tensor | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        self._arguments = dict(
            in_neurons=in_neurons, out_neurons=out_neurons, weight_scale=weight_scale, weight_norm=weight_norm,
            pre_hook_fx=pre_hook_fx, delay=delay, mask=mask, count_log=count_log,
        )  # fmt: skip
        self._setup(
            neuron_params,
            (in_neurons, out_neurons, weight_scale, weight_norm),
            {"mask": mask},
            pre_hook_fx=pre_hook_fx,
            delay=delay,
            delay_shift=delay_shift,
            count_log=count_log,
        )

    def _export_shape(self) -> tuple[int, ...]:
        return (self.synapse.out_channels,)

    def _write_hdf5(self, handle: Any) -> None:
        self._write_dense_fields(handle, self.synapse)
        self._write_neuron_and_delay(handle)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {
            "in_neurons": reader.integer("inFeatures"),
            "out_neurons": reader.integer("outFeatures"),
            "delay": reader.has("delay"),
        }


class _SpatialBlock(SynapticBlock):
    """Conv and ConvT: the convolution arguments and their hdf5 datasets."""

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        in_features: int,
        out_features: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        delay: bool = False,
        delay_shift: bool | None = None,
        mask: Tensor | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        self._arguments = dict(
            in_features=in_features, out_features=out_features, kernel_size=kernel_size, stride=stride,
            padding=padding, dilation=dilation, groups=groups, weight_scale=weight_scale, weight_norm=weight_norm,
            pre_hook_fx=pre_hook_fx, delay=delay, mask=mask, count_log=count_log,
        )  # fmt: skip
        self._setup(
            neuron_params,
            (in_features, out_features, kernel_size, stride, padding, dilation, groups, weight_scale, weight_norm),
            {"mask": mask},
            pre_hook_fx=pre_hook_fx,
            delay=delay,
            delay_shift=delay_shift,
            count_log=count_log,
        )

    def _write_hdf5(self, handle: Any) -> None:
        synapse = self.synapse
        write_int(handle, "inChannels", synapse.in_channels)
        write_int(handle, "outChannels", synapse.out_channels)
        _write_geometry(handle, synapse)
        write_int(handle, "groups", synapse.groups)
        self._write_weights(handle, "weight", synapse, tuple(synapse.shape[:4]))
        self._write_neuron_and_delay(handle)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {
            "in_features": reader.integer("inChannels"),
            "out_features": reader.integer("outChannels"),
            **_geometry_from_hdf5(reader),
            "groups": reader.integer("groups") if reader.has("groups") else 1,
            "delay": reader.has("delay"),
        }


def _write_geometry(handle: Any, synapse: torch.nn.Module) -> None:
    for dataset, attribute in (("kernelSize", "kernel_size"), ("stride", "stride"), ("padding", "padding")):
        write_int(handle, dataset, getattr(synapse, attribute)[:2])
    write_int(handle, "dilation", synapse.dilation[:2])


def _geometry_from_hdf5(reader: LayerReader) -> dict[str, Any]:
    geometry = {"kernel_size": reader.pair("kernelSize")}
    for dataset, argument in (("stride", "stride"), ("padding", "padding"), ("dilation", "dilation")):
        if reader.has(dataset):
            geometry[argument] = reader.pair(dataset)
    return geometry


class Conv(_SpatialBlock):
    """2-D convolution synapse + neuron: ``Conv(neuron_params, in_features, out_features, kernel_size,
    stride=1, padding=0, dilation=1, groups=1, weight_scale=1, weight_norm=False,
    pre_hook_fx=<neuron.quantize_8bit>, delay=False, delay_shift=<model default>, mask=None, count_log=False)``.

    Input ``(N, in, H, W, T)``, output ``(N, out, H', W', T)``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Conv(params, 2, 4, 3, padding=1)
    >>> block(torch.ones(2, 2, 8, 8, 20)).shape
    torch.Size([2, 4, 8, 8, 20])
    """

    name = "Conv"
    hdf5_type = "conv"
    synapse_name = "conv"


class ConvT(_SpatialBlock):
    """Transposed 2-D convolution synapse + neuron (``Conv``'s signature). Input ``(N, in, H, W, T)``, output
    ``(N, out, H', W', T)`` with ``H' = (H-1)*stride - 2*padding + dilation*(kH-1) + 1``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.ConvT(params, 4, 2, 2, stride=2)
    >>> block(torch.ones(2, 4, 4, 4, 20)).shape
    torch.Size([2, 2, 8, 8, 20])
    """

    name = "ConvT"
    hdf5_type = "convT"
    synapse_name = "conv_transpose"


class _PoolBlock(SynapticBlock):
    """Pool and Unpool: a fixed sum filter shared by all channels; the neuron has no ``norm``."""

    def __init__(
        self,
        neuron_params: Mapping[str, Any],
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        weight_scale: float = 1,
        weight_norm: bool = False,
        pre_hook_fx: Any = NEURON_QUANTIZER,
        delay: bool = False,
        delay_shift: bool | None = None,
        count_log: bool = False,
    ) -> None:
        super().__init__()
        self._arguments = dict(
            kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, weight_scale=weight_scale,
            weight_norm=weight_norm, pre_hook_fx=pre_hook_fx, delay=delay, count_log=count_log,
        )  # fmt: skip
        self._setup(
            neuron_params,
            (kernel_size, stride, padding, dilation, weight_scale, weight_norm),
            {},
            pre_hook_fx=pre_hook_fx,
            delay=delay,
            delay_shift=delay_shift,
            count_log=count_log,
            neuron_overrides={"norm": None} if neuron_params is not None and "norm" in neuron_params else None,
        )

    def _write_hdf5(self, handle: Any) -> None:
        _write_geometry(handle, self.synapse)
        self._write_weights(handle, "weight", self.synapse, tuple(self.synapse.shape[:4]))
        self._write_neuron_and_delay(handle)

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        return {**_geometry_from_hdf5(reader), "delay": reader.has("delay")}


class Pool(_PoolBlock):
    """Sum-pool synapse + neuron: ``Pool(neuron_params, kernel_size, stride=None, padding=0, dilation=1,
    weight_scale=1, weight_norm=False, pre_hook_fx=<neuron.quantize_8bit>, delay=False,
    delay_shift=<model default>, count_log=False)``. Input ``(N, C, H, W, T)``, output ``(N, C, H', W', T)``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Pool(params, 2)
    >>> block(torch.ones(2, 3, 8, 8, 20)).shape
    torch.Size([2, 3, 4, 4, 20])
    """

    name = "Pool"
    hdf5_type = "pool"
    synapse_name = "pool"


class Unpool(_PoolBlock):
    """Transposed sum-pool synapse + neuron (``Pool``'s signature). Input ``(N, C, H, W, T)``, output
    ``(N, C, H', W', T)``.

    >>> import torch, slayer
    >>> params = dict(threshold=1.0, current_decay=0.5, voltage_decay=0.5)
    >>> block = slayer.block.cuba.Unpool(params, 2)
    >>> block(torch.ones(2, 3, 4, 4, 20)).shape
    torch.Size([2, 3, 8, 8, 20])
    """

    name = "Unpool"
    hdf5_type = "unpool"
    synapse_name = "unpool"
