# %% [markdown]
# # N-MNIST: classify event-camera digits (lava-dl's tutorial, with slayer and tonic)
#
# N-MNIST (Orchard et al. 2015) holds MNIST digits recorded by an event camera moving in three saccades:
# 34 x 34 pixels, 2 polarities, about 300 ms per sample. lava-dl's network (reference §16.2): three CUBA dense
# blocks 2312 -> 512 -> 512 -> 10 with weight norm, learnable axonal delays on the hidden layers and 5 %
# dropout, trained with `SpikeRate(true_rate=0.2, false_rate=0.03)` and classified by the output neuron
# with the highest rate (`Rate.predict`); Adam lr 1e-3, batch 32.
#
# The data comes from tonic's `NMNIST` dataset, binned into 1 ms steps by slayer's `EventCollate` (one
# scatter per batch). Run:
#
# * `python tutorials/nmnist/train.py --data-dir data` (tonic downloads N-MNIST there the first time);
# * `python tutorials/nmnist/train.py --fake 600` trains on generated data in N-MNIST's format and size
#   (600 samples per digit) read through tonic's own loader: a throughput measurement without the download.

# %%
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

import slayer
from slayer.io.dense import EventCollate

SENSOR = (34, 34, 2)  # tonic's (width, height, polarities)
STEPS = 300  # 1 ms bins


# %%
class Network(torch.nn.Module):
    """lava-dl's N-MNIST classifier; input events ``(N, 2, 34, 34, T)``, output spikes ``(N, 10, T)``
    (and the event rate of every block with ``count_log``)."""

    def __init__(self, count_log: bool = False) -> None:
        super().__init__()
        neuron_params = dict(
            threshold=1.25, current_decay=0.25, voltage_decay=0.03, tau_grad=0.03, scale_grad=3, requires_grad=True
        )
        hidden = {**neuron_params, "dropout": slayer.neuron.Dropout(p=0.05)}
        cuba = slayer.block.cuba
        self.count_log = count_log
        self.blocks = torch.nn.ModuleList(
            [
                cuba.Dense(hidden, 34 * 34 * 2, 512, weight_norm=True, delay=True, count_log=count_log),
                cuba.Dense(hidden, 512, 512, weight_norm=True, delay=True, count_log=count_log),
                cuba.Dense(neuron_params, 512, 10, weight_norm=True, count_log=count_log),
            ]
        )

    def forward(self, spike: torch.Tensor):
        spike = spike.reshape(spike.shape[0], -1, spike.shape[-1]).float()  # (N, 2312, T), lava-dl's order
        counts = []
        for block in self.blocks:
            spike = block(spike)
            if self.count_log:
                spike, count = spike
                counts.append(count)
        return (spike, counts) if self.count_log else spike

    def export_hdf5(self, path: str | Path) -> None:
        slayer.block.export_hdf5(self.blocks, path)


def datasets(data_dir: Path | None, fake: int | None, events_per_sample: int):
    """tonic's N-MNIST train and test sets: the real one in ``data_dir`` or generated ones of ``fake``
    samples per digit (and a tenth of that for testing) written in N-MNIST's file format."""
    import tonic

    if fake is None:
        return tonic.datasets.NMNIST(str(data_dir), train=True), tonic.datasets.NMNIST(str(data_dir), train=False)
    from slayer.io.testing import make_fake_nmnist, offline_tonic

    root = Path(tempfile.mkdtemp(prefix="fake-nmnist-")) if data_dir is None else data_dir
    make_fake_nmnist(root, True, samples_per_digit=fake, events_per_sample=events_per_sample)
    make_fake_nmnist(root, False, samples_per_digit=max(1, fake // 10), events_per_sample=events_per_sample, seed=1)
    with offline_tonic():
        return tonic.datasets.NMNIST(str(root), train=True), tonic.datasets.NMNIST(str(root), train=False)


# %%
def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="lava-dl's N-MNIST tutorial with slayer and tonic")
    parser.add_argument("--data-dir", type=Path, default=None, help="where tonic keeps (or downloads) N-MNIST")
    parser.add_argument("--fake", type=int, default=None, help="generated samples per digit instead of N-MNIST")
    parser.add_argument("--events", type=int, default=4000, help="events per generated sample")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=0, help="DataLoader worker processes (loading is not the bottleneck)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--no-progress", action="store_true")
    # on this project's shared 2-core machine one thread trained 39 samples/s, two threads 18 (waiting for each other)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.data_dir is None and args.fake is None:
        parser.error("give --data-dir (the real N-MNIST, downloaded by tonic) or --fake N (generated data)")

    torch.manual_seed(0)
    train_set, test_set = datasets(args.data_dir, args.fake, args.events)
    collate = EventCollate(sensor_size=SENSOR, time_step=1000, duration=STEPS * 1000, mode="binary")
    loader = dict(batch_size=args.batch, collate_fn=collate, num_workers=args.workers)
    train_loader = torch.utils.data.DataLoader(train_set, shuffle=True, **loader)
    test_loader = torch.utils.data.DataLoader(test_set, shuffle=False, **loader)

    net = Network(count_log=True)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    error = slayer.loss.SpikeRate(true_rate=0.2, false_rate=0.03, reduction="sum")
    stats = slayer.utils.LearningStats()
    assistant = slayer.utils.Assistant(
        net, error, optimizer, stats, classifier=slayer.classifier.Rate.predict, count_log=True
    )
    print(net)
    start = time.perf_counter()
    assistant.fit(train_loader, args.epochs, test_loader=test_loader, path=args.out, progress=not args.no_progress)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")
    throughput = len(train_set) / assistant.train_seconds[0]
    print(f"first training epoch: {len(train_set)} samples, {throughput:.1f} samples/s (data loading included)")
    rates = ", ".join(f"{rate:.4f}" for rate in assistant.counts or [])
    print(f"event rate per block (last epoch): {rates}")
    losses = stats.training.loss_log
    print(f"train loss {losses[0]:.5f} -> {losses[-1]:.5f}; best test accuracy {stats.testing.max_accuracy}")

    net.load_state_dict(torch.load(args.out / "network.pt"))
    net.export_hdf5(args.out / "network.net")
    print(f"wrote {args.out / 'network.net'}, {args.out / 'loss.txt'}, {args.out / 'accuracy.txt'}")
    return {"first_loss": losses[0], "last_loss": losses[-1], "samples_per_s": throughput}


if __name__ == "__main__":
    main()
