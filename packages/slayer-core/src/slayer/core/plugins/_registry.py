"""The registry: what installed plugins provide, validated, keyed by unique names, loaded lazily."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pluggy

from ._loading import (
    BLOCKED_PLUGINS_ENV,
    FIRST_PARTY_DISTRIBUTIONS,
    PluginInfo,
    SlayerPluginWarning,
    load_entry_points,
    new_plugin_manager,
    register_checked,
)


class PluginError(Exception):
    """Base class of errors caused by what a plugin registered."""


class PluginValidationError(PluginError, TypeError):
    """A plugin returned something that is not what its hook promises."""


class DuplicateNameError(PluginError, ValueError):
    """Two registrations of one kind share a name."""


@dataclass(frozen=True)
class Registration:
    """One registered object: its unique ``name``, the object, and where it came from."""

    kind: str
    name: str
    obj: Any
    plugin: str
    source: str

    def describe(self) -> str:
        qualname = getattr(self.obj, "__qualname__", type(self.obj).__qualname__)
        module = getattr(self.obj, "__module__", type(self.obj).__module__)
        return f"{module}.{qualname} from plugin {self.plugin!r} ({self.source})"


@dataclass(frozen=True)
class Kind:
    """A kind of registrable thing: its hook, a check of one item, and a description."""

    name: str
    hook: str
    check: Callable[[Any], str | None]  # returns why an item is invalid, or None


def _class_with_name(base_path: str) -> Callable[[Any], str | None]:
    def check(item: Any) -> str | None:
        base = _import_attr(base_path)
        if not isinstance(item, type):
            return f"{item!r} is not a class (expected a subclass of {base_path})"
        if not issubclass(item, base):
            return f"{item.__module__}.{item.__qualname__} is not a subclass of {base_path}"
        name = item.__dict__.get("name", getattr(item, "name", None))
        if not isinstance(name, str) or not name:
            return f"{item.__module__}.{item.__qualname__} has no class attribute 'name' (a non-empty str)"
        return None

    return check


def _instance_with_name(base_path: str) -> Callable[[Any], str | None]:
    def check(item: Any) -> str | None:
        base = _import_attr(base_path)
        if not isinstance(item, base):
            return f"{item!r} is not an instance of {base_path}"
        if not isinstance(getattr(item, "name", None), str) or not item.name:
            return f"{item!r} has no 'name' (a non-empty str)"
        return None

    return check


def _first_party(info: PluginInfo | None) -> bool:
    return info is not None and info.distribution in FIRST_PARTY_DISTRIBUTIONS


def _import_attr(path: str) -> Any:
    import importlib

    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("neurons", "slayer_register_neurons", _class_with_name("slayer.core.neuron.Neuron")),
        Kind("blocks", "slayer_register_blocks", _class_with_name("torch.nn.Module")),
        Kind("synapses", "slayer_register_synapses", _class_with_name("torch.nn.Module")),
        Kind("event_formats", "slayer_register_event_formats", _instance_with_name("slayer.core.events.EventFormat")),
        Kind("backends", "slayer_register_backends", _instance_with_name("slayer.core.backends.Backend")),
    )
}


class Registry:
    """Plugins and what they register. Nothing is imported until first asked.

    ``registry.get("neurons")`` maps each neuron name to its :class:`Registration`.
    """

    def __init__(self, autoload: bool = True, strict: bool = False) -> None:
        self._autoload = autoload
        self._strict = strict
        self._problems: dict[str, list[tuple[str, bool]]] = {}  # plugin -> (what was skipped, whole hook?)
        self._lock = threading.RLock()
        self._pm: pluggy.PluginManager | None = None
        self._infos: list[PluginInfo] = []
        self._tables: dict[str, dict[str, Registration]] = {}

    def __repr__(self) -> str:
        if self._pm is None:
            return "Registry(not loaded yet)"
        kinds = ", ".join(f"{kind}={len(table)}" for kind, table in self._tables.items())
        return f"Registry(plugins={len(self._infos)}{', ' + kinds if kinds else ''})"

    # -- plugins -------------------------------------------------------------------------
    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        with self._lock:
            if self._pm is None:
                pm = new_plugin_manager()
                self._infos = load_entry_points(pm) if self._autoload else []
                self._pm = pm
            return self._pm

    def plugins(self) -> list[PluginInfo]:
        """Every plugin seen (entry points and in-process registrations), in load order.

        Collects every kind first, so a plugin whose hook raised or returned a non-list shows as
        ``"failed"`` and one with some skipped registrations as ``"partial"``, with the reasons in ``error``.
        """
        for kind in KINDS:
            self.get(kind)
        with self._lock:
            return [self._with_problems(info) for info in self._infos]

    def _with_problems(self, info: PluginInfo) -> PluginInfo:
        problems = self._problems.get(info.name)
        if not problems or info.status not in ("loaded", "in-process"):
            return info
        registers_something = any(
            entry.plugin == info.name for table in self._tables.values() for entry in table.values()
        )
        whole_hook_failed = any(whole for _, whole in problems)
        status = "partial" if registers_something and not whole_hook_failed else "failed"
        error = "; ".join(detail for detail, _ in problems)
        return replace(info, status=status, error=f"{info.error}; {error}" if info.error else error)

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object in-process (tests, notebooks). Clears cached tables."""
        with self._lock:
            error = register_checked(self.plugin_manager, plugin, name, source="registered in-process")
            if error is None:
                self._infos.append(PluginInfo(name, "<in-process>", "", repr(plugin), "in-process"))
            self._tables.clear()
            self._problems.clear()

    def unregister(self, name: str) -> None:
        with self._lock:
            self.plugin_manager.unregister(name=name)
            self._infos = [info for info in self._infos if info.name != name]
            self._tables.clear()
            self._problems.clear()

    # -- registrations -------------------------------------------------------------------
    def get(self, kind: str) -> dict[str, Registration]:
        """All registrations of ``kind`` (one of :data:`KINDS`), validated, by name."""
        if kind not in KINDS:
            raise KeyError(f"unknown registry kind {kind!r}; known kinds: {', '.join(KINDS)}")
        with self._lock:
            if kind not in self._tables:
                self._tables[kind] = self._collect(KINDS[kind])
            return self._tables[kind]

    def lookup(self, kind: str, name: str) -> Any:
        """The object registered as ``name``; a KeyError lists the known names."""
        table = self.get(kind)
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise KeyError(f"no {kind[:-1].replace('_', ' ')} named {name!r} is registered; known: {known}")
        return table[name].obj

    def _collect(self, kind: Kind) -> dict[str, Registration]:
        pm = self.plugin_manager
        infos = {info.name: info for info in self._infos}
        table: dict[str, Registration] = {}
        for plugin_name, result in self._call_each(pm, kind.hook):
            info = infos.get(plugin_name)
            in_process = info is None or info.status == "in-process"
            source = "registered in-process" if in_process else f"distribution {info.distribution} {info.version}"
            where = f"slayer plugin {plugin_name!r} ({source})"
            if isinstance(result, _HookFailure):
                # Hooks import their modules lazily: a failure here is a broken plugin, skipped
                # like one that fails at entry-point load, so the others still work.
                detail = f"failed in {kind.hook} ({type(result.error).__name__}: {result.error})"
                self._skip(plugin_name, where, detail, PluginError, whole=True)
                continue
            if result is None:
                warnings.warn(
                    f"{where} returned None from {kind.hook}; did it forget to return a list?",
                    SlayerPluginWarning,
                    stacklevel=4,
                )
                continue
            if not isinstance(result, (list, tuple)):
                detail = f"returned {result!r} from {kind.hook}; expected a list"
                self._skip(plugin_name, where, detail, PluginValidationError, whole=True)
                continue
            for item in result:
                problem = kind.check(item)
                if problem:
                    detail = f"registered an invalid {kind.name[:-1]}: {problem}"
                    self._skip(plugin_name, where, detail, PluginValidationError)
                    continue
                entry = Registration(kind.name, item.name, item, plugin_name, source)
                previous = table.get(item.name)
                if previous is None or previous.obj is item:
                    table[item.name] = entry
                    continue
                # slayer's own models win over a third party's of the same name; otherwise the first one loaded
                keep, drop = (entry, previous) if _first_party(info) and not _first_party(infos.get(previous.plugin)) \
                    else (previous, entry)  # fmt: skip
                table[item.name] = keep
                detail = (
                    f"registered the {kind.name[:-1].replace('_', ' ')} name {item.name!r} twice: "
                    f"{keep.describe()} (kept) and {drop.describe()} (skipped)"
                )
                self._skip(drop.plugin, f"slayer plugin {drop.plugin!r} ({drop.source})", detail, DuplicateNameError)
        return table

    def _skip(self, plugin_name: str, where: str, detail: str, error: type[PluginError], whole: bool = False) -> None:
        """Skip one bad registration (or, ``whole``, a hook's entire result) of a plugin: raise in strict
        mode, else warn naming the plugin and how to block it, and remember it for :meth:`plugins`."""
        message = f"{where} {detail}"
        if self._strict:
            raise error(message)
        self._problems.setdefault(plugin_name, []).append((detail, whole))
        warnings.warn(
            f"{message}; skipped, the other plugins are unaffected (to silence this, block the plugin with "
            f"{BLOCKED_PLUGINS_ENV}={plugin_name})",
            SlayerPluginWarning,
            stacklevel=5,
        )

    @staticmethod
    def _call_each(pm: pluggy.PluginManager, hook_name: str) -> Iterator[tuple[str, Any]]:
        # Called one implementation at a time so every result is attributed to its plugin.
        caller = getattr(pm.hook, hook_name)
        for impl in caller.get_hookimpls():  # registration order
            try:
                result = impl.function()
            except Exception as error:
                result = _HookFailure(error)
            yield impl.plugin_name, result


@dataclass(frozen=True)
class _HookFailure:
    error: Exception


_default: Registry | None = None
_default_lock = threading.Lock()


def registry() -> Registry:
    """The process-wide registry (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default


def reset() -> None:
    """Forget every loaded plugin and cached table; the next use reloads entry points.

    For tests that change ``SLAYER_*`` environment variables or installed plugins.
    """
    global _default
    with _default_lock:
        _default = None
    for callback in _reset_callbacks:
        callback()


_reset_callbacks: list[Callable[[], None]] = []


def on_reset(callback: Callable[[], None]) -> Callable[[], None]:
    """Run ``callback`` whenever :func:`reset` is called (caches derived from the registry)."""
    _reset_callbacks.append(callback)
    return callback
