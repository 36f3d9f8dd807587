"""Adaptive threshold and refractory parameters shared by ALIF and the adaptive resonators (ADRF)."""

from __future__ import annotations

import torch

from slayer.core import arguments

from . import base
from ._granularity import InitialValue, initial_tensor, midpoint


class AdaptiveThreshold:
    """Mixin for :class:`slayer.neuron.base.Neuron` subclasses with an adaptive threshold ``θ[t]`` and a
    refractory increment ``r[t]``: after a spike ``r += 2θ`` and ``θ += threshold_step``; between spikes
    ``θ`` decays to the base threshold (``threshold_decay``) and ``r`` to 0 (``refractory_decay``).

    Parameters ``threshold_decay``, ``refractory_decay`` (``4096 * decay``, no jitter: lava-dl draws
    them from the exact value or range); states ``threshold_state`` (starts at the threshold) and
    ``refractory_state``.
    """

    def _register_adaptive_threshold(
        self: base.Neuron, threshold_step: float, threshold_decay: InitialValue, refractory_decay: InitialValue
    ) -> None:
        self.threshold_step = threshold_step
        self._initial_adaptive = base.checked_decays(
            self, threshold_decay=threshold_decay, refractory_decay=refractory_decay
        )
        self.register_neuron_parameters(
            {name: self.p_scale * midpoint(value) for name, value in self._initial_adaptive.items()},
            "_init_adaptive_decays",
        )
        self.register_state("threshold_state", "threshold")
        self.register_state("refractory_state")

    def _init_adaptive_decays(self, shape: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(self.p_scale * initial_tensor(v, shape, jitter=False) for v in self._initial_adaptive.values())

    def _clamp_adaptive_decays(self) -> None:
        self.threshold_decay.data.clamp_(0, self.p_scale)
        self.refractory_decay.data.clamp_(0, self.p_scale)

    @property
    def threshold_step(self) -> float:
        """Threshold increment per spike, a multiple of ``1/w_scale`` (assigning truncates it)."""
        return self._threshold_step

    @threshold_step.setter
    def threshold_step(self, value: float) -> None:
        high = base.STATE_LIMIT / self.s_scale
        step = arguments.in_range(self._model_name, "threshold_step", value, 0, high)
        self._threshold_step = base.quantize_threshold(step, self.w_scale)

    @property
    def v_th_step(self) -> int:
        """Hardware threshold step mantissa ``int(threshold_step * w_scale)``."""
        return int(self.threshold_step * self.w_scale)

    @property
    def cx_threshold_decay(self) -> int | list[int]:
        """Hardware threshold decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.threshold_decay)

    @property
    def cx_refractory_decay(self) -> int | list[int]:
        """Hardware refractory decay (rounded): an int if shared, else a list."""
        return base.rounded_int(self.refractory_decay)
