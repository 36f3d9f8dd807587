"""Input validation shared by the real and phase spike functions."""

from __future__ import annotations

import torch
from torch import Tensor

SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def check_state(x: Tensor, name: str) -> None:
    """``x`` must be a tensor of a supported floating-point dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, received {type(x).__name__}")
    if x.dtype not in SUPPORTED_DTYPES:
        raise TypeError(
            f"{name} must have a floating-point dtype (float16, bfloat16, float32 or float64), received {x.dtype}"
        )


def check_surrogate_constants(tau_rho: float | Tensor, scale_rho: float | Tensor, scale: float | Tensor) -> None:
    """Python-number constants are checked eagerly; tensors are taken as given."""
    if isinstance(tau_rho, (int, float)) and not tau_rho > 0:
        raise ValueError(f"tau_rho must be positive, received {tau_rho!r}")
    if isinstance(scale, (int, float)) and scale == 0:
        raise ValueError("scale must be non-zero, received 0")
    if not isinstance(scale_rho, (int, float, Tensor)):
        raise TypeError(f"scale_rho must be a number or tensor, received {type(scale_rho).__name__}")


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target`` without enlarging it (plain Python so
    that torch.compile sees no exception handling)."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


def align_threshold(threshold: float | Tensor, reference: Tensor) -> float | Tensor:
    """Return ``threshold`` as a Python float or as a tensor broadcastable to ``reference``.

    ``reference`` is the state the threshold is compared with, ``(N, C, T)`` or
    ``(N, C, H, W, T)`` (time last). A tensor threshold is cast to ``reference``'s dtype and:

    * ``reference``'s own shape: element-wise (a time-varying threshold such as ``θ[t] + r[t]``,
      whatever the rank, so a ``(T,)`` threshold goes with a ``(T,)`` state as in lava-dl);
    * 1-D with more than one element and length ``C = reference.shape[1]``: per channel, viewed
      as ``(C, 1, ..., 1)`` so that it broadcasts over dim 1 (not over time, which plain
      broadcasting would do); ``C`` wins when it equals ``T``;
    * otherwise it must broadcast to ``reference.shape`` without enlarging it, e.g. a scalar,
      ``(C, 1, 1, 1)``, or a 1-D ``(T,)`` threshold varying over time only (lava-dl's broadcasting).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, Tensor)):
        raise TypeError(f"threshold must be a float or a tensor, received {type(threshold).__name__}")
    if not isinstance(threshold, Tensor):
        return float(threshold)
    if threshold.dtype == torch.bool or threshold.is_complex():
        raise TypeError(f"threshold must be a real number tensor, received dtype {threshold.dtype}")
    threshold = threshold.to(reference.dtype)
    if threshold.shape == reference.shape:
        return threshold
    if threshold.ndim == 1 and threshold.shape[0] > 1 and reference.ndim >= 2:
        if threshold.shape[0] == reference.shape[1]:
            return threshold.view((-1,) + (1,) * (reference.ndim - 2))
        if threshold.shape[0] != reference.shape[-1]:
            raise ValueError(
                "a 1-D threshold is per channel (length C = state.shape[1]) or per time step "
                f"(length T = state.shape[-1]); threshold shape {tuple(threshold.shape)}, "
                f"state shape {tuple(reference.shape)}"
            )
    if not broadcasts_to(tuple(threshold.shape), tuple(reference.shape)):
        raise ValueError(
            f"threshold shape {tuple(threshold.shape)} does not broadcast to the state shape "
            f"{tuple(reference.shape)} (time last); use a scalar, a per-channel (C,) or "
            "(C, 1, ..., 1) tensor, a per-time-step (T,) tensor, or the state's own shape"
        )
    return threshold
