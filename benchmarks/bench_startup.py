"""Start-up: time from ``import torch`` to the end of the first ``cuba.Neuron`` forward+backward, in fresh processes.

    python benchmarks/bench_startup.py [--runs 5] [--device cpu|cuda]

Each run is a new Python process (kernels already built/cached: a warm start, the case issue 14 item 6 bounds
at 2 s). It reports, as medians over the runs: ``import torch``; ``import slayer`` and building the neuron; the
first forward+backward; their sum after ``import torch``; and whether ``torch._dynamo`` was imported. The
second row makes each process import ``torch._dynamo`` before its first call, which is what torch's custom-op
wrapper did on that call before slayer deferred it (``slayer.core.dynamics._ops._lazy_dynamo``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, sys, time
    start = time.perf_counter()
    import torch
    torch_done = time.perf_counter()
    if {import_dynamo}:
        import torch._dynamo
    from slayer.neuron import cuba
    neuron = cuba.Neuron(threshold=1.0, current_decay=0.25, voltage_decay=0.03).to("{device}")
    x = torch.randn(4, 16, 50, device="{device}", requires_grad=True)
    built = time.perf_counter()
    neuron(x).sum().backward()
    if "{device}" == "cuda":
        torch.cuda.synchronize()
    done = time.perf_counter()
    print(json.dumps({{"torch": torch_done - start, "slayer": built - torch_done, "first_call": done - built,
                      "after_torch": done - torch_done, "dynamo": "torch._dynamo" in sys.modules}}))
    """
)


def run_child(device: str, import_dynamo: bool) -> dict:
    code = CHILD.format(device=device, import_dynamo=import_dynamo)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if proc.returncode:
        raise RuntimeError(f"start-up child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="3 runs")
    args, _ = parser.parse_known_args(argv)  # nox -s bench passes the same arguments to every script
    runs = 3 if args.quick else args.runs
    run_child(args.device, False)  # builds or loads the kernels' caches once, outside the timed runs
    print(f"| start-up ({args.device}, median of {runs} fresh processes) | import torch s | import slayer + neuron s "
          "| first fwd+bwd s | after import torch s | torch._dynamo imported |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|")
    for label, import_dynamo in (("slayer (deferred Dynamo import)", False), ("+ import torch._dynamo first", True)):
        results = [run_child(args.device, import_dynamo) for _ in range(runs)]
        med = {
            key: statistics.median(r[key] for r in results) for key in ("torch", "slayer", "first_call", "after_torch")
        }
        dynamo = sorted({r["dynamo"] for r in results})
        print(f"| {label} | {med['torch']:.2f} | {med['slayer']:.2f} | {med['first_call']:.2f} | "
              f"{med['after_torch']:.2f} | {'/'.join(map(str, dynamo))} |")  # fmt: skip


if __name__ == "__main__":
    main()
