"""Optional imports (matplotlib, tqdm) with an error that says what to install."""

from __future__ import annotations

import importlib
from typing import Any


def installed(module: str) -> bool:
    """Whether ``module`` imports."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def pyplot(purpose: str) -> Any:
    """``matplotlib.pyplot``, or an ImportError naming the package ``purpose`` needs."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"{purpose} needs matplotlib, which is not installed: pip install matplotlib") from error
    return plt


def tqdm_class(purpose: str) -> Any:
    """``tqdm.auto.tqdm``, or an ImportError naming the package ``purpose`` needs."""
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(f"{purpose} needs tqdm, which is not installed: pip install tqdm") from error
    return tqdm
