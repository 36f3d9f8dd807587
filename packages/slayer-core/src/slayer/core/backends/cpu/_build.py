"""Build (once per user, per source version) and load the C++ CPU kernels.

The extension is a plain shared library whose ops register themselves with ``TORCH_LIBRARY(slayer_cpu, ...)``
(``torch.ops.slayer_cpu.*``); no Python bindings are compiled, which keeps the cold build short. Its
name carries a hash of the sources, compiler flags, torch and Python versions, so a changed source or
a new torch builds a new library beside the old one and a cached one is loaded without invoking the
compiler. Builds go to ``$SLAYER_CACHE_DIR`` or ``$XDG_CACHE_HOME/slayer`` (default ``~/.cache/slayer``)
under ``cpu/<name>/``, guarded by an OS-level file lock (released even if a build is killed).

Any failure (no compiler, no ninja, a compile error) warns once, naming the log file, and
:func:`load_library` returns ``None`` so backend selection falls back to the reference backend.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch

CSRC = Path(__file__).parent / "csrc"
#: The operator namespace the library registers (``torch.ops.slayer_cpu``).
NAMESPACE = "slayer_cpu"
#: No ``-march=native``: a cache in a shared home directory may be loaded on another CPU model (the hot
#: kernels pick AVX2/AVX-512 variants at run time instead, ``csrc/isa.h``). ``-fno-trapping-math`` changes
#: no value (exceptions never trap in PyTorch processes) but lets ``trunc`` and selects vectorise.
CFLAGS: tuple[str, ...] = ("-O3", "-fopenmp", "-fno-math-errno", "-fno-trapping-math")
LDFLAGS: tuple[str, ...] = ("-fopenmp",)

_lock = threading.Lock()
_state: dict[str, object] = {}  # "result": the library path or None once tried


class CpuBuildWarning(UserWarning):
    """The C++ CPU kernels could not be built or loaded; the reference backend runs instead."""


def sources() -> list[Path]:
    """The C++ sources, the slowest first (``ops.cpp`` parses torch's headers; ninja starts it first)."""
    return sorted(CSRC.glob("*.cpp"), key=lambda path: (path.name != "ops.cpp", path.name))


def library_name() -> str:
    """``slayer_cpu_<hash>``: changes with any source, header, flag, torch or Python version."""
    digest = hashlib.sha256()
    for path in sorted(CSRC.iterdir()):
        if path.suffix in (".cpp", ".h"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for part in (*CFLAGS, "|", *LDFLAGS, torch.__version__, sys.version, platform.machine()):
        digest.update(part.encode())
    return f"{NAMESPACE}_{digest.hexdigest()[:16]}"


def cache_root() -> Path:
    """The per-user cache directory of slayer's compiled kernels."""
    explicit = os.environ.get("SLAYER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "slayer"


def build_directory() -> Path:
    return cache_root() / "cpu" / library_name()


def library_path() -> Path:
    return build_directory() / f"{library_name()}.so"


def load_library() -> Path | None:
    """Load the kernels into ``torch.ops.slayer_cpu`` (building them first if needed).

    Returns the loaded library's path, or ``None`` after one :class:`CpuBuildWarning` if they cannot be
    built or loaded. Thread-safe; the outcome is remembered for the process.
    """
    with _lock:
        if "result" not in _state:
            _state["result"] = _load_or_warn()
        return _state["result"]  # type: ignore[return-value]


def forget() -> None:
    """Forget the outcome of :func:`load_library` (tests)."""
    with _lock:
        _state.clear()


def _load_or_warn() -> Path | None:
    log = build_directory() / "build.log"
    try:
        path = library_path()
        if not path.exists():
            _build(log)
        torch.ops.load_library(str(path))
        return path
    except Exception as error:  # any failure means: fall back, and say why once
        reason = f"{type(error).__name__}: {error}".strip()
        with contextlib.suppress(OSError):
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(reason + "\n")
        first_line = reason.splitlines()[0] if reason else type(error).__name__
        warnings.warn(
            f"slayer: the C++ CPU kernels could not be built or loaded ({first_line}); using the slower "
            f"reference backend instead. Details: {log}",
            CpuBuildWarning,
            stacklevel=4,
        )
        return None


def _build(log: Path) -> None:
    compiler = os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        raise RuntimeError(f"no C++ compiler found (looked for {compiler!r}; set CXX to choose one)")
    from torch.utils import cpp_extension  # lazily: importing it probes for CUDA toolkits

    if not cpp_extension.is_ninja_available():
        raise RuntimeError("ninja is not installed (pip install ninja)")
    directory = build_directory()
    directory.mkdir(parents=True, exist_ok=True)
    with _file_lock(directory / "slayer.lock"):
        if library_path().exists():  # another process built it while we waited
            return
        # torch's own lock file outlives a killed build and would block forever; under our lock no
        # other process is building here, so a leftover one is stale
        with contextlib.suppress(FileNotFoundError):
            (directory / "lock").unlink()
        print("slayer: compiling the C++ CPU kernels (first use, ~15 s)...", file=sys.stderr, flush=True)
        cpp_extension.load(
            name=library_name(),
            sources=[str(path) for path in sources()],
            extra_cflags=list(CFLAGS),
            extra_ldflags=list(LDFLAGS),
            build_directory=str(directory),
            is_python_module=False,
            verbose=False,
        )
    with contextlib.suppress(OSError):
        log.unlink()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive OS-level lock on ``path`` (released by the OS if the process dies)."""
    try:
        import fcntl
    except ImportError:  # Windows: torch's own build lock is all there is
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
