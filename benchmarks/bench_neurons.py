"""Neuron dynamics on CPU: slayer (cpu and reference backends) against a bare matmul, a plain PyTorch loop,
snnTorch, SpikingJelly and Norse, all in one run.

    python benchmarks/bench_neurons.py [--quick] [--json benchmarks/results/neurons.json]
    python benchmarks/bench_neurons.py --threads 1 --only "CUBA T=100" --runs 2 --repeats 11 [--best]  # item 7

Workloads (batch N=32, C=512): (a) CUBA neuron alone, T=100 and T=1000; (b) Dense(512->512) + CUBA, T=100;
(c) ALIF and RF neurons, T=100. Each implementation gets its preferred input layout (slayer: ``N C T`` stored
``N T C``, as a Dense synapse produces it; peers: time-first ``T N C``), prepared outside the timed region.
Prints one markdown table (fwd+bwd time relative to slayer's cpu backend and to the bare matmul) and writes
JSON. A peer that is not installed or fails is a row "unavailable (reason)". Method: ``_harness.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _harness import HeavisideFastSigmoid, Measurement, markdown_table, measure

N, C = 32, 512
THRESHOLD, CURRENT_DECAY, VOLTAGE_DECAY = 1.0, 0.25, 0.03  # slayer units; peers get the matching floats
Factory = Callable[[], tuple[Callable[[], torch.Tensor], tuple[torch.Tensor, ...]]]


def neuron_contiguous(t: int, scale: float = 1.5) -> torch.Tensor:
    """``(N, C, T)`` input stored ``N T C``."""
    return (torch.randn(N, t, C) * scale).transpose(1, 2).requires_grad_()


def time_first(t: int, scale: float = 1.5) -> torch.Tensor:
    return (torch.randn(t, N, C) * scale).requires_grad_()


def on_backend(name: str, module: Callable, *args) -> Callable[[], torch.Tensor]:
    """Run ``module(*args)`` with ``SLAYER_BACKEND=name``."""
    from slayer.core.backends import clear_cache

    def forward() -> torch.Tensor:
        previous = os.environ.get("SLAYER_BACKEND")
        os.environ["SLAYER_BACKEND"] = name
        clear_cache()
        try:
            return module(*args)
        finally:
            if previous is None:
                os.environ.pop("SLAYER_BACKEND", None)
            else:
                os.environ["SLAYER_BACKEND"] = previous
            clear_cache()

    return forward


# -- slayer -----------------------------------------------------------------------------------------


def slayer_cuba(t: int, backend: str, dense: bool = False) -> Factory:
    def make():
        import slayer.neuron.cuba as cuba

        neuron = cuba.Neuron(threshold=THRESHOLD, current_decay=CURRENT_DECAY, voltage_decay=VOLTAGE_DECAY)
        x = neuron_contiguous(t)
        if not dense:
            return on_backend(backend, neuron, x), (x,)
        from slayer.synapse import Dense

        synapse = Dense(C, C)
        return on_backend(backend, lambda v: neuron(synapse(v)), x), (x, *synapse.parameters())

    return make


def slayer_alif(t: int, backend: str) -> Factory:
    def make():
        import slayer.neuron.alif as alif

        neuron = alif.Neuron(THRESHOLD, 0.1, CURRENT_DECAY, VOLTAGE_DECAY, 0.05, 0.05)
        x = neuron_contiguous(t)
        return on_backend(backend, neuron, x), (x,)

    return make


def slayer_rf(t: int, backend: str) -> Factory:
    def make():
        import slayer.neuron.rf as rf

        neuron = rf.Neuron(threshold=0.5, period=10, decay=0.1)
        re, im = neuron_contiguous(t, 0.3), neuron_contiguous(t, 0.3)
        return on_backend(backend, lambda a, b: neuron((a, b)), re, im), (re, im)

    return make


# -- baselines ----------------------------------------------------------------------------------------


def bare_matmul(t: int) -> Factory:
    def make():
        x = neuron_contiguous(t)
        weight = (torch.randn(C, C) / C**0.5).requires_grad_()
        # (N, C, T) stored N T C: one (N*T, C) @ (C, C) matmul, the work a Dense synapse does
        return (lambda: (x.transpose(1, 2) @ weight.T).transpose(1, 2)), (x, weight)

    return make


def plain_loop(t: int, dense: bool = False) -> Factory:
    """The CUBA equations in float, one PyTorch op per step (what a user writes without a library)."""

    def make():
        x = time_first(t)
        weight = (torch.randn(C, C) / C**0.5).requires_grad_() if dense else None
        keep_i, keep_v = 1 - CURRENT_DECAY, 1 - VOLTAGE_DECAY

        def forward():
            drive = x @ weight.T if dense else x
            i = v = torch.zeros(N, C)
            spikes = []
            for step in range(t):
                i = keep_i * i + drive[step]
                v = keep_v * v + i
                s = HeavisideFastSigmoid.apply(v - THRESHOLD)
                v = v * (1 - s)
                spikes.append(s)
            return torch.stack(spikes)

        return forward, (x,) if weight is None else (x, weight)

    return make


# -- peers ----------------------------------------------------------------------------------------------


def snntorch_neuron(t: int, kind: str, dense: bool = False) -> Factory:
    def make():
        import snntorch

        x = time_first(t)
        weight = (torch.randn(C, C) / C**0.5).requires_grad_() if dense else None
        if kind == "Synaptic":
            cell = snntorch.Synaptic(alpha=1 - CURRENT_DECAY, beta=1 - VOLTAGE_DECAY, threshold=THRESHOLD)
        else:
            cell = snntorch.Leaky(beta=1 - VOLTAGE_DECAY, threshold=THRESHOLD)

        def forward():
            drive = x @ weight.T if dense else x
            spikes = []
            if kind == "Synaptic":
                syn = mem = torch.zeros(N, C)
                for step in range(t):
                    s, syn, mem = cell(drive[step], syn, mem)
                    spikes.append(s)
            else:
                mem = torch.zeros(N, C)
                for step in range(t):
                    s, mem = cell(drive[step], mem)
                    spikes.append(s)
            return torch.stack(spikes)

        return forward, (x,) if weight is None else (x, weight)

    return make


def spikingjelly_neuron(t: int, kind: str, dense: bool = False) -> Factory:
    def make():
        from spikingjelly.activation_based import neuron

        x = time_first(t)
        weight = (torch.randn(C, C) / C**0.5).requires_grad_() if dense else None
        if kind == "LIFNode":
            node = neuron.LIFNode(tau=1 / VOLTAGE_DECAY, v_threshold=THRESHOLD, step_mode="m")
        else:
            node = neuron.CUBALIFNode(c_decay=CURRENT_DECAY, v_decay=VOLTAGE_DECAY, v_threshold=THRESHOLD)
            node.step_mode = "m"

        def forward():
            node.reset()
            return node(x @ weight.T if dense else x)

        return forward, (x,) if weight is None else (x, weight)

    return make


def norse_neuron(t: int, kind: str, dense: bool = False) -> Factory:
    def make():
        import norse.torch as norse

        x = time_first(t)
        weight = (torch.randn(C, C) / C**0.5).requires_grad_() if dense else None
        module = norse.LIF() if kind == "LIF" else norse.LSNN()

        def forward():
            return module(x @ weight.T if dense else x)[0]

        return forward, (x,) if weight is None else (x, weight)

    return make


# -- the run ---------------------------------------------------------------------------------------------


def workloads(quick: bool) -> list[tuple[str, list[tuple[str, Factory]]]]:
    long_t = 300 if quick else 1000

    def cuba_rows(t: int, dense: bool) -> list[tuple[str, Factory]]:
        rows = [
            ("slayer cpu", slayer_cuba(t, "cpu", dense)),
            ("slayer reference", slayer_cuba(t, "reference", dense)),
            ("bare matmul", bare_matmul(t)),
            ("plain PyTorch loop", plain_loop(t, dense)),
            ("snnTorch Synaptic", snntorch_neuron(t, "Synaptic", dense)),
            ("snnTorch Leaky", snntorch_neuron(t, "Leaky", dense)),
            ("SpikingJelly LIFNode (m)", spikingjelly_neuron(t, "LIFNode", dense)),
            ("SpikingJelly CUBALIFNode (m)", spikingjelly_neuron(t, "CUBALIFNode", dense)),
            ("Norse LIF", norse_neuron(t, "LIF", dense)),
        ]
        return rows

    return [
        ("CUBA T=100", cuba_rows(100, False)),
        (f"CUBA T={long_t}", cuba_rows(long_t, False)),
        ("Dense512+CUBA T=100", cuba_rows(100, True)),
        (
            "ALIF T=100",
            [
                ("slayer cpu", slayer_alif(100, "cpu")),
                ("slayer reference", slayer_alif(100, "reference")),
                ("bare matmul", bare_matmul(100)),
                ("Norse LSNN", norse_neuron(100, "LSNN")),
            ],
        ),
        (
            "RF T=100",
            [
                ("slayer cpu", slayer_rf(100, "cpu")),
                ("slayer reference", slayer_rf(100, "reference")),
                ("bare matmul", bare_matmul(100)),
            ],
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T=300 instead of 1000 and 3 repeats")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "neurons.json")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--only", default=None, help="run only the workloads named exactly so, e.g. 'CUBA T=100'")
    parser.add_argument("--runs", type=int, default=1, help="time every row this many times, one after another")
    parser.add_argument("--best", action="store_true", help="report the fastest call, not the median (busy machine)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 5)
    rows: list[Measurement] = []
    chosen = [(w, impls) for w, impls in workloads(args.quick) if args.only in (None, w)]
    if not chosen:
        parser.error(f"--only {args.only!r}: no such workload ({', '.join(w for w, _ in workloads(args.quick))})")
    runs = [(f"{w} (run {run + 1})" if args.runs > 1 else w, impls) for run in range(args.runs) for w, impls in chosen]
    for workload, implementations in runs:
        for name, make in implementations:
            row = measure(workload, name, make, repeats, best=args.best)
            rows.append(row)
            status = row.unavailable or f"{row.forward_backward_ms:.1f} ms fwd+bwd"
            print(f"  {workload:>20} | {name}: {status}", file=sys.stderr, flush=True)
    table = markdown_table(rows, baseline="slayer cpu", matmul="bare matmul")
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "repeats": repeats,
        "memory_method": "bytes of distinct storages saved for backward (saved_tensors_hooks)",
    }
    args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2))
    print(f"\nwrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
