"""The contract every neuron model implements, built-in or third party."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import torch

from slayer.spike.constants import SurrogateScaling

#: Block types every spiking model gets unless it says otherwise (``Neuron.block_types``).
#: Flatten, Average and TimeDecimation hold no neuron and exist in every family.
SPIKING_BLOCK_TYPES: frozenset[str] = frozenset(
    {"Input", "Dense", "Conv", "ConvT", "Pool", "Unpool", "KWTA", "Recurrent"}
)


class Neuron(torch.nn.Module):
    """Base class of all slayer neuron models.

    A subclass is registered through the ``slayer_register_neurons`` hook under its class
    attribute ``name`` and then works everywhere a built-in model works: it gets a block family
    ``slayer.block.<name>`` with every block type in ``block_types``, hdf5 export and import.

    Subclasses set:

    * ``name``: the registry name, e.g. ``"cuba"``;
    * ``complex``: ``True`` if ``forward`` takes a ``(real, imag)`` pair of tensors (blocks then
      use complex synapses);
    * ``block_types``: the block types the model supports (default :data:`SPIKING_BLOCK_TYPES`;
      add ``"Affine"`` or ``"Output"`` if :meth:`readout` is defined);
    * ``propagation_delay``: whether blocks shift the output one step by default (``delay_shift``;
      ``False`` for sigma-delta);
    * ``device_type``: the ``neuron/type`` string written to hdf5 (e.g. ``"CUBA"``);
    * ``surrogate``: the model's :class:`slayer.spike.constants.SurrogateScaling` (multipliers of the
      surrogate gradient's width and height), read by :func:`slayer.spike.constants.surrogate_parameters`.

    ``forward`` maps an input of shape ``(N, C, T)`` or ``(N, C, H, W, T)`` (time last) to
    spikes of the same shape. For export and import a model implements :attr:`device_params` and
    :meth:`params_from_device`.
    """

    name: ClassVar[str]
    complex: ClassVar[bool] = False
    block_types: ClassVar[frozenset[str]] = SPIKING_BLOCK_TYPES
    propagation_delay: ClassVar[bool] = True
    device_type: ClassVar[str | None] = None
    surrogate: ClassVar[SurrogateScaling | None] = None

    def reset_state(self) -> None:
        """Forget every persistent state (buffers whose name ends in ``_state``)."""
        for buffer_name, buffer in self.named_buffers(recurse=False):
            if buffer_name.endswith("_state"):
                setattr(self, buffer_name, torch.zeros(1, dtype=buffer.dtype, device=buffer.device))

    # -- what blocks use -------------------------------------------------------------------------

    def encode_input(self, input: torch.Tensor) -> torch.Tensor:
        """What an ``Input`` block emits for its (affine-transformed) input ``(N, *S, T)``: by default
        the neuron's spikes. A complex model receives ``(input, zeros)``."""
        if type(self).complex:
            return self((input, torch.zeros_like(input)))
        return self(input)

    @contextlib.contextmanager
    def stepping(self) -> Iterator[None]:
        """Run the neuron one time step per call (recurrent blocks): the state is carried from call to call
        inside the context. This generic version forces ``persistent_state`` (states carried detached, as
        lava-dl's recurrence does); :class:`slayer.neuron.base.Neuron` carries them with their autograd
        graph instead. On exit a non-persistent neuron forgets the state."""
        persistent = bool(getattr(self, "persistent_state", False))
        self.persistent_state = True
        try:
            yield
        finally:
            self.persistent_state = persistent
            if not persistent:
                self.reset_state()

    def recurrence(
        self,
        drive: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
        recurrent_weight: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
        bias: torch.Tensor | None,
        initial_spikes: torch.Tensor,
    ) -> torch.Tensor:
        """Spikes ``(N, C, T)`` of a recurrent layer ``s[t] = self(drive[t] + R s[t-1] + bias)``.

        drive: ``(N, C, T)`` (a ``(real, imag)`` pair for complex models); recurrent_weight ``R``: ``(C, C)`` (or
        a pair); bias: ``(C,)`` or ``None`` (added to the real part); initial_spikes ``s[-1]``: ``(N, C)``.
        This generic version calls the neuron once per step inside :meth:`stepping`; a model may override it
        with a fused loop (CUBA does). The output is neuron-contiguous (``(N, T, C)`` memory).
        """
        pairs = isinstance(drive, tuple)
        drives = drive if pairs else (drive,)
        weights = recurrent_weight if pairs else (recurrent_weight,)
        spikes, outputs = initial_spikes, []
        with self.stepping():
            for t in range(drives[0].shape[-1]):
                currents = [d[..., t] + torch.nn.functional.linear(spikes, w) for d, w in zip(drives, weights)]
                if bias is not None:
                    currents[0] = currents[0] + bias
                step_input = tuple(c.unsqueeze(-1) for c in currents) if pairs else currents[0].unsqueeze(-1)
                spikes = self(step_input)[..., 0]
                outputs.append(spikes)
        return torch.stack(outputs, dim=1).movedim(1, -1)

    def readout(self, input: Any) -> torch.Tensor:
        """Non-spiking read-out trace ``(N, *S, T)`` of an ``Affine``/``Output`` block (e.g. CUBA's voltage
        without reset). Models that list ``"Affine"`` or ``"Output"`` in ``block_types`` define it."""
        raise NotImplementedError(f"neuron model {self.name!r} defines no readout (needed by Affine/Output blocks)")

    # -- what export and import use --------------------------------------------------------------

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description written to an hdf5 ``neuron/`` group: ``{'type': device_type, ...}``."""
        raise NotImplementedError(
            f"neuron model {self.name!r} ({type(self).__module__}.{type(self).__qualname__}) does not describe "
            "itself for hdf5 export: define the property device_params"
        )

    def readout_device_params(self) -> dict[str, Any]:
        """``device_params`` of a read-out (``Affine``) block: the threshold mantissa set to
        ``2**18 - 1``, which the hardware neuron never reaches."""
        return {**self.device_params, "vThMant": (1 << 18) - 1}  # lava-dl's "never spikes" mantissa

    @classmethod
    def params_from_device(cls, device_params: Mapping[str, Any], scale: int = 1 << 6) -> dict[str, Any]:
        """Constructor arguments that rebuild a neuron from its :attr:`device_params` (the inverse, used by
        hdf5 import); ``scale`` is the weight scale the mantissas are in. Per-channel values come as tensors."""
        raise NotImplementedError(
            f"neuron model {cls.name!r} ({cls.__module__}.{cls.__qualname__}) cannot be rebuilt from an hdf5 "
            "neuron group: define the classmethod params_from_device"
        )
