"""Build (once per user, per source version) and load the C++ CPU kernels.

The extension is a plain shared library whose ops register themselves with ``TORCH_LIBRARY(slayer_cpu, ...)``
(``torch.ops.slayer_cpu.*``); no Python bindings are compiled, which keeps the cold build short. Its
name carries a hash of the sources, compiler flags, torch and Python versions, so a changed source or
a new torch builds a new library beside the old one and a cached one is loaded without invoking the
compiler. Builds go to ``$SLAYER_CACHE_DIR`` or ``$XDG_CACHE_HOME/slayer`` (default ``~/.cache/slayer``)
under ``cpu/<name>/``, guarded by an OS-level file lock (released even if a build is killed). The library
is compiled in a fresh ``build/`` subdirectory and moved into place only when complete, so a killed build
never leaves a truncated library for later processes to load. If that cache cannot be written (read-only or
unknown home), a private ``slayer-<uid>`` directory under the system's temporary directory is used instead,
with a :class:`CpuCacheWarning`.

Any failure (no compiler, no ninja, a compile error) warns once, naming the log file, and
:func:`load_library` returns ``None`` so backend selection falls back to the reference backend.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import stat
import sys
import tempfile
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
#: Part of the cache key: bump when the cache layout or the way a library is produced changes (2: staged
#: builds, so a library left truncated by a killed build under the old layout is never loaded again).
BUILD_LAYOUT = "2"

_lock = threading.Lock()
_state: dict[str, object] = {}  # "result": the library path or None once tried


class CpuBuildWarning(UserWarning):
    """The C++ CPU kernels could not be built or loaded; the reference backend runs instead."""


class CpuCacheWarning(UserWarning):
    """The kernel cache directory cannot be written; the kernels are built in a temporary directory."""


def sources() -> list[Path]:
    """The C++ sources, the slowest first (``ops.cpp`` parses torch's headers; ninja starts it first)."""
    return sorted(CSRC.glob("*.cpp"), key=lambda path: (path.name != "ops.cpp", path.name))


def library_name() -> str:
    """``slayer_cpu_<hash>``: changes with any source, header, flag, compiler, torch or Python version."""
    digest = hashlib.sha256()
    for path in sorted(CSRC.iterdir()):
        if path.suffix in (".cpp", ".h"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    compiler = os.environ.get("CXX", "c++")
    for part in (*CFLAGS, "|", *LDFLAGS, compiler, BUILD_LAYOUT, torch.__version__, sys.version, platform.machine()):
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
    log: Path | None = None
    try:
        directory = _usable_build_directory()
        log = directory / "build.log"
        path = directory / f"{library_name()}.so"
        if not path.exists():
            _build(directory)
        torch.ops.load_library(str(path))
        return path
    except Exception as error:  # any failure means: fall back, and say why once
        reason = f"{type(error).__name__}: {error}".strip()
        if log is not None:
            with contextlib.suppress(OSError):
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text(reason + "\n")
        first_line = reason.splitlines()[0] if reason else type(error).__name__
        warnings.warn(
            f"slayer: the C++ CPU kernels could not be built or loaded ({first_line}); using the slower "
            f"reference backend instead." + (f" Details: {log}" if log is not None else ""),
            CpuBuildWarning,
            stacklevel=4,
        )
        return None


def _usable_build_directory() -> Path:
    """:func:`build_directory` if it holds the library (it may be read-only) or can be written; otherwise
    ``cpu/<name>`` in a private temporary directory (one :class:`CpuCacheWarning`)."""
    name = library_name()
    try:
        directory = cache_root() / "cpu" / name
        if (directory / f"{name}.so").exists():
            return directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "slayer.lock").touch()
        return directory
    except (OSError, RuntimeError) as error:  # RuntimeError: Path.home() without a home directory
        fallback = _private_temporary_root() / "cpu" / name
        fallback.mkdir(parents=True, exist_ok=True)
        warnings.warn(
            f"slayer: cannot use the kernel cache ({type(error).__name__}: {error}); building the C++ CPU "
            f"kernels in {fallback} instead (set SLAYER_CACHE_DIR to a writable directory to keep them)",
            CpuCacheWarning,
            stacklevel=5,
        )
        return fallback


def _private_temporary_root() -> Path:
    """``<tmp>/slayer-<uid>``, created private; refused if another user owns it or may write to it (a library
    loaded from there runs as this user)."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    root = Path(tempfile.gettempdir()) / f"slayer-{uid if uid is not None else 'user'}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = root.lstat()
    if uid is not None and (
        not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise PermissionError(f"{root} is not a private directory of this user; set SLAYER_CACHE_DIR")
    return root


def _build(directory: Path) -> None:
    """Compile the library into ``directory`` (staged in ``directory/build``, moved into place when done)."""
    compiler = os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        raise RuntimeError(f"no C++ compiler found (looked for {compiler!r}; set CXX to choose one)")
    from torch.utils import cpp_extension  # lazily: importing it probes for CUDA toolkits

    name = library_name()
    with _ninja_on_path():
        if not cpp_extension.is_ninja_available():
            raise RuntimeError("ninja is not installed (pip install ninja)")
        with _file_lock(directory / "slayer.lock"):
            library = directory / f"{name}.so"
            if library.exists():  # another process built it while we waited
                return
            # a fresh staging directory: no objects or torch lock file of a killed build survive
            staging = directory / "build"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            print("slayer: compiling the C++ CPU kernels (first use, ~30 s on 2 cores)...", file=sys.stderr, flush=True)
            cpp_extension.load(
                name=name,
                sources=[str(path) for path in sources()],
                extra_cflags=list(CFLAGS),
                extra_ldflags=list(LDFLAGS),
                build_directory=str(staging),
                is_python_module=False,
                verbose=False,
            )
            os.replace(staging / f"{name}.so", library)  # atomic: readers see no library or a complete one
            shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        (directory / "build.log").unlink()


@contextlib.contextmanager
def _ninja_on_path() -> Iterator[None]:
    """Put the ``ninja`` of the ``ninja`` Python package (a dependency) on ``PATH`` while building if ``PATH``
    has none: it lives beside the environment's python, which is off ``PATH`` when a virtual environment's
    python runs without activation. torch runs ``ninja`` through ``PATH`` only."""
    if shutil.which("ninja") is not None:
        yield
        return
    candidates = [os.path.dirname(sys.executable)]
    with contextlib.suppress(Exception):
        import ninja  # type: ignore[import-not-found]

        candidates.insert(0, ninja.BIN_DIR)
    found = next((path for path in candidates if shutil.which("ninja", path=path)), None)
    if found is None:
        yield
        return
    previous = os.environ.get("PATH")
    os.environ["PATH"] = found if not previous else found + os.pathsep + previous
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = previous


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
