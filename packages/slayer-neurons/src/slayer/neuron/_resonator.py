r"""The common base of the resonate-and-fire family (rf, rf_iz, adrf, adrf_iz): constructor, resonator
parameters, complex input handling.

A resonator :math:`z[t] = (1 - \alpha) e^{i 2\pi / P} z[t-1] + x[t]` is parameterised directly by
``sin_decay = 4096 (1 - α) sin(2π/P)`` and ``cos_decay = 4096 (1 - α) cos(2π/P)`` (units of 1/4096).
Only the first quadrant is valid: ``P >= 4``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core import arguments
from slayer.core.dynamics import resonator

from . import base
from ._granularity import Granularity, InitialValue, initial_tensor, log_spaced_per_channel, midpoint, value_range

MIN_PERIOD = 4.0
#: decays are stored in units of 1/4096
P_SCALE = 1 << 12


def sin_cos_decay(period: torch.Tensor, decay: torch.Tensor, p_scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sin_decay, cos_decay)`` in units of ``1/p_scale`` from the period and decay fraction."""
    angle = 2 * math.pi / period
    return p_scale * (1 - decay) * torch.sin(angle), p_scale * (1 - decay) * torch.cos(angle)


class ResonateAndFire(base.Neuron):
    """Base of the complex resonate-and-fire neurons: learnable ``sin_decay`` and ``cos_decay``
    parameters, ``real_state``/``imag_state`` buffers and a ``(real, imag)`` input pair ``(N, *S, T)``.

    The constructor is :class:`slayer.neuron.rf.Neuron`'s (lava-dl's). Channel/neuron granularity: a
    scalar ``period``/``decay`` is widened by +-1 %; with ``log_init`` the frequencies ``1/period`` are
    log-spaced across channels between ``1/period_max`` and ``1/period_min`` (the decay stays uniformly
    random). Subclasses define ``dynamics(input) -> traces`` and ``spike(*traces) -> spikes``.
    """

    complex = True
    parameter_ranges = base.decay_ranges("sin_decay", "cos_decay")
    # complex Recurrent works (complex synapses); KWTA's fixed real inhibition has no complex meaning
    block_types = (base.SPIKING_BLOCK_TYPES - {"KWTA"}) | {"Affine"}

    def __init__(
        self,
        threshold: float,
        period: InitialValue,
        decay: InitialValue,
        tau_grad: float = 1,
        scale_grad: float = 1,
        scale: int = 1 << 6,
        norm: Callable[[], torch.nn.Module] | None = None,
        dropout: torch.nn.Module | None = None,
        shared_param: bool = True,
        persistent_state: bool = False,
        requires_grad: bool = False,
        graded_spike: bool = False,
        log_init: bool = True,
        *,
        granularity: Granularity | None = None,
        save_state: bool = False,
    ) -> None:
        super().__init__(
            threshold=threshold,
            tau_grad=tau_grad,
            scale_grad=scale_grad,
            p_scale=P_SCALE,
            w_scale=scale,
            s_scale=scale * (1 << 6),
            norm=norm,
            dropout=dropout,
            persistent_state=persistent_state,
            shared_param=shared_param,
            requires_grad=requires_grad,
            granularity=granularity,
            save_state=save_state,
        )
        self.graded_spike = graded_spike
        owner = self._model_name
        arguments.fraction(owner, "period", period, MIN_PERIOD, math.inf, " (time steps)", high_open=True)
        base.checked_decays(self, decay=decay)
        self.log_init = log_init
        self._initial_resonator = {"period": period, "decay": decay}
        sin, cos = sin_cos_decay(torch.tensor(midpoint(period)), torch.tensor(midpoint(decay)), self.p_scale)
        self.register_neuron_parameters({"sin_decay": float(sin), "cos_decay": float(cos)}, "_init_resonator")
        self.register_state("real_state")
        self.register_state("imag_state")
        self._exact_next_imag: torch.Tensor | None = None

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

    def _normalized(self, input: object) -> tuple[torch.Tensor, torch.Tensor]:
        """The checked ``(real, imag)`` input pair, after ``real_norm``/``imag_norm``."""
        real, imag = self._complex_input(input)
        self._clamp_if_learning()
        if self.real_norm is not None:
            real = self.real_norm(real)
        if self.imag_norm is not None:
            imag = self.imag_norm(imag)
        return real, imag

    def _resonate(
        self, real_in: torch.Tensor, imag_in: torch.Tensor, imag_state: torch.Tensor, reset: float | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(real, imag, next_real, next_imag)`` of the resonator from the stored ``real_state`` and the
        given ``imag_state`` (``(N, *S)``); ``reset`` is the Izhikevich threshold or ``None``."""
        real_state = self._state("real_state", real_in)
        traces = resonator(
            real_in, imag_in, self.sin_decay, self.cos_decay, real_state, imag_state, reset, s_scale=self.s_scale
        )
        self._exact_next_imag = traces[3]  # for _carried_imag: float32 even for a half-precision input
        return traces

    def _carried_imag(self, imag: torch.Tensor, imag_last: torch.Tensor) -> torch.Tensor:
        """The ``imag_state`` a phase spike carries to the next call: the last imaginary output (the next
        call's "previous imag"), as the resonator's exact state where that rounds to it, so a half-precision
        stream continues from the exact state (chunked == long); the sign the spike test reads is the same.
        ``imag_last`` (unchanged) for an empty time axis."""
        exact, self._exact_next_imag = self._exact_next_imag, None
        if not imag.shape[-1]:
            return imag_last
        last = imag[..., -1]
        if exact is None or exact.shape != last.shape or exact.dtype == last.dtype:
            return last
        return torch.where(exact.to(last.dtype) == last, exact, last.to(exact.dtype))

    def readout(self, input: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """The imaginary resonator trace ``(N, *S, T)`` without any reset (an ``Affine`` read-out)."""
        real_in, imag_in = self._normalized(input)
        _, imag, next_real, next_imag = self._resonate(real_in, imag_in, self._state("imag_state", real_in), None)
        self._store_state(real_state=next_real, imag_state=next_imag)
        return imag

    def forward(self, input: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Spikes ``(N, *S, T)`` for a ``(real, imag)`` input pair of that shape."""
        return self._dropout(self.spike(*self.dynamics(input)))


def resonator_params(device_params: Mapping[str, Any], scale: int, p_scale: int) -> dict[str, Any]:
    """``threshold``, ``period`` and ``decay`` from hardware ``sinDecay``/``cosDecay``/``vThMant``."""
    sin = torch.as_tensor(device_params["sinDecay"], dtype=torch.float64)
    cos = torch.as_tensor(device_params["cosDecay"], dtype=torch.float64)
    period = 2 * math.pi / torch.atan2(sin, cos)
    decay = 1 - torch.sqrt(sin**2 + cos**2) / p_scale
    if period.dim() == 0:
        return {"threshold": device_params["vThMant"] / scale, "period": float(period), "decay": float(decay)}
    return {"threshold": device_params["vThMant"] / scale, "period": period.float(), "decay": decay.float()}
