"""``read_events`` / ``write_events``: pick the registered event format from the file suffix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from slayer.core import EventFormat, registry


def _format_for(path: Path, format: str | None, need: str) -> EventFormat:
    formats = registry().get("event_formats")
    if format is not None:
        chosen: EventFormat = registry().lookup("event_formats", format)
    else:
        suffix = path.suffix.lower()
        matches = [reg.obj for reg in formats.values() if suffix in tuple(s.lower() for s in reg.obj.suffixes)]
        if not matches:
            known = ", ".join(sorted({s for reg in formats.values() for s in reg.obj.suffixes})) or "none"
            raise ValueError(
                f"no registered event format claims the suffix {suffix or '(none)'!r} of {str(path)!r}; "
                f"known suffixes: {known}; or pass format=<name> (one of {', '.join(sorted(formats))})"
            )
        if len(matches) > 1:
            names = ", ".join(sorted(f.name for f in matches))
            raise ValueError(f"several event formats claim the suffix {suffix!r}: {names}; pass format=<name>")
        chosen = matches[0]
    if getattr(chosen, need) is None:
        raise ValueError(f"event format {chosen.name!r} cannot {need} files")
    return chosen


def read_events(path: str | os.PathLike[str], format: str | None = None, **kwargs: Any) -> Any:
    """Read an event file with the registered format claiming its suffix (or the one named ``format``).

    >>> import slayer
    >>> event = slayer.io.read_events('tutorials/oxford/data/input.bs1')  # .bs1: the 1-D format
    >>> event.dim, len(event)
    (1, 1889)
    """
    return _format_for(Path(path), format, "read").read(path, **kwargs)


def write_events(path: str | os.PathLike[str], event: Any, format: str | None = None, **kwargs: Any) -> None:
    """Write ``event`` with the registered format claiming the suffix of ``path`` (or the one named ``format``)."""
    _format_for(Path(path), format, "write").write(path, event, **kwargs)
