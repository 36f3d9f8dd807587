"""Whole networks and hdf5 files: :class:`Sequential`, :func:`export_hdf5` and :func:`load_hdf5`.

File layout (lava-dl's netx format): ``layer/0``, ``layer/1``, ... one group per block in order. Each
group also carries slayer's JSON description (attribute ``slayer``), which netx ignores and which lets
:func:`load_hdf5` rebuild exactly the block that was exported (any family, plugins included). Files
written by lava-dl have no description; their blocks are rebuilt from the netx datasets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from slayer.core.plugins import registry

from ._block import Block
from ._family import family
from ._hdf5_fields import Hdf5FormatError, LayerReader

#: netx layer type -> block type, for files written by lava-dl
_BLOCK_OF_HDF5_TYPE = {
    "input": "Input",
    "flatten": "Flatten",
    "average": "Average",
    "dense": "Dense",
    "conv": "Conv",
    "convT": "ConvT",
    "pool": "Pool",
    "unpool": "Unpool",
    "dense_rec": "Recurrent",
    "decimation": "TimeDecimation",
}
#: lava-dl's Affine exports its neuron with this threshold mantissa (never spikes)
_READOUT_MANTISSA = (1 << 18) - 1


class Sequential(torch.nn.Module):
    """Blocks run one after the other: ``Sequential(blocks)``; ``net.blocks`` is a ``ModuleList``.

    ``forward(x)`` passes ``x`` through every block (a block with ``count_log`` contributes only its
    output); :meth:`export_hdf5` writes the network; :meth:`reset_state` resets every block.
    """

    def __init__(self, blocks: Iterable[torch.nn.Module]) -> None:
        super().__init__()
        self.blocks = torch.nn.ModuleList(blocks)

    def forward(self, input: Tensor) -> Tensor:
        x = input
        for block in self.blocks:
            x = block(x)
            if isinstance(x, tuple) and not isinstance(x[0], tuple):
                x = x[0]
        return x

    def reset_state(self) -> None:
        for block in self.blocks:
            if hasattr(block, "reset_state"):
                block.reset_state()

    def export_hdf5(self, path: str | os.PathLike[str]) -> None:
        export_hdf5(self.blocks, path)


def export_hdf5(blocks: Iterable[torch.nn.Module] | torch.nn.Module, path: str | os.PathLike[str]) -> None:
    """Write ``blocks`` (a list, ``ModuleList``, :class:`Sequential` or a module with ``.blocks``) to ``path``
    as ``layer/<i>`` groups. Never modifies the blocks. Run one forward first (shapes are found there)."""
    import h5py

    blocks = list(getattr(blocks, "blocks", blocks))
    for index, block in enumerate(blocks):
        if not isinstance(block, Block):
            raise TypeError(f"export_hdf5: blocks[{index}] is a {type(block).__name__}, not a slayer block")
    with h5py.File(path, "w") as file:
        layers = file.create_group("layer")
        for index, block in enumerate(blocks):
            block.export_hdf5(layers.create_group(str(index)))


def load_hdf5(path: str | os.PathLike[str]) -> Sequential:
    """Rebuild a trainable network from an hdf5 file written by :func:`export_hdf5` or by lava-dl.

    Each layer's block type and neuron model come from slayer's description if present, else from the
    netx ``type`` and ``neuron/type`` datasets (matched against the registered models' ``device_type``).
    A corrupt, truncated or foreign file raises :class:`Hdf5FormatError` naming the layer and dataset.
    """
    import h5py

    path_text = os.fspath(path)
    try:
        file = h5py.File(path_text, "r")
    except OSError as exc:
        raise Hdf5FormatError(f"{path_text}: not a readable hdf5 file ({exc})") from exc
    with file:
        layers = file.get("layer")
        if not isinstance(layers, h5py.Group):
            raise Hdf5FormatError(f"{path_text}: no group 'layer' (not a netx network file)")
        names = sorted(layers, key=lambda name: int(name) if name.isdigit() else -1)
        if [n for n in names if not n.isdigit()] or [int(n) for n in names] != list(range(len(names))):
            raise Hdf5FormatError(f"{path_text}: layer groups must be named 0..n-1, found {sorted(layers)}")
        blocks = []
        for index, name in enumerate(names):
            group = layers[name]
            if not isinstance(group, h5py.Group):
                raise Hdf5FormatError(f"{path_text}: layer/{name} is not a group")
            blocks.append(_read_block(LayerReader(group, path_text, index)))
    return Sequential(blocks)


def _read_block(reader: LayerReader) -> Block:
    layer_type = reader.string("type")
    description = reader.slayer_description()
    if description is not None:
        block_name, neuron_name = description.get("block"), description.get("neuron")
        if not isinstance(block_name, str):
            raise reader.error(None, "slayer description names no block type")
    else:
        if layer_type not in _BLOCK_OF_HDF5_TYPE:
            raise reader.error("type", f"unknown layer type {layer_type!r}; known: {', '.join(_BLOCK_OF_HDF5_TYPE)}")
        device = reader.neuron_params()
        block_name = _lava_block_name(layer_type, device)
        neuron_name = _neuron_name_of_device_type(reader, device["type"]) if device is not None else None
    block_types = registry().get("blocks")
    if block_name not in block_types:
        raise reader.error(None, f"block type {block_name!r} is not registered (is its plugin installed?)")
    block_type = block_types[block_name].obj
    if block_type.needs_neuron:
        if neuron_name is None:
            raise reader.error("neuron", f"a {block_name} layer needs a neuron group")
        try:
            block_type = getattr(family(neuron_name), block_name)
        except AttributeError as exc:
            raise reader.error(None, str(exc)) from exc
    return block_type.from_hdf5(reader, description)


def _lava_block_name(layer_type: str, device: dict[str, Any] | None) -> str:
    if layer_type == "dense" and device is not None:
        if device.get("sigma_output"):
            return "Output"
        if device.get("vThMant") == _READOUT_MANTISSA:
            return "Affine"
    return _BLOCK_OF_HDF5_TYPE[layer_type]


def _neuron_name_of_device_type(reader: LayerReader, device_type: str) -> str:
    device_type = "CUBA" if device_type == "LOIHI" else device_type  # lava-dl's older name
    models = {entry.obj.device_type: name for name, entry in registry().get("neurons").items() if entry.obj.device_type}
    if device_type not in models:
        raise reader.error(
            "neuron/type", f"no registered neuron model has device type {device_type!r}; known: {sorted(models)}"
        )
    return models[device_type]
