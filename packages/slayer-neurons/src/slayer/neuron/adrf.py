r"""Adaptive resonate-and-fire neuron with phase spiking (complex, lava-dl ``adrf``).

A resonator (see :mod:`slayer.neuron.rf`) whose phase spikes are compared against an adaptive threshold
``θ[t] + r[t]`` (see :mod:`slayer.neuron.alif`): spike at an upward zero crossing of ``Im z`` when
``Re z >= θ[t] + r[t]``; after a spike ``r += 2θ`` and ``θ += threshold_step``. No state reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core.dynamics import adaptive_phase_threshold, resonator
from slayer.spike import complex as complex_spike
from slayer.spike.constants import ADRF as SURROGATE

from . import base
from ._adaptive import AdaptiveThreshold
from ._granularity import Granularity, InitialValue
from ._resonator import Resonator, resonator_params

P_SCALE = 1 << 12

Traces = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


class Neuron(AdaptiveThreshold, Resonator, base.Neuron):
    """Adaptive phase resonate-and-fire neuron, lava-dl ``slayer.neuron.adrf.Neuron`` compatible.

    Arguments: ``threshold``, ``threshold_step``, ``period``, ``decay``, ``threshold_decay``,
    ``refractory_decay``, then as :class:`slayer.neuron.rf.Neuron`. Parameters ``sin_decay``,
    ``cos_decay``, ``threshold_decay``, ``refractory_decay``; states ``real_state``, ``imag_state``,
    ``threshold_state``, ``refractory_state``. Input: a ``(real, imag)`` pair ``(N, *S, T)``.
    """

    name = "adrf"
    complex = True

    def __init__(
        self,
        threshold: float,
        threshold_step: float,
        period: InitialValue,
        decay: InitialValue,
        threshold_decay: InitialValue,
        refractory_decay: InitialValue,
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
        self._register_resonator(period, decay, log_init)
        self._register_adaptive_threshold(threshold_step, threshold_decay, refractory_decay)

    def clamp(self) -> None:
        """Resonator clamp (first quadrant, magnitude <= 4095) and threshold/refractory decays in
        ``[0, 4096]``."""
        Resonator.clamp(self)
        self._clamp_adaptive_decays()

    device_type = "ADRF_PHASE"

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description (type ``'ADRF_PHASE'``, or ``'ADRF_IZHIKEVICH'`` for adrf_iz)."""
        return {
            "type": self.device_type,
            "sinDecay": self.cx_sin_decay,
            "cosDecay": self.cx_cos_decay,
            "thDecay": self.cx_threshold_decay,
            "refDecay": self.cx_refractory_decay,
            "vThMant": self.v_th_mant,
            "vThStep": self.v_th_step,
            "gradedSpike": self.graded_spike,
        }

    def _normalized(self, input: object) -> tuple[torch.Tensor, torch.Tensor]:
        real, imag = self._complex_input(input)
        self._clamp_if_learning()
        if self.real_norm is not None:
            real = self.real_norm(real)
        if self.imag_norm is not None:
            imag = self.imag_norm(imag)
        return real, imag

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> Traces:
        """``(real, imag, threshold, refractory)`` traces, each ``(N, *S, T)``."""
        real_in, imag_in = self._normalized(input)
        imag_last = self._state("imag_state", real_in)
        real, imag, next_real, _ = resonator(
            real_in,
            imag_in,
            self.sin_decay,
            self.cos_decay,
            self._state("real_state", real_in),
            imag_last,
            None,
            s_scale=self.s_scale,
        )
        threshold, refractory, next_refractory, next_threshold = adaptive_phase_threshold(
            real,
            imag,
            self.refractory_decay,
            self.threshold_decay,
            self.threshold_step,
            self.threshold,
            imag_last,
            self._state("refractory_state", real_in),
            self._state("threshold_state", real_in),
            s_scale=self.s_scale,
        )
        # imag_state is also the spike's "previous imag": spike() stores it
        self._store_state(real_state=next_real, refractory_state=next_refractory, threshold_state=next_threshold)
        return real, imag, threshold, refractory

    def spike(
        self, real: torch.Tensor, imag: torch.Tensor, threshold: torch.Tensor, refractory: torch.Tensor
    ) -> torch.Tensor:
        """Phase spikes: ``real >= θ[t] + r[t]`` at an upward zero crossing of ``imag``."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        imag_last = self._state("imag_state", imag)
        spikes = complex_spike.Spike.apply(
            real, imag, threshold + refractory, tau_rho, scale_rho, self.graded_spike, imag_last, 1
        )
        self._store_state(imag_state=imag[..., -1])
        return spikes

    def forward(self, input: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Spikes ``(N, *S, T)`` for a ``(real, imag)`` input pair of that shape."""
        real, imag, threshold, refractory = self.dynamics(input)
        return self._dropout(self.spike(real, imag, threshold, refractory))


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments from :attr:`Neuron.device_params` (lava-dl's version raises a TypeError)."""
    return {
        **resonator_params(device_params, scale, p_scale),
        "threshold_step": device_params["vThStep"] / scale,
        "threshold_decay": base.from_hardware(device_params["thDecay"], p_scale),
        "refractory_decay": base.from_hardware(device_params["refDecay"], p_scale),
    }
