# %% [markdown]
# # slayer demo: a spiking network assembled from the plugin registry
#
# Spike-to-spike regression on the Oxford data set (lava-dl's first tutorial): 200 input
# neurons fire a fixed pattern; a two-layer CUBA network learns to fire the 200-neuron target
# pattern (a drawing of the Radcliffe Camera). Every part is looked up by name in the plugin
# registry, exactly as a third-party model would be.
#
# Run: `python tutorials/demo.py [--epochs 1000] [--out tutorials/output/demo]` (about 30 s on 2 CPU
# cores); the raster of the trained output shows the Radcliffe Camera emerging from the input noise.

# %%
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import slayer
from slayer.core import neuron_class, registry
from slayer.utils.filter import conv

DATA = Path(__file__).parent / "oxford" / "data"


# %%
def load_oxford(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Input and target spikes, each ``(1, 200, steps)`` with 1 ms bins."""
    tensors = []
    for name in ("input.bs1", "output.bs1"):
        events = slayer.io.read_1d_spikes(DATA / name)
        dense = torch.zeros(1, 1, 200, steps)  # (C, H, W, T) with W = neuron id
        events.fill_tensor(dense, sampling_time=1)
        tensors.append(dense.reshape(1, 200, steps))
    return tensors[0], tensors[1]


class Network(torch.nn.Module):
    """Dense(200->256) + neuron, Dense(256->200) + neuron, parts taken from the registry."""

    def __init__(self, neuron: str = "cuba", synapse: str = "dense") -> None:
        super().__init__()
        neuron_cls, synapse_cls = neuron_class(neuron), registry().lookup("synapses", synapse)
        params = dict(threshold=0.1, current_decay=1.0, voltage_decay=0.1, requires_grad=True)
        self.neurons = torch.nn.ModuleList([neuron_cls(**params), neuron_cls(**params)])
        self.synapses = torch.nn.ModuleList(
            [
                synapse_cls(200, 256, weight_scale=2, pre_hook_fx=self.neurons[0].quantize_8bit),
                synapse_cls(256, 200, weight_scale=2, pre_hook_fx=self.neurons[1].quantize_8bit),
            ]
        )

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        for synapse, neuron in zip(self.synapses, self.neurons):
            spikes = neuron(synapse(spikes))
        return spikes


def spike_time_loss(output: torch.Tensor, target: torch.Tensor, time_constant: float = 2.0) -> torch.Tensor:
    """Half the squared distance of the spike trains after a second-order exponential filter."""
    k = torch.arange(int(10 * time_constant), dtype=output.dtype)
    kernel = torch.exp(-k / time_constant) / time_constant
    filtered = conv(conv(output - target, kernel), kernel)
    return 0.5 * filtered.pow(2).sum()


# %%
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=2000, help="time steps (1 ms each)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output" / "demo")
    args = parser.parse_args()

    torch.manual_seed(0)
    inputs, target = load_oxford(args.steps)
    net = Network()
    print(net)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)
    try:
        from tqdm import trange
    except ImportError:  # progress bar is optional
        trange = range
    losses = []
    start = time.perf_counter()
    bar = trange(args.epochs)
    for _ in bar:
        output = net(inputs)
        loss = spike_time_loss(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{losses[-1]:.0f}", rate=f"{output.mean().item():.3f}")
    elapsed = time.perf_counter() - start
    print(f"loss {losses[0]:.0f} -> {losses[-1]:.0f} in {args.epochs} epochs ({elapsed / args.epochs:.2f} s/epoch)")
    save_plots(args.out, inputs, target, net(inputs).detach(), losses)


def save_plots(out: Path, inputs, target, output, losses) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plots")
        return
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    for ax, (title, spikes) in zip(axes, [("input", inputs), ("target", target), ("output", output)]):
        neuron, t = torch.nonzero(spikes[0], as_tuple=True)
        ax.plot(t, neuron, ".", markersize=1)
        ax.set(title=title, xlabel="time (ms)", ylabel="neuron")
    axes[3].semilogy(losses)
    axes[3].set(title="training loss", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(out / "oxford.png", dpi=100)
    print(f"wrote {out / 'oxford.png'}")


if __name__ == "__main__":
    main()
