"""Finding plugins through the ``slayer`` entry-point group and registering them with pluggy."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

import pluggy

from . import _hookspecs

ENTRY_POINT_GROUP = "slayer"
DISABLE_AUTOLOAD_ENV = "SLAYER_DISABLE_PLUGIN_AUTOLOAD"
BLOCKED_PLUGINS_ENV = "SLAYER_BLOCKED_PLUGINS"

#: Distributions that belong to slayer itself. They register through entry points exactly
#: like third parties; the only difference is that disabling autoload keeps them loaded
#: (like pytest's built-in plugins under PYTEST_DISABLE_PLUGIN_AUTOLOAD).
FIRST_PARTY_DISTRIBUTIONS = frozenset({"slayer-core", "slayer-neurons", "slayer-synapse", "slayer-io", "slayer-blocks"})


class SlayerPluginWarning(UserWarning):
    """A plugin was skipped (it failed to import or declares a hook slayer does not know)."""


@dataclass(frozen=True)
class PluginInfo:
    """One entry point of the ``slayer`` group and what became of it.

    ``status`` is ``"loaded"``, ``"blocked"`` (named in ``SLAYER_BLOCKED_PLUGINS``),
    ``"disabled"`` (third party while ``SLAYER_DISABLE_PLUGIN_AUTOLOAD`` is set),
    ``"failed"`` (``error`` says why) or ``"in-process"`` (registered by code, not an
    entry point).
    """

    name: str
    distribution: str
    version: str
    module: str
    status: str
    error: str | None = None


def autoload_disabled() -> bool:
    return os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower() not in ("", "0", "false", "no")


def blocked_names() -> frozenset[str]:
    raw = os.environ.get(BLOCKED_PLUGINS_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _distribution_of(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "<unknown>", "?"
    return dist.metadata["Name"] or "<unknown>", dist.version or "?"


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(_hookspecs.PROJECT)
    pm.add_hookspecs(_hookspecs)
    return pm


def load_entry_points(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Register every allowed entry point of the ``slayer`` group with ``pm``.

    A plugin that fails to import, or implements a hook slayer does not define, is skipped
    with a :class:`SlayerPluginWarning` naming its distribution; the others still load.
    """
    infos: list[PluginInfo] = []
    disabled = autoload_disabled()
    blocked = {_normalise(name) for name in blocked_names()}
    seen: dict[str, str] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist, version = _distribution_of(ep)

        def record(status: str, error: str | None = None, ep=ep, dist=dist, version=version) -> None:
            infos.append(PluginInfo(ep.name, dist, version, ep.value, status, error))

        if _normalise(ep.name) in blocked or _normalise(dist) in blocked:
            pm.set_blocked(ep.name)
            record("blocked")
            continue
        if disabled and _normalise(dist) not in FIRST_PARTY_DISTRIBUTIONS:
            record("disabled")
            continue
        if ep.name in seen:
            message = (
                f"slayer plugin name {ep.name!r} is declared by both {seen[ep.name]} and {dist}; "
                f"the one from {dist} was skipped"
            )
            warnings.warn(message, SlayerPluginWarning, stacklevel=2)
            record("failed", message)
            continue
        seen[ep.name] = dist
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not take the others down
            message = f"{type(exc).__name__}: {exc}"
            warnings.warn(
                f"slayer plugin {ep.name!r} from distribution {dist} {version} failed to import "
                f"and was skipped ({message})",
                SlayerPluginWarning,
                stacklevel=2,
            )
            record("failed", message)
            continue
        error = register_checked(pm, plugin, ep.name, source=f"distribution {dist} {version}")
        record("failed" if error else "loaded", error)
    return infos


def register_checked(pm: pluggy.PluginManager, plugin: object, name: str, source: str) -> str | None:
    """Register ``plugin``; if it implements unknown hooks, unregister it, warn, and return why."""
    pm.register(plugin, name=name)
    unknown = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [] if caller.spec is None)
    if not unknown:
        return None
    pm.unregister(name=name)
    message = f"implements unknown hook(s) {', '.join(unknown)}"
    warnings.warn(f"slayer plugin {name!r} ({source}) {message} and was skipped", SlayerPluginWarning, stacklevel=3)
    return message
