"""The cells of lava-dl's "Dynamics, Neurons, and Spikes" tutorial (``neuron_dynamics/dynamics.ipynb``), one
function per notebook section, written against a ``slayer`` module passed in: lava-dl's
``lava.lib.dl.slayer`` or this repository's ``slayer``. Nothing else differs between the two runs, which is the
"only the import line changed" promise of docs/migration.md. Plots are replaced by the arrays they would draw.

The calls follow the notebook (spec §16.4): a ``(1000,)`` input of five weighted impulses, ``scale = 1 << 12``,
fractional decays (``0.1 * scale`` = 409.6, ``0.5 * decay`` = 204.8, resonator ``sin``/``cos`` decays), one-element
states, ``threshold + refractory`` thresholds of shape ``(T,)``, and ``Spike.apply(..., 0, 1)`` with a plain ``0``
for the last voltage / imaginary state.

``python tests/lava_dl_dynamics_cells.py --lava-dl OUT.npz`` (in a venv with lava-dl 0.6, see
``shared/spec/running-lava-dl.md``) writes the reference arrays that ``test_lava_dl_dynamics_tutorial.py`` holds
slayer to; ``--slayer`` runs the same cells against slayer.
"""

from __future__ import annotations

import argparse
import math
import sys
import types
from typing import Any

import numpy as np
import torch

STEPS = 1000
#: (time step, weight) of the input impulses
IMPULSES = ((10, 1.0), (97, 1.8), (100, 1.6), (270, -3.0), (500, 0.5))
SCALE = 1 << 12
THRESHOLD = 1.5


def _setup() -> dict[str, Any]:
    """Parameter setup cells: the weighted spike input, decay and initial state."""
    signal = torch.zeros(STEPS)
    for step, weight in IMPULSES:
        signal[step] = weight
    return {
        "input": signal,
        "decay": torch.FloatTensor([0.1 * SCALE]),
        "state": torch.FloatTensor([0]),
    }


