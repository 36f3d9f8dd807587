# %% [markdown]
# # Training a network of a plugin's neuron model
#
# `slayer-izhikevich` adds a neuron model slayer does not have. Once installed, slayer builds its block family
# `slayer.block.izhikevich` (Dense, Conv, Pool, Recurrent, ...) and exports it to hdf5 like a built-in model.
# This script trains a two-layer network of its Dense blocks to tell which of four input groups fires most,
# exports the trained network to hdf5, loads it back and checks the outputs are identical.
#
# ```bash
# pip install ./tutorials/plugin && python tutorials/plugin/train.py   # --smoke for a 20 s run
# ```

# %%
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import slayer

CLASSES, GROUP, STEPS = 4, 8, 64


def make_data(samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Spike trains ``(samples, CLASSES * GROUP, STEPS)``: every group fires at 5 %, the labelled one at 25 %."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(CLASSES, (samples,), generator=generator)
    rates = torch.full((samples, CLASSES, GROUP, 1), 0.05)
    rates[torch.arange(samples), labels] = 0.25
    rates = rates.reshape(samples, CLASSES * GROUP, 1).expand(-1, -1, STEPS)
    return (torch.rand(rates.shape, generator=generator) < rates).float(), labels


def build_network(hidden: int = 32) -> slayer.block.Sequential:
    """Two Dense blocks of the plugin's neuron, 32 -> hidden -> 4, with learnable recovery rates."""
    params = {"threshold": 1.0, "recovery_decay": (0.02, 0.1), "shared_param": False, "requires_grad": True}
    family = slayer.block.izhikevich
    return slayer.block.Sequential([
        family.Dense(params, CLASSES * GROUP, hidden, weight_scale=2, weight_norm=False),
        family.Dense(params, hidden, CLASSES, weight_scale=2, weight_norm=False),
    ])  # fmt: skip


def rate_loss(spikes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the output spike rates ``(N, CLASSES)`` against 0.3 (true class) / 0.02 (others)."""
    target = torch.full((len(labels), CLASSES), 0.02)
    target[torch.arange(len(labels)), labels] = 0.3
    return torch.nn.functional.mse_loss(spikes.mean(-1), target)


def train(epochs: int, samples: int, batch: int, out: Path, seed: int = 0) -> dict[str, float]:
    """Train, plot, export and reload; returns the first and last epoch's loss and the test accuracy."""
    torch.manual_seed(seed)
    x_train, y_train = make_data(samples, seed)
    x_test, y_test = make_data(max(samples // 4, batch), seed + 1)
    network = build_network()
    optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
    losses = []
    for _ in _progress(range(epochs)):
        order = torch.randperm(samples)
        total = 0.0
        for start in range(0, samples, batch):
            index = order[start : start + batch]
            loss = rate_loss(network(x_train[index]), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / samples)
    with torch.no_grad():
        test_out = network(x_test)
    accuracy = float((test_out.mean(-1).argmax(-1) == y_test).float().mean())
    print(f"loss {losses[0]:.4f} (epoch 1) -> {losses[-1]:.4f} (epoch {epochs}), test accuracy {accuracy:.2f}")

    out.mkdir(parents=True, exist_ok=True)
    path = out / "izhikevich.h5"
    slayer.block.export_hdf5(network, path)
    loaded = slayer.block.load_hdf5(path)
    with torch.no_grad():
        identical = torch.equal(loaded(x_test), test_out)
    print(f"exported {path} and loaded it back: outputs identical = {identical}")
    if not identical:
        raise RuntimeError("the network loaded from hdf5 gives other outputs than the trained one")
    _plot(losses, x_test[0], test_out[0], out / "izhikevich.png")
    return {"first_loss": losses[0], "last_loss": losses[-1], "accuracy": accuracy}


def _progress(iterable):
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        return iterable
    return tqdm(iterable, desc="epochs", unit="epoch")


def _plot(losses: list[float], spikes_in: torch.Tensor, spikes_out: torch.Tensor, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # plots are optional
        return
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 3.5))
    left.plot(range(1, len(losses) + 1), losses)
    left.set(xlabel="epoch", ylabel="loss", title="training loss")
    for axis, spikes, title in ((middle, spikes_in, "input spikes"), (right, spikes_out, "output spikes")):
        channel, time_step = torch.nonzero(spikes, as_tuple=True)
        axis.scatter(time_step, channel, s=4, marker="|")
        axis.set(xlabel="time step", ylabel="neuron", title=title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("izhikevich-out"))
    parser.add_argument("--smoke", action="store_true", help="a few epochs on little data (tests)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.epochs, args.samples = 8, 64
    start = time.perf_counter()
    result = train(args.epochs, args.samples, args.batch, args.out)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return result


# %%
if __name__ == "__main__":
    main()
