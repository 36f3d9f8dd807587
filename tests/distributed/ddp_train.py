"""Train a small cuba network with slayer.utils.Assistant, alone or under ``torchrun`` (gloo on CPU).

Used by tests/test_ddp.py: every rank writes its final weights and statistics to ``--out``/rank<r>.pt.
The batches of one step are the same samples in both cases: a DistributedSampler (no shuffle) gives rank
``r`` samples ``r, r + W, ...``, ``--batch`` per rank; alone, one batch holds ``W * --batch`` samples.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
import torch.distributed as dist

import slayer


def network() -> torch.nn.Module:
    cuba = dict(threshold=0.5, current_decay=0.25, voltage_decay=0.1, requires_grad=True)
    return slayer.block.Sequential(
        [
            slayer.block.cuba.Dense(cuba, 12, 16, weight_scale=2, delay=True),  # delays are shaped at the first forward
            slayer.block.cuba.Dense(cuba, 16, 3, weight_scale=2),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--world", type=int, default=2, help="processes of the distributed run (sets batch size)")
    parser.add_argument("--batch", type=int, default=3, help="samples per rank and step")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("gloo")
    torch.manual_seed(0)
    inputs = (torch.rand(4 * args.world * args.batch, 12, 40) < 0.3).float()
    labels = torch.arange(len(inputs)) % 3
    dataset = torch.utils.data.TensorDataset(inputs, labels)
    if distributed:
        sampler = torch.utils.data.DistributedSampler(dataset, shuffle=False)
        loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, sampler=sampler)
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=args.world * args.batch)
    net = network()
    initial = {name: value.clone() for name, value in net.state_dict().items() if name.endswith("weight")}
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    assistant = slayer.utils.Assistant(
        net, slayer.loss.SpikeRate(0.3, 0.02), optimizer, classifier=slayer.classifier.Rate.predict
    )
    assistant.fit(loader, args.epochs, test_loader=loader, progress=False)
    rank = assistant.rank
    args.out.mkdir(parents=True, exist_ok=True)
    logs = {name: (stat.loss_log, stat.accuracy_log) for name, stat in assistant.stats.phases.items()}
    result = {"state": net.state_dict(), "initial": initial, "stats": logs, "world": assistant.world_size}
    torch.save(result, args.out / f"rank{rank}.pt")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