def leaky_integrator_cells(slayer, p: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Section 1: leaky integrator with spike and reset, its real spike, and CUBA as two cascaded integrators."""
    dynamics = slayer.neuron.dynamics.leaky_integrator.dynamics
    y = dynamics(p["input"], decay=p["decay"], state=p["state"], w_scale=SCALE, threshold=THRESHOLD)
    # Spike.apply(voltage, threshold, tau_rho, scale_rho, graded_spike, voltage_last, scale)
    spike = slayer.spike.Spike.apply(y, THRESHOLD, 1, 1, False, 0, 1)
    current = dynamics(p["input"], decay=p["decay"], state=p["state"], w_scale=SCALE)
    voltage = dynamics(current, decay=p["decay"], state=p["state"], w_scale=SCALE, threshold=5 * THRESHOLD)
    cuba_spike = slayer.spike.Spike.apply(voltage, 5 * THRESHOLD, 1, 1, False, 0, 1)
    return {"li_y": y, "li_spike": spike, "cuba_current": current, "cuba_voltage": voltage, "cuba_spike": cuba_spike}


def adaptive_threshold_cells(slayer, p: dict[str, Any], voltage: torch.Tensor) -> dict[str, torch.Tensor]:
    """Section 2: ALIF = the CUBA voltage with an adaptive threshold and refractory state; spikes against
    the time-varying ``threshold + refractory``."""
    threshold, refractory = slayer.neuron.dynamics.adaptive_threshold.dynamics(
        voltage,
        ref_state=p["state"],
        ref_decay=0.5 * p["decay"],
        th_state=p["state"] + 5 * THRESHOLD,
        th_decay=p["decay"],
        th_scale=0.5 * 5 * THRESHOLD,
        th0=5 * THRESHOLD,
        w_scale=SCALE,
    )
    spike = slayer.spike.Spike.apply(voltage, threshold + refractory, 1, 1, False, 0, 1)
    return {"alif_threshold": threshold, "alif_refractory": refractory, "alif_spike": spike}


def resonator_parameters(p: dict[str, Any], alpha: float = 0.03, period: float = 25) -> None:
    """Section 3 set-up: decay matrix ``(1 - alpha) [[cos, -sin], [sin, cos]]`` in units of 1/scale."""
    phase = 2 * math.pi / period
    p["sin_decay"] = torch.FloatTensor([(1 - alpha) * math.sin(phase) * SCALE])
    p["cos_decay"] = torch.FloatTensor([(1 - alpha) * math.cos(phase) * SCALE])


def resonator_cells(slayer, p: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Section 3: resonator, resonate-and-fire phase spikes, RF-Izhikevich, a second-order (cascaded)
    resonator; the phase portraits are the (real, imag) pairs."""
    resonator = slayer.neuron.dynamics.resonator.dynamics
    zeros = torch.zeros_like(p["input"])
    args = (p["sin_decay"], p["cos_decay"])
    real, imag = resonator(p["input"], zeros, *args, real_state=p["state"], imag_state=p["state"], w_scale=SCALE)
    # complex Spike.apply(real, imag, threshold, tau_rho, scale_rho, graded_spike, imag_last, scale)
    rf_spike = slayer.spike.complex.Spike.apply(real, imag, THRESHOLD / 5, 1, 1, False, 0, 1)
    iz_real, iz_imag = resonator(
        p["input"], zeros, *args, real_state=p["state"], imag_state=p["state"], w_scale=SCALE, threshold=THRESHOLD / 5
    )
    iz_spike = slayer.spike.Spike.apply(iz_imag, THRESHOLD / 5, 1, 1, False, 0, 1)
    real2, imag2 = resonator(real, imag, *args, real_state=p["state"], imag_state=p["state"], w_scale=SCALE)
    rf2_spike = slayer.spike.complex.Spike.apply(real2, imag2, 15 * THRESHOLD / 5, 1, 1, False, 0, 1)
    return {
        "rf_real": real,
        "rf_imag": imag,
        "rf_spike": rf_spike,
        "rf_iz_real": iz_real,
        "rf_iz_imag": iz_imag,
        "rf_iz_spike": iz_spike,
        "rf2_real": real2,
        "rf2_imag": imag2,
        "rf2_spike": rf2_spike,
    }


def adaptive_resonator_cells(slayer, p: dict[str, Any], real: torch.Tensor, imag: torch.Tensor) -> dict:
    """Section 4: adaptive phase threshold on the resonator traces (phase spikes against ``th + ref``) and
    the fused adaptive (Izhikevich) resonator."""
    th0 = THRESHOLD / 5
    threshold, refractory = slayer.neuron.dynamics.adaptive_phase_th.dynamics(
        real,
        imag,
        im_state=p["state"],
        ref_state=p["state"],
        ref_decay=0.5 * p["decay"],
        th_state=p["state"] + th0,
        th_decay=p["decay"],
        th_scale=0.5 * th0,
        th0=th0,
        w_scale=SCALE,
    )
    phase_spike = slayer.spike.complex.Spike.apply(real, imag, threshold + refractory, 1, 1, False, 0, 1)
    zeros = torch.zeros_like(p["input"])
    a_real, a_imag, a_threshold, a_refractory = slayer.neuron.dynamics.adaptive_resonator.dynamics(
        p["input"],
        zeros,
        p["sin_decay"],
        p["cos_decay"],
        0.5 * p["decay"],
        p["decay"],
        real_state=p["state"],
        imag_state=p["state"],
        ref_state=p["state"],
        th_state=p["state"] + th0,
        th_scale=0.5 * th0,
        th0=th0,
        w_scale=SCALE,
    )
    iz_spike = slayer.spike.Spike.apply(a_imag, a_threshold + a_refractory, 1, 1, False, 0, 1)
    return {
        "adth_threshold": threshold,
        "adth_refractory": refractory,
        "adth_spike": phase_spike,
        "adrf_real": a_real,
        "adrf_imag": a_imag,
        "adrf_threshold": a_threshold,
        "adrf_refractory": a_refractory,
        "adrf_iz_spike": iz_spike,
    }


def grid_threshold_cells(slayer, p: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Not a notebook cell: RF-Izhikevich with a threshold on the 1/64 grid (as neurons quantise it), where
    slayer's reset ``ceil(θ W) - 1`` and lava-dl's ``trunc(θ W - 1)`` coincide (docs/semantics.md)."""
    threshold = 19 / 64
    zeros = torch.zeros_like(p["input"])
    real, imag = slayer.neuron.dynamics.resonator.dynamics(
        p["input"], zeros, p["sin_decay"], p["cos_decay"], p["state"], p["state"], SCALE, threshold
    )
    return {"grid_rf_iz_real": real, "grid_rf_iz_imag": imag}


def run_cells(slayer) -> dict[str, np.ndarray]:
    """Every cell in notebook order; the arrays the notebook plots, by name."""
    p = _setup()
    out = leaky_integrator_cells(slayer, p)
    out |= adaptive_threshold_cells(slayer, p, out["cuba_voltage"])
    resonator_parameters(p)
    out |= resonator_cells(slayer, p)
    out |= adaptive_resonator_cells(slayer, p, out["rf_real"], out["rf_imag"])
    out |= grid_threshold_cells(slayer, p)
    return {name: value.detach().cpu().numpy() for name, value in out.items()}


def import_lava_dl_slayer():
    """lava-dl's slayer without its object-detection subpackage (it needs torchvision/OpenCV;
    shared/spec/running-lava-dl.md)."""
    sys.modules.setdefault("lava.lib.dl.slayer.object_detection", types.ModuleType("object_detection"))
    import lava.lib.dl.slayer as lava_slayer

    return lava_slayer


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--lava-dl", metavar="OUT.npz", help="run against lava-dl and save the arrays")
    which.add_argument("--slayer", metavar="OUT.npz", help="run against slayer and save the arrays")
    args = parser.parse_args()
    if args.lava_dl:
        arrays, out = run_cells(import_lava_dl_slayer()), args.lava_dl
    else:
        import slayer

        arrays, out = run_cells(slayer), args.slayer
    np.savez_compressed(out, **arrays)
    print(f"{len(arrays)} arrays -> {out}")
