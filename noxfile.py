"""Every workflow of the slayer monorepo: ``nox -s tests``, ``demo``, ``lint``, ``build``, ``bench``, ``docs``.

Sessions use the virtualenv/pip backend (uv and poetry would pull a multi-GB CUDA torch) and
install torch through ``constraints/ci.txt`` so CI gets the pinned CPU build. First-party
packages are always installed from their local paths, never from an index.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "virtualenv"
nox.options.sessions = ["tests", "lint", "build"]

ROOT = Path(__file__).parent
CONSTRAINTS = ("-c", str(ROOT / "constraints" / "ci.txt"))
PACKAGES = ROOT / "packages"
PLUGIN_TUTORIAL = ROOT / "tutorials" / "plugin"

#: distribution -> extras installed for its tests (its dependencies come from its pyproject.toml)
DISTRIBUTIONS: dict[str, str] = {
    "slayer-core": "",
    "slayer-neurons": "",
    "slayer-synapse": "",
    "slayer-io": "[plot,tonic,aedat]",
    "slayer-blocks": "",
}
TEST_TOOLS = ("pytest>=8", "hypothesis>=6")
#: test-only tools per distribution: triton runs the gpu backend's kernels on CPU tensors in its interpreter;
#: dv-processing writes the AEDAT4 files slayer-io reads back
TEST_ONLY: dict[str, tuple[str, ...]] = {"slayer-core": ("triton>=3.2",), "slayer-io": ("dv-processing>=2.0",)}
#: peer libraries compared in benchmarks/ (installed only into the bench session)
PEERS = ("snntorch==1.0.0", "spikingjelly==2.0.0", "norse==1.1.0")
#: what the cross-package tests need beyond the five packages (pillow: the PilotNet tutorial reads JPEG frames)
INTEGRATION_EXTRAS = ("matplotlib>=3.7", "hatchling>=1.21", "tqdm>=4", "pillow>=10")
#: extras of the five packages in the cross-package tests (tests/docs runs the docs' tonic snippets)
INTEGRATION_PACKAGE_EXTRAS: dict[str, str] = {"slayer-io": "[plot,tonic]"}
#: the documentation site's tools (nox -s docs)
DOCS_TOOLS = ("mkdocs>=1.6,<2", "mkdocs-material>=9.5,<10", "mkdocstrings[python]>=0.26")


def _first_party_deps(dist: str) -> list[str]:
    """The slayer distributions that ``dist`` declares as dependencies in its pyproject.toml."""
    text = (PACKAGES / dist / "pyproject.toml").read_text()
    declared = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    names = re.findall(r'"(slayer-[a-z]+)', declared.group(1)) if declared else []
    return [name for name in names if name in DISTRIBUTIONS]


def _install_order(dist: str) -> list[str]:
    """``dist``'s first-party dependencies (recursively, dependencies first), then ``dist``."""
    order: list[str] = []

    def visit(name: str) -> None:
        for dep in _first_party_deps(name):
            visit(dep)
        if name not in order:
            order.append(name)

    visit(dist)
    return order


def _local_requirements(dist: str, extras: str = "") -> list[str]:
    """``dist`` and its first-party dependencies, as local paths (non-editable)."""
    return [str(PACKAGES / name) + (extras if name == dist else "") for name in _install_order(dist)]


