"""slayer utilities (distribution ``slayer-core``): quantisation, integer helpers, time-axis
filters (``slayer.utils.filter``) and shifts (``slayer.utils.time``).

Submodules are imported on first attribute access.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_SUBMODULES = ("filter", "time", "quantize", "int_utils")


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'slayer.utils' has no attribute {name!r}")
