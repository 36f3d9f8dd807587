"""The contract of an event file format registered through ``slayer_register_event_formats``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .arguments import string_tuple


@dataclass(frozen=True)
class EventFormat:
    """An event file format.

    ``read(path) -> events`` and ``write(path, events)`` work on whatever event object the
    providing package defines (``slayer.io.Event`` for the first-party formats); either
    may be ``None`` for a read-only or write-only format. ``suffixes`` are the file name
    endings it claims (``(".bs2",)``).
    """

    name: str
    suffixes: tuple[str, ...] = ()
    read: Callable[..., Any] | None = field(default=None, repr=False)
    write: Callable[..., Any] | None = field(default=None, repr=False)
    description: str = ""

    def __post_init__(self) -> None:
        # a plain string would be iterated character by character and never match a file name
        object.__setattr__(self, "suffixes", string_tuple(f"EventFormat {self.name!r}", "suffixes", self.suffixes))
