"""slayer against lava-dl 0.6 on CPU, in one process: every neuron model, and a PilotNet SDNN training epoch.

    python benchmarks/bench_lava_dl.py [--quick] [--pilotnet-clips 64] [--json benchmarks/results/lava_dl.json]

lava-dl is never a dependency: it runs only where it is installed beside slayer, as
``shared/spec/running-lava-dl.md`` describes (a venv with torch 2.13, ``numpy<2``, the two wheels with
``--no-deps``, and slayer's five packages installed ``--no-deps -e``). Without it the lava-dl rows say
"unavailable" and slayer is measured alone.

Workloads: (a) each neuron model (cuba, alif, rf, rf_iz, adrf, adrf_iz, sigma_delta) fwd+bwd at N=32, C=512,
T=100, each measured twice (A B B A, the faster run kept), with the same lava-dl constructor call on both sides
(slayer: its automatic backend, the C++ cpu kernels, input stored ``N T C`` as a Dense synapse produces it;
lava-dl: the same values ``N C T`` contiguous, its preferred layout); (b) one training epoch of
tutorials/pilotnet's network (the same ``network.py`` built with each library's ``slayer`` module) on generated
clips of real-size frames resized to 33 x 100, batch 8, T=16, RAdam, MSE + 0.01 x event penalty, data loading
outside the timed region, epochs alternating between the libraries. Prints markdown tables of fwd+bwd times and
the lava-dl / slayer ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
import time
import types
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from _harness import Measurement, measure

ROOT = Path(__file__).resolve().parents[1]

N, C, T = 32, 512, 100
#: lava-dl constructor arguments per model (slayer keeps the signatures)
ADAPTIVE = {"threshold_step": 0.1, "threshold_decay": 0.05, "refractory_decay": 0.05}
RESONATOR = {"threshold": 0.5, "period": 10, "decay": 0.1}
MODELS: dict[str, dict] = {
    "cuba": {"threshold": 1.0, "current_decay": 0.25, "voltage_decay": 0.03},
    "alif": {"threshold": 1.0, "current_decay": 0.25, "voltage_decay": 0.03, **ADAPTIVE},
    "rf": RESONATOR,
    "rf_iz": RESONATOR,
    "adrf": {**RESONATOR, **ADAPTIVE},
    "adrf_iz": {**RESONATOR, **ADAPTIVE},
    "sigma_delta": {"threshold": 0.1, "activation": F.relu, "requires_grad": True},
}
COMPLEX = {"rf", "rf_iz", "adrf", "adrf_iz"}


def import_lava_dl():
    """lava-dl's ``slayer`` module, or the reason it cannot be imported."""
    sys.modules.setdefault("lava.lib.dl.slayer.object_detection", types.ModuleType("object_detection"))
    try:
        import lava.lib.dl.slayer as lava_slayer
    except Exception as error:  # not installed, or a missing runtime dependency
        return None, f"{type(error).__name__}: {error}"
    return lava_slayer, None


