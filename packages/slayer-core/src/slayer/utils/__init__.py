"""slayer utilities (distribution ``slayer-core``): quantisation, integer helpers, time-axis
filters (``slayer.utils.filter``) and shifts (``slayer.utils.time``), and training helpers
(``LearningStats``, ``Assistant``).

The quantisers and ``dotdict`` are re-exported here under lava-dl's names. ``slayer.utils.quantize`` is the
*function* (as in lava-dl); its module is ``slayer.utils.quantization``. Other submodules
are imported on first attribute access.
"""

from __future__ import annotations

from slayer.core.submodules import lazy_submodules

from .assistant import Assistant as Assistant
from .quantization import MODE as QUANTIZE_MODE
from .quantization import quantize as quantize
from .quantization import quantize_8bit as quantize_8bit
from .quantization import quantize_hook_fx as quantize_hook_fx
from .stats import LearningStat as LearningStat
from .stats import LearningStats as LearningStats
from .utils import dotdict as dotdict

__all__ = [
    "QUANTIZE_MODE",
    "Assistant",
    "LearningStat",
    "LearningStats",
    "dotdict",
    "quantize",
    "quantize_8bit",
    "quantize_hook_fx",
]

# imported lazily; "quantization" is listed for completeness (already imported above)
_SUBMODULES = ("filter", "time", "quantization", "int_utils", "stats", "assistant")

__getattr__ = lazy_submodules(__name__, _SUBMODULES)
