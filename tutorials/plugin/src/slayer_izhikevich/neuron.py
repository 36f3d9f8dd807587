r"""Izhikevich's quadratic neuron with a recovery variable, in slayer's fixed point.

A dimensionless form of Izhikevich's "simple model" (rest at 0, spike at the threshold :math:`\theta`),
one step per time bin:

.. math::
    v[t] &= \max\!\big(v[t-1] + k\, v[t-1] (v[t-1] - v_c) / \theta - u[t-1] + x[t],\ -\theta\big) \\
    u[t] &= u[t-1] + a\,(b\, v[t] - u[t-1]) \\
    s[t] &= v[t] \ge \theta, \qquad \text{then if } s[t]:\ v[t] \leftarrow v_r,\ u[t] \leftarrow u[t] + d

Below the critical voltage :math:`v_c` the quadratic term leaks the voltage back to rest; above it, it
drives the voltage up to a spike on its own (a "type 1" excitable neuron). The recovery :math:`u` follows
the voltage with rate :math:`a` (learnable, like slayer's decays in 12-bit units, ``4096 * a``) and jumps
by :math:`d` after each spike, so the neuron adapts. Both states are truncated toward zero to multiples of
``1/s_scale`` after every step (slayer's fixed point); gradients pass straight through the truncation and
through the spike by slayer's surrogate. The voltage floor :math:`-\theta` keeps the quadratic term bounded
for strongly negative input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch

from slayer.neuron import base
from slayer.spike.constants import SurrogateScaling
from slayer.utils import quantize
from slayer.utils.int_utils import truncate_toward_zero


def izhikevich(
    x: torch.Tensor,
    voltage: torch.Tensor,
    recovery: torch.Tensor,
    recovery_decay: torch.Tensor,
    spike: Callable[[torch.Tensor], torch.Tensor],
    *,
    threshold: float,
    sensitivity: float,
    jump: float,
    critical: float,
    sharpness: float,
    reset: float,
    s_scale: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The recurrence above, a pure function.

    x: input ``(N, *S, T)``; voltage, recovery: states ``(N, *S)`` before the first step; recovery_decay:
    ``a`` as a fraction, broadcastable to ``(N, *S)`` (``(1,)``, ``(C, 1, ...)`` ...); spike: ``v -> s`` (the
    surrogate-gradient spike function). Returns the spikes ``(N, *S, T)`` and the last voltage and recovery
    ``(N, *S)``.
    """

    def fixed_point(value: torch.Tensor) -> torch.Tensor:
        return truncate_toward_zero(value * s_scale) / s_scale

    spikes = []
    for t in range(x.shape[-1]):
        drive = sharpness * voltage * (voltage - critical) / threshold - recovery + x[..., t]
        voltage = fixed_point(torch.clamp(voltage + drive, min=-threshold))
        recovery = fixed_point(recovery + recovery_decay * (sensitivity * voltage - recovery))
        s = spike(voltage)
        fired = (s != 0).to(voltage.dtype).detach()  # the reset is not differentiated (as slayer's neurons)
        voltage = voltage * (1 - fired) + reset * fired
        recovery = recovery + jump * fired
        spikes.append(s)
    return torch.stack(spikes, dim=-1), voltage, recovery


