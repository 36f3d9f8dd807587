r"""Resonate-and-fire neuron with phase spiking (complex, lava-dl ``rf``).

.. math::
    z[t] = (1 - \alpha) e^{i 2\pi/P} z[t-1] + x[t], \qquad
    s[t] = \operatorname{Re} z[t] \ge \theta \ \wedge\ \operatorname{Im} z[t-1] < 0 \le \operatorname{Im} z[t]

A spike marks the upward zero crossing of the imaginary part when the real part is above threshold;
the state is not reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core.dynamics import resonator
from slayer.spike import complex as complex_spike
from slayer.spike.constants import RF as SURROGATE

from . import base
from ._granularity import Granularity, InitialValue
from ._resonator import Resonator, resonator_params

P_SCALE = 1 << 12


class Neuron(Resonator, base.Neuron):
    """Phase resonate-and-fire neuron, lava-dl ``slayer.neuron.rf.Neuron`` compatible.

    Arguments: ``threshold``; ``period`` (time steps, >= 4) and ``decay`` (fraction), each a scalar, a
    ``(min, max)`` range or a tensor; ``log_init`` (log-spaced frequencies for channel/neuron
    granularity); the rest as :class:`slayer.neuron.cuba.Neuron`. ``norm`` gives ``real_norm`` and
    ``imag_norm`` applied to the two inputs.

    Input: a ``(real, imag)`` pair of tensors ``(N, C, T)`` or ``(N, C, H, W, T)``; output spikes of
    that shape.
    """

    name = "rf"
    complex = True

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
        self._register_resonator(period, decay, log_init)

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description (type ``'RF_PHASE'``)."""
        return {
            "type": "RF_PHASE",
            "sinDecay": self.cx_sin_decay,
            "cosDecay": self.cx_cos_decay,
            "vThMant": self.v_th_mant,
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

    def dynamics(self, input: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(real, imag)`` resonator traces, each ``(N, *S, T)``."""
        real_in, imag_in = self._normalized(input)
        real, imag, next_real, _ = resonator(
            real_in,
            imag_in,
            self.sin_decay,
            self.cos_decay,
            self._state("real_state", real_in),
            self._state("imag_state", real_in),
            None,
            s_scale=self.s_scale,
        )
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
        self._store_state(imag_state=imag[..., -1])
        return spikes

    def forward(self, input: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Spikes ``(N, *S, T)`` for a ``(real, imag)`` input pair of that shape."""
        real, imag = self.dynamics(input)
        return self._dropout(self.spike(real, imag))


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments (``threshold``, ``period``, ``decay``) from :attr:`Neuron.device_params`."""
    return resonator_params(device_params, scale, p_scale)
