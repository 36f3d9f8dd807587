r"""Resonator parameters shared by the resonate-and-fire family (rf, rf_iz, adrf, adrf_iz).

A resonator :math:`z[t] = (1 - \alpha) e^{i 2\pi / P} z[t-1] + x[t]` is parameterised directly by
``sin_decay = 4096 (1 - α) sin(2π/P)`` and ``cos_decay = 4096 (1 - α) cos(2π/P)`` (units of 1/4096).
Only the first quadrant is valid: ``P >= 4``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from . import base
from ._granularity import InitialValue, initial_tensor, log_spaced_per_channel, midpoint, value_range

MIN_PERIOD = 4.0


def _check_period(period: InitialValue) -> None:
    low, _ = value_range(period, jitter=False)
    if low < MIN_PERIOD:
        raise ValueError(f"period must be >= {MIN_PERIOD} (first quadrant of the resonator), received {period!r}")


def sin_cos_decay(period: torch.Tensor, decay: torch.Tensor, p_scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sin_decay, cos_decay)`` in units of ``1/p_scale`` from the period and decay fraction."""
    angle = 2 * math.pi / period
    return p_scale * (1 - decay) * torch.sin(angle), p_scale * (1 - decay) * torch.cos(angle)


class Resonator:
    """Mixin for :class:`slayer.neuron.base.Neuron` subclasses with learnable ``sin_decay`` and
    ``cos_decay`` parameters and ``real_state``/``imag_state`` buffers.

    Channel/neuron granularity: a scalar ``period``/``decay`` is widened by +-1 %; with ``log_init`` the
    frequencies ``1/period`` are log-spaced across channels between ``1/period_max`` and ``1/period_min``
    (the decay stays uniformly random).
    """

    def _register_resonator(self: base.Neuron, period: InitialValue, decay: InitialValue, log_init: bool) -> None:
        _check_period(period)
        self.log_init = log_init
        self._initial_resonator = {"period": period, "decay": decay}
        sin, cos = sin_cos_decay(torch.tensor(midpoint(period)), torch.tensor(midpoint(decay)), self.p_scale)
        self.register_neuron_parameters({"sin_decay": float(sin), "cos_decay": float(cos)}, "_init_resonator")
        self.register_state("real_state")
        self.register_state("imag_state")

    def _init_resonator(self, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        period, decay = self._initial_resonator["period"], self._initial_resonator["decay"]
        if self.log_init and not isinstance(period, torch.Tensor):
            low, high = value_range(period, jitter=True)
            frequency = log_spaced_per_channel(1 / high, 1 / low, shape)
        else:
            frequency = 1 / initial_tensor(period, shape, jitter=True)
        decay_values = initial_tensor(decay, shape, jitter=True)
        return sin_cos_decay(1 / frequency, decay_values, self.p_scale)

    def clamp(self) -> None:
        """Keep ``|(sin, cos)| <= 4095`` (by rescaling), ``sin >= 1`` and ``cos >= 0`` (first quadrant)."""
        sin, cos = self.sin_decay.data, self.cos_decay.data
        magnitude = torch.sqrt(sin**2 + cos**2).clamp_min(1e-12)
        factor = ((self.p_scale - 1) / magnitude).clamp(max=1)
        sin.mul_(factor).clamp_(min=1)
        cos.mul_(factor).clamp_(min=0)

    @property
    def decay(self) -> torch.Tensor:
        """Decay fraction ``1 - |(sin, cos)| / 4096``."""
        return 1 - torch.sqrt(self.sin_decay**2 + self.cos_decay**2) / self.p_scale

    @property
    def lam(self) -> torch.Tensor:
        """Decay rate ``-log(1 - decay)``."""
        return -torch.log(1 - self.decay)

    @property
    def frequency(self) -> torch.Tensor:
        """Frequency in cycles per time step ``atan2(sin, cos) / 2π``."""
        return torch.atan2(self.sin_decay, self.cos_decay) / (2 * math.pi)

    @property
    def period(self) -> torch.Tensor:
        """Period in time steps ``1 / frequency``."""
        return 1 / self.frequency

    @property
    def cx_sin_decay(self) -> int | list[int]:
        """Hardware sine decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.sin_decay)

    @property
    def cx_cos_decay(self) -> int | list[int]:
        """Hardware cosine decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.cos_decay)


def resonator_params(device_params: Mapping[str, Any], scale: int, p_scale: int) -> dict[str, Any]:
    """``threshold``, ``period`` and ``decay`` from hardware ``sinDecay``/``cosDecay``/``vThMant``."""
    sin = torch.as_tensor(device_params["sinDecay"], dtype=torch.float64)
    cos = torch.as_tensor(device_params["cosDecay"], dtype=torch.float64)
    period = 2 * math.pi / torch.atan2(sin, cos)
    decay = 1 - torch.sqrt(sin**2 + cos**2) / p_scale
    if period.dim() == 0:
        return {"threshold": device_params["vThMant"] / scale, "period": float(period), "decay": float(decay)}
    return {"threshold": device_params["vThMant"] / scale, "period": period.float(), "decay": decay.float()}