class Neuron(base.Neuron):
    """Izhikevich neuron (``slayer.block.izhikevich``), on slayer's public base class.

    Arguments: ``threshold`` (spike voltage :math:`\\theta`); ``recovery_decay`` (:math:`a`, a fraction in
    ``[0, 1]``: a scalar, a ``(min, max)`` range or a tensor for channel/neuron granularity; learnable with
    ``requires_grad``); ``sensitivity`` (:math:`b`), ``jump`` (:math:`d`), ``critical`` (:math:`v_c`, default
    ``threshold / 2``), ``sharpness`` (:math:`k`), ``reset`` (:math:`v_r`); ``tau_grad``, ``scale_grad``
    (surrogate); ``scale`` (weight scale, states use ``scale * 64``); ``shared_param``, ``persistent_state``,
    ``requires_grad``; keyword-only ``granularity`` (see :class:`slayer.neuron.base.Neuron`).

    Input ``(N, C, T)`` or ``(N, C, H, W, T)``; output spikes of the same shape. States ``voltage_state`` and
    ``recovery_state``.
    """

    name = "izhikevich"
    device_type = "IZHIKEVICH"
    surrogate = SurrogateScaling(tau_multiplier=1.0, scale_multiplier=1.0)
    block_types = base.SPIKING_BLOCK_TYPES  # every spiking block type; no Affine (no read-out defined)
    decay_device_keys: ClassVar[Mapping[str, str]] = {"recovery_decay": "uDecay"}
    #: the constants written to hdf5 next to the decay, as mantissas of the weight scale
    CONSTANT_DEVICE_KEYS: ClassVar[Mapping[str, str]] = {
        "sensitivity": "uSensitivity",
        "jump": "uJump",
        "critical": "vCritical",
        "sharpness": "sharpness",
        "reset": "vReset",
    }

    def __init__(
        self,
        threshold: float,
        recovery_decay: base.InitialValue = 0.02,
        sensitivity: float = 0.2,
        jump: float = 0.1,
        critical: float | None = None,
        sharpness: float = 0.1,
        reset: float = 0.0,
        tau_grad: float = 1,
        scale_grad: float = 1,
        scale: int = 1 << 6,
        shared_param: bool = True,
        persistent_state: bool = False,
        requires_grad: bool = False,
        *,
        granularity: base.Granularity | None = None,
    ) -> None:
        super().__init__(
            threshold=threshold,
            tau_grad=tau_grad,
            scale_grad=scale_grad,
            w_scale=scale,
            s_scale=scale * (1 << 6),
            persistent_state=persistent_state,
            shared_param=shared_param,
            requires_grad=requires_grad,
            granularity=granularity,
        )
        if not 0 <= sharpness <= 1:
            raise ValueError(f"izhikevich.Neuron: sharpness must lie in [0, 1], received {sharpness}")
        # the constants live on the state grid (multiples of 1/s_scale), as the hardware stores them
        on_grid = self._on_state_grid
        self.sensitivity, self.jump, self.sharpness, self.reset = map(on_grid, (sensitivity, jump, sharpness, reset))
        self.critical = on_grid(self.threshold / 2 if critical is None else critical)
        self.register_decays({"recovery_decay": recovery_decay})
        self.register_state("voltage_state")
        self.register_state("recovery_state")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Spikes ``(N, *S, T)`` for an input ``(N, *S, T)``."""
        x = self.real_input(input)
        decay = quantize(self.recovery_decay) / base.DECAY_SCALE  # hardware integers, straight-through
        spikes, voltage, recovery = izhikevich(
            x,
            self.state("voltage_state", x),
            self.state("recovery_state", x),
            self.neuron_view(decay),
            self.threshold_spikes,
            threshold=self.threshold,
            sensitivity=self.sensitivity,
            jump=self.jump,
            critical=self.critical,
            sharpness=self.sharpness,
            reset=self.reset,
            s_scale=self.s_scale,
        )
        self.store_state(voltage_state=voltage, recovery_state=recovery)
        return self.dropout_spikes(spikes)

    def _on_state_grid(self, value: float) -> float:
        return round(float(value) * self.s_scale) / self.s_scale

    @property
    def device_params(self) -> dict[str, Any]:
        """``{'type': 'IZHIKEVICH', 'vThMant': ..., 'uDecay': ..., 'uSensitivity': ..., ...}``: the base's
        threshold and decay, plus this model's constants as integers in units of ``1/s_scale``."""
        constants = {key: round(getattr(self, name) * self.s_scale) for name, key in self.CONSTANT_DEVICE_KEYS.items()}
        return {**super().device_params, **constants}

    @classmethod
    def params_from_device(cls, device_params: Mapping[str, Any], scale: int = 1 << 6) -> dict[str, Any]:
        """Constructor arguments from :attr:`device_params` (the base's, plus the constants)."""
        s_scale = scale * (1 << 6)
        constants = {name: device_params[key] / s_scale for name, key in cls.CONSTANT_DEVICE_KEYS.items()}
        return {**super().params_from_device(device_params, scale), **constants, "scale": scale}

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, sensitivity={self.sensitivity}, jump={self.jump}, critical={self.critical}, "
            f"sharpness={self.sharpness}, reset={self.reset}"
        )
