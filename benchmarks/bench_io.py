"""slayer-io against tonic (and a per-byte Python reader, what lava-dl does) in one run.

Three workloads, CPU, medians of ``--repeats`` runs after one warm-up:

1. read an N-MNIST ``.bin`` file of 1 M events: ``slayer.io.read_2d_spikes`` (→ Event, ms) vs
   ``tonic.io.read_mnist_file`` (→ structured array, µs) vs a per-byte Python loop;
2. ``denoise`` / ``refractory_period`` on 1 M random events (128 x 128, 10 s) vs tonic's
   ``Denoise`` / ``RefractoryPeriod``, outputs checked identical;
3. binning a batch of 32 N-MNIST-like samples (4 000 events, 2 x 34 x 34, 300 bins of 1 ms) into one
   dense tensor: ``EventCollate`` vs tonic's ``ToFrame`` per sample + stack (the tonic recipe).

Prints a markdown table with ratios and writes ``benchmarks/results/io.json``.

    python benchmarks/bench_io.py [--quick] [--repeats K] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import numpy as np
import torch
from _harness import median_ms

from slayer.io import read_2d_spikes
from slayer.io.dense import EventCollate
from slayer.io.filters import denoise, refractory_period
from slayer.io.testing import encode_nmnist, random_events

try:
    import tonic
except ImportError:  # the table says so
    tonic = None


def per_byte_reader(path: Path) -> tuple[list, list, list, list]:
    """A reader that walks the bytes in Python, one event at a time (lava-dl's approach)."""
    data = path.read_bytes()
    xs, ys, ps, ts = [], [], [], []
    for i in range(0, len(data), 5):
        xs.append(data[i])
        ys.append(data[i + 1])
        ps.append(data[i + 2] >> 7)
        ts.append(((data[i + 2] & 0x7F) << 16) | (data[i + 3] << 8) | data[i + 4])
    return xs, ys, ps, [t / 1000 for t in ts]


def _row(rows: list[dict], workload: str, impl: str, fn, repeats: int, note: str = "") -> None:
    try:
        rows.append({"workload": workload, "impl": impl, "ms": median_ms(fn, repeats, warmup=1), "note": note})
    except Exception as error:  # a peer that fails must not end the run
        rows.append({"workload": workload, "impl": impl, "ms": None, "note": f"unavailable ({error})"[:120]})


def bench_read(rows: list[dict], n_events: int, repeats: int, folder: Path) -> None:
    events = random_events(np.random.default_rng(0), n_events, (34, 34, 2), 2**23)
    path = folder / "big.bin"
    path.write_bytes(encode_nmnist(events))
    workload = f"read N-MNIST .bin, {n_events / 1e6:g} M events"
    ours = read_2d_spikes(path)
    assert np.array_equal(ours.x, events["x"]) and np.array_equal(np.rint(ours.t * 1000), events["t"])
    _row(rows, workload, "slayer read_2d_spikes", lambda: read_2d_spikes(path), repeats)
    if tonic is not None:
        theirs = tonic.io.read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)
        same = len(theirs) == n_events and np.array_equal(theirs["t"], events["t"])
        read = lambda: tonic.io.read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)  # noqa: E731
        _row(rows, workload, "tonic io.read_mnist_file", read, repeats, "same events" if same else "DIFFERENT")
    _row(rows, workload, "per-byte Python loop (lava-dl style)", lambda: per_byte_reader(path), max(1, repeats // 3))


def bench_filters(rows: list[dict], n_events: int, repeats: int) -> None:
    rng = np.random.default_rng(1)
    events = np.zeros(n_events, dtype=[("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "?")])
    events["x"], events["y"] = rng.integers(0, 128, n_events), rng.integers(0, 128, n_events)
    # t >= 1: tonic's RefractoryPeriod drops a pixel's first event when it is at t = 0, ours keeps it
    events["t"], events["p"] = np.sort(rng.integers(1, 10_000_000, n_events)), rng.integers(0, 2, n_events)
    cases = [
        ("denoise(filter_time=10 ms)", lambda e: denoise(e, 10_000), "Denoise", {"filter_time": 10_000}),
        ("refractory_period(1 ms)", lambda e: refractory_period(e, 1_000), "RefractoryPeriod", {"delta": 1_000}),
    ]
    for name, ours, peer, kwargs in cases:
        workload = f"{name}, {n_events / 1e6:g} M events"
        kept = ours(events)
        _row(rows, workload, "slayer.io.filters", lambda ours=ours: ours(events), repeats, f"keeps {len(kept):,}")
        if tonic is not None:
            transform = getattr(tonic.transforms, peer)(**kwargs)
            same = np.array_equal(transform(events), kept)
            note = "identical output" if same else "DIFFERENT output"
            _row(rows, workload, f"tonic {peer}", lambda t=transform: t(events), max(1, repeats // 3), note)


def bench_binning(rows: list[dict], batch_size: int, repeats: int) -> None:
    rng = np.random.default_rng(2)
    batch = [(random_events(rng, 4000, (34, 34, 2), 300_000), k % 10) for k in range(batch_size)]
    workload = f"bin {batch_size} N-MNIST samples -> ({batch_size}, 2, 34, 34, 300), per sample"
    for dtype, mode in ((torch.uint8, "count"), (torch.float32, "count"), (torch.float32, "binary")):
        collate = EventCollate((34, 34, 2), 1000, 300_000, mode=mode, dtype=dtype)
        impl = f"slayer EventCollate {mode} {str(dtype).split('.')[1]}"
        _row(rows, workload, impl, lambda c=collate: c(batch), repeats)
        rows[-1]["ms"] = rows[-1]["ms"] and rows[-1]["ms"] / batch_size
        # the calloc'd zeros are mapped lazily: also time binning plus a first read of every page
        _row(rows, workload, impl + " + x.numpy().max()", lambda c=collate: c(batch)[0].numpy().max(), repeats)
        rows[-1]["ms"] = rows[-1]["ms"] and rows[-1]["ms"] / batch_size
    if tonic is not None:
        frame = tonic.transforms.ToFrame(sensor_size=(34, 34, 2), time_window=1000, start_time=0, end_time=300_000)

        def tonic_recipe():
            dense = [torch.from_numpy(np.moveaxis(frame(events), 0, -1)).float() for events, _ in batch]
            return torch.stack(dense), torch.tensor([label for _, label in batch])

        expected = EventCollate((34, 34, 2), 1000, 300_000)(batch)[0]
        note = "same tensor" if torch.equal(tonic_recipe()[0], expected) else "DIFFERENT tensor"
        _row(rows, workload, "tonic ToFrame per sample + moveaxis + float + stack", tonic_recipe, repeats, note)
        rows[-1]["ms"] = rows[-1]["ms"] and rows[-1]["ms"] / batch_size


def markdown(rows: list[dict]) -> str:
    lines = ["| workload | implementation | ms | x slower than slayer | note |", "|---|---|---:|---:|---|"]
    base: dict[str, float] = {}
    for row in rows:
        if row["impl"].startswith("slayer") and row["ms"] and row["workload"] not in base:
            base[row["workload"]] = row["ms"]
        ms = f"{row['ms']:.2f}" if row["ms"] is not None else ""
        ratio = f"{row['ms'] / base[row['workload']]:.1f}" if row["ms"] and row["workload"] in base else ""
        lines.append(f"| {row['workload']} | {row['impl']} | {ms} | {ratio} | {row['note']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 k events, batch of 8, 3 repeats (CI smoke run)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "io.json")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 9)
    n_events = 100_000 if args.quick else 1_000_000
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        bench_read(rows, n_events, repeats, Path(folder))
    bench_filters(rows, n_events, repeats)
    bench_binning(rows, 8 if args.quick else 32, repeats)
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "tonic": getattr(tonic, "__version__", "not installed"),
        "torch threads": torch.get_num_threads(),
        "machine": platform.machine(),
    }
    print(f"slayer-io vs tonic ({', '.join(f'{k} {v}' for k, v in info.items())}; median of {repeats} runs)\n")
    print(markdown(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"info": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
