"""Reading and writing the datasets of one hdf5 layer group in lava-dl's netx layout.

Writing follows what lava-dl writes (``type`` as ``|S10`` of shape ``(1,)``, integers as int64, weights
and delays as float32, neuron strings as variable-length strings). Reading checks every dataset and raises
:class:`Hdf5FormatError` naming the file, the layer and the dataset at fault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

#: attribute of a layer group holding slayer's JSON description (block type, neuron, arguments);
#: netx reads datasets only, so it ignores it
SLAYER_ATTRIBUTE = "slayer"


class Hdf5FormatError(ValueError):
    """An hdf5 network file is corrupt, truncated or not in the netx layout."""


# -- writing --------------------------------------------------------------------------------------


def write_type(group: Any, layer_type: str) -> None:
    group.create_dataset("type", (1,), "S10", [layer_type.encode("ascii")])


def write_int(group: Any, name: str, value: int | Sequence[int]) -> None:
    group.create_dataset(name, data=np.asarray(value, dtype=np.int64))


def write_float(group: Any, name: str, value: torch.Tensor) -> None:
    group.create_dataset(name, data=value.detach().cpu().to(torch.float32).numpy())


def write_neuron(group: Any, params: Mapping[str, Any]) -> None:
    """``neuron/<key>`` scalar datasets: strings variable-length, bools bool, ints int64, lists arrays."""
    import h5py

    neuron = group.create_group("neuron")
    for key, value in params.items():
        if isinstance(value, str):
            neuron.create_dataset(key, data=value.encode("ascii"), dtype=h5py.string_dtype("ascii"))
        elif isinstance(value, bool | np.bool_):
            neuron.create_dataset(key, data=bool(value))
        elif isinstance(value, int | list | tuple):
            neuron.create_dataset(key, data=np.asarray(value, dtype=np.int64))
        elif isinstance(value, float):
            neuron.create_dataset(key, data=np.float64(value))
        else:
            raise TypeError(f"neuron parameter {key!r}: cannot write a {type(value).__name__} to hdf5")


# -- reading --------------------------------------------------------------------------------------


class LayerReader:
    """Checked access to the datasets of ``layer/<index>`` of ``path``."""

    def __init__(self, group: Any, path: str, index: int) -> None:
        self.group, self.path, self.index = group, path, index

    def error(self, dataset: str | None, problem: str) -> Hdf5FormatError:
        where = f"layer/{self.index}" + (f"/{dataset}" if dataset else "")
        return Hdf5FormatError(f"{self.path}: {where}: {problem}")

    def has(self, name: str) -> bool:
        return name in self.group

    def _raw(self, name: str) -> Any:
        import h5py

        if name not in self.group:
            raise self.error(name, "missing dataset")
        node = self.group[name]
        if not isinstance(node, h5py.Dataset):
            raise self.error(name, "expected a dataset, found a group")
        try:
            return node[()]
        except Exception as exc:  # h5py raises OSError/KeyError/... for damaged data
            raise self.error(name, f"cannot be read ({type(exc).__name__}: {exc})") from exc

    def string(self, name: str) -> str:
        value = self._raw(name)
        if isinstance(value, np.ndarray):
            if value.size != 1:
                raise self.error(name, f"expected one string, found an array of shape {value.shape}")
            value = value.reshape(-1)[0]
        if isinstance(value, bytes | np.bytes_):
            try:
                return bytes(value).decode("ascii")
            except UnicodeDecodeError as exc:
                raise self.error(name, f"not an ASCII string: {bytes(value)!r}") from exc
        if isinstance(value, str):
            return value
        raise self.error(name, f"expected a string, found {value!r}")

    def array(self, name: str, shape: Sequence[int | None] | None = None, integer: bool = False) -> np.ndarray:
        """A numeric dataset as a numpy array, checked for its rank/shape (``None`` = any size), finite
        values and (with ``integer``) whole numbers."""
        value = np.asarray(self._raw(name))
        if value.dtype.kind not in "biuf":
            raise self.error(name, f"expected numbers, found dtype {value.dtype}")
        if shape is not None:
            if value.ndim != len(shape) or any(s is not None and s != v for s, v in zip(shape, value.shape)):
                want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
                raise self.error(name, f"expected shape {want}, found {value.shape}")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise self.error(name, "holds NaN or infinite values")
        if integer and value.dtype.kind == "f" and not (value == np.round(value)).all():
            raise self.error(name, "expected whole numbers")
        return value

    def integer(self, name: str) -> int:
        return int(self.array(name, shape=(), integer=True))

    def pair(self, name: str) -> tuple[int, int]:
        """A ``(2,)`` (or scalar, broadcast) integer dataset such as ``stride``."""
        value = self.array(name, integer=True).reshape(-1)
        if value.size == 1:
            return int(value[0]), int(value[0])
        if value.size != 2:
            raise self.error(name, f"expected 1 or 2 values, found {value.size}")
        return int(value[0]), int(value[1])

    def tensor(self, name: str, shape: Sequence[int | None] | None = None) -> torch.Tensor:
        return torch.from_numpy(self.array(name, shape).astype(np.float32))

    def neuron_params(self) -> dict[str, Any] | None:
        """The ``neuron/`` group as a dict (strings decoded, scalars as Python numbers), or ``None``."""
        import h5py

        if "neuron" not in self.group:
            return None
        neuron = self.group["neuron"]
        if not isinstance(neuron, h5py.Group):
            raise self.error("neuron", "expected a group")
        params: dict[str, Any] = {}
        for key in neuron:
            name = f"neuron/{key}"
            raw = self._raw(name)
            if isinstance(raw, bytes | str | np.bytes_) or (isinstance(raw, np.ndarray) and raw.dtype.kind in "OSU"):
                params[key] = self.string(name)
                continue
            value = self.array(name)
            params[key] = value.item() if value.ndim == 0 else value.tolist()
        if "type" not in params:
            raise self.error("neuron/type", "missing dataset")
        return params

    def slayer_description(self) -> dict[str, Any] | None:
        """slayer's JSON attribute of this layer (``None`` in files written by lava-dl)."""
        import json

        text = self.group.attrs.get(SLAYER_ATTRIBUTE)
        if text is None:
            return None
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise self.error(None, f"attribute {SLAYER_ATTRIBUTE!r} is not valid JSON ({exc})") from exc
