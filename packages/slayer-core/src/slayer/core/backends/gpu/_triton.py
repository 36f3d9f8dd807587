"""The one place that imports triton; imported only when the gpu backend's kernels are first used.

Interpreted mode (``SLAYER_TRITON_INTERPRET=1`` or ``TRITON_INTERPRET=1``): every kernel and helper of
this package becomes a Triton ``InterpretedFunction`` whatever mode triton itself was imported in
(``torch._dynamo`` imports triton before the first custom op runs, so the variable often comes too
late for triton's own ``@jit`` standard library). The kernels therefore call only Triton builtins in
that mode (see ``_arith.column``), never ``tl.sum``, ``tl.cdiv`` or ``tl.zeros`` (standard-library ``@jit`` functions).
"""

from __future__ import annotations

import triton
import triton.language as tl

from ._mode import interpreting

INTERPRETED = interpreting()

if INTERPRETED:
    from triton.runtime.interpreter import InterpretedFunction

    def jit(fn):
        return InterpretedFunction(fn)

else:
    jit = triton.jit

__all__ = ["INTERPRETED", "jit", "tl", "triton"]
