"""Timing and memory helpers shared by the benchmarks (never used by tests: speed is not asserted).

* Time: median wall time of ``repeats`` calls after ``warmup`` calls (``time.perf_counter``).
* Memory: on CPU there is no allocator peak counter, so we report **activation memory**, the bytes of the
  distinct storages autograd saves for backward during one forward (``saved_tensors_hooks``; parameters
  and the input are excluded). It is exact, deterministic and comparable across libraries; it is what
  grows with ``N * C * T`` and decides whether a training step fits.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class Measurement:
    """One implementation on one workload; ``unavailable`` holds the reason if it could not run."""

    workload: str
    implementation: str
    forward_ms: float | None = None
    forward_backward_ms: float | None = None
    activation_mib: float | None = None
    unavailable: str | None = None
    notes: dict = field(default_factory=dict)


class HeavisideFastSigmoid(torch.autograd.Function):
    """Spike ``v >= 0`` with the fast-sigmoid surrogate gradient ``1 / (1 + 10 |v|)^2``: the plain PyTorch loops'
    spike function."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v >= 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad / (1 + 10 * v.abs()) ** 2


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 2, best: bool = False) -> float:
    """Median ms of ``repeats`` calls after ``warmup``; ``best``: the fastest call (a machine shared with other
    jobs slows some calls several-fold, the fastest one least)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * (min(times) if best else statistics.median(times))


def activation_mib(forward: Callable[[], torch.Tensor], exclude: tuple[torch.Tensor, ...] = ()) -> float:
    """MiB of distinct storages saved for backward by one ``forward()`` (``exclude``: inputs, parameters)."""
    excluded = {t.untyped_storage().data_ptr() for t in exclude}
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in excluded:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = forward()
    del out
    return sum(saved.values()) / 2**20


def measure(
    workload: str,
    implementation: str,
    make: Callable[[], tuple[Callable[[], torch.Tensor], tuple[torch.Tensor, ...]]],
    repeats: int,
    best: bool = False,
) -> Measurement:
    """``make()`` returns ``(forward, leaves)``: a closure computing the output from a fixed input, and the
    tensors that need gradients (input and parameters). Any exception becomes an ``unavailable`` row."""
    try:
        forward, leaves = make()

        def forward_only() -> None:
            with torch.no_grad():
                forward()

        def forward_backward() -> None:
            for leaf in leaves:
                leaf.grad = None
            forward().float().sum().backward()

        return Measurement(
            workload,
            implementation,
            forward_ms=median_ms(forward_only, repeats, best=best),
            forward_backward_ms=median_ms(forward_backward, repeats, best=best),
            activation_mib=activation_mib(forward, leaves),
        )
    except Exception as error:  # a peer that fails must not crash the run
        reason = f"{type(error).__name__}: {error}".splitlines()[0][:120]
        return Measurement(workload, implementation, unavailable=reason)


def markdown_table(rows: list[Measurement], baseline: str, matmul: str | None = None) -> str:
    """Per workload: times, activation memory, and fwd+bwd time relative to ``baseline`` (and ``matmul``)."""
    lines = [
        "| workload | implementation | fwd ms | fwd+bwd ms | activations MiB "
        "| fwd+bwd / slayer cpu | fwd+bwd / matmul |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    by_workload: dict[str, list[Measurement]] = {}
    for row in rows:
        by_workload.setdefault(row.workload, []).append(row)
    for workload, group in by_workload.items():
        base = next((r.forward_backward_ms for r in group if r.implementation == baseline), None)
        mm = next((r.forward_backward_ms for r in group if r.implementation == matmul), None) if matmul else None
        for row in group:
            if row.unavailable:
                lines.append(f"| {workload} | {row.implementation} | unavailable ({row.unavailable}) | | | | |")
                continue
            ratio = f"{row.forward_backward_ms / base:.2f}" if base else ""
            ratio_mm = f"{row.forward_backward_ms / mm:.2f}" if mm else ""
            lines.append(
                f"| {workload} | {row.implementation} | {row.forward_ms:.1f} | {row.forward_backward_ms:.1f} | "
                f"{row.activation_mib:.1f} | {ratio} | {ratio_mm} |"
            )
    return "\n".join(lines)
