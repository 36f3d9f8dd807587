r"""Current-based leaky integrate-and-fire neuron (CUBA LIF, Loihi's default neuron).

.. math::
    u[t] = (1 - \alpha_u)\, u[t-1] + x[t], \qquad v[t] = (1 - \alpha_v)\, v[t-1] + u[t],
    \qquad s[t] = v[t] \ge \theta, \qquad v[t] \leftarrow 0 \text{ after a spike}

in lava-dl's fixed point (states in units of ``1/s_scale``, decays in units of 1/4096). A spike needs
``v > θ`` in integer terms (Loihi's rule): the spike threshold is ``θ + threshold_eps``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.core.dynamics import cuba, cuba_recurrence, leaky_integrator
from slayer.spike import Spike
from slayer.spike.constants import CUBA as SURROGATE

from . import base
from ._granularity import Granularity, InitialValue, initial_tensor, midpoint

P_SCALE = 1 << 12


class Neuron(base.Neuron):
    """CUBA LIF neuron, lava-dl ``slayer.neuron.cuba.Neuron`` compatible.

    Arguments: ``threshold`` (in ``[1/scale, 2**50/(64 scale)]``); ``current_decay``, ``voltage_decay``
    (fractions in ``[0, 1]``, else a ValueError: a scalar,
    a ``(min, max)`` range or a tensor of explicit values for channel/neuron granularity); ``tau_grad``,
    ``scale_grad`` (surrogate); ``scale`` (weight scale, states use ``scale * 64``); ``norm`` (class applied
    to the current), ``dropout`` (instance); ``shared_param``, ``persistent_state``, ``requires_grad``
    (learn the decays), ``graded_spike``; keyword-only ``granularity`` and ``save_state`` (see
    :class:`slayer.neuron.base.Neuron`).

    Parameters ``current_decay``, ``voltage_decay`` hold ``4096 * decay``; states ``current_state``,
    ``voltage_state``. Input ``(N, C, T)`` or ``(N, C, H, W, T)``; output spikes of the same shape.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.cuba.Neuron(threshold=1.25, current_decay=0.25, voltage_decay=0.03)
    >>> x = torch.zeros(1, 2, 8)  # (N, C, T), time last
    >>> x[0, 0, 0] = 1.0  # one input at t = 0 into neuron 0
    >>> neuron(x)[0]  # neuron 0 fires at t = 1 and, on its decaying current, again at t = 4
    tensor([[0., 1., 0., 0., 1., 0., 0., 0.],
            [0., 0., 0., 0., 0., 0., 0., 0.]])
    """

    name = "cuba"
    complex = False
    device_type = "CUBA"
    surrogate = SURROGATE
    block_types = base.SPIKING_BLOCK_TYPES | {"Affine"}
    parameter_ranges = base.decay_ranges("current_decay", "voltage_decay")

    def __init__(
        self,
        threshold: float,
        current_decay: InitialValue,
        voltage_decay: InitialValue,
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
        self.threshold_eps = 0.01 / self.s_scale
        self.graded_spike = graded_spike
        self._initial_decays = base.checked_decays(self, current_decay=current_decay, voltage_decay=voltage_decay)
        self.register_neuron_parameters(
            {name: self.p_scale * midpoint(value) for name, value in self._initial_decays.items()},
            "_init_decays",
        )
        self.register_state("current_state")
        self.register_state("voltage_state")

    def _init_decays(self, shape: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(self.p_scale * initial_tensor(v, shape, jitter=True) for v in self._initial_decays.values())

    def clamp(self) -> None:
        """Keep the decays in ``[0, 4096]``."""
        self.current_decay.data.clamp_(0, self.p_scale)
        self.voltage_decay.data.clamp_(0, self.p_scale)

    @property
    def cx_current_decay(self) -> int | list[int]:
        """Hardware current decay (rounded ``current_decay``): an int if shared, else a list."""
        return base.rounded_int(self.current_decay)

    @property
    def cx_voltage_decay(self) -> int | list[int]:
        """Hardware voltage decay (rounded ``voltage_decay``): an int if shared, else a list."""
        return base.rounded_int(self.voltage_decay)

    @property
    def ref_delay(self) -> int:
        """Refractory delay for export (CUBA has none: 1)."""
        return 1

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description, e.g. ``{'type': 'CUBA', 'iDecay': 410, 'vDecay': 410, 'vThMant': 64,
        'refDelay': 1, 'gradedSpike': False}``."""
        return {
            "type": self.device_type,
            "iDecay": self.cx_current_decay,
            "vDecay": self.cx_voltage_decay,
            "vThMant": self.v_th_mant,
            "refDelay": self.ref_delay,
            "gradedSpike": self.graded_spike,
        }

    def dynamics(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Current and voltage traces (pre-reset values), each of the input's shape ``(N, *S, T)``."""
        return self._traces(input, self.threshold + self.threshold_eps)

    def _traces(self, input: torch.Tensor, reset: float | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Current and voltage ``(N, *S, T)``; the voltage resets at ``reset`` (never if ``None``)."""
        x = self._real_input(input)
        self._clamp_if_learning()
        current, next_current = leaky_integrator(
            x, self.current_decay, self._state("current_state", x), None, s_scale=self.s_scale
        )
        if self.norm is not None:
            current = self.norm(current)
        voltage, next_voltage = leaky_integrator(
            current, self.voltage_decay, self._state("voltage_state", x), reset, s_scale=self.s_scale
        )
        # the stored current is the integrator's own state (before norm), so chunked runs equal long ones
        self._store_state(current_state=next_current, voltage_state=next_voltage)
        return current, voltage

    def readout(self, input: torch.Tensor) -> torch.Tensor:
        """The voltage ``(N, *S, T)`` without reset (an ``Affine`` read-out: the neuron never fires)."""
        return self._traces(input, None)[1]

    def recurrence(
        self,
        drive: torch.Tensor,
        recurrent_weight: torch.Tensor,
        bias: torch.Tensor | None,
        initial_spikes: torch.Tensor,
    ) -> torch.Tensor:
        """Spikes ``(N, C, T)`` of ``s[t] = self(drive[t] + R s[t-1] + bias)`` in one fused autograd node
        (:func:`slayer.core.dynamics.cuba_recurrence`); with ``norm``, dropout or half precision, the generic
        per-step loop. States persist as in :meth:`forward`."""
        if self.norm is not None or self.drop is not None or not self._fusable(drive):
            return super().recurrence(drive, recurrent_weight, bias, initial_spikes)
        x = self._real_input(drive)
        self._clamp_if_learning()
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        spikes, next_current, next_voltage = cuba_recurrence(
            x,
            recurrent_weight,
            bias,
            self.current_decay,
            self.voltage_decay,
            self._state("current_state", x),
            self._state("voltage_state", x),
            initial_spikes,
            threshold=self.threshold + self.threshold_eps,
            tau_rho=tau_rho,
            scale_rho=scale_rho,
            graded=self.graded_spike,
            s_scale=self.s_scale,
        )
        self._store_state(current_state=next_current, voltage_state=next_voltage)
        return spikes

    def spike(self, voltage: torch.Tensor) -> torch.Tensor:
        """Spikes ``v >= θ + threshold_eps`` (binary, or ``v`` at the spike if ``graded_spike``)."""
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        return Spike.apply(voltage, self.threshold + self.threshold_eps, tau_rho, scale_rho, self.graded_spike, None, 1)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Spikes of shape ``(N, *S, T)`` for an input of the same shape.

        Without ``norm`` (which sits between current and voltage) this runs the fused op
        :func:`slayer.core.dynamics.cuba`: the same spikes and states as ``spike(dynamics(x)[1])`` bit for bit
        and the same gradients, in one pass per direction. With ``norm`` or a half-precision input it runs
        :meth:`dynamics` and :meth:`spike`.
        """
        if self.norm is not None or not self._fusable(input):
            _, voltage = self.dynamics(input)
            return self._dropout(self.spike(voltage))
        x = self._real_input(input)
        self._clamp_if_learning()
        tau_rho, scale_rho = self._surrogate(SURROGATE.tau_multiplier, SURROGATE.scale_multiplier)
        spikes, _, next_current, next_voltage = cuba(
            x,
            self.current_decay,
            self.voltage_decay,
            self._state("current_state", x),
            self._state("voltage_state", x),
            threshold=self.threshold + self.threshold_eps,
            tau_rho=tau_rho,
            scale_rho=scale_rho,
            graded=self.graded_spike,
            s_scale=self.s_scale,
        )
        self._store_state(current_state=next_current, voltage_state=next_voltage)
        return self._dropout(spikes)


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6, p_scale: int = P_SCALE) -> dict[str, Any]:
    """Constructor arguments from :attr:`Neuron.device_params` (per-channel values become tensors)."""
    return {
        "threshold": device_params["vThMant"] / scale,
        "current_decay": base.from_hardware(device_params["iDecay"], p_scale),
        "voltage_decay": base.from_hardware(device_params["vDecay"], p_scale),
    }
