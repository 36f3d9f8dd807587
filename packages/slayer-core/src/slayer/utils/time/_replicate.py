"""Repeat a static tensor along a new, last time axis."""

from __future__ import annotations

from torch import Tensor


def replicate(input: Tensor, num_steps: int) -> Tensor:
    """Append a time axis of length ``num_steps`` holding copies of ``input``.

    * ``input``: ``(N, *neurons)``, e.g. an image batch ``(N, C, H, W)``.
    * returns: ``(N, *neurons, num_steps)``, time last. Storage is neuron-contiguous
      (``(N, num_steps, *neurons)`` memory seen through a time-last view, DESIGN §5), the layout
      the neuron kernels read fastest. A 1-D input ``(C,)`` gives ``(C, num_steps)``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"replicate expects a torch.Tensor, received {type(input).__name__}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"replicate: num_steps must be a positive int, received {num_steps!r}")
    if input.dim() == 0:
        raise ValueError("replicate expects at least a 1-D input, received a 0-D tensor")
    if input.dim() == 1:
        return input.unsqueeze(0).repeat(num_steps, 1).movedim(0, -1)
    repeated = input.unsqueeze(1).repeat(1, num_steps, *([1] * (input.dim() - 1)))  # (N, T, *neurons)
    return repeated.movedim(1, -1)
