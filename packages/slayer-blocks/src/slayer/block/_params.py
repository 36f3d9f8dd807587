"""Block and neuron constructor arguments as JSON, so an hdf5 file rebuilds the same trainable block.

Numbers, strings, booleans, ``None`` and lists are stored as they are; tuples, tensors, classes and
functions (e.g. ``norm=MeanOnlyBatchNorm``, ``activation=F.relu``) and ``slayer.neuron.Dropout``
instances are tagged. Anything else raises an error naming the argument.
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any

import torch


class _NeuronQuantizer:
    """Default ``pre_hook_fx`` of blocks: the neuron's 8-bit weight quantiser (``None`` keeps full precision)."""

    def __repr__(self) -> str:
        return "<neuron.quantize_8bit>"


NEURON_QUANTIZER: Any = _NeuronQuantizer()


def _import_path(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _resolve(path: str) -> Any:
    module, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def encode(value: Any, name: str) -> Any:
    """A JSON-ready form of one constructor argument ``name``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if value is NEURON_QUANTIZER:
        return {"neuron_quantizer": True}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, name) for v in value]}
    if isinstance(value, list):
        return [encode(v, name) for v in value]
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v, f"{name}.{k}") for k, v in value.items()}}
    if isinstance(value, torch.Tensor):
        return {"tensor": value.detach().cpu().tolist(), "dtype": str(value.dtype).removeprefix("torch.")}
    if isinstance(value, torch.nn.Dropout3d):  # slayer.neuron.Dropout
        return {"module": _import_path(type(value)), "p": value.p}
    if isinstance(value, type) or callable(value):
        path = _import_path(value)
        if "<" in path:  # a lambda or a local function cannot be imported back
            raise ValueError(f"argument {name!r}: {value!r} cannot be stored in hdf5 (not importable by name)")
        return {"import": path}
    raise ValueError(f"argument {name!r}: a {type(value).__name__} cannot be stored in hdf5")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "neuron_quantizer" in value:
        return NEURON_QUANTIZER
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    if "dict" in value:
        return {k: decode(v) for k, v in value["dict"].items()}
    if "float" in value:
        return float(value["float"])
    if "tensor" in value:
        return torch.tensor(value["tensor"], dtype=getattr(torch, value["dtype"]))
    if "module" in value:
        return _resolve(value["module"])(p=value["p"])
    if "import" in value:
        return _resolve(value["import"])
    raise ValueError(f"unknown stored argument form {sorted(value)}")


def dumps(arguments: dict[str, Any]) -> str:
    return json.dumps({name: encode(value, name) for name, value in arguments.items()})


def loads(text: str) -> dict[str, Any]:
    return {name: decode(value) for name, value in json.loads(text).items()}
