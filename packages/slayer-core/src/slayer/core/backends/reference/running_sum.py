"""Reference kernel of the sigma decoder's running sum (``slayer.dendrite.Sigma``): ``running_sum``.

A series ``(N, M, T)`` (time last, any strides): ``out[t] = sum_{k<=t} x[k]``, or ``sum_{k>=t} x[k]`` with
``reverse`` (the gradient of the forward sum). ``torch.cumsum``, which on the CPU sums in double and rounds each
output once; the oracle of the ``cpu`` kernel, and what other devices run.
"""

from __future__ import annotations

import torch
from torch import Tensor


def running_sum(input: Tensor, reverse: bool) -> Tensor:
    """The running sum of ``input`` along its last (time) axis, from the end when ``reverse``."""
    summed = torch.cumsum(input.flip(-1), dim=-1).flip(-1) if reverse else torch.cumsum(input, dim=-1)
    return torch.empty_like(input).copy_(summed)  # laid out like the input, as the contract (and the cpu kernel) says
