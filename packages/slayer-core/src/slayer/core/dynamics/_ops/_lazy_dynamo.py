"""Custom-op kernels that import ``torch._dynamo`` only once something else has.

``torch.library.custom_op`` wraps each op's Python kernel in ``torch._disable_dynamo``, whose wrapper imports
``torch._dynamo`` on the kernel's first call (1.1-1.4 s here, most of a warm process's first neuron call) just
to exclude the kernel from Dynamo's frame evaluation. Dynamo evaluates no frame before it is imported, so
until then calling the kernel directly is the same thing. The wrapper looks for a ready-made disabled function
in the attribute ``__dynamo_disable`` of the function it wraps (torch 2.6-2.15 alike); this module puts one
there that calls the kernel directly while ``torch._dynamo`` is not imported and, once it is (``torch.compile``,
or any import of it), builds ``torch._dynamo.disable(kernel)`` as torch would have and uses that from then on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_DYNAMO = "torch._dynamo"


class DisabledOnceDynamoLoads:
    """``kernel`` called directly until ``torch._dynamo`` is imported, then through ``torch._dynamo.disable``."""

    __slots__ = ("disabled", "kernel")

    def __init__(self, kernel: Callable[..., Any]) -> None:
        self.kernel = kernel
        self.disabled: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.disabled is None:
            if _DYNAMO not in sys.modules:
                return self.kernel(*args, **kwargs)
            import torch._dynamo

            self.disabled = torch._dynamo.disable(self.kernel)
        return self.disabled(*args, **kwargs)

    def __repr__(self) -> str:
        state = "through torch._dynamo.disable" if self.disabled is not None else "direct until torch._dynamo loads"
        return f"DisabledOnceDynamoLoads({getattr(self.kernel, '__qualname__', self.kernel)!r}, {state})"


def defer_dynamo_import(op: Any) -> int:
    """Give every kernel of the ``CustomOpDef`` ``op`` a :class:`DisabledOnceDynamoLoads`; the number patched.

    Kernels whose wrapper does not have the expected shape (another torch) are left as torch made them.
    """
    patched = 0
    for wrapper in getattr(op, "_backend_fns", {}).values():
        kernel = getattr(wrapper, "__wrapped__", None)
        if kernel is not None and getattr(kernel, "__dynamo_disable", None) is None:
            kernel.__dynamo_disable = DisabledOnceDynamoLoads(kernel)
            patched += 1
    return patched
