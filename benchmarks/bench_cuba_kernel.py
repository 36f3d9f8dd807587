"""Fused CUBA neuron on the cpu backend against a bare Dense matmul, in one run (ratios are what count).

    python benchmarks/bench_cuba_kernel.py [--repeats 9] [--threads 2] [--alif]

Times ``slayer.neuron.cuba.Neuron`` forward+backward on ``(32, 512, 100)`` input stored neuron-contiguous
(``N T C``, as a Dense synapse produces it) and plain contiguous (``N C T``), the raw ``cuba_forward`` /
``x (N*T, C) @ W (C, C)`` forward+backward. Medians of ``--repeats`` after warm-up; the last column is the time
relative to the matmul of the same run. ``--isa baseline avx2`` adds rows with ``SLAYER_CPU_ISA`` lowered to
those variants (baseline: the int64 path only, as before run-time ISA dispatch), in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

N, C, T = 32, 512, 100


def median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--alif", action="store_true", help="also time the fused ALIF neuron")
    parser.add_argument("--isa", nargs="*", default=[], help="also time these SLAYER_CPU_ISA variants")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("SLAYER_BACKEND", "cpu")
    import slayer.neuron.alif as alif
    import slayer.neuron.cuba as cuba

    neuron = cuba.Neuron(threshold=1.0, current_decay=0.25, voltage_decay=0.03, requires_grad=True)
    layouts = {
        "N T C": (torch.randn(N, T, C) * 1.5).transpose(1, 2).requires_grad_(),
        "N C T": (torch.randn(N, C, T) * 1.5).requires_grad_(),
    }
    x_mm = torch.randn(N * T, C, requires_grad=True)
    weight = (torch.randn(C, C) / C**0.5).requires_grad_()

    def matmul() -> None:
        x_mm.grad = weight.grad = None
        (x_mm @ weight).sum().backward()

    def with_isa(isa, fn):
        def step() -> None:
            os.environ["SLAYER_CPU_ISA"] = isa
            try:
                fn()
            finally:
                del os.environ["SLAYER_CPU_ISA"]

        return step

    def neuron_step(x, module=neuron):
        def step() -> None:
            x.grad = None
            for p in module.parameters():
                p.grad = None
            module(x).sum().backward()

        return step

    def forward_only(x, module=neuron):
        def step() -> None:
            with torch.no_grad():
                module(x)

        return step

    rows = [("bare matmul fwd+bwd", matmul)]
    for name, x in layouts.items():
        rows.append((f"CUBA {name} fwd", forward_only(x)))
        rows.append((f"CUBA {name} fwd+bwd", neuron_step(x)))
    for isa in args.isa:
        rows.append((f"CUBA N T C fwd [{isa}]", with_isa(isa, forward_only(layouts["N T C"]))))
        rows.append((f"CUBA N T C fwd+bwd [{isa}]", with_isa(isa, neuron_step(layouts["N T C"]))))
    if args.alif:
        alif_neuron = alif.Neuron(1.0, 0.1, 0.25, 0.03, 0.05, 0.05)
        rows.append(("ALIF N T C fwd+bwd", neuron_step(layouts["N T C"], alif_neuron)))
        for isa in args.isa:
            rows.append((f"ALIF N T C fwd+bwd [{isa}]", with_isa(isa, neuron_step(layouts["N T C"], alif_neuron))))
    results = {name: median_ms(fn, args.repeats) for name, fn in rows}
    base = results["bare matmul fwd+bwd"]
    print(f"| case (N={N}, C={C}, T={T}, {args.threads} threads) | ms | / matmul fwd+bwd |\n|---|---:|---:|")
    for name, ms in results.items():
        print(f"| {name} | {ms:.2f} | {ms / base:.3f} |")


if __name__ == "__main__":
    main()
