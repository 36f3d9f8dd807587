"""A dataset wrapper that caches transformed samples on disk, keyed by the dataset and the transform.

The first access of index ``i`` runs ``transform(events)`` and stores the result; later accesses
(a second epoch, a second run, another DataLoader worker) read it back. The cache folder is
``cache_dir/<key>`` where ``key`` hashes the dataset's identity (class, length, its simple
settings such as root folder, split and its own transform's repr) and ``repr(transform)``:
change any of them and a new folder is used, so a stale cache is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

_SIMPLE = (str, int, float, bool, type(None))


def _stable_repr(what: str, obj: Any) -> str:
    text = repr(obj)
    if " at 0x" in text:
        raise ValueError(
            f"{what} {text} has no stable repr (it shows a memory address), so it cannot key the cache; "
            "use a dataclass transform such as ToSlayerTensor, or pass key='...' naming the settings"
        )
    return text


def dataset_identity(dataset: Any) -> dict[str, Any]:
    """What identifies ``dataset``'s samples: class, length, simple attributes, transforms' reprs."""
    identity: dict[str, Any] = {"class": f"{type(dataset).__module__}.{type(dataset).__qualname__}"}
    identity["len"] = len(dataset)
    for name, value in sorted(getattr(dataset, "__dict__", {}).items()):
        if name.startswith("_"):
            continue
        if name in ("transform", "target_transform", "transforms"):
            identity[name] = _stable_repr(f"the dataset's {name}", value)
        elif isinstance(value, _SIMPLE):
            identity[name] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, _SIMPLE) for v in value):
            identity[name] = hashlib.sha256(repr(value).encode()).hexdigest()[:16]  # e.g. file lists, targets
    return identity


def _to_numpy(value: Any) -> tuple[np.ndarray, str]:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy(), "torch"
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"CachedDataset stores numeric arrays and tensors only; got {type(value).__name__}")
    return array, "scalar" if np.isscalar(value) or isinstance(value, (int, float)) else "numpy"


def _from_numpy(array: np.ndarray, kind: str) -> Any:
    if kind == "torch":
        return torch.from_numpy(array)
    return array.item() if kind == "scalar" else array


class CachedDataset:
    """``dataset[i] = (events, target)`` → ``(transform(events), target)``, cached under ``cache_dir``.

    Dense tensors are stored sparsely (indices and values of non-zero entries, uncompressed ``.npz``),
    so a cached N-MNIST sample of ``2 x 34 x 34 x 300`` takes tens of kB, not 0.7 MB. ``key``
    replaces the automatic key (use it when the transform has no stable repr). ``reset=True``
    deletes this key's cached files first. Unreadable cache files are recomputed with a warning.
    """

    def __init__(
        self,
        dataset: Any,
        cache_dir: str | os.PathLike[str],
        transform: Callable[[Any], Any],
        key: str | None = None,
        reset: bool = False,
    ) -> None:
        self.dataset = dataset
        self.transform = transform
        if key is None:
            identity = {"dataset": dataset_identity(dataset), "transform": _stable_repr("transform", transform)}
        else:
            identity = {"key": key}
        self.identity = identity
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]
        self.path = Path(cache_dir) / digest
        self.path.mkdir(parents=True, exist_ok=True)
        if reset:
            for file in self.path.glob("*.npz"):
                file.unlink()
        (self.path / "key.json").write_text(json.dumps(identity, indent=1, sort_keys=True, default=str))

    def __len__(self) -> int:
        return len(self.dataset)

    def __repr__(self) -> str:
        cached = sum(1 for _ in self.path.glob("*.npz"))
        return (
            f"CachedDataset({type(self.dataset).__name__}, {len(self)} samples, {cached} cached in {str(self.path)!r})"
        )

    def _file(self, index: int) -> Path:
        return self.path / f"{index}.npz"

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for a dataset of {len(self)} samples")
        index = index % len(self)
        file = self._file(index)
        if file.is_file():
            try:
                return self._load(file)
            except Exception as error:  # a cache is derived data: recompute rather than fail
                warnings.warn(f"unreadable cache file {str(file)!r} ({error}); recomputing", stacklevel=2)
        events, target = self.dataset[index]
        sample = self.transform(events)
        self._store(file, sample, target)
        return sample, _from_numpy(*_to_numpy(target))  # the target's type as later reads give it

    @staticmethod
    def _store(file: Path, sample: Any, target: Any) -> None:
        array, kind = _to_numpy(sample)
        target_array, target_kind = _to_numpy(target)
        flat = array.reshape(-1)
        nonzero = np.flatnonzero(flat)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:  # written whole, then renamed: readers never see half a file
            np.savez(
                handle,
                shape=np.asarray(array.shape, np.int64),
                index=nonzero,
                values=flat[nonzero],
                kind=np.asarray(kind),
                target=target_array,
                target_kind=np.asarray(target_kind),
            )
        os.replace(tmp, file)

    @staticmethod
    def _load(file: Path) -> tuple[Any, Any]:
        with np.load(file, allow_pickle=False) as data:
            values = data["values"]
            dense = np.zeros(int(np.prod(data["shape"])), dtype=values.dtype)
            dense[data["index"]] = values
            sample = _from_numpy(dense.reshape(tuple(data["shape"])), str(data["kind"]))
            return sample, _from_numpy(data["target"], str(data["target_kind"]))
