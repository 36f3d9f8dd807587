"""Optional imports (matplotlib, tqdm) with an error that says what to install."""

from __future__ import annotations

from typing import Any


def pyplot(purpose: str) -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, or an ImportError naming the package."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(f"{purpose} needs matplotlib, which is not installed: pip install matplotlib") from error
    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg") and not _interactive():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _interactive() -> bool:
    import sys

    return hasattr(sys, "ps1") or "IPython" in sys.modules


def tqdm_class(purpose: str) -> Any:
    """``tqdm.auto.tqdm``, or an ImportError naming the package."""
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(f"{purpose} needs tqdm, which is not installed: pip install tqdm") from error
    return tqdm


def has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True
