"""Every claim check of :mod:`claims_code` and :mod:`claims_repo` on one page (conventions:
``docs/architecture.md``, "tests/docs")."""

from __future__ import annotations

from pathlib import Path

from claims_code import check_calls, check_names, check_signature_block, documented_names
from claims_repo import check_env_vars, check_links, check_local_installs, check_nox_sessions, check_paths
from doc_pages import ROOT, split_page


def check_page(text: str, page: Path, root: Path = ROOT) -> list[str]:
    """Every problem `text` (the page `page`) has: names, calls, signature blocks, environment variables, nox
    sessions, paths, local installs and links."""
    name = page.relative_to(root).as_posix() if page.is_absolute() else page.as_posix()
    blocks, spans = split_page(text, name)
    context = sorted({n for _, n, planned in documented_names(spans) if not planned})
    problems = check_names(spans) + check_calls(spans, context) + check_env_vars(spans)
    problems += check_nox_sessions(spans) + check_paths(spans, root) + check_local_installs(spans, root)
    problems += check_links(text, page if page.is_absolute() else root / page, root)
    for block in blocks:
        if block.signatures_module:
            problems += check_signature_block(block)
    return problems
