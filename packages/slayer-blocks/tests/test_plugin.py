"""slayer-blocks is installed with its entry point and registers through it like a third party."""

import slayer
from slayer.core.plugins import registry


def test_block_subpackage_is_reachable_from_the_import_root():
    assert slayer.block.__name__ == "slayer.block"


def test_entry_point_is_loaded_from_the_installed_distribution():
    [info] = [info for info in registry().plugins() if info.name == "slayer-blocks"]
    assert (info.distribution, info.status, info.module) == ("slayer-blocks", "loaded", "slayer.block._plugin")


def test_hook_returns_a_list_of_block_types():
    from slayer.block import _plugin

    blocks = _plugin.slayer_register_blocks()
    assert isinstance(blocks, list)
    assert all(entry.plugin == "slayer-blocks" for entry in registry().get("blocks").values())
