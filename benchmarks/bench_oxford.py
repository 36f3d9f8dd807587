"""One Oxford training epoch on CPU (lava-dl's first tutorial: 200 -> 256 -> 200 CUBA neurons, 2,000 steps,
one sample): slayer against the same network written with snnTorch and as a plain PyTorch loop, in one run.

An epoch is forward, loss, backward and an Adam step. Every implementation uses the same data, sizes, neuron
constants (threshold 0.1, current decay 1, voltage decay 0.1) and loss (``slayer.loss.SpikeTime(2, filter_order=2)``),
so the rows differ only in how the network runs. Prints a markdown table of median epoch times and their ratio
to slayer; writes JSON to ``benchmarks/results/oxford.json``.

    python benchmarks/bench_oxford.py [--repeats 20] [--steps 2000] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from _harness import HeavisideFastSigmoid, median_ms

import slayer

THRESHOLD, CURRENT_DECAY, VOLTAGE_DECAY = 0.1, 1.0, 0.1
DATA = Path(__file__).parents[1] / "tutorials" / "oxford" / "data"


def oxford(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Input and target spikes ``(1, 200, steps)``."""
    tensors = []
    for name in ("input.bs1", "output.bs1"):
        events = slayer.io.read_1d_spikes(DATA / name)
        tensors.append(events.fill_tensor(torch.zeros(1, 1, 200, steps)).reshape(1, 200, steps))
    return tensors[0], tensors[1]


Epoch = Callable[[], float]


def training_epoch(net: torch.nn.Module, run: Callable[[torch.Tensor], torch.Tensor], x, target) -> Epoch:
    error = slayer.loss.SpikeTime(time_constant=2, filter_order=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)

    def epoch() -> float:
        loss = error(run(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return epoch


def slayer_network() -> slayer.block.Sequential:
    params = dict(threshold=THRESHOLD, current_decay=CURRENT_DECAY, voltage_decay=VOLTAGE_DECAY, requires_grad=True)
    cuba = slayer.block.cuba
    return slayer.block.Sequential([cuba.Dense(params, 200, 256), cuba.Dense(params, 256, 200)])


def slayer_epoch(x, target) -> Epoch:
    net = slayer_network()
    return training_epoch(net, net, x, target)


def slayer_assistant_epoch(x, target) -> Epoch:
    net = slayer_network()
    error = slayer.loss.SpikeTime(time_constant=2, filter_order=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)
    assistant = slayer.utils.Assistant(net, error, optimizer)
    return lambda: assistant.train(x, target)


def two_linear_layers() -> torch.nn.ModuleList:
    return torch.nn.ModuleList([torch.nn.Linear(200, 256, bias=False), torch.nn.Linear(256, 200, bias=False)])


def plain_epoch(x, target) -> Epoch:
    """The CUBA equations in float, one PyTorch op per step and layer (what a user writes without a library)."""
    layers = two_linear_layers()
    keep_i, keep_v = 1 - CURRENT_DECAY, 1 - VOLTAGE_DECAY

    def run(spikes: torch.Tensor) -> torch.Tensor:
        series = spikes.permute(2, 0, 1)  # (T, N, C)
        for layer in layers:
            drive = layer(series)
            i = v = torch.zeros_like(drive[0])
            out = []
            for step in range(drive.shape[0]):
                i = keep_i * i + drive[step]
                v = keep_v * v + i
                s = HeavisideFastSigmoid.apply(v - THRESHOLD)
                v = v * (1 - s)
                out.append(s)
            series = torch.stack(out)
        return series.permute(1, 2, 0)

    return training_epoch(layers, run, x, target)


def snntorch_epoch(x, target) -> Epoch:
    import snntorch

    layers = two_linear_layers()
    cells = [snntorch.Synaptic(alpha=1 - CURRENT_DECAY, beta=1 - VOLTAGE_DECAY, threshold=THRESHOLD) for _ in layers]

    def run(spikes: torch.Tensor) -> torch.Tensor:
        series = spikes.permute(2, 0, 1)
        for layer, cell in zip(layers, cells):
            drive = layer(series)
            syn = mem = torch.zeros_like(drive[0])
            out = []
            for step in range(drive.shape[0]):
                s, syn, mem = cell(drive[step], syn, mem)
                out.append(s)
            series = torch.stack(out)
        return series.permute(1, 2, 0)

    return training_epoch(layers, run, x, target)


IMPLEMENTATIONS = {
    "slayer (blocks, cpu backend)": slayer_epoch,
    "slayer through Assistant.train": slayer_assistant_epoch,
    "plain PyTorch loop": plain_epoch,
    "snnTorch Synaptic": snntorch_epoch,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="5 repeats")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "oxford.json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 5 if args.quick else args.repeats
    torch.manual_seed(0)
    x, target = oxford(args.steps)
    rows: dict[str, float | str] = {}
    for name, make in IMPLEMENTATIONS.items():
        try:
            rows[name] = median_ms(make(x, target), repeats, warmup=3)
        except Exception as error:  # a peer that fails must not crash the run
            rows[name] = f"unavailable ({type(error).__name__}: {str(error).splitlines()[0][:100]})"
        print(f"  {name}: {rows[name]}", file=sys.stderr, flush=True)
    base = rows["slayer (blocks, cpu backend)"]
    threads = torch.get_num_threads()
    print(f"Oxford epoch ({args.steps} steps, 200-256-200, torch threads {threads}, median of {repeats})")
    print("| implementation | epoch ms | / slayer |\n|---|---:|---:|")
    for name, value in rows.items():
        if isinstance(value, str):
            print(f"| {name} | {value} | |")
        else:
            print(f"| {name} | {value:.1f} | {value / base:.2f} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine()}
    meta |= {"cpu_count": os.cpu_count(), "repeats": repeats, "steps": args.steps}
    args.json.write_text(json.dumps({"meta": meta, "epoch_ms": rows}, indent=2))


if __name__ == "__main__":
    main()
