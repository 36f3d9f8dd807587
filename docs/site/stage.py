"""Stage the documentation site's sources for ``nox -s docs`` (``mkdocs build --strict``).

The pages stay where readers of the repository find them (README.md, docs/, tutorials/*/README.md,
packages/*/README.md); this script copies them into one mkdocs source folder (and the five packages'
sources into ``site-python`` beside it, for the API pages), rewrites their relative
links to the staged places (a link to a repository file that is not a page becomes inline code), renders
the neuron-dynamics tutorial's pictures into its page, and writes one API reference page per
distribution (every public module it ships), generated from the docstrings by mkdocstrings.

    python docs/site/stage.py OUT_DIR [--no-pictures]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s#]*)(?P<anchor>#[^)\s]*)?\)")
_IMAGE = re.compile(r"!\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
#: pictures the pages show (README.md's main-job raster); staged as the site's images/
IMAGES = ROOT / "docs" / "images"


def staged_pages() -> dict[Path, Path]:
    """Source page -> its path in the site."""
    pages = {ROOT / "README.md": Path("index.md")}
    pages.update({p: Path(p.name) for p in sorted((ROOT / "docs").glob("*.md"))})
    for readme in sorted((ROOT / "tutorials").glob("**/README.md")):
        pages[readme] = Path("tutorials") / ("-".join(readme.parent.relative_to(ROOT / "tutorials").parts) + ".md")
    for readme in sorted((ROOT / "packages").glob("*/README.md")):
        pages[readme] = Path("packages") / f"{readme.parent.name}.md"
    return pages


def rewrite_links(text: str, source: Path, target: Path, pages: dict[Path, Path]) -> str:
    def replace(match: re.Match) -> str:
        link = match["target"]
        if not link or re.match(r"^[a-z]+:", link):
            return match[0]
        resolved = (source.parent / link).resolve()
        if resolved in pages:
            relative = os.path.relpath(pages[resolved], target.parent)
            return f"[{match['text']}]({Path(relative).as_posix()}{match['anchor'] or ''})"
        return f"{match['text']} (`{resolved.relative_to(ROOT).as_posix()}`)"

    return _LINK.sub(replace, text)


def rewrite_images(text: str, source: Path, target: Path) -> str:
    """Point a page's pictures from ``docs/images`` at the staged ``images/`` folder."""

    def replace(match: re.Match) -> str:
        resolved = (source.parent / match["target"]).resolve()
        if resolved.parent != IMAGES:
            return match[0]
        relative = os.path.relpath(Path("images") / resolved.name, target.parent)
        return f"![{match['text']}]({Path(relative).as_posix()})"

    return _IMAGE.sub(replace, text)


def tutorial_pictures(out: Path) -> str:
    """Run the neuron-dynamics tutorial in smoke mode into the site; markdown showing its pictures."""
    pictures = out / "tutorials" / "neuron_dynamics"
    script = ROOT / "tutorials" / "neuron_dynamics" / "neuron_dynamics.py"
    subprocess.run([sys.executable, str(script), "--smoke", "--out", str(pictures)], check=True)
    shown = sorted(pictures.glob("*.png"))
    lines = ["", "## Pictures", "", "What the script draws (`--smoke`, T = 24), one picture per model and input:", ""]
    lines += [f"![{png.stem}](neuron_dynamics/{png.name})" for png in shown]
    return "\n".join(lines) + "\n"


def public_modules(dist: Path) -> list[str]:
    """The public modules a distribution ships (no part starting with ``_``), parents first."""
    src = dist / "src"
    found = []
    for path in sorted(src.glob("slayer/**/*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if not any(part.startswith("_") for part in parts):
            found.append(".".join(parts))
    return found


def api_page(title: str, modules: list[str]) -> str:
    lines = [f"# API: {title}", ""]
    for module in modules:
        lines += [f"## `{module}`", "", f"::: {module}", "    options:", "      show_root_heading: false", ""]
    return "\n".join(lines)


def merged_sources(out: Path) -> None:
    """All five ``packages/*/src/slayer`` trees merged into ``out/slayer``, as a regular install lays them out:
    mkdocstrings reads the docstrings statically from there, whatever way the packages are installed."""
    shutil.rmtree(out, ignore_errors=True)
    for src in sorted((ROOT / "packages").glob("*/src/slayer")):
        shutil.copytree(src, out / "slayer", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))


def stage(out: Path, pictures: bool = True) -> None:
    shutil.rmtree(out, ignore_errors=True)
    merged_sources(out.parent / "site-python")
    pages = staged_pages()
    for source, target in pages.items():
        text = rewrite_images(rewrite_links(source.read_text(), source, target, pages), source, target)
        if pictures and source == ROOT / "tutorials" / "neuron_dynamics" / "README.md":
            text += tutorial_pictures(out)
        (out / target).parent.mkdir(parents=True, exist_ok=True)
        (out / target).write_text(text)
    if IMAGES.is_dir():
        shutil.copytree(IMAGES, out / "images")
    (out / "api").mkdir(parents=True, exist_ok=True)
    for dist in sorted((ROOT / "packages").glob("*/src/slayer")):
        dist = dist.parents[1]
        (out / "api" / f"{dist.name}.md").write_text(api_page(dist.name, public_modules(dist)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-pictures", action="store_true")
    args = parser.parse_args()
    stage(args.out.resolve(), pictures=not args.no_pictures)
