r"""Adaptive resonate-and-fire neuron with Izhikevich spiking (complex, lava-dl ``adrf_iz``).

A resonator whose imaginary part spikes against an adaptive threshold: ``s[t] = Im z[t] >= θ[t] + r[t]``;
after a spike ``r += 2θ`` and ``θ += threshold_step``; the resonator state is not reset.
"""

from __future__ import annotations

import torch

from slayer.core.dynamics import adaptive_resonator
from slayer.spike import Spike
from slayer.spike.constants import ADRF_IZ as SURROGATE

from . import adrf

P_SCALE = adrf.P_SCALE


class Neuron(adrf.Neuron):
    """Adaptive Izhikevich resonate-and-fire neuron, lava-dl ``slayer.neuron.adrf_iz.Neuron`` compatible
    (same constructor as :class:`slayer.neuron.adrf.Neuron`; unlike lava-dl, ``forward`` works).
    Input: a ``(real, imag)`` pair ``(N, *S, T)``.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.adrf_iz.Neuron(
    ...     threshold=0.1, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1
    ... )
    >>> real = torch.zeros(1, 1, 16)
    >>> real[..., 0] = 1.0  # a kick at t = 0
    >>> neuron((real, torch.zeros_like(real)))[0, 0]
    tensor([0., 1., 1., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.])
    """

    name = "adrf_iz"
    device_type = "ADRF_IZHIKEVICH"
    surrogate = SURROGATE

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> adrf.Traces:
        """``(real, imag, threshold, refractory)`` traces, each ``(N, *S, T)``."""
        real_in, imag_in = self._normalized(input)
        real, imag, threshold, refractory, *next_states = adaptive_resonator(
            real_in,
            imag_in,
            self.sin_decay,
            self.cos_decay,
            self.refractory_decay,
            self.threshold_decay,
            self.threshold_step,
            self.threshold,
            self._state("real_state", real_in),
            self._state("imag_state", real_in),
            self._state("refractory_state", real_in),
            self._state("threshold_state", real_in),
            s_scale=self.s_scale,
        )
        names = ("real_state", "imag_state", "refractory_state", "threshold_state")
        self._store_state(**dict(zip(names, next_states)))
        return real, imag, threshold, refractory

    def spike(
        self, real: torch.Tensor, imag: torch.Tensor, threshold: torch.Tensor, refractory: torch.Tensor
    ) -> torch.Tensor:
        """Spikes ``imag >= θ[t] + r[t]`` (binary, or ``imag`` at the spike if ``graded_spike``)."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        return Spike.apply(imag, threshold + refractory, tau_rho, scale_rho, self.graded_spike, None, 1)


neuron_params = adrf.neuron_params
