"""lava-dl parity: the PilotNet SDNN tutorial (lava-dl ``tutorials/lava/lib/dl/slayer/pilotnet/train.ipynb``,
reference §16.3) as a lava-dl user wrote it, run with ``import slayer`` in place of
``import lava.lib.dl.slayer as slayer``.

The test follows the notebook cell for cell (same blocks, parameters, Assistant call, epoch loop with the
learning-rate reductions, best-model save, gradient-flow plot, checkpoints, hdf5 export and the event-count
loop) in our own words, on the CPU, for a few epochs on generated frames in the PilotNet layout. Deliberate
differences, all outside slayer:

* the notebook's own ``pilotnet_dataset.PilotNetDataset`` (which downloads the real set) and torchvision's
  ``Resize([33, 100])``, ``ToTensor()``, ``Normalize(0.5, 0.5)`` are replaced by the tutorial's
  ``tutorials/pilotnet/dataset.py``, which does the same resize and normalisation (torchvision is not a test
  dependency);
* the notebook's ``utils.compare_ops`` table is replaced by checks of the event counts it would print;
* the notebook counts events with ``torch.abs((x[..., 1:]) > 0)``, the absolute value of a bool tensor, which
  PyTorch rejects ("abs_cpu" not implemented for 'Bool'); the test takes ``torch.abs(x[..., 1:]) > 0``;
* plots are saved to files, and the epoch counts and milestones are shrunk to fit a test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import h5py
import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

import slayer  # lava-dl: import lava.lib.dl.slayer as slayer

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TUTORIAL = Path(__file__).resolve().parents[1] / "tutorials" / "pilotnet"
sys.path.insert(0, str(TUTORIAL))
from dataset import PilotNetDataset  # noqa: E402  (the notebook: from pilotnet_dataset import PilotNetDataset)
from frames import write_dataset  # noqa: E402

#: the notebook's blocks that have a neuron: Input, 4 Conv, 3 Dense, Output (Flatten has none)
NEURON_BLOCKS = 9


def event_rate_loss(x, max_rate=0.01):
    mean_event_rate = torch.mean(torch.abs(x))
    return F.mse_loss(F.relu(mean_event_rate - max_rate), torch.zeros_like(mean_event_rate))


class Network(torch.nn.Module):
    def __init__(self):
        super().__init__()
        sdnn_params = {
            "threshold": 0.1,
            "tau_grad": 0.5,
            "scale_grad": 1,
            "requires_grad": True,
            "shared_param": True,
            "activation": F.relu,
        }
        sdnn_cnn_params = {**sdnn_params, "norm": slayer.neuron.norm.MeanOnlyBatchNorm}
        sdnn_dense_params = {**sdnn_cnn_params, "dropout": slayer.neuron.Dropout(p=0.2)}
        sd = slayer.block.sigma_delta
        self.blocks = torch.nn.ModuleList(
            [
                sd.Input(sdnn_params),
                sd.Conv(sdnn_cnn_params, 3, 24, 3, padding=0, stride=2, weight_scale=2, weight_norm=True),
                sd.Conv(sdnn_cnn_params, 24, 36, 3, padding=0, stride=2, weight_scale=2, weight_norm=True),
                sd.Conv(sdnn_cnn_params, 36, 64, 3, padding=(1, 0), stride=(2, 1), weight_scale=2, weight_norm=True),
                sd.Conv(sdnn_cnn_params, 64, 64, 3, padding=0, stride=1, weight_scale=2, weight_norm=True),
                sd.Flatten(),
                sd.Dense(sdnn_dense_params, 64 * 40, 100, weight_scale=2, weight_norm=True),
                sd.Dense(sdnn_dense_params, 100, 50, weight_scale=2, weight_norm=True),
                sd.Dense(sdnn_dense_params, 50, 10, weight_scale=2, weight_norm=True),
                sd.Output(sdnn_dense_params, 10, 1, weight_scale=2, weight_norm=True),
            ]
        )

    def forward(self, x):
        count = []
        event_cost = 0
        for block in self.blocks:
            x = block(x)
            if hasattr(block, "neuron"):
                event_cost += event_rate_loss(x)
                # the notebook writes torch.abs((x[..., 1:]) > 0), abs of a bool tensor, which torch >= 1.x rejects
                count.append(torch.sum((torch.abs(x[..., 1:]) > 0).to(x.dtype)).item())
        return x, event_cost, torch.FloatTensor(count).reshape((1, -1)).to(x.device)

    def grad_flow(self, path):
        grad = [b.synapse.grad_norm for b in self.blocks if hasattr(b, "synapse")]
        plt.figure()
        plt.semilogy(grad)
        plt.savefig(path + "gradFlow.png")
        plt.close()
        return grad

    def export_hdf5(self, filename):
        h = h5py.File(filename, "w")
        layer = h.create_group("layer")
        for i, b in enumerate(self.blocks):
            b.export_hdf5(layer.create_group(f"{i}"))
        h.close()  # (the notebook leaves the file open until the process ends)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory) -> Path:
    # 48 generated frames at the real 455 x 256 size: 25 clips of 16 -> 20 training, 5 testing
    return write_dataset(tmp_path_factory.mktemp("pilotnet"), 48, seed=1)


def test_pilotnet_tutorial(tmp_path, data_path):
    torch.manual_seed(4205)
    batch, lr, lam = 8, 0.001, 0.01
    epochs, steps = 3, [1, 2]  # the notebook: 200 epochs, milestones [60, 120, 160]
    trained_folder, logs_folder = str(tmp_path / "Trained"), str(tmp_path / "Logs")
    os.makedirs(trained_folder, exist_ok=True)
    os.makedirs(logs_folder, exist_ok=True)
    device = torch.device("cpu")  # the notebook: cuda

    net = Network().to(device)
    optimizer = torch.optim.RAdam(net.parameters(), lr=lr, weight_decay=1e-5)
    training_set = PilotNetDataset(data_path, sequence=16, train=True)
    testing_set = PilotNetDataset(data_path, sequence=16, train=False)
    train_loader = DataLoader(dataset=training_set, batch_size=batch, shuffle=True)
    test_loader = DataLoader(dataset=testing_set, batch_size=batch, shuffle=True)
    stats = slayer.utils.LearningStats()
    assistant = slayer.utils.Assistant(
        net=net,
        error=lambda output, target: F.mse_loss(output.flatten(), target.flatten()),
        optimizer=optimizer,
        stats=stats,
        count_log=True,
        lam=lam,
    )

    learning_rates, grads = [], []
    for epoch in range(epochs):
        if epoch in steps:
            for param_group in optimizer.param_groups:
                print("\nLearning rate reduction from", param_group["lr"])
                param_group["lr"] /= 10 / 3
        learning_rates.append(optimizer.param_groups[0]["lr"])
        for _, (input, ground_truth) in enumerate(train_loader):
            assistant.train(input, ground_truth)
            print(f"\r[Epoch {epoch:3d}/{epochs}] {stats}", end="")
        for _, (input, ground_truth) in enumerate(test_loader):
            assistant.test(input, ground_truth)
            print(f"\r[Epoch {epoch:3d}/{epochs}] {stats}", end="")
        if stats.testing.best_loss:
            torch.save(net.state_dict(), trained_folder + "/network.pt")
        stats.update()
        stats.save(trained_folder + "/")
        grads.append(net.grad_flow(trained_folder + "/"))
        if epoch % 10 == 0:
            torch.save(
                {"net": net.state_dict(), "optimizer": optimizer.state_dict()}, logs_folder + f"/checkpoint{epoch}.pt"
            )
    stats.plot(figsize=(15, 5), path=trained_folder)  # the notebook shows the figure

    net.load_state_dict(torch.load(trained_folder + "/network.pt"))
    net.export_hdf5(trained_folder + "/network.net")

    counts = []
    for _, (input, ground_truth) in enumerate(test_loader):
        _, count = assistant.test(input, ground_truth)
        count = (count.flatten() / (input.shape[-1] - 1) / input.shape[0]).tolist()
        counts.append(count)
        print("\rEvent count : " + ", ".join([f"{c:.4f}" for c in count]), f"| {stats.testing}", end="")
    counts = np.mean(counts, axis=0)

    # what the notebook's cells produce
    assert learning_rates == pytest.approx([lr, lr * 0.3, lr * 0.09])
    train_losses, test_losses = stats.training.loss_log, stats.testing.loss_log
    assert len(train_losses) == len(test_losses) == epochs and all(np.isfinite(train_losses + test_losses))
    assert stats.testing.min_loss == min(test_losses)
    assert Path(trained_folder, "loss.txt").is_file() and Path(trained_folder, "loss.png").is_file()
    assert Path(trained_folder, "gradFlow.png").is_file() and Path(logs_folder, "checkpoint0.pt").is_file()
    # a gradient norm per synapse (8 blocks with weights), finite; the first layers learn from the first epoch
    # (the untrained deep layers are nearly silent, as in lava-dl, so their gradients may still be 0)
    assert all(len(g) == 8 and all(np.isfinite(g)) for g in grads) and all(g[0] > 0 for g in grads), grads
    # per-layer events per sample and step: the input layer of 3 x 33 x 100 neurons sends most, none exceeds
    # its neuron count
    sizes = [3 * 33 * 100, 24 * 16 * 49, 36 * 7 * 24, 64 * 4 * 22, 64 * 2 * 20, 100, 50, 10, 1]
    assert counts.shape == (NEURON_BLOCKS,) and all(0 <= c <= size for c, size in zip(counts, sizes))
    assert counts[0] > 0
    # the exported network reloads and computes what the trained network computes
    net.eval()
    input = next(iter(test_loader))[0]
    loaded = slayer.block.load_hdf5(trained_folder + "/network.net")
    loaded.eval()
    with torch.no_grad():
        expected, _, _ = net(input)
        torch.testing.assert_close(loaded(input), expected)
