"""Argument checks shared by the fused neuron ops (``cuba``, ``alif``)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ._validation import scalar


def fused_dtype(name: str, x: Tensor) -> torch.dtype:
    """The fused ops run in float32 or float64 only: the composition they reproduce spikes on the voltage
    in the caller's dtype, so float16/bfloat16 callers use the unfused functions."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} has dtype {x.dtype}; the fused neuron ops take float32 or float64")
    return x.dtype


def check_surrogate(tau_rho: float | Tensor, scale_rho: float | Tensor) -> tuple[float, float]:
    """``(tau_rho, scale_rho)`` as Python floats; ``tau_rho`` must be positive and finite."""
    tau, height = scalar("tau_rho", tau_rho), scalar("scale_rho", scale_rho)
    if not (tau > 0 and math.isfinite(tau)):
        raise ValueError(f"tau_rho must be positive, got {tau}")
    return tau, height
