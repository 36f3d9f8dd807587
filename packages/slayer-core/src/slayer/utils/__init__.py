"""slayer utilities (distribution ``slayer-core``): quantisation, integer helpers, time-axis
filters (``slayer.utils.filter``) and shifts (``slayer.utils.time``), and training helpers
(``LearningStats``, ``Assistant``).

The quantisers are re-exported here under lava-dl's names. ``slayer.utils.quantize`` is the
*function* (as in lava-dl); its module is ``slayer.utils.quantization``. Other submodules
are imported on first attribute access.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .quantization import MODE as QUANTIZE_MODE
from .quantization import quantize as quantize
from .quantization import quantize_8bit as quantize_8bit
from .quantization import quantize_hook_fx as quantize_hook_fx

__all__ = [
    "QUANTIZE_MODE",
    "Assistant",
    "LearningStat",
    "LearningStats",
    "quantize",
    "quantize_8bit",
    "quantize_hook_fx",
]

# imported lazily; "quantization" is listed for completeness (already imported above)
_SUBMODULES = ("filter", "time", "quantization", "int_utils", "stats", "assistant")
#: classes imported from their submodule on first access
_CLASSES = {"LearningStat": "stats", "LearningStats": "stats", "Assistant": "assistant"}


def __getattr__(name: str) -> ModuleType | type:
    if name in _CLASSES:
        value = getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'slayer.utils' has no attribute {name!r}")
