"""The slayer plugin system (pluggy project and entry-point group ``slayer``).

A plugin is a module (or object) with functions marked ``@slayer.core.hookimpl`` whose
names are the hooks in :mod:`slayer.core.plugins._hookspecs`. Distributions declare it as

.. code-block:: toml

    [project.entry-points.slayer]
    my-distribution = "my_package._plugin"

Environment switches: ``SLAYER_DISABLE_PLUGIN_AUTOLOAD=1`` loads only slayer's own
distributions; ``SLAYER_BLOCKED_PLUGINS=a,b`` skips the named plugins or distributions.
"""

from ._hookspecs import PROJECT as PROJECT
from ._hookspecs import hookimpl as hookimpl
from ._hookspecs import hookspec as hookspec
from ._loading import BLOCKED_PLUGINS_ENV as BLOCKED_PLUGINS_ENV
from ._loading import DISABLE_AUTOLOAD_ENV as DISABLE_AUTOLOAD_ENV
from ._loading import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from ._loading import FIRST_PARTY_DISTRIBUTIONS as FIRST_PARTY_DISTRIBUTIONS
from ._loading import PluginInfo as PluginInfo
from ._loading import SlayerPluginWarning as SlayerPluginWarning
from ._registry import KINDS as KINDS
from ._registry import DuplicateNameError as DuplicateNameError
from ._registry import PluginError as PluginError
from ._registry import PluginValidationError as PluginValidationError
from ._registry import Registration as Registration
from ._registry import Registry as Registry
from ._registry import on_reset as on_reset
from ._registry import registry as registry
from ._registry import reset as reset

__all__ = [
    "BLOCKED_PLUGINS_ENV",
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "FIRST_PARTY_DISTRIBUTIONS",
    "KINDS",
    "PROJECT",
    "DuplicateNameError",
    "PluginError",
    "PluginInfo",
    "PluginValidationError",
    "Registration",
    "Registry",
    "SlayerPluginWarning",
    "hookimpl",
    "hookspec",
    "on_reset",
    "registry",
    "reset",
]
