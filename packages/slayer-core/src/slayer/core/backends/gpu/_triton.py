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


def _scalar_index_fix() -> None:
    """Let the interpreter of older Triton (3.2 to 3.6) use a runtime scalar as a ``range`` bound under NumPy >= 2.4.

    That interpreter holds a scalar argument as a NumPy array of shape ``(1,)`` and converts it with
    ``int(array)``, which NumPy 2.4 refuses ("only 0-dimensional arrays can be converted to Python
    scalars"): every kernel's time loop failed. Newer Triton converts through ``.item()``; so does this
    wrapper of the interpreter's tensor patch, installed only where the conversion fails.
    """
    import numpy as np
    from triton.runtime import interpreter

    try:
        int(np.zeros(1, dtype=np.int32))
        return  # this NumPy still converts size-1 arrays
    except TypeError:
        pass
    original = getattr(interpreter, "_patch_lang_tensor", None)
    if original is None or getattr(original, "slayer_index_fix", False):
        return

    def index(self):
        return int(self.handle.data.item())

    def patch_lang_tensor(tensor, *scope):  # Triton 3.6 passes a scope that restores the attributes; 3.2 none
        original(tensor, *scope)
        if scope:
            scope[0].set_attr(tensor, "__index__", index)
        else:
            tensor.__index__ = index

    patch_lang_tensor.slayer_index_fix = True
    interpreter._patch_lang_tensor = patch_lang_tensor


if INTERPRETED:
    from triton.runtime.interpreter import InterpretedFunction

    _scalar_index_fix()

    def jit(fn):
        return InterpretedFunction(fn)

else:
    jit = triton.jit

__all__ = ["INTERPRETED", "jit", "tl", "triton"]
