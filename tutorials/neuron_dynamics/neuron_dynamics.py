# %% [markdown]
# # Neuron dynamics, model by model
#
# Drives every slayer neuron model with a few input patterns (a step, a pulse train and random
# spikes) and saves one PNG per model and pattern: the input, the internal states and the output
# spikes. It is lava-dl's "dynamics deep dive" notebook as a script; run it with
#
#     python tutorials/neuron_dynamics/neuron_dynamics.py [--smoke] [--out DIR]
#
# `--smoke` uses a short time window (for the tests); plots go to `--out`
# (default `tutorials/neuron_dynamics/output/`).

# %%
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import torch

import slayer

# %% [markdown]
# ## Input patterns
# Each pattern is a `(1, 1, T)` tensor (one neuron, time last).


# %%
def patterns(T: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    t = torch.arange(T)
    step = (t >= T // 5).float() * 0.3
    pulses = ((t % max(T // 6, 2)) == 0).float() * 1.5
    random_spikes = (torch.rand(T, generator=generator) < 0.25).float()
    return {
        name: values.reshape(1, 1, T)
        for name, values in {"step": step, "pulses": pulses, "random": random_spikes}.items()
    }


# %% [markdown]
# ## The models
# Each entry builds a neuron and returns the traces to plot, `{label: (1, 1, T) tensor}`, and the spikes.
# The resonators (rf family) take a `(real, imag)` pair: we drive the real part only.

# %%
Traces = dict[str, torch.Tensor]


def run_cuba(x: torch.Tensor) -> tuple[Traces, torch.Tensor]:
    neuron = slayer.neuron.cuba.Neuron(threshold=1.25, current_decay=0.25, voltage_decay=0.03)
    current, voltage = neuron.dynamics(x)
    return {"current": current, "voltage": voltage}, neuron.spike(voltage)


def run_alif(x: torch.Tensor) -> tuple[Traces, torch.Tensor]:
    neuron = slayer.neuron.alif.Neuron(1.0, 0.5, 0.25, 0.03, 0.1, 0.2)
    current, voltage, threshold, refractory = neuron.dynamics(x)
    traces = {"current": current, "voltage": voltage, "threshold + refractory": threshold + refractory}
    return traces, neuron.spike(voltage, threshold, refractory)


def resonator(module) -> Callable[[torch.Tensor], tuple[Traces, torch.Tensor]]:
    def run(x: torch.Tensor) -> tuple[Traces, torch.Tensor]:
        if module in (slayer.neuron.rf, slayer.neuron.rf_iz):
            neuron = module.Neuron(threshold=0.5, period=8, decay=0.05)
        else:
            neuron = module.Neuron(0.5, 0.25, 8, 0.05, 0.1, 0.2)
        traces = neuron.dynamics((x, torch.zeros_like(x)))
        labels = ("real", "imag", "threshold", "refractory")
        named = dict(zip(labels, traces))
        if "threshold" in named:
            named["threshold + refractory"] = named.pop("threshold") + named.pop("refractory")
        return named, neuron.spike(*traces)

    return run


def run_sigma_delta(x: torch.Tensor) -> tuple[Traces, torch.Tensor]:
    neuron = slayer.neuron.sigma_delta.Neuron(threshold=0.1, activation=torch.nn.functional.relu)
    accumulated = neuron.sigma(x)
    return {"sigma (accumulated input)": accumulated}, neuron(x)


MODELS: dict[str, Callable[[torch.Tensor], tuple[Traces, torch.Tensor]]] = {
    "cuba": run_cuba,
    "alif": run_alif,
    "rf": resonator(slayer.neuron.rf),
    "rf_iz": resonator(slayer.neuron.rf_iz),
    "adrf": resonator(slayer.neuron.adrf),
    "adrf_iz": resonator(slayer.neuron.adrf_iz),
    "sigma_delta": run_sigma_delta,
}

# %% [markdown]
# ## Plotting


# %%
def plot(title: str, x: torch.Tensor, traces: Traces, spikes: torch.Tensor, path: Path) -> None:
    rows = 2 + len(traces)
    figure, axes = plt.subplots(rows, 1, sharex=True, figsize=(8, 1.6 * rows))
    time = torch.arange(x.shape[-1])
    axes[0].step(time, x.flatten(), where="post")
    axes[0].set_ylabel("input")
    for axis, (label, trace) in zip(axes[1:], traces.items()):
        axis.plot(time, trace.detach().flatten())
        axis.set_ylabel(label, fontsize=8)
    events = torch.nonzero(spikes.flatten()).flatten()
    axes[-1].vlines(events, 0, spikes.flatten()[events].detach(), color="k")
    axes[-1].set_ylabel("spikes")
    axes[-1].set_xlabel("time step")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


# %% [markdown]
# ## Run everything


# %%
def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="short time window (tests)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output", help="folder for the PNGs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    T = 24 if args.smoke else 120
    written = []
    for model, run in MODELS.items():
        for pattern, x in patterns(T).items():
            traces, spikes = run(x)
            path = args.out / f"{model}_{pattern}.png"
            plot(f"{model}: {pattern} input", x, traces, spikes, path)
            written.append(path)
    print(f"wrote {len(written)} plots to {args.out}")
    return written


if __name__ == "__main__":
    main()
