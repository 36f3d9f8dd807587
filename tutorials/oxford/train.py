# %% [markdown]
# # Oxford: learn to fire a picture (lava-dl's first tutorial, with slayer)
#
# 200 input neurons fire a fixed random pattern for 2 s; a two-layer CUBA network learns to make its 200
# output neurons fire a target pattern whose raster draws the Radcliffe Camera in Oxford (data from
# SuperSpike, shipped with lava-dl). Network, loss and hyper-parameters are lava-dl's (reference §16.1):
# `cuba.Dense(200 -> 256) -> cuba.Dense(256 -> 200)`, `SpikeTime(time_constant=2, filter_order=2)`, Adam
# (lr 1e-3, weight decay 1e-5), 5,000 epochs of one sample.
#
# Run: `python tutorials/oxford/train.py [--epochs 5000] [--out tutorials/oxford/output]` (this is
# `python -m nox -s demo`). It writes the loss log and curve, an input / target / output raster, an animation
# of the output, and the trained network as hdf5 (lava-dl's netx format), which it loads back and checks.

# %%
from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

import slayer
import slayer.io.plot

DATA = Path(__file__).parent / "data"
#: lava-dl's training loss after 1,000 and 5,000 epochs (its tutorial's Trained/loss.txt)
LAVA_DL_LOSS = {1000: 55_420.0, 5000: 46_478.0}


# %%
def load_spikes(name: str, steps: int, integer_times: bool = False) -> torch.Tensor:
    """A ``.bs1`` file of ``DATA`` as spikes ``(1, 200, steps)`` in 1 ms bins."""
    events = slayer.io.read_1d_spikes(DATA / name)
    if integer_times:  # lava-dl truncates the target's times to whole milliseconds before binning
        events.t = events.t.astype(int)
    return events.fill_tensor(torch.zeros(1, 1, 200, steps)).reshape(1, 200, steps)


def network() -> slayer.block.Sequential:
    """lava-dl's Oxford network: two CUBA dense blocks, 200 -> 256 -> 200."""
    neuron_params = dict(threshold=0.1, current_decay=1, voltage_decay=0.1, requires_grad=True)
    return slayer.block.Sequential(
        [slayer.block.cuba.Dense(neuron_params, 200, 256), slayer.block.cuba.Dense(neuron_params, 256, 200)]
    )


def raster(path: Path, panels: dict[str, torch.Tensor], losses: list[float]) -> None:
    """Input, target and output rasters and the loss curve side by side."""
    from slayer.utils._optional import pyplot

    plt = pyplot("the Oxford raster")
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(5 * (len(panels) + 1), 4.5))
    for ax, (title, spikes) in zip(axes, panels.items()):
        neuron, step = torch.nonzero(spikes[0], as_tuple=True)
        ax.plot(step, neuron, ".", markersize=1.5, color="black")
        ax.set(title=title, xlabel="time (ms)", ylabel="neuron")
    axes[-1].semilogy(losses)
    axes[-1].set(title="training loss (SpikeTime)", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# %%
def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="lava-dl's Oxford tutorial with slayer")
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=2000, help="time steps of 1 ms")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--seed", type=int, default=0)
    # One sample of 200 x 2,000 steps is too little work to share: on this project's 2-core machine, busy with
    # other jobs, an epoch took 27 ms on one thread and 137 ms on two (threads waiting for each other).
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    input = load_spikes("input.bs1", args.steps)
    target = load_spikes("output.bs1", args.steps, integer_times=True)
    net = network()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001, weight_decay=1e-5)
    error = slayer.loss.SpikeTime(time_constant=2, filter_order=2)
    stats = slayer.utils.LearningStats()
    assistant = slayer.utils.Assistant(net, error, optimizer, stats)
    print(net)

    # the whole data set is one sample: every epoch is one step
    assistant.fit([(input, target)], args.epochs, path=args.out, progress=not args.no_progress, save_every=500)
    losses = stats.training.loss_log
    seconds = assistant.elapsed
    print(f"trained {args.epochs} epochs in {seconds:.1f} s ({1000 * seconds / max(args.epochs, 1):.1f} ms/epoch)")
    summary = {"first": losses[0], "last": losses[-1], "min": stats.training.min_loss, "seconds": seconds}
    for epoch, theirs in LAVA_DL_LOSS.items():
        if epoch <= len(losses):
            summary[f"epoch{epoch}"] = losses[epoch - 1]
            print(f"loss after {epoch} epochs: {losses[epoch - 1]:,.0f} (lava-dl: {theirs:,.0f})")
    reached = next((e + 1 for e, value in enumerate(losses) if value <= LAVA_DL_LOSS[5000]), None)
    print(f"loss {losses[0]:,.0f} -> {losses[-1]:,.0f} (min {stats.training.min_loss:,.0f}); ", end="")
    target_loss = f"lava-dl's final {LAVA_DL_LOSS[5000]:,.0f}"
    print(f"{target_loss} reached at epoch {reached}" if reached else f"{target_loss} not reached")

    # the best network (lowest loss), exported in lava-dl's hdf5 format and loaded back
    net.load_state_dict(torch.load(args.out / "network.pt"))
    net.eval()
    with torch.no_grad():
        output = net(input)
    net.export_hdf5(args.out / "network.net")
    loaded = slayer.block.load_hdf5(args.out / "network.net")
    with torch.no_grad():
        reloaded = loaded(input)
    if not torch.equal(reloaded, output):
        raise RuntimeError("the network loaded from network.net does not reproduce the trained network's output")
    print(f"exported {args.out / 'network.net'}; loaded back, it fires the same {int(output.sum())} spikes")
    summary["best"] = error(output, target).item()

    try:
        raster(args.out / "oxford.png", {"input": input, "target": target, "output": output}, losses)
        slayer.io.plot.animate(output, path=args.out / "output.gif", frame_rate=10)  # (C=1, X=200, T)
        stats.plot(path=args.out)
        print(f"wrote {args.out / 'oxford.png'}, {args.out / 'output.gif'}, {args.out / 'loss.png'}")
    except ImportError as error_message:  # plots are optional
        print(f"no plots: {error_message}")
    assert math.isfinite(summary["last"])
    return summary


if __name__ == "__main__":
    main()
