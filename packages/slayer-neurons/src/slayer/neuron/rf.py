r"""Resonate-and-fire neuron with phase spiking (complex, lava-dl ``rf``).

.. math::
    z[t] = (1 - \alpha) e^{i 2\pi/P} z[t-1] + x[t], \qquad
    s[t] = \operatorname{Re} z[t] \ge \theta \ \wedge\ \operatorname{Im} z[t-1] < 0 \le \operatorname{Im} z[t]

A spike marks the upward zero crossing of the imaginary part when the real part is above threshold;
the state is not reset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from slayer.spike import complex as complex_spike
from slayer.spike.constants import RF as SURROGATE

from ._resonator import P_SCALE as P_SCALE
from ._resonator import ResonateAndFire, resonator_params


class Neuron(ResonateAndFire):
    """Phase resonate-and-fire neuron, lava-dl ``slayer.neuron.rf.Neuron`` compatible.

    ``Neuron(threshold, period, decay, tau_grad=1, scale_grad=1, scale=64, norm=None, dropout=None,
    shared_param=True, persistent_state=False, requires_grad=False, graded_spike=False, log_init=True, *,
    granularity=None, save_state=False)``

    Arguments: ``threshold``; ``period`` (time steps, >= 4) and ``decay`` (fraction), each a scalar, a
    ``(min, max)`` range or a tensor; ``log_init`` (log-spaced frequencies for channel/neuron
    granularity); the rest as :class:`slayer.neuron.cuba.Neuron`. ``norm`` gives ``real_norm`` and
    ``imag_norm`` applied to the two inputs.

    Input: a ``(real, imag)`` pair of tensors ``(N, C, T)`` or ``(N, C, H, W, T)``; output spikes of
    that shape.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.rf.Neuron(threshold=0.1, period=8, decay=0.1)
    >>> real = torch.zeros(1, 1, 16)  # (N, C, T), the real part of the input
    >>> real[..., 0] = 1.0  # a kick at t = 0
    >>> neuron((real, torch.zeros_like(real)))[0, 0]  # fires at an upward zero crossing of the imaginary part
    tensor([0., 0., 0., 0., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0., 0.])
    """

    name = "rf"
    device_type = "RF_PHASE"
    surrogate = SURROGATE

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description (type ``'RF_PHASE'``)."""
        return {
            "type": self.device_type,
            "sinDecay": self.cx_sin_decay,
            "cosDecay": self.cx_cos_decay,
            "vThMant": self.v_th_mant,
            "gradedSpike": self.graded_spike,
        }

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(real, imag)`` resonator traces, each ``(N, *S, T)``."""
        real_in, imag_in = self._normalized(input)
        real, imag, next_real, _ = self._resonate(real_in, imag_in, self._state("imag_state", real_in), None)
        # the imaginary state is the spike's "previous imag" too: it is stored by spike()
        self._store_state(real_state=next_real)
        return real, imag

    def spike(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        """Phase spikes: ``real >= θ`` at an upward zero crossing of ``imag``."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        imag_last = self._state("imag_state", imag)
        spikes = complex_spike.Spike.apply(
            real, imag, self.threshold, tau_rho, scale_rho, self.graded_spike, imag_last, 1
        )
        self._store_state(imag_state=self._carried_imag(imag, imag_last))
        return spikes


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments (``threshold``, ``period``, ``decay``) from :attr:`Neuron.device_params`."""
    return resonator_params(device_params, scale, p_scale)
