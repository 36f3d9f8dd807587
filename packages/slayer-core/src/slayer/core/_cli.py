"""``python -m slayer``: inspect what is installed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from slayer.core._table import format_table
from slayer.core.plugins import KINDS, registry


def _plugins_table() -> str:
    reg = registry()
    provided: dict[str, dict[str, list[str]]] = {}  # plugin -> kind -> names
    for kind in KINDS:
        for entry in reg.get(kind).values():
            provided.setdefault(entry.plugin, {}).setdefault(kind, []).append(entry.name)
    rows = []
    for info in reg.plugins():
        kinds = provided.get(info.name, {})
        registers = "; ".join(f"{kind}: {', '.join(sorted(names))}" for kind, names in kinds.items())
        if info.error:
            registers = f"{registers} ({info.error})".strip()
        rows.append((info.name, info.distribution, info.version, info.status, registers or "-"))
    if not rows:
        return "no slayer plugins are installed"
    return format_table(("plugin", "distribution", "version", "status", "registers"), rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slayer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugins", help="list installed plugins, their distributions and what they register")
    args = parser.parse_args(argv)
    if args.command == "plugins":
        print(_plugins_table())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
