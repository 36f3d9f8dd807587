"""Running a page's Python blocks in order in one namespace, as a reader pasting them would."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from pathlib import Path

from doc_pages import ROOT, CodeBlock


class SnippetError(AssertionError):
    """A documented Python block raised; the message names the page, the line and the traceback."""


def run_blocks(blocks: Iterable[CodeBlock], workdir: Path, root: Path = ROOT) -> dict:
    """Execute the runnable blocks of one page in order in a shared namespace, with ``workdir`` as the
    current directory (files a snippet writes land there; the repository's top-level folders are linked
    into it so paths such as ``tutorials/oxford/data/input.bs1`` resolve). Returns the namespace."""
    for entry in root.iterdir():
        link = workdir / entry.name
        if not entry.name.startswith(".") and not link.exists():
            link.symlink_to(entry)
    namespace: dict = {"__name__": "__doc_snippet__"}
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        for block in blocks:
            if not block.runs:
                continue
            # pad with blank lines so tracebacks show the line number on the page
            code = compile("\n" * (block.line - 1) + block.code, str(root / block.page), "exec")
            try:
                exec(code, namespace)
            except Exception as exc:
                trace = "".join(traceback.format_exception(exc)[-6:])
                raise SnippetError(f"{block.where}: the Python block raised\n{trace}") from exc
    finally:
        os.chdir(previous)
    return namespace
