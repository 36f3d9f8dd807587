"""Claims a page makes about the repository: ``SLAYER_*`` environment variables, ``nox -s`` sessions, paths,
relative links and ``pip install ./packages/...`` lines.

Each ``check_*`` function returns a list of problems naming the page and line; an empty list means it holds.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from doc_pages import ROOT, InlineCode

_ENV = re.compile(r"\bSLAYER_[A-Z0-9_]*[A-Z0-9]\b")
_NOX = re.compile(r"\bnox\s+(?:[^`|;]*?\s)?-s\s+([A-Za-z_][\w-]*)")
_PATH = re.compile(r"^(?:packages|tests|docs|tutorials|benchmarks|constraints|\.ci)/[\w./-]+$|^noxfile\.py$")
_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


@cache
def _source_text() -> str:
    files = [p for p in sorted((ROOT / "packages").glob("*/src/**/*")) if p.suffix in (".py", ".cpp", ".h")]
    return "\n".join(path.read_text(errors="replace") for path in files)


def check_env_vars(spans: Iterable[InlineCode], source: str | None = None) -> list[str]:
    """Every ``SLAYER_*`` variable named on a page is read by the packages' sources."""
    source = _source_text() if source is None else source
    problems = []
    for span in spans:
        for var in _ENV.findall(span.code):
            if f'"{var}"' not in source and f"'{var}'" not in source and f"#define {var}" not in source:
                problems.append(f"{span.where}: {var} is neither read nor defined anywhere in packages/*/src")
    return problems


@cache
def nox_sessions(noxfile: Path = ROOT / "noxfile.py") -> frozenset[str]:
    """Names of the functions decorated with ``@nox.session`` in ``noxfile``."""
    tree = ast.parse(noxfile.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if ast.unparse(target) == "nox.session":
                    name = node.name
                    if isinstance(deco, ast.Call):
                        for kw in deco.keywords:
                            if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                                name = kw.value.value
                    names.add(name)
    return frozenset(names)


def check_nox_sessions(spans: Iterable[InlineCode], sessions: frozenset[str] | None = None) -> list[str]:
    sessions = nox_sessions() if sessions is None else sessions
    return [
        f"{span.where}: `nox -s {name}`: noxfile.py has no session {name!r} (it has {', '.join(sorted(sessions))})"
        for span in spans
        for name in _NOX.findall(span.code)
        if name not in sessions
    ]


def first_party_dependencies(dist: str, root: Path = ROOT) -> set[str]:
    """The slayer distributions ``dist`` needs (recursively), from the packages' pyproject.toml files."""
    import tomllib

    declared = tomllib.loads((root / "packages" / dist / "pyproject.toml").read_text())["project"]["dependencies"]
    direct = {
        m[0] for d in declared if (m := re.findall(r"^(slayer-[a-z]+)", d)) and (root / "packages" / m[0]).is_dir()
    }
    return direct.union(*(first_party_dependencies(d, root) for d in direct))


def check_local_installs(spans: Iterable[InlineCode], root: Path = ROOT) -> list[str]:
    """A ``pip install ./packages/a ./packages/b`` line lists every first-party package those need: pip cannot
    find an unpublished sibling on an index. A line ending in ``...`` lists examples only."""
    problems = []
    for span in spans:
        if "pip install" not in span.code or "..." in span.code:
            continue
        listed = set(re.findall(r"(?:^|[\s=])(?:\./)?packages/(slayer-[a-z]+)", span.code))
        missing = set().union(*(first_party_dependencies(d, root) for d in listed)) - listed
        if missing:
            problems.append(
                f"{span.where}: `pip install` of {', '.join(sorted(listed))} also needs "
                f"{', '.join(sorted(missing))} from packages/ (not on an index)"
            )
    return problems


def check_paths(spans: Iterable[InlineCode], root: Path = ROOT) -> list[str]:
    """Repository paths written in inline code exist, from the root, the page's folder or a package's
    (``::`` test ids and trailing ``/`` allowed)."""
    problems = []
    for span in spans:
        path = span.code.split("::", 1)[0]
        if not _PATH.match(path):
            continue
        bases = [root, (root / span.page).parent, *root.glob("packages/*")]  # the repository, the page, a package
        if not any((base / path).exists() for base in bases):
            problems.append(
                f"{span.where}: `{path}` exists neither in the repository, beside the page nor in a package"
            )
    return problems


def check_links(text: str, page: Path, root: Path = ROOT) -> list[str]:
    """Relative links of a page point at files that exist (anchors and URLs are not followed)."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        for match in _LINK.finditer(line):
            target = match["target"].split("#", 1)[0]
            if not target or re.match(r"^[a-z]+:", target):
                continue
            if not (page.parent / target).resolve().exists():
                problems.append(f"{page.relative_to(root).as_posix()}:{number}: link to {target} that does not exist")
    return problems
