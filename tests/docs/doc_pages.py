"""The documentation pages and what they contain: fenced code blocks and inline code spans.

Pure functions over markdown text, so the checks can be fed a page that does not exist on disk (the
tests that show a drifted page fails). Every page is found by glob, so pages added later (a new
``docs/*.md``, a tutorial's README, a package README) are checked without editing these tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: globs (relative to the repository root) of every page a user reads
PAGE_GLOBS = ("README.md", "docs/**/*.md", "tutorials/**/README.md", "packages/*/README.md")

#: first line of a Python block that is shown but not run; the reason follows the colon
NOT_RUN = re.compile(r"#\s*not run:\s*(?P<reason>\S.*)$")
#: first line of a block of call signatures, checked against the module named after the colon
SIGNATURES = re.compile(r"#\s*signatures of\s+(?P<module>slayer[\w.]*)\s*$")

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\n]*)$")
_INLINE = re.compile(r"(?<!`)(`+)(?!`)(?P<code>(?:(?!\n\s*\n).)+?)(?<!`)\1(?!`)", re.S)


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: its language, text, and the 1-based line of its first code line."""

    page: str
    language: str
    code: str
    line: int

    @property
    def first_line(self) -> str:
        return self.code.lstrip("\n").split("\n", 1)[0].strip()

    @property
    def not_run_reason(self) -> str | None:
        """Why the block is not run (its visible ``# not run: ...`` first line), or ``None``."""
        match = NOT_RUN.match(self.first_line)
        return match["reason"] if match else None

    @property
    def signatures_module(self) -> str | None:
        """The module a ``# signatures of slayer.x`` block documents, or ``None``."""
        match = SIGNATURES.match(self.first_line)
        return match["module"] if match else None

    @property
    def runs(self) -> bool:
        return self.language in ("python", "py") and self.not_run_reason is None and self.signatures_module is None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass(frozen=True)
class InlineCode:
    """An inline code span outside fenced blocks (or a line of a non-Python block) and its line."""

    page: str
    code: str
    line: int
    followed_by: str = ""  # the page's text right after the span (for markers such as "(planned)")

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages(root: Path = ROOT) -> list[Path]:
    """Every documentation page, sorted, without duplicates or build output."""
    found = {path for pattern in PAGE_GLOBS for path in root.glob(pattern)}
    skip = (".nox", "site", "node_modules", "output")
    return sorted(p for p in found if not any(part in skip for part in p.relative_to(root).parts))


def page_name(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def split_page(text: str, page: str = "<page>") -> tuple[list[CodeBlock], list[InlineCode]]:
    """The fenced code blocks of a markdown page and the inline code spans outside them.

    Lines of non-Python fenced blocks (``bash``, ``toml``, plain) are returned as inline code too, so
    commands such as ``nox -s docs`` written in a shell block are checked like inline ones.
    """
    blocks: list[CodeBlock] = []
    spans: list[InlineCode] = []
    lines = text.split("\n")
    prose: list[str] = []  # lines outside fences; fenced lines blanked so offsets keep their line numbers
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            prose.append(lines[i])
            i += 1
            continue
        marker, language = fence["fence"], fence["info"].strip().split(" ")[0].lower()
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].strip().startswith(marker):
            body.append(lines[i][len(fence["indent"]) :] if lines[i].startswith(fence["indent"]) else lines[i])
            i += 1
        prose.extend([""] * (i + 1 - len(prose)))
        i += 1  # the closing fence (a block left open runs to the end of the page)
        blocks.append(CodeBlock(page, language, "\n".join(body) + "\n", start + 1))
        if language not in ("python", "py"):
            spans.extend(InlineCode(page, line.strip(), start + 1 + k) for k, line in enumerate(body) if line.strip())
    joined = "\n".join(prose)
    for match in _INLINE.finditer(joined):  # a span may wrap onto the next line, as markdown allows
        code = " ".join(match["code"].split())
        line = joined.count("\n", 0, match.start()) + 1
        spans.append(InlineCode(page, code, line, joined[match.end() : match.end() + 40].split("\n", 1)[0]))
    return blocks, sorted(spans, key=lambda span: span.line)
