"""Dense synapse: one matmul over (N*T, C) (slayer) vs lava-dl's reshape to a Conv3d.

Runs forward and forward+backward for N=32, C=512 -> 512, T=100 (float32) on CPU and, when
available, CUDA, prints a markdown table of milliseconds and ratios and writes
``benchmarks/results/synapse.json``. Both formulations give the same values (checked here).

    python benchmarks/bench_synapse.py [--quick] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from slayer.synapse import Dense

N, C_IN, C_OUT, T = 32, 512, 512, 100


def lava_style(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """lava-dl's formulation: view N C T as N C 1 1 T, Conv3d with a (1, 1, 1) kernel, view back."""
    n, c, t = x.shape
    return F.conv3d(x.reshape(n, c, 1, 1, t), weight).reshape(n, -1, t)


def lava_style_relayout(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """lava-style output copied to neuron-contiguous storage, the layout fast neuron kernels read."""
    return lava_style(x, weight).transpose(1, 2).contiguous().transpose(1, 2)


def timed(fn, device: str, warmup: int, repeats: int) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def run(device: str, warmup: int, repeats: int) -> list[dict]:
    torch.manual_seed(0)
    dense = Dense(C_IN, C_OUT).to(device)
    x_time_contiguous = torch.randn(N, C_IN, T, device=device)
    x_neuron_contiguous = x_time_contiguous.transpose(1, 2).contiguous().transpose(1, 2)  # another synapse's output
    with torch.no_grad():
        torch.testing.assert_close(dense(x_time_contiguous), lava_style(x_time_contiguous, dense.weight))

    def forward_backward(layer_fn, x):
        def step():
            x.grad = None
            dense.weight.grad = None
            layer_fn(x).sum().backward()

        return step

    rows = []
    for layout, x in (("time-contiguous input", x_time_contiguous), ("neuron-contiguous input", x_neuron_contiguous)):
        x = x.detach().requires_grad_()
        for mode in ("forward", "forward+backward"):
            if mode == "forward":
                with torch.no_grad():
                    lava_ms = timed(lambda x=x: lava_style(x, dense.weight), device, warmup, repeats)
                    relayout_ms = timed(lambda x=x: lava_style_relayout(x, dense.weight), device, warmup, repeats)
                    ours_ms = timed(lambda x=x: dense(x), device, warmup, repeats)
            else:
                lava_ms = timed(forward_backward(lambda v: lava_style(v, dense.weight), x), device, warmup, repeats)
                relayout = forward_backward(lambda v: lava_style_relayout(v, dense.weight), x)
                relayout_ms = timed(relayout, device, warmup, repeats)
                ours_ms = timed(forward_backward(dense, x), device, warmup, repeats)
            rows.append(
                {
                    "device": device,
                    "input": layout,
                    "mode": mode,
                    "lava_conv3d_ms": lava_ms,
                    "lava_conv3d_relayout_ms": relayout_ms,
                    "slayer_matmul_ms": ours_ms,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cpu, plus cuda if present")
    args = parser.parse_args()
    warmup, repeats = (1, 3) if args.quick else (3, 15)
    devices = [args.device] if args.device else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = [row for device in devices for row in run(device, warmup, repeats)]
    print(
        f"Dense synapse, N={N}, C={C_IN}->{C_OUT}, T={T}, float32, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads\n"
    )
    print(
        "| device | input | pass | lava-style Conv3d (ms) | Conv3d + relayout (ms) | slayer matmul (ms) "
        "| vs Conv3d | vs Conv3d + relayout |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r["lava_conv3d_ms"] / r["slayer_matmul_ms"]
        ratio_relayout = r["lava_conv3d_relayout_ms"] / r["slayer_matmul_ms"]
        r["speedup"], r["speedup_vs_relayout"] = ratio, ratio_relayout
        print(
            f"| {r['device']} | {r['input']} | {r['mode']} | {r['lava_conv3d_ms']:.2f} "
            f"| {r['lava_conv3d_relayout_ms']:.2f} | {r['slayer_matmul_ms']:.2f} "
            f"| {ratio:.2f}x | {ratio_relayout:.2f}x |"
        )
    out = Path(__file__).parent / "results" / "synapse.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "N": N,
        "C_in": C_IN,
        "C_out": C_OUT,
        "T": T,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "threads": torch.get_num_threads(),
        "quick": args.quick,
    }
    out.write_text(json.dumps({"config": meta, "rows": rows}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
