"""Modules that can be called like the function they are named after.

lava-dl code imports ``from slayer.utils.time.shift import shift`` (a module) and also calls
``slayer.utils.time.shift(x, 1)`` (a function). Importing the submodule rebinds the package attribute to the
module, so the module forwards calls to the function and both spellings keep working.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def make_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Let the module ``module_name`` be called as ``function``."""

    class CallableModule(types.ModuleType):
        __wrapped__ = function

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = CallableModule
