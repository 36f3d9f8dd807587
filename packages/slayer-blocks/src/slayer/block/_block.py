"""What every block shares: the neuron built from ``neuron_params``, the one-step propagation delay
(``delay_shift``), an optional learnable axonal delay, ``count_log``, state reset, and the hdf5 layer
header (``type``, ``shape`` and slayer's JSON description).

A block type is a class; a family (``slayer.block.cuba``) holds one subclass per block type with
``neuron_class`` set. Forward composition: ``input -> synapse -> neuron -> (delay_shift) -> (delay)``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from slayer.axon import Delay
from slayer.core.neuron import Neuron

from . import _params
from ._carry import delayed_with_history, step_delay
from ._hdf5_fields import SLAYER_ATTRIBUTE, LayerReader, write_int, write_type
from ._params import NEURON_QUANTIZER

#: the largest learnable axonal delay of a block (lava-dl's ``Delay(max_delay=62)``, Loihi's limit)
MAX_DELAY = 62
#: format version of slayer's JSON description in hdf5 layer groups
DESCRIPTION_VERSION = 1


class Block(torch.nn.Module):
    """Base of every block type.

    Class attributes: ``name`` (the registry name, e.g. ``"Dense"``), ``hdf5_type`` (the netx layer
    type), ``needs_neuron`` (False for Flatten, Average, TimeDecimation) and ``neuron_class`` (set by the
    family). Attributes: ``neuron`` (absent on Flatten, Average and TimeDecimation, as in lava-dl), ``delay``
    (``slayer.axon.Delay`` or ``None``), ``delay_shift``, ``count_log``.
    Blocks never modify the ``neuron_params`` dict they are given.
    """

    name: ClassVar[str]
    hdf5_type: ClassVar[str]
    needs_neuron: ClassVar[bool] = True
    neuron_class: ClassVar[type[Neuron] | None] = None

    @classmethod
    def supports(cls, neuron_class: type[Neuron]) -> bool:
        """Whether this block type exists in ``neuron_class``'s family (its ``block_types`` list it)."""
        return not cls.needs_neuron or cls.name in getattr(neuron_class, "block_types", ())

    def __init__(self) -> None:
        super().__init__()
        if self.needs_neuron:  # shape-only blocks have no `neuron` at all: lava-dl code tests hasattr(b, "neuron")
            self.neuron: Neuron | None = None
        self.delay: Delay | None = None
        self.delay_shift = False
        self.count_log = False
        self._arguments: dict[str, Any] = {}
        self._neuron_params: dict[str, Any] | None = None
        self._output_shape: tuple[int, ...] | None = None
        self._step_history: Tensor | None = None
        self._delay_history: Tensor | None = None

    # -- construction --------------------------------------------------------------------------------

    def _build_neuron(self, neuron_params: Mapping[str, Any] | None, optional: bool = False, **overrides: Any) -> None:
        """``self.neuron = neuron_class(**neuron_params, **overrides)`` (the caller's dict is not touched);
        ``optional``: ``None`` means no neuron (Input) instead of an error."""
        if neuron_params is None:
            if not optional:
                raise TypeError(f"{self._block_name}: neuron_params is required (a dict of neuron arguments)")
            return
        if not isinstance(neuron_params, Mapping):
            raise TypeError(
                f"{self._block_name}: neuron_params must be a dict of {self._neuron_label} arguments, "
                f"received {type(neuron_params).__name__}"
            )
        if self.neuron_class is None:
            raise TypeError(
                f"{type(self).__name__} is a generic block type: use it from a family, e.g. slayer.block.cuba"
            )
        self._neuron_params = {**neuron_params, **overrides}
        self.neuron = self.neuron_class(**self._neuron_params)

    def _setup_output(self, delay: bool, delay_shift: bool | None, count_log: bool) -> None:
        default_shift = self.neuron_class.propagation_delay if self.neuron_class is not None else True
        self.delay_shift = default_shift if delay_shift is None else bool(delay_shift)
        self.delay = Delay(max_delay=MAX_DELAY) if delay else None
        self.count_log = bool(count_log)

    def _weight_hook(self, pre_hook_fx: Any) -> Any:
        """The synapse's ``pre_hook_fx``: the neuron's quantiser by default."""
        if pre_hook_fx is NEURON_QUANTIZER:
            return self.neuron.quantize_8bit if self.neuron is not None else None
        return pre_hook_fx

    @property
    def _block_name(self) -> str:
        if self.neuron_class is None:
            return type(self).name
        return f"{self.neuron_class.name}.{type(self).name}"

    @property
    def _neuron_label(self) -> str:
        return f"{self.neuron_class.name}.Neuron" if self.neuron_class is not None else "neuron"

    def _get_name(self) -> str:  # repr: "cuba.Dense(...)"
        return self._block_name

    # -- forward helpers -----------------------------------------------------------------------------

    @property
    def _persistent(self) -> bool:
        return bool(getattr(self._neuron, "persistent_state", False))

    @property
    def _neuron(self) -> Neuron | None:
        """The block's neuron, or None (no neuron_params, or a shape-only block without the attribute)."""
        return getattr(self, "neuron", None)

    def _emit(self, output: Tensor) -> Tensor | tuple[Tensor, Tensor | None]:
        """The neuron's output after the propagation and axonal delays, with ``count_log``'s event rate."""
        self._output_shape = tuple(output.shape[1:-1])
        persistent = self._persistent
        if self.delay_shift:
            output, self._step_history = step_delay(output, self._step_history, persistent)
        if self.delay is not None:
            if persistent:
                output, self._delay_history = delayed_with_history(output, self._delay_history, MAX_DELAY, self.delay)
            else:
                output = self.delay(output)
        return self._logged(output, True)

    def _logged(self, output: Tensor, spiking: bool) -> Tensor | tuple[Tensor, Tensor | None]:
        if not self.count_log:
            return output
        # the event rate of spiking blocks (a 0-d tensor); None for shape-only and read-out blocks (lava-dl)
        return output, (output != 0).to(output.dtype).mean() if spiking else None

    def reset_state(self) -> None:
        """Forget every state carried between calls (neuron states, delay histories)."""
        if self._neuron is not None:
            self._neuron.reset_state()
        self._step_history = self._delay_history = None

    @property
    def shape(self) -> tuple[int, ...] | None:
        """The output neuron shape ``(C,)`` or ``(C, H, W)``, known after the first forward."""
        return self._output_shape

    def extra_repr(self) -> str:
        parts = []
        if self.delay_shift:
            parts.append("delay_shift=True")
        if self.count_log:
            parts.append("count_log=True")
        if self._output_shape is not None:
            parts.append(f"shape={self._output_shape}")
        return ", ".join(parts)

    # -- hdf5 ----------------------------------------------------------------------------------------

    def export_hdf5(self, handle: Any) -> None:
        """Write this block into the h5py group ``handle`` (netx layout plus slayer's JSON attribute).
        Never modifies the block. Shapes are identified at the first forward: run one before exporting."""
        write_type(handle, self.hdf5_type)
        write_int(handle, "shape", self._export_shape())
        self._write_hdf5(handle)
        handle.attrs[SLAYER_ATTRIBUTE] = json.dumps(self._description())

    def _export_shape(self) -> tuple[int, ...]:
        if self._output_shape is None:
            raise RuntimeError(
                f"{self._block_name}: the output shape is identified at the first forward; run the network once "
                "(e.g. on one sample) before exporting"
            )
        return self._output_shape

    def _write_hdf5(self, handle: Any) -> None:
        """Write the block's own datasets (subclasses)."""

    def _description(self) -> dict[str, Any]:
        description: dict[str, Any] = {
            "version": DESCRIPTION_VERSION,
            "block": type(self).name,
            "neuron": self.neuron_class.name if self.neuron_class is not None and self.needs_neuron else None,
            "arguments": _params.dumps(self._arguments),
            "delay_shift": self.delay_shift,
        }
        if self._neuron is not None:
            description["neuron_params"] = _params.dumps(self._neuron_params or {})
            description["neuron_state"] = _params.dumps(dict(self.neuron.state_dict()))

        return description

    @classmethod
    def from_hdf5(cls, reader: LayerReader, description: dict[str, Any] | None) -> Block:
        """Rebuild the block from a layer group: from slayer's description if present, else (a file written
        by lava-dl) from the netx datasets alone."""
        if description is not None:
            arguments = _params.loads(description["arguments"])
            neuron_params = _params.loads(description["neuron_params"]) if "neuron_params" in description else None
        else:
            arguments = cls._arguments_from_hdf5(reader)
            neuron_params = cls._neuron_params_from_device(reader)
        try:
            block = cls(neuron_params, **arguments) if cls.needs_neuron else cls(**arguments)
        except (TypeError, ValueError) as exc:
            raise reader.error(None, f"cannot rebuild {cls.__module__}.{cls.__qualname__}: {exc}") from exc
        if description is not None and "delay_shift" in description:
            block.delay_shift = bool(description["delay_shift"])
        if block._neuron is not None and description is not None and "neuron_state" in description:
            block.neuron.load_state_dict(_params.loads(description["neuron_state"]))
        block._load_hdf5(reader)
        return block

    @classmethod
    def _arguments_from_hdf5(cls, reader: LayerReader) -> dict[str, Any]:
        """Constructor arguments (besides ``neuron_params``) from the netx datasets (subclasses)."""
        return {}

    @classmethod
    def _neuron_params_from_device(cls, reader: LayerReader) -> dict[str, Any] | None:
        device = reader.neuron_params()
        if device is None or cls.neuron_class is None:
            return None
        try:
            return cls.neuron_class.params_from_device(device)
        except (KeyError, TypeError, ValueError) as exc:
            raise reader.error(
                "neuron", f"cannot rebuild a {cls.neuron_class.name} neuron from {device}: {exc}"
            ) from exc

    def _load_hdf5(self, reader: LayerReader) -> None:
        """Load tensors (weights, delays) from the datasets (subclasses)."""
        if reader.has("shape"):
            self._output_shape = tuple(int(v) for v in reader.array("shape", (None,), integer=True))
