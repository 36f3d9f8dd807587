"""Neuron parameters of every first-party family, for benchmarks that build one block per family."""

import torch.nn.functional as F

PARAMS: dict[str, dict] = {
    "cuba": dict(threshold=0.5, current_decay=0.25, voltage_decay=0.03),
    "alif": dict(
        threshold=0.5, threshold_step=0.2, current_decay=0.25, voltage_decay=0.03, threshold_decay=0.1,
        refractory_decay=0.1,
    ),
    "rf": dict(threshold=0.3, period=8, decay=0.1),
    "rf_iz": dict(threshold=0.3, period=8, decay=0.1),
    "adrf": dict(threshold=0.3, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1),
    "adrf_iz": dict(threshold=0.3, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1),
    "sigma_delta": dict(threshold=0.1, activation=F.relu),
}  # fmt: skip