def neuron_input(model: str, neuron_contiguous: bool, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """``(N, C, T)`` input(s) of a model: one series, or (real, imag) for the resonators."""
    generator = torch.Generator().manual_seed(seed)
    scale = 0.3 if model in COMPLEX else (0.2 if model == "sigma_delta" else 1.5)
    count = 2 if model in COMPLEX else 1
    inputs = []
    for _ in range(count):
        values = torch.randn(N, T, C, generator=generator) * scale
        if model == "sigma_delta":
            values = values.cumsum(1)  # a slowly changing signal, what sigma-delta networks carry
        x = values.transpose(1, 2) if neuron_contiguous else values.transpose(1, 2).contiguous()
        inputs.append(x.requires_grad_())
    return tuple(inputs)


def neuron_factory(library, model: str, neuron_contiguous: bool) -> Callable:
    def make():
        neuron = getattr(library.neuron, model).Neuron(**MODELS[model])
        inputs = neuron_input(model, neuron_contiguous)
        if model in COMPLEX:
            return (lambda: neuron(inputs)), (*inputs, *neuron.parameters())
        return (lambda: neuron(inputs[0])), (inputs[0], *neuron.parameters())

    return make


def load_network(library) -> type:
    """tutorials/pilotnet/network.py's ``Network`` with ``slayer`` bound to ``library`` (only the import differs)."""
    real = sys.modules.get("slayer")
    sys.modules["slayer"] = library
    try:
        spec = importlib.util.spec_from_file_location(
            f"pilotnet_network_{id(library)}", ROOT / "tutorials/pilotnet/network.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        if real is not None:
            sys.modules["slayer"] = real
    return module.Network


def pilotnet_clips(clips: int, folder: Path) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of 8 clips (16 frames) from generated real-size frames, decoded and resized once."""
    sys.path.insert(0, str(ROOT / "tutorials/pilotnet"))
    from dataset import PilotNetDataset
    from frames import write_dataset

    write_dataset(folder, clips + 15, seed=1)
    data = PilotNetDataset(folder, sequence=16, train=True, split=1.0)
    loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=False, drop_last=True)
    return list(loader)


#: the clock of the PilotNet epochs (``--cpu-time`` switches to process CPU time)
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def pilotnet_epoch(network: type, batches) -> float:
    """Time of one training epoch over ``batches`` with a fresh network and optimizer."""
    net = network()
    optimizer = torch.optim.RAdam(net.parameters(), lr=1e-3, weight_decay=1e-5)
    clock = CLOCK[0]
    start = clock()
    for frames, target in batches:
        output, event_cost, _ = net(frames)
        loss = F.mse_loss(output.flatten(), target.flatten()) + 0.01 * event_cost
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return clock() - start


def pilotnet_epochs(libraries: dict, batches, repeats: int) -> dict[str, float | str]:
    """Median epoch time per library; the libraries alternate epoch by epoch (after one warm-up epoch each), so
    a busy machine slows both alike."""
    networks, times, results = {}, {}, {}
    for name, library in libraries.items():
        try:
            networks[name] = load_network(library)
            torch.manual_seed(0)
            pilotnet_epoch(networks[name], batches)  # warm-up: kernel builds, allocator
            times[name] = []
        except Exception as error:  # report, do not hide
            results[name] = f"fails: {type(error).__name__}: {error}"
    for repeat in range(repeats):
        for name, network in networks.items():
            torch.manual_seed(repeat)
            times[name].append(pilotnet_epoch(network, batches))
    for name, values in times.items():
        results[name] = sorted(values)[len(values) // 2]
    return results


def cpu_time_measure(workload: str, implementation: str, make: Callable, repeats: int) -> Measurement:
    """fwd+bwd as the median process CPU time of ``repeats`` calls after 2 warm-ups (``--cpu-time``: with one
    torch thread, CPU time is what the work costs whatever else the machine runs)."""
    try:
        forward, leaves = make()

        def forward_backward() -> None:
            for leaf in leaves:
                leaf.grad = None
            forward().float().sum().backward()

        for _ in range(2):
            forward_backward()
        times = []
        for _ in range(repeats):
            start = time.process_time()
            forward_backward()
            times.append((time.process_time() - start) * 1e3)
        return Measurement(workload, implementation, forward_backward_ms=sorted(times)[len(times) // 2])
    except Exception as error:
        return Measurement(workload, implementation, unavailable=f"{type(error).__name__}: {error}".splitlines()[0])


def _faster(a: Measurement, b: Measurement) -> Measurement:
    """The run with the lower fwd+bwd time (a failed run loses)."""
    if a.forward_backward_ms is None:
        return b
    if b.forward_backward_ms is None:
        return a
    return a if a.forward_backward_ms <= b.forward_backward_ms else b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 16 PilotNet clips")
    parser.add_argument("--pilotnet-clips", type=int, default=64, help="training clips per PilotNet epoch")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--cpu-time", action="store_true", help="one torch thread, process CPU time (robust on a busy machine)"
    )
    args = parser.parse_args()
    timer = measure
    if args.cpu_time:
        torch.set_num_threads(1)
        CLOCK[0] = time.process_time
        timer = cpu_time_measure
    repeats = 3 if args.quick else 7
    clips = 16 if args.quick else args.pilotnet_clips

    import slayer

    lava, reason = import_lava_dl()
    rows: list[Measurement] = []
    for model in MODELS:
        workload = f"{model} N={N} C={C} T={T}"
        if lava is None:
            rows.append(timer(workload, "slayer", neuron_factory(slayer, model, True), repeats))
            rows.append(Measurement(workload, "lava-dl 0.6", unavailable=reason))
            continue
        # A B B A, the faster of each pair: load from other processes on a shared machine hits both alike
        first = timer(workload, "slayer", neuron_factory(slayer, model, True), repeats)
        theirs = [timer(workload, "lava-dl 0.6", neuron_factory(lava, model, False), repeats) for _ in range(2)]
        second = timer(workload, "slayer", neuron_factory(slayer, model, True), repeats)
        rows += [_faster(first, second), _faster(*theirs)]

    timing = ", process CPU time" if args.cpu_time else ""
    print(
        f"\n## Neuron models, CPU fwd+bwd ({platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads, torch {torch.__version__}{timing})\n"
    )
    print("| model | slayer ms | lava-dl 0.6 ms | lava-dl / slayer |")
    print("|---|---|---|---|")
    for mine, theirs in zip(rows[::2], rows[1::2]):
        model = mine.workload.split()[0]
        ours = mine.forward_backward_ms
        other = theirs.forward_backward_ms
        shown = f"{other:.1f}" if other is not None else f"fails: {theirs.unavailable}"[:80]
        ratio = f"{other / ours:.1f}x" if other is not None and ours else "-"
        print(
            f"| {model} | {ours:.1f} | {shown} | {ratio} |"
            if ours
            else f"| {model} | {mine.unavailable} | {shown} | - |"
        )

    with tempfile.TemporaryDirectory() as scratch:
        batches = pilotnet_clips(clips, Path(scratch))
        libraries = {"slayer": slayer} | ({"lava-dl 0.6": lava} if lava is not None else {})
        epoch = pilotnet_epochs(libraries, batches, 3 if args.quick else 5)
    clock = "process CPU s, 1 thread" if args.cpu_time else "wall s"
    print(f"\n## PilotNet SDNN training epoch ({len(batches)} batches of 8 clips x 16 frames, 455x256 -> 33x100)\n")
    print(f"| library | epoch ({clock}) | lava-dl / slayer |")
    print("|---|---|---|")
    for name, value in epoch.items():
        ratio = (
            f"{value / epoch['slayer']:.1f}x"
            if isinstance(value, float) and isinstance(epoch["slayer"], float)
            else "-"
        )
        shown = f"{value:.2f}" if isinstance(value, float) else value
        print(f"| {name} | {shown} | {ratio} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"neurons": [asdict(r) for r in rows], "pilotnet_epoch_s": epoch}, indent=1))


if __name__ == "__main__":
    main()
