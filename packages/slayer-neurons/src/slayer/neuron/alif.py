r"""Adaptive leaky integrate-and-fire neuron (ALIF): CUBA dynamics without voltage reset, with an
adaptive threshold and a refractory increment.

.. math::
    u[t] = (1 - \alpha_u) u[t-1] + x[t], \quad v[t] = (1 - \alpha_v) v[t-1] + u[t],\\
    \theta[t] = (1 - \alpha_\theta)(\theta[t-1] - \theta_0) + \theta_0, \quad r[t] = (1 - \alpha_r) r[t-1],\\
    s[t] = v[t] \ge \theta[t] + r[t];\\
    \text{after a spike } r \mathrel{+}= 2\theta[t],\ \theta \mathrel{+}= \theta_{step}

The voltage keeps integrating: the refractory increment is the "reset".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core.dynamics import adaptive_threshold, alif, leaky_integrator
from slayer.spike import Spike
from slayer.spike.constants import ALIF as SURROGATE

from . import base
from ._adaptive import AdaptiveThreshold
from ._granularity import Granularity, InitialValue, initial_tensor, midpoint

P_SCALE = 1 << 12
DECAYS = ("current_decay", "voltage_decay", "threshold_decay", "refractory_decay")


class Neuron(AdaptiveThreshold, base.Neuron):
    """Adaptive LIF neuron, lava-dl ``slayer.neuron.alif.Neuron`` compatible.

    Arguments: ``threshold`` (base θ0), ``threshold_step``; decays ``current_decay``, ``voltage_decay``,
    ``threshold_decay``, ``refractory_decay`` (fractions in ``[0, 1]``: scalar, ``(min, max)`` or tensor;
    ``threshold_step`` in ``[0, 2**50/(64 scale)]``); the rest as
    :class:`slayer.neuron.cuba.Neuron`. Every decay learns when ``requires_grad=True`` (lava-dl never
    learns the threshold and refractory decays). ``norm`` is applied to the *input* (as lava-dl).

    Input ``(N, C, T)`` or ``(N, C, H, W, T)``; output spikes of the same shape.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.alif.Neuron(
    ...     threshold=1.0, threshold_step=0.5, current_decay=0.5, voltage_decay=0.5,
    ...     threshold_decay=0.1, refractory_decay=0.5,
    ... )
    >>> x = torch.full((1, 1, 12), 0.5)  # constant drive
    >>> neuron(x)[0, 0]  # the threshold adapts: later spikes come further apart
    tensor([0., 1., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0.])
    """

    name = "alif"
    complex = False
    device_type = "ALIF"
    surrogate = SURROGATE
    block_types = base.SPIKING_BLOCK_TYPES | {"Affine"}
    parameter_ranges = base.decay_ranges(*DECAYS)

    def __init__(
        self,
        threshold: float,
        threshold_step: float,
        current_decay: InitialValue,
        voltage_decay: InitialValue,
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
        self._initial_decays = base.checked_decays(self, current_decay=current_decay, voltage_decay=voltage_decay)
        self.register_neuron_parameters(
            {name: self.p_scale * midpoint(value) for name, value in self._initial_decays.items()},
            "_init_decays",
        )
        self.register_state("current_state")
        self.register_state("voltage_state")
        self._register_adaptive_threshold(threshold_step, threshold_decay, refractory_decay)

    def _init_decays(self, shape: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(self.p_scale * initial_tensor(v, shape, jitter=True) for v in self._initial_decays.values())

    def clamp(self) -> None:
        """Keep every decay in ``[0, 4096]``."""
        self.current_decay.data.clamp_(0, self.p_scale)
        self.voltage_decay.data.clamp_(0, self.p_scale)
        self._clamp_adaptive_decays()

    @property
    def cx_current_decay(self) -> int | list[int]:
        """Hardware current decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.current_decay)

    @property
    def cx_voltage_decay(self) -> int | list[int]:
        """Hardware voltage decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.voltage_decay)

    @property
    def ref_delay(self) -> int:
        """Refractory delay for export (1)."""
        return 1

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description (type ``'ALIF'``)."""
        return {
            "type": self.device_type,
            "iDecay": self.cx_current_decay,
            "vDecay": self.cx_voltage_decay,
            "thDecay": self.cx_threshold_decay,
            "refDecay": self.cx_refractory_decay,
            "vThMant": self.v_th_mant,
            "vThStep": self.v_th_step,
            "refDelay": self.ref_delay,
            "gradedSpike": self.graded_spike,
        }

    def readout(self, input: torch.Tensor) -> torch.Tensor:
        """The voltage ``(N, *S, T)`` (an ``Affine`` read-out; ALIF's voltage is never reset)."""
        return self.dynamics(input)[1]

    def dynamics(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(current, voltage, threshold, refractory)`` traces, each ``(N, *S, T)`` (pre-spike values)."""
        return self._dynamics(self._prepared_input(input))

    def _prepared_input(self, input: torch.Tensor) -> torch.Tensor:
        """The checked input, normalised if the neuron has ``norm`` (decays clamped when learning)."""
        x = self._real_input(input)
        self._clamp_if_learning()
        return x if self.norm is None else self.norm(x)

    def _dynamics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        current, next_current = leaky_integrator(
            x, self.current_decay, self._state("current_state", x), None, s_scale=self.s_scale
        )
        voltage, next_voltage = leaky_integrator(
            current, self.voltage_decay, self._state("voltage_state", x), None, s_scale=self.s_scale
        )
        threshold, refractory, next_refractory, next_threshold = adaptive_threshold(
            voltage,
            self.refractory_decay,
            self.threshold_decay,
            self.threshold_step,
            self.threshold,
            self._state("refractory_state", x),
            self._state("threshold_state", x),
            s_scale=self.s_scale,
        )
        self._store_state(
            current_state=next_current,
            voltage_state=next_voltage,
            refractory_state=next_refractory,
            threshold_state=next_threshold,
        )
        return current, voltage, threshold, refractory

    def spike(self, voltage: torch.Tensor, threshold: torch.Tensor, refractory: torch.Tensor) -> torch.Tensor:
        """Spikes ``v[t] >= θ[t] + r[t]`` (binary, or ``v`` at the spike if ``graded_spike``)."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        return Spike.apply(voltage, threshold + refractory, tau_rho, scale_rho, self.graded_spike, None, 1)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Spikes of shape ``(N, *S, T)`` for an input of the same shape.

        Runs the fused op :func:`slayer.core.dynamics.alif` (after ``norm``, which acts on the input): the same
        spikes and states as ``spike(*dynamics(x)[1:])`` bit for bit and the same gradients, in one pass per
        direction. A half-precision input runs :meth:`dynamics` and :meth:`spike`.
        """
        x = self._prepared_input(input)
        if not self._fusable(x):
            _, voltage, threshold, refractory = self._dynamics(x)
            return self._dropout(self.spike(voltage, threshold, refractory))
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        spikes, _, next_current, next_voltage, next_refractory, next_threshold = alif(
            x,
            self.current_decay,
            self.voltage_decay,
            self.refractory_decay,
            self.threshold_decay,
            self._state("current_state", x),
            self._state("voltage_state", x),
            self._state("refractory_state", x),
            self._state("threshold_state", x),
            th_step=self.threshold_step,
            th0=self.threshold,
            tau_rho=tau_rho,
            scale_rho=scale_rho,
            graded=self.graded_spike,
            s_scale=self.s_scale,
        )
        self._store_state(
            current_state=next_current,
            voltage_state=next_voltage,
            refractory_state=next_refractory,
            threshold_state=next_threshold,
        )
        return self._dropout(spikes)


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments from :attr:`Neuron.device_params`. ``threshold_step`` comes from ``vThStep``
    (lava-dl wrongly reuses ``vThMant``)."""
    return {
        "threshold": device_params["vThMant"] / scale,
        "threshold_step": device_params["vThStep"] / scale,
        "current_decay": base.from_hardware(device_params["iDecay"], p_scale),
        "voltage_decay": base.from_hardware(device_params["vDecay"], p_scale),
        "threshold_decay": base.from_hardware(device_params["thDecay"], p_scale),
        "refractory_decay": base.from_hardware(device_params["refDecay"], p_scale),
    }
