"""Train lava-dl's PilotNet sigma-delta network (spec §16.3) to regress the steering angle from dashboard frames.

    python tutorials/pilotnet/train.py --data-dir driving_dataset          # the real PilotNet dataset
    python tutorials/pilotnet/train.py --generate 2000 --epochs 5           # generated frames (frames.py)
    python tutorials/pilotnet/train.py --smoke                              # a few iterations (what CI runs)

Network: sigma-delta Input, four weight-normed Conv blocks with MeanOnlyBatchNorm, Flatten, three Dense
blocks with Dropout(0.2), Output; ReLU activations, delta threshold 0.1 (learnable). Loss: MSE on the angle
(radians) plus ``lam`` times an event-rate penalty per layer. RAdam (lr 1e-3, weight decay 1e-5), learning
rate x0.3 at epochs 60, 120 and 160, batch 8, clips of 16 frames. After every epoch: train/test MSE, per-layer
event rates and the event and synaptic-operation sparsity against the same network run as an ANN. The best
network (lowest test MSE) is saved to ``OUT/network.pt`` and exported to ``OUT/network.net`` (lava-dl's netx
hdf5 layout); the losses go to ``OUT/loss.txt``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tutorial's own modules, wherever it is run from

from dataset import PilotNetDataset
from frames import write_dataset
from network import Network, measure_sparsity

import slayer

SMOKE = {"generate": 40, "frame_size": (160, 90), "sequence": 8, "batch": 4, "epochs": 2, "iterations": 2}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data-dir", type=Path, help="a PilotNet-layout folder (data.txt + JPEG frames)")
    source.add_argument("--generate", type=int, metavar="FRAMES", help="train on this many generated frames")
    parser.add_argument("--frame-size", type=int, nargs=2, default=(455, 256), metavar=("W", "H"))
    parser.add_argument("--smoke", action="store_true", help="tiny generated data, a few iterations")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=0, help="at most this many batches per epoch (0: all)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--sequence", type=int, default=16, help="frames per clip (time steps)")
    parser.add_argument("--stride", type=int, default=1, help="frames between clip starts")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lam", type=float, default=0.01, help="weight of the event-rate penalty")
    parser.add_argument("--out", type=Path, default=Path("Trained"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    args = parser.parse_args(argv)
    if args.smoke:
        args.generate, args.frame_size = SMOKE["generate"], SMOKE["frame_size"]
        args.sequence, args.batch = SMOKE["sequence"], SMOKE["batch"]
        args.epochs, args.iterations = SMOKE["epochs"], SMOKE["iterations"]
    if args.data_dir is None and args.generate is None:
        parser.error("give --data-dir, --generate FRAMES or --smoke")
    return args


def data_folder(args: argparse.Namespace, scratch: Path) -> Path:
    if args.data_dir is not None:
        return args.data_dir
    return write_dataset(scratch / "frames", args.generate, size=tuple(args.frame_size), seed=args.seed)


def make_optimizer(net: Network, lr: float) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """RAdam (weight decay 1e-5) and the tutorial's schedule: learning rate x0.3 at epochs 60, 120, 160."""
    optimizer = torch.optim.RAdam(net.parameters(), lr=lr, weight_decay=1e-5)
    return optimizer, torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[60, 120, 160], gamma=0.3)


def step(net: Network, frames: torch.Tensor, target: torch.Tensor, lam: float, optimizer=None) -> torch.Tensor:
    """The MSE (radians^2) of one batch; with ``optimizer``, one training step on MSE + lam * event penalty."""
    output, event_cost, _ = net(frames)
    mse = F.mse_loss(output.flatten(), target.flatten())
    if optimizer is not None:
        optimizer.zero_grad()
        (mse + lam * event_cost).backward()
        optimizer.step()
    return mse.detach()


def run_epoch(net, loader, optimizer, lam: float, iterations: int) -> tuple[float, list[float]]:
    """One pass (training when ``optimizer`` is given); mean MSE over samples and each batch's MSE."""
    net.train(optimizer is not None)
    total, count, losses = 0.0, 0, []
    with torch.set_grad_enabled(optimizer is not None):
        for index, (frames, target) in enumerate(loader):
            if iterations and index >= iterations:
                break
            mse = float(step(net, frames, target, lam, optimizer))
            losses.append(mse)
            total, count = total + mse * len(frames), count + len(frames)
    return total / max(count, 1), losses


def report_sparsity(net: Network, frames: torch.Tensor) -> None:
    net.eval()
    sparsity = measure_sparsity(net, frames)
    rates = " ".join(f"{rate:.3f}" for rate in sparsity.layer_event_rates)
    print(f"  event rate per layer (input, conv1-4, dense1-3): {rates}")
    print(
        f"  vs the same network as an ANN: event sparsity {sparsity.event_sparsity:.2f}x, "
        f"synaptic-op sparsity {sparsity.synop_sparsity:.2f}x "
        f"({sparsity.synops:.3g} synops vs {sparsity.ann_macs:.3g} MACs)"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = data_folder(args, Path(scratch))
        train_set = PilotNetDataset(folder, sequence=args.sequence, train=True, stride=args.stride)
        test_set = PilotNetDataset(folder, sequence=args.sequence, train=False, stride=args.stride)
        print(f"train {train_set}\ntest  {test_set}")
        train_loader = torch.utils.data.DataLoader(
            train_set, batch_size=args.batch, shuffle=True, num_workers=args.workers, drop_last=True
        )
        test_loader = torch.utils.data.DataLoader(test_set, batch_size=args.batch, num_workers=args.workers)

        net = Network()
        optimizer, schedule = make_optimizer(net, args.lr)
        best, log = float("inf"), ["epoch train_mse test_mse seconds"]
        for epoch in range(args.epochs):
            start = time.perf_counter()
            train_mse, losses = run_epoch(net, train_loader, optimizer, args.lam, args.iterations)
            test_mse, _ = run_epoch(net, test_loader, None, args.lam, args.iterations)
            schedule.step()
            seconds = time.perf_counter() - start
            batch_losses = " ".join(f"{loss:.4f}" for loss in losses)
            print(f"epoch {epoch}: train MSE {train_mse:.5f} test MSE {test_mse:.5f} rad^2 ({seconds:.1f} s)")
            print(f"  training batch MSE: {batch_losses}")
            report_sparsity(net, next(iter(test_loader))[0])
            log.append(f"{epoch} {train_mse:.6f} {test_mse:.6f} {seconds:.2f}")
            if test_mse < best:
                best = test_mse
                torch.save(net.state_dict(), args.out / "network.pt")
        (args.out / "loss.txt").write_text("\n".join(log) + "\n")
        net.load_state_dict(torch.load(args.out / "network.pt"))
        slayer.block.export_hdf5(net.blocks, args.out / "network.net")
        print(f"best test MSE {best:.5f} rad^2; network in {args.out / 'network.pt'} and {args.out / 'network.net'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
