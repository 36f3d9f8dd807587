"""Compute backends: who runs the dynamics ops on which device."""

from ._backend import Backend as Backend

__all__ = ["Backend"]