@nox.session
@nox.parametrize("package", [*DISTRIBUTIONS, "integration", "plugin-tutorial"])
def tests(session: nox.Session, package: str) -> None:
    """Each package's tests in a venv holding only it and its declared dependencies; then
    ``integration``: the cross-package tests in ``tests/`` with everything installed; then
    ``plugin-tutorial``: the third-party package in ``tutorials/plugin`` installed (non-editable) into a clean
    venv with only what it declares, and its own tests, which find it through its entry point."""
    env = {"SLAYER_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if package == "plugin-tutorial":
        session.install(*CONSTRAINTS, *TEST_TOOLS, *_local_requirements("slayer-blocks"), str(PLUGIN_TUTORIAL))
        session.run("python", "-m", "slayer", "plugins", env={"SLAYER_DISABLE_PLUGIN_AUTOLOAD": "0"})
        session.chdir(session.create_tmp())
        tests_dir = str(PLUGIN_TUTORIAL / "tests")
        session.run(
            "pytest", "-p", "no:cacheprovider", tests_dir, *session.posargs, env={"SLAYER_DISABLE_PLUGIN_AUTOLOAD": "0"}
        )
        return
    if package == "integration":
        packages = (str(PACKAGES / d) + INTEGRATION_PACKAGE_EXTRAS.get(d, "") for d in DISTRIBUTIONS)
        session.install(*CONSTRAINTS, *TEST_TOOLS, *INTEGRATION_EXTRAS, *packages)
        session.run("python", "-m", "slayer", "plugins")
        session.run("pytest", "tests", *session.posargs, env=env, success_codes=[0, 5])
        return
    session.install(
        *CONSTRAINTS, *TEST_TOOLS, *TEST_ONLY.get(package, ()), *_local_requirements(package, DISTRIBUTIONS[package])
    )
    session.run("python", "-m", "pip", "list", "--format=freeze", silent=False)
    # run from an empty directory so the tests import the installed package, not packages/*/src
    tests_dir = str(PACKAGES / package / "tests")
    session.chdir(session.create_tmp())
    session.run("pytest", "-p", "no:cacheprovider", tests_dir, *session.posargs, env=env, success_codes=[0, 5])


#: Triton releases paired with the torch versions we support (torch 2.6 -> 3.2.0, 2.11 -> 3.6.0,
#: 2.13 -> 3.7.1, 2.14 -> 3.8.0, 2.15 -> 3.9.0); CI's pin is in constraints/ci.txt
TRITON_VERSIONS = ("3.2.0", "3.6.0", "3.7.1", "3.8.0", "3.9.0")


@nox.session
@nox.parametrize("triton", TRITON_VERSIONS)
def triton_compile(session: nox.Session, triton: str) -> None:
    """Under one Triton release: every gpu kernel compiled for sm_80 and sm_90 (PTX and cubin; no GPU needed)
    and the Triton-interpreter tests. torch stays the pinned CPU build (its wheel does not depend on triton)."""
    pinned = (ROOT / "constraints" / "ci.txt").read_text().splitlines()
    pins = [line for line in pinned if line.strip() and not line.startswith(("#", "triton"))]
    constraints = Path(session.create_tmp()) / "constraints-without-triton.txt"
    constraints.write_text("\n".join(pins) + "\n")
    session.install("-c", str(constraints), f"triton=={triton}", "numpy", *TEST_TOOLS, str(PACKAGES / "slayer-core"))
    tests = PACKAGES / "slayer-core" / "tests"
    session.chdir(session.create_tmp())
    env = {"SLAYER_DISABLE_PLUGIN_AUTOLOAD": "1", "SLAYER_TRITON_COMPILE": "full"}
    files = (str(tests / "test_backend_gpu_compile.py"), str(tests / "test_backend_gpu_interpret.py"))
    session.run("pytest", "-p", "no:cacheprovider", "-q", "-rs", *files, *session.posargs, env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def build(session: nox.Session) -> None:
    """Wheels and sdists of all five packages into dist/, then each wheel installed alone and imported."""
    session.install("build>=1")
    dist_dir = ROOT / "dist"
    shutil.rmtree(dist_dir, ignore_errors=True)
    for dist in DISTRIBUTIONS:
        session.run("python", "-m", "build", "--outdir", str(dist_dir), str(PACKAGES / dist))
    for dist in DISTRIBUTIONS:
        wheels = [_wheel(dist_dir, name) for name in _install_order(dist)]
        venv = Path(session.create_tmp()) / f"alone-{dist}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("python", "-m", "venv", str(venv))
        python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
        session.run(python, "-m", "pip", "install", "-q", *CONSTRAINTS, *wheels, external=True)
        module = "slayer." + {"slayer-neurons": "neuron", "slayer-blocks": "block"}.get(dist, dist.split("-")[1])
        session.run(python, "-c", f"import slayer, {module}; print({module!r}, 'imports alone')", external=True)
        session.run(python, "-m", "slayer", "plugins", external=True)


def _wheel(dist_dir: Path, dist: str) -> str:
    [wheel] = glob.glob(str(dist_dir / f"{dist.replace('-', '_')}-*.whl"))
    return wheel


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: lava-dl's Oxford tutorial (5,000 epochs), its loss next to lava-dl's, plots, hdf5 export;
    outputs in tutorials/oxford/output/. Arguments after ``--`` go to the script (e.g. ``-- --epochs 1000``)."""
    # only the extra the tutorial uses (plots and the GIF: matplotlib); tonic and AEDAT readers are not needed
    extras = {name: "[plot]" if name == "slayer-io" else "" for name in DISTRIBUTIONS}
    session.install(*CONSTRAINTS, "tqdm>=4", *(str(PACKAGES / d) + extras[d] for d in DISTRIBUTIONS))
    session.run("python", "-m", "slayer", "plugins")
    session.run("python", str(ROOT / "tutorials" / "oxford" / "train.py"), *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site in build/site: the pages, the tutorials with their pictures and an API reference
    from the docstrings (docs/site/stage.py, then mkdocs with mkdocstrings); any warning fails the build."""
    session.install(*CONSTRAINTS, *DOCS_TOOLS, "matplotlib>=3.7", *(str(PACKAGES / d) for d in DISTRIBUTIONS))
    env = {"SLAYER_DISABLE_PLUGIN_AUTOLOAD": "1", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}
    session.run("python", str(ROOT / "docs" / "site" / "stage.py"), str(ROOT / "build" / "site-src"), env=env)
    session.run("mkdocs", "build", "--strict", "-f", str(ROOT / "docs" / "site" / "mkdocs.yml"), env=env)
    session.log(f"site: {ROOT / 'build' / 'site' / 'index.html'}")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against peers; prints markdown tables of ratios and writes JSON."""
    session.install(*CONSTRAINTS, *(str(PACKAGES / d) + DISTRIBUTIONS[d] for d in DISTRIBUTIONS))  # tonic: bench_io
    # Peers only here. --no-deps: their declared torchvision/torchaudio/tensorboard would replace the
    # pinned torch; what they really import at run time is installed on the next line.
    session.install(*CONSTRAINTS, "--no-deps", *PEERS)
    session.install(*CONSTRAINTS, "loguru", "nir", "nirtorch")
    for script in sorted(glob.glob(str(ROOT / "benchmarks" / "bench_*.py"))):
        session.run("python", script, *session.posargs)
