"""lava-dl's module path ``slayer.utils.time.shift``: ``from slayer.utils.time.shift import shift``.
The module is also callable as the function (see ``_callable_module``)."""

from ._callable_module import make_callable
from ._shift import shift

__all__ = ["shift"]

make_callable(__name__, shift)
