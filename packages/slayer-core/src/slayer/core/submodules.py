"""Public submodules reachable by attribute access, as the docs write them (``slayer.io.plot.raster``).

A package lists its public submodules and assigns ``__getattr__ = lazy_submodules(__name__, names)``: after
``import slayer`` every documented dotted path then works without an explicit ``import`` statement, while
heavy or optional-dependency submodules (``slayer.io.plot`` needs matplotlib) are imported only when touched.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType


def lazy_submodules(package: str, names: Iterable[str]) -> Callable[[str], ModuleType]:
    """A module-level ``__getattr__`` for ``package`` that imports the submodules ``names`` on first access.

    >>> import slayer
    >>> slayer.core.backends.reference.__name__  # no `import slayer.core.backends.reference` needed
    'slayer.core.backends.reference'
    """
    names = frozenset(names)

    def __getattr__(name: str) -> ModuleType:
        if name in names:
            return importlib.import_module(f"{package}.{name}")  # also binds it as an attribute of package
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
