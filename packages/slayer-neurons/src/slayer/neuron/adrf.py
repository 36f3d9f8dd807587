r"""Adaptive resonate-and-fire neuron with phase spiking (complex, lava-dl ``adrf``).

A resonator (see :mod:`slayer.neuron.rf`) whose phase spikes are compared against an adaptive threshold
``θ[t] + r[t]`` (see :mod:`slayer.neuron.alif`): spike at an upward zero crossing of ``Im z`` when
``Re z >= θ[t] + r[t]``; after a spike ``r += 2θ`` and ``θ += threshold_step``. No state reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core.dynamics import adaptive_phase_threshold
from slayer.spike import complex as complex_spike
from slayer.spike.constants import ADRF as SURROGATE

from . import base
from ._adaptive import AdaptiveThreshold
from ._granularity import Granularity, InitialValue
from ._resonator import P_SCALE as P_SCALE
from ._resonator import ResonateAndFire, resonator_params

Traces = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


class Neuron(AdaptiveThreshold, ResonateAndFire):
    """Adaptive phase resonate-and-fire neuron, lava-dl ``slayer.neuron.adrf.Neuron`` compatible.

    Arguments: ``threshold``, ``threshold_step``, ``period``, ``decay``, ``threshold_decay``,
    ``refractory_decay``, then as :class:`slayer.neuron.rf.Neuron`. Parameters ``sin_decay``,
    ``cos_decay``, ``threshold_decay``, ``refractory_decay``; states ``real_state``, ``imag_state``,
    ``threshold_state``, ``refractory_state``. Input: a ``(real, imag)`` pair ``(N, *S, T)``.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.adrf.Neuron(
    ...     threshold=0.1, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1
    ... )
    >>> real = torch.zeros(1, 1, 16)
    >>> real[..., 0] = 1.0  # a kick at t = 0
    >>> neuron((real, torch.zeros_like(real)))[0, 0]
    tensor([0., 0., 0., 0., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0., 0.])
    """

    name = "adrf"
    parameter_ranges = base.decay_ranges("sin_decay", "cos_decay", "threshold_decay", "refractory_decay")

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
            threshold,
            period,
            decay,
            tau_grad,
            scale_grad,
            scale,
            norm,
            dropout,
            shared_param,
            persistent_state,
            requires_grad,
            graded_spike,
            log_init,
            granularity=granularity,
            save_state=save_state,
        )
        self._register_adaptive_threshold(threshold_step, threshold_decay, refractory_decay)

    def clamp(self) -> None:
        """Resonator clamp (first quadrant, magnitude <= 4095) and threshold/refractory decays in
        ``[0, 4096]``."""
        ResonateAndFire.clamp(self)
        self._clamp_adaptive_decays()

    device_type = "ADRF_PHASE"
    surrogate = SURROGATE

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

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> Traces:
        """``(real, imag, threshold, refractory)`` traces, each ``(N, *S, T)``."""
        real_in, imag_in = self._normalized(input)
        imag_last = self._state("imag_state", real_in)
        real, imag, next_real, _ = self._resonate(real_in, imag_in, imag_last, None)
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
        self._store_state(imag_state=self._carried_imag(imag, imag_last))
        return spikes


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments from :attr:`Neuron.device_params` (lava-dl's version raises a TypeError)."""
    return {
        **resonator_params(device_params, scale, p_scale),
        "threshold_step": device_params["vThStep"] / scale,
        "threshold_decay": base.from_hardware(device_params["thDecay"], p_scale),
        "refractory_decay": base.from_hardware(device_params["refDecay"], p_scale),
    }
