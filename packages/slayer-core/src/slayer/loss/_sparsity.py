"""SparsityEnforcer: a penalty on layers whose mean activity exceeds a target rate."""

from __future__ import annotations

import torch
from torch import Tensor


class SparsityEnforcer:
    """Collects ``relu(mean|x| - max_rate)^2`` for every tensor passed to :meth:`append`;
    :attr:`loss` is ``lam`` times their sum (a 0-d tensor; ``0.`` before any append).
    A plain object, not a Module, as in lava-dl; call :meth:`clear` after each step.
    """

    def __init__(self, max_rate: float = 0.01, lam: float = 1.0) -> None:
        if max_rate < 0:
            raise ValueError(f"SparsityEnforcer: max_rate must be >= 0, received {max_rate!r}")
        self.max_rate, self.lam = float(max_rate), float(lam)
        self.loss_list: list[Tensor] = []

    def append(self, x: Tensor) -> None:
        excess = torch.relu(x.abs().mean() - self.max_rate)
        self.loss_list.append(excess * excess)

    def clear(self) -> None:
        self.loss_list = []

    @property
    def loss(self) -> Tensor:
        if not self.loss_list:
            return torch.tensor(0.0)
        return self.lam * torch.stack(self.loss_list).sum()

    def __repr__(self) -> str:
        return f"SparsityEnforcer(max_rate={self.max_rate}, lam={self.lam}, collected={len(self.loss_list)})"
