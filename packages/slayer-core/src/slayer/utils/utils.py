"""lava-dl's ``slayer.utils.utils`` helpers that tutorials and user code import: :class:`dotdict`."""

from __future__ import annotations

from typing import Any

__all__ = ["dotdict"]


class dotdict(dict):  # lava-dl's (lower-case) name
    """A ``dict`` whose keys are also attributes: ``d.lr`` is ``d['lr']``, ``d.lr = 1`` sets it.

    As in lava-dl, reading a missing key as an attribute gives ``None`` (lava-dl's tutorials test
    optional settings that way). Deliberate difference: a missing *dunder* name (``__deepcopy__``,
    ``__getstate__``, ...) raises ``AttributeError``, so ``copy``, ``pickle`` and ``hasattr`` protocol
    checks work; lava-dl returns ``None`` for those and ``copy.deepcopy`` of its dotdict fails.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"dotdict has no key {name!r}") from None

    def __repr__(self) -> str:
        return f"dotdict({dict.__repr__(self)})"
