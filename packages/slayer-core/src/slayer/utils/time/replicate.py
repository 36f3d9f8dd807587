"""lava-dl's module path ``slayer.utils.time.replicate``: ``from slayer.utils.time.replicate import replicate``.
The module is also callable as the function (see ``_callable_module``)."""

from ._callable_module import make_callable
from ._replicate import replicate

__all__ = ["replicate"]

make_callable(__name__, replicate)
