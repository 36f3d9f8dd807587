"""Opt-in checks of tensor values (they synchronise with the device, so they are off by default).

``SLAYER_VALIDATE=1`` in the environment (read at import) or ``with validation(True):`` turns on a
check that every input, state and decay is finite and within int64 range after scaling; off, a
non-finite value has the defined effect documented in ``docs/semantics.md`` (it poisons that neuron's
outputs with NaN from the bin it enters on).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_enabled: bool = os.environ.get("SLAYER_VALIDATE", "") not in ("", "0")


def validation_enabled() -> bool:
    """Whether the value checks run."""
    return _enabled


@contextlib.contextmanager
def validation(enabled: bool = True) -> Iterator[None]:
    """Turn the value checks on (or off) inside a ``with`` block."""
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    try:
        yield
    finally:
        _enabled = previous
