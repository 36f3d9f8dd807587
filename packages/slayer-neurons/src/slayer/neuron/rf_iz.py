r"""Resonate-and-fire neuron with Izhikevich spiking (complex, lava-dl ``rf_iz``).

.. math::
    z[t] = (1 - \alpha) e^{i 2\pi/P} z'[t-1] + x[t], \qquad s[t] = \operatorname{Im} z[t] \ge \theta

After a spike the next step starts from ``Re z' = 0`` and ``Im z' = θ - 1/s_scale`` (one LSB below
threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from slayer.spike import Spike
from slayer.spike.constants import RF_IZ as SURROGATE

from . import rf
from ._resonator import resonator_params

P_SCALE = rf.P_SCALE


class Neuron(rf.Neuron):
    """Izhikevich resonate-and-fire neuron, lava-dl ``slayer.neuron.rf_iz.Neuron`` compatible (same
    constructor as :class:`slayer.neuron.rf.Neuron`). Input: a ``(real, imag)`` pair ``(N, *S, T)``.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.rf_iz.Neuron(threshold=0.1, period=8, decay=0.1)
    >>> real = torch.zeros(1, 1, 16)
    >>> real[..., 0] = 1.0  # a kick at t = 0
    >>> neuron((real, torch.zeros_like(real)))[0, 0]  # fires when the imaginary part reaches the threshold
    tensor([0., 1., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.])
    """

    name = "rf_iz"
    device_type = "RF_IZHIKEVICH"
    surrogate = SURROGATE

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(real, imag)`` traces ``(N, *S, T)`` (pre-reset values at a spike)."""
        real_in, imag_in = self._normalized(input)
        imag_state = self._state("imag_state", real_in)
        real, imag, next_real, next_imag = self._resonate(real_in, imag_in, imag_state, self.threshold)
        self._store_state(real_state=next_real, imag_state=next_imag)
        return real, imag

    def spike(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        """Spikes ``imag >= θ`` (binary, or ``imag`` at the spike if ``graded_spike``)."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        return Spike.apply(imag, self.threshold, tau_rho, scale_rho, self.graded_spike, None, 1)


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments (``threshold``, ``period``, ``decay``) from :attr:`Neuron.device_params`."""
    return resonator_params(device_params, scale, p_scale)
