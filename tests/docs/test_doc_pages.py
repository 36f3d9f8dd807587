"""Every page a user reads (README.md, docs/**/*.md, tutorials/**/README.md, packages/*/README.md, found by
glob so new pages are included): its Python blocks run, and its claims hold against the code."""

from __future__ import annotations

import pytest
from doc_claims import check_page
from doc_pages import ROOT, page_name, pages, split_page
from doc_snippets import run_blocks

from slayer.core import plugins

PAGES = pages()


def test_the_pages_are_found():
    names = {page_name(p) for p in PAGES}
    assert {"README.md", "docs/architecture.md", "docs/neurons.md", "tutorials/neuron_dynamics/README.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    blocks, _ = split_page(page.read_text(), page_name(page))
    python = [b for b in blocks if b.language in ("python", "py")]
    if not any(b.runs for b in python):
        pytest.skip("no runnable Python block")
    try:
        run_blocks(python, tmp_path)
    finally:
        plugins.reset()  # a page may register a plugin in-process (docs/plugins.md): keep it out of other tests


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_claims_hold(page):
    problems = check_page(page.read_text(), page, ROOT)
    assert not problems, "\n".join(problems)
