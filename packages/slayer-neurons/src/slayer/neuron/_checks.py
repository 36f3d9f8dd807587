"""Input validation shared by every neuron: clear errors naming what was expected."""

from __future__ import annotations

import torch

EXPECTED_LAYOUT = "(N, C, T) or (N, C, H, W, T) (time last)"


def check_real_input(x: object, model: str, what: str = "input") -> torch.Tensor:
    """Return ``x`` if it is a floating-point tensor of rank >= 3, else raise naming the problem."""
    if isinstance(x, tuple | list):
        raise TypeError(
            f"{model} is a real-valued neuron: expected one Tensor of shape {EXPECTED_LAYOUT} as {what}, "
            f"received a {type(x).__name__} of {len(x)} items"
        )
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{model}: expected {what} to be a torch.Tensor, received {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{model}: expected a floating-point {what} (float32 or float64), received dtype {x.dtype}")
    if x.dim() < 3:
        raise ValueError(
            f"{model}: expected {what} of shape {EXPECTED_LAYOUT}, received a {x.dim()}-D tensor of shape "
            f"{tuple(x.shape)}"
        )
    return x


def check_complex_input(x: object, model: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(real, imag)`` if ``x`` is a pair of equally shaped real tensors, else raise."""
    if isinstance(x, torch.Tensor):
        raise TypeError(
            f"{model} is a complex (resonator) neuron: expected a (real, imag) pair of tensors of shape "
            f"{EXPECTED_LAYOUT}, received a single Tensor of shape {tuple(x.shape)}"
        )
    if not isinstance(x, tuple | list) or len(x) != 2:
        raise TypeError(
            f"{model} is a complex (resonator) neuron: expected a (real, imag) pair of tensors, "
            f"received {type(x).__name__}" + (f" of {len(x)} items" if isinstance(x, tuple | list) else "")
        )
    real = check_real_input(x[0], model, "real input")
    imag = check_real_input(x[1], model, "imaginary input")
    if real.shape != imag.shape:
        raise ValueError(
            f"{model}: real and imaginary inputs must have the same shape, received {tuple(real.shape)} "
            f"and {tuple(imag.shape)}"
        )
    return real, imag
