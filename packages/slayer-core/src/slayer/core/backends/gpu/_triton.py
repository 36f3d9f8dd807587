"""The one place that imports triton; imported only when the gpu backend's kernels are first used.

With ``SLAYER_TRITON_INTERPRET`` set, ``TRITON_INTERPRET=1`` is put in the environment before triton
is imported: Triton decides at definition time whether a ``@triton.jit`` function (its own standard
library included) is compiled or interpreted, so the switch must precede ``import triton``.
"""

from __future__ import annotations

import os
import sys

from ._mode import TRITON_INTERPRET_ENV, interpret_requested, interpreting

if interpret_requested():
    if "triton" in sys.modules and not interpreting():
        raise RuntimeError(
            "SLAYER_TRITON_INTERPRET=1 was set after triton had been imported in compiled mode; "
            "set it (or TRITON_INTERPRET=1) before anything imports triton"
        )
    os.environ[TRITON_INTERPRET_ENV] = "1"

import triton
import triton.language as tl

INTERPRETED = interpreting()
jit = triton.jit

__all__ = ["INTERPRETED", "jit", "tl", "triton"]
