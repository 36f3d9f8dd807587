"""One validation layer for constructor arguments and loaded parameters.

Every check takes ``owner`` (who is being built, e.g. ``"cuba.Neuron"``) and ``name`` (the argument) and raises a
``ValueError`` (bad value) or ``TypeError`` (bad kind) whose message names both, the valid range and what was
received; on success it returns the value in canonical form (a float, an int, a tuple). NaN is never in range:
every comparison below is written so that NaN fails it.

Loaded parameters (``load_state_dict``) are checked by :func:`parameter_errors`, which returns messages for
``torch.nn.Module._load_from_state_dict``'s ``error_msgs`` (so torch reports them with the module's name).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch

__all__ = [
    "callable_argument",
    "finite",
    "finite_values",
    "fraction",
    "in_range",
    "int_pair",
    "parameter_errors",
    "positive",
    "positive_int",
    "string_tuple",
]


def _number(owner: str, name: str, value: object) -> float:
    """``value`` as a float: a real number or a one-element real tensor (not a bool)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{owner}: {name} must be a real number, received a tensor of shape {tuple(value.shape)}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, received {type(value).__name__} {value!r}")
    return float(value)


def _show(bound: float) -> str:
    """A bound as written in the docs: large powers of two as ``2**k``."""
    exponent = math.log2(bound) if bound > 0 else 0.0
    return f"2**{int(exponent)}" if bound >= 2**20 and exponent == int(exponent) else f"{bound:g}"


def _interval(low: float | None, high: float | None, high_open: bool = False) -> str:
    if high == math.inf:
        return f">= {_show(low)} and finite"
    if low is None:
        return f"< {_show(high)}" if high_open else f"<= {_show(high)}"
    if high is None:
        return f">= {_show(low)}"
    return f"in [{_show(low)}, {_show(high)}{')' if high_open else ']'}"


def finite(owner: str, name: str, value: object) -> float:
    """A finite real number (NaN and +-inf rejected)."""
    number = _number(owner, name, value)
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be a finite number, received {number!r}")
    return number


def in_range(
    owner: str, name: str, value: object, low: float | None = None, high: float | None = None, *,
    high_open: bool = False, unit: str = "",
) -> float:  # fmt: skip
    """A finite number in ``[low, high]`` (``[low, high)`` with ``high_open``); ``None`` leaves a side open."""
    number = _number(owner, name, value)
    above = low is None or number >= low
    below = high is None or (number < high if high_open else number <= high)
    if not (math.isfinite(number) and above and below):
        raise ValueError(f"{owner}: {name} must be {_interval(low, high, high_open)}{unit}, received {number!r}")
    return number


def positive(owner: str, name: str, value: object) -> float:
    """A finite number ``> 0``."""
    number = _number(owner, name, value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{owner}: {name} must be a finite positive number, received {number!r}")
    return number


def positive_int(owner: str, name: str, value: object) -> int:
    """An integer ``>= 1`` (a float with an integer value is accepted, as lava-dl's ``1 << 6`` often is not)."""
    number = _number(owner, name, value)
    if not (math.isfinite(number) and number >= 1 and number == int(number)):
        raise ValueError(f"{owner}: {name} must be a positive integer, received {value!r}")
    return int(number)


def _values(value: object) -> list[float]:
    """The numbers inside an initial value: a scalar, a ``(min, max)`` pair or a tensor."""
    if isinstance(value, torch.Tensor):
        return value.detach().double().flatten().tolist()
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [float(v) for v in value]
    return [float(value)]  # type: ignore[arg-type]


def fraction(
    owner: str, name: str, value: Any, low: float = 0.0, high: float = 1.0, what: str = "", *, high_open: bool = False
) -> Any:
    """An initial value (scalar, ``(min, max)`` pair or tensor) whose every element is in ``[low, high]``
    (``[low, high)`` with ``high_open``; a decay: ``[0, 1]``); returned unchanged."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real | torch.Tensor | Sequence)
        or isinstance(value, str | bytes)
    ):
        raise TypeError(
            f"{owner}: {name} must be a number, a (min, max) pair or a tensor, received {type(value).__name__}"
        )
    try:
        numbers_in = _values(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{owner}: {name} must hold real numbers, received {value!r}") from error
    pair = isinstance(value, Sequence)
    if pair and len(numbers_in) != 2:
        raise ValueError(f"{owner}: {name} must be a number, a (min, max) pair or a tensor, received {value!r}")
    bad = [v for v in numbers_in if not (low <= v and (v < high if high_open else v <= high))]  # NaN fails
    if bad:
        raise ValueError(
            f"{owner}: every value of {name} must be {_interval(low, high, high_open)}{what}, received {bad[0]!r}"
            + (f" (among {len(numbers_in)} values)" if len(numbers_in) > 1 else "")
        )
    if pair and numbers_in[0] > numbers_in[1]:
        raise ValueError(f"{owner}: {name} must be a (min, max) pair with min <= max, received {value!r}")
    return value


def callable_argument(owner: str, name: str, value: object) -> Callable:
    """A callable (e.g. an activation function)."""
    if not callable(value):
        raise TypeError(f"{owner}: {name} must be callable (e.g. torch.nn.functional.relu), received {value!r}")
    return value


def int_pair(owner: str, name: str, value: object, minimum: int = 0) -> tuple[int, int]:
    """An int, or an ``(height, width)`` pair of ints, each ``>= minimum``; returned as a pair."""
    items = (value, value) if not isinstance(value, Sequence) or isinstance(value, str) else tuple(value)
    ok = len(items) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum for v in items
    )
    if not ok:
        raise ValueError(
            f"{owner}: {name} must be an int >= {minimum} or an (height, width) pair of them, received {value!r}"
        )
    return int(items[0]), int(items[1])


def string_tuple(owner: str, name: str, value: object) -> tuple[str, ...]:
    """A tuple of strings; a single string is rejected (it would be iterated character by character)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{owner}: {name} must be a tuple of strings (e.g. ('.bin',)), received {value!r}")
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f"{owner}: {name} must be a tuple of strings, received {value!r}")
    return items


def finite_values(owner: str, name: str, tensor: torch.Tensor) -> None:
    """Raise if ``tensor`` holds NaN or +-inf (synchronises with the device: for validation mode)."""
    bad = ~torch.isfinite(tensor.detach())
    if bool(bad.any()):
        raise ValueError(
            f"{owner}: {name} has {int(bad.sum())} non-finite value(s); validation mode is on "
            "(SLAYER_VALIDATE / slayer.core.dynamics.validation)"
        )


def parameter_errors(
    owner: str, state_dict: Mapping[str, Any], prefix: str, ranges: Mapping[str, tuple[float, float]]
) -> list[str]:
    """Messages for every loaded parameter ``prefix + name`` with a value outside ``ranges[name]`` (or NaN)."""
    errors = []
    for name, (low, high) in ranges.items():
        value = state_dict.get(prefix + name)
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            continue
        bad = ~((value >= low) & (value <= high))
        if bool(bad.any()):
            first = value[bad].flatten()[0].item()
            errors.append(
                f"{owner}: loaded {name!r} has {int(bad.sum())} value(s) outside [{low:g}, {high:g}] (e.g. {first!r})"
            )
    return errors
