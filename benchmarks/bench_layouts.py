"""Plain ``N C T`` input against neuron-contiguous input, every dynamics op, on the CPU, in one run.

    python benchmarks/bench_layouts.py [--repeats 9] [--threads 2] [--shape 32 512 100] [--backend cpu] [--ops cuba]

For each op (public ``slayer.core.dynamics`` API, float32) the median forward and forward+backward wall
time with neuron-contiguous input (``N T C`` storage seen as ``N C T``) and with plain contiguous ``N C T``
input, and their ratio (the target is at most 1.5). Forward+backward is timed twice: with the input a leaf
that needs a gradient (torch then copies the neuron-contiguous input gradient into the leaf's own layout),
and with the input as data (a raw recording), the decays the only leaves. The two layouts of one op are timed
alternately, call
by call, so that load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _op_cases import op_cases, steps


def interleaved_ms(fns: list, repeats: int, warmup: int = 2, best: bool = False) -> list[float]:
    """Median (``best``: minimum) ms of each function, timed round-robin (one call of each per round)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [1e3 * (min(t) if best else statistics.median(t)) for t in times]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shape", type=int, nargs=3, default=(32, 512, 100), metavar=("N", "C", "T"))
    parser.add_argument("--backend", default="cpu", help="SLAYER_BACKEND for the run (default cpu)")
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    parser.add_argument("--best", action="store_true", help="report the fastest call, not the median (busy machine)")
    parser.add_argument("--ops", nargs="+", default=None, help="only these ops (default: every op)")
    args, _ = parser.parse_known_args(argv)  # nox -s bench passes the same arguments to every script
    torch.set_num_threads(args.threads)
    os.environ["SLAYER_BACKEND"] = args.backend
    repeats = 3 if args.quick else args.repeats
    shape = tuple(args.shape)
    stat = "fastest" if args.best else "median"
    print(f"| op ({args.backend}, N C T = {shape}, {args.threads} threads, {stat} of {repeats}) | layout | fwd ms "
          "| fwd+bwd ms | fwd+bwd ms, input without grad |")  # fmt: skip
    print("|---|---|---:|---:|---:|")
    ratios = []
    cases = op_cases(shape)
    unknown = set(args.ops or ()) - set(cases)
    if unknown:
        parser.error(f"--ops: unknown {sorted(unknown)}; the ops are {sorted(cases)}")
    for name, (make, forward) in cases.items():
        if args.ops and name not in args.ops:
            continue
        ntc_fwd, ntc_step = steps(make, forward, "ntc")
        nct_fwd, nct_step = steps(make, forward, "nct")
        _, ntc_data = steps(make, forward, "ntc", input_grad=False)
        _, nct_data = steps(make, forward, "nct", input_grad=False)
        f_ntc, f_nct = interleaved_ms([ntc_fwd, nct_fwd], repeats, best=args.best)
        b_ntc, b_nct = interleaved_ms([ntc_step, nct_step], repeats, best=args.best)
        d_ntc, d_nct = interleaved_ms([ntc_data, nct_data], repeats, best=args.best)
        print(f"| {name} | N T C | {f_ntc:.2f} | {b_ntc:.2f} | {d_ntc:.2f} |")
        print(f"| {name} | N C T | {f_nct:.2f} | {b_nct:.2f} | {d_nct:.2f} |")
        ratios.append((name, f_nct / f_ntc, b_nct / b_ntc, d_nct / d_ntc))
    print("\n| op | N C T / N T C fwd | fwd+bwd | fwd+bwd, input without grad |\n|---|---:|---:|---:|")
    for name, fwd, both, data in ratios:
        print(f"| {name} | {fwd:.2f} | {both:.2f} | {data:.2f} |")


if __name__ == "__main__":
    main()
