"""Blocks: their overhead over the same parts wired by hand, the recurrence against a plain per-step
PyTorch loop, and ``torch.compile(fullgraph=True)`` of a Dense and a Conv block of every family.

* ``cuba.Dense`` (N=32, 512 -> 512, T=100): the block vs ``slayer.synapse.Dense`` + ``cuba.Neuron`` + the
  one-step shift wired by hand (target: within 1.1x).
* ``cuba.Recurrent`` (N=32, 128 -> 128, T=100): the block vs the same CUBA recurrence written as a plain
  per-step PyTorch loop (float state, straight-through spike), the way lava-dl runs it (target: not slower).
* compile: for each family, Dense and Conv compiled with ``fullgraph=True`` must equal eager (a table of
  yes/no and the compile time).

    python benchmarks/bench_blocks.py [--quick] [--repeats K] [--threads K] [--no-compile] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from _harness import Measurement, measure

import slayer
from slayer.utils.time import shift

CUBA = dict(threshold=1.0, current_decay=0.25, voltage_decay=0.03, requires_grad=True)


def dense_block(n: int, c: int, t: int):
    torch.manual_seed(0)
    block = slayer.block.cuba.Dense(CUBA, c, c, weight_scale=2)
    x = (torch.rand(n, c, t) < 0.1).float().requires_grad_(True)
    return (lambda: block(x)), (x, *block.parameters())


def dense_by_hand(n: int, c: int, t: int):
    torch.manual_seed(0)
    neuron = slayer.neuron.cuba.Neuron(**CUBA)
    synapse = slayer.synapse.Dense(c, c, weight_scale=2, pre_hook_fx=neuron.quantize_8bit)
    x = (torch.rand(n, c, t) < 0.1).float().requires_grad_(True)
    return (lambda: shift(neuron(synapse(x)), 1)), (x, *synapse.parameters(), *neuron.parameters())


def recurrent_block(n: int, c: int, t: int):
    torch.manual_seed(0)
    block = slayer.block.cuba.Recurrent(CUBA, c, c, weight_scale=2)
    x = (torch.rand(n, c, t) < 0.1).float().requires_grad_(True)
    return (lambda: block(x)), (x, *block.parameters())


class _StraightThroughSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, voltage, threshold):
        ctx.save_for_backward(voltage)
        ctx.threshold = threshold
        return (voltage >= threshold).to(voltage.dtype)

    @staticmethod
    def backward(ctx, grad):
        (voltage,) = ctx.saved_tensors
        return grad * torch.exp(-(voltage - ctx.threshold).abs()), None


def recurrent_plain_loop(n: int, c: int, t: int):
    """CUBA recurrence in float, one step at a time: what a user writes without slayer's blocks."""
    torch.manual_seed(0)
    w_in = torch.nn.Parameter(torch.randn(c, c) * 2 / c**0.5)
    w_rec = torch.nn.Parameter(torch.randn(c, c) * 2 / c**0.5)
    x = (torch.rand(n, c, t) < 0.1).float().requires_grad_(True)

    def forward():
        drive = F.linear(x.transpose(1, 2), w_in)  # (N, T, C)
        current = voltage = spikes = drive.new_zeros(n, c)
        outputs = []
        for step in range(t):
            current = current * 0.75 + drive[:, step] + F.linear(spikes, w_rec)
            voltage = voltage * 0.97 + current
            spikes = _StraightThroughSpike.apply(voltage, 1.0)
            voltage = voltage * (1 - spikes)
            outputs.append(spikes)
        return torch.stack(outputs, dim=-1)

    return forward, (x, w_in, w_rec)


def compile_checks() -> list[tuple[str, str, str, float]]:
    """(family, block, equal to eager?, compile + first call seconds) for Dense and Conv of every family."""
    import catalogue_params

    rows = []
    for family_name, params in catalogue_params.PARAMS.items():
        family = slayer.block.family(family_name)
        for kind in ("Dense", "Conv"):
            torch.manual_seed(0)
            if kind == "Dense":
                block, x = family.Dense(params, 16, 8, weight_scale=4), (torch.rand(2, 16, 20) < 0.3).float()
            else:
                block, x = (
                    family.Conv(params, 2, 4, 3, padding=1, weight_scale=4),
                    (torch.rand(2, 2, 6, 6, 20) < 0.3).float(),
                )
            with torch.no_grad():
                eager = block(x)
            torch._dynamo.reset()
            start = time.perf_counter()
            try:
                with torch.no_grad():
                    compiled = torch.compile(block, fullgraph=True)(x)
                equal = "yes" if torch.equal(compiled, eager) else "NO (values differ)"
            except Exception as exc:  # a graph break or compile error is a finding, reported in the table
                equal = f"NO ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
            rows.append((family_name, kind, equal, time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile checks")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "blocks.json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    n, c, t = (4, 64, 20) if args.quick else (32, 512, 100)
    rn, rc, rt = (4, 32, 20) if args.quick else (32, 128, 100)
    dense, recurrent = f"Dense {c}->{c}+CUBA N={n} T={t}", f"Recurrent {rc}->{rc} CUBA N={rn} T={rt}"
    cases = [
        (dense, "slayer cuba.Dense block", lambda: dense_block(n, c, t)),
        (dense, "synapse + neuron + shift by hand", lambda: dense_by_hand(n, c, t)),
        (recurrent, "slayer cuba.Recurrent block", lambda: recurrent_block(rn, rc, rt)),
        (recurrent, "plain per-step PyTorch loop", lambda: recurrent_plain_loop(rn, rc, rt)),
    ]
    rows: list[Measurement] = [measure(*case, args.repeats) for case in cases]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print("| workload | implementation | fwd ms | fwd+bwd ms | ratio fwd+bwd (block / other) | activations MiB |")
    print("|---|---|---:|---:|---:|---:|")
    for first, second in (rows[0:2], rows[2:4]):
        for row in (first, second):
            ratio = ""
            if row is first and first.forward_backward_ms and second.forward_backward_ms:
                ratio = f"{first.forward_backward_ms / second.forward_backward_ms:.2f}"
            fwd = f"{row.forward_ms:.2f}" if row.forward_ms else row.unavailable
            both = f"{row.forward_backward_ms:.2f}" if row.forward_backward_ms else ""
            memory = f"{row.activation_mib:.1f}" if row.activation_mib is not None else ""
            print(f"| {row.workload} | {row.implementation} | {fwd} | {both} | {ratio} | {memory} |")
    results = {"timings": [row.__dict__ for row in rows]}
    if not args.no_compile:
        checks = compile_checks()
        print("\n| family | block | torch.compile(fullgraph=True) equals eager | compile + first call s |")
        print("|---|---|---|---:|")
        for family_name, kind, equal, seconds in checks:
            print(f"| {family_name} | {kind} | {equal} | {seconds:.1f} |")
        results["compile"] = checks
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
