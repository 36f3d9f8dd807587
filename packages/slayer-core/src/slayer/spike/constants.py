"""Per-neuron-model multipliers of the surrogate-gradient constants (lava-dl compatible).

A neuron computes ``tau_rho = tau_grad * threshold`` and ``scale_rho = scale_grad``
(``threshold`` already quantised to the 1/64 grid) and multiplies them by its model's
constants below before calling the spike function. lava-dl describes the values as "tuned
heuristically so that scale_grad=1 and tau_grad=1 serve as a good starting point".

=========  ==========  ==============  ================  ========================
model      spike fn    tau multiplier  scale multiplier  compared against
=========  ==========  ==============  ================  ========================
cuba       real        100             0.1               ``v`` vs ``θ``
alif       real        100             0.1               ``v`` vs ``θ[t] + r[t]``
rf         phase       0.5             10                ``(re, im)`` vs ``θ``
rf_iz      real        100             0.1               ``im`` vs ``θ``
adrf       phase       100             0.1               ``(re, im)`` vs ``θ[t] + r[t]``
adrf_iz    real        100             0.1               ``im`` vs ``θ[t] + r[t]``
=========  ==========  ==============  ================  ========================

Example (N-MNIST tutorial): cuba, ``θ = 1.25``, ``tau_grad = 0.03``, ``scale_grad = 3``
gives ``tau_rho = 3.75`` and ``scale_rho = 0.3``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ADRF",
    "ADRF_IZ",
    "ALIF",
    "CUBA",
    "RF",
    "RF_IZ",
    "SURROGATE_SCALING",
    "SurrogateScaling",
    "surrogate_parameters",
]


@dataclass(frozen=True)
class SurrogateScaling:
    """Multipliers a neuron model applies to ``tau_grad * threshold`` and ``scale_grad``."""

    tau_multiplier: float
    scale_multiplier: float

    def parameters(self, threshold: float, tau_grad: float = 1.0, scale_grad: float = 1.0) -> tuple[float, float]:
        """``(tau_rho, scale_rho)`` to pass to the spike function."""
        return tau_grad * threshold * self.tau_multiplier, scale_grad * self.scale_multiplier


CUBA = SurrogateScaling(tau_multiplier=100.0, scale_multiplier=0.1)
ALIF = SurrogateScaling(tau_multiplier=100.0, scale_multiplier=0.1)
RF = SurrogateScaling(tau_multiplier=0.5, scale_multiplier=10.0)
RF_IZ = SurrogateScaling(tau_multiplier=100.0, scale_multiplier=0.1)
ADRF = SurrogateScaling(tau_multiplier=100.0, scale_multiplier=0.1)
ADRF_IZ = SurrogateScaling(tau_multiplier=100.0, scale_multiplier=0.1)

#: model name -> its multipliers (read-only)
SURROGATE_SCALING: Mapping[str, SurrogateScaling] = MappingProxyType(
    {"cuba": CUBA, "alif": ALIF, "rf": RF, "rf_iz": RF_IZ, "adrf": ADRF, "adrf_iz": ADRF_IZ}
)


def surrogate_parameters(
    model: str, threshold: float, tau_grad: float = 1.0, scale_grad: float = 1.0
) -> tuple[float, float]:
    """Effective ``(tau_rho, scale_rho)`` of neuron ``model``: a key of :data:`SURROGATE_SCALING`, or the
    name of a registered (plugin) model, whose class attribute ``surrogate`` gives its multipliers."""
    scaling = SURROGATE_SCALING.get(model)
    if scaling is None:
        scaling = _registered_scaling(model)
    return scaling.parameters(threshold, tau_grad, scale_grad)


def _registered_scaling(model: str) -> SurrogateScaling:
    from slayer.core.plugins import registry  # the registry imports this module's users: import on use

    entry = registry().get("neurons").get(model)
    if entry is None:
        known = sorted(set(SURROGATE_SCALING) | set(registry().get("neurons")))
        raise ValueError(f"unknown neuron model {model!r}; known: {known}")
    scaling = getattr(entry.obj, "surrogate", None)
    if not isinstance(scaling, SurrogateScaling):
        raise ValueError(
            f"neuron model {model!r} ({entry.describe()}) declares no surrogate scaling: set its class attribute "
            f"'surrogate' to a slayer.spike.constants.SurrogateScaling"
        )
    return scaling
