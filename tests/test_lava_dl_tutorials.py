"""lava-dl parity: the Oxford and N-MNIST tutorials as a lava-dl user wrote them, run with ``import slayer`` in
place of ``import lava.lib.dl.slayer as slayer``.

Each test follows its tutorial call for call (same classes, functions, arguments and loop structure; reference
§16.1-16.2) in our own words, on the CPU instead of the tutorials' hard-coded CUDA device, for a few epochs,
with the plots and animations replaced by saving the arrays they would draw.
"""

# ruff: noqa: NPY002  (the tutorials draw their augmentation from numpy's global generator)
from __future__ import annotations

import glob
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

import slayer  # lava-dl: import lava.lib.dl.slayer as slayer

OXFORD = Path(__file__).parents[1] / "tutorials" / "oxford" / "data"
#: events in the last half millisecond round into bin T and are dropped, as in lava-dl (which says nothing)
pytestmark = pytest.mark.filterwarnings("ignore::slayer.io.event.EventsDroppedWarning")


# -- Oxford (lava-dl tutorials/lava/lib/dl/slayer/oxford/train.ipynb) ------------------------------------------


class OxfordDataset(Dataset):
    def __init__(self):
        super().__init__()
        self.input = slayer.io.read_1d_spikes(str(OXFORD / "input.bs1"))
        self.target = slayer.io.read_1d_spikes(str(OXFORD / "output.bs1"))
        self.target.t = self.target.t.astype(int)

    def __getitem__(self, _):
        spikes_in = self.input.fill_tensor(torch.zeros(1, 1, 200, 2000)).squeeze()
        spikes_out = self.target.fill_tensor(torch.zeros(1, 1, 200, 2000)).squeeze()
        return spikes_in, spikes_out

    def __len__(self):
        return 1


class TutorialNetwork(torch.nn.Module):
    """Both tutorials give their network this hdf5 export (blocks as ``layer/<i>`` groups)."""

    def export_hdf5(self, filename):
        file = h5py.File(filename, "w")
        layer = file.create_group("layer")
        for index, block in enumerate(self.blocks):
            block.export_hdf5(layer.create_group(f"{index}"))
        file.close()  # (the tutorials leave the file open until the process ends)


class OxfordNetwork(TutorialNetwork):
    def __init__(self):
        super().__init__()
        neuron_params = {"threshold": 0.1, "current_decay": 1, "voltage_decay": 0.1, "requires_grad": True}
        self.blocks = torch.nn.ModuleList(
            [slayer.block.cuba.Dense(neuron_params, 200, 256), slayer.block.cuba.Dense(neuron_params, 256, 200)]
        )

    def forward(self, spike):
        for block in self.blocks:
            spike = block(spike)
        return spike


def test_oxford_tutorial(tmp_path):
    torch.manual_seed(0)
    trained_folder = str(tmp_path / "Trained")
    os.makedirs(trained_folder, exist_ok=True)
    device = torch.device("cpu")
    net = OxfordNetwork().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001, weight_decay=1e-5)
    training_set = OxfordDataset()
    train_loader = DataLoader(dataset=training_set, batch_size=1)
    # the notebook animates the input and target events (Event.anim); we keep their arrays
    np.save(tmp_path / "input_events.npy", np.stack([training_set.input.x, training_set.input.t]))
    error = slayer.loss.SpikeTime(time_constant=2, filter_order=2).to(device)
    stats = slayer.utils.LearningStats()
    assistant = slayer.utils.Assistant(net, error, optimizer, stats)

    epochs = 6
    for epoch in range(epochs):
        for _, (input, target) in enumerate(train_loader):
            output = assistant.train(input, target)
        print(f"\r[Epoch {epoch:2d}/{epochs}] {stats}", end="")
        if stats.training.best_loss:
            torch.save(net.state_dict(), trained_folder + "/network.pt")
        stats.update()
        stats.save(trained_folder + "/")
    np.save(tmp_path / "loss.npy", np.array(stats.training.loss_log))  # stats.plot(figsize=(15, 5))

    net.load_state_dict(torch.load(trained_folder + "/network.pt"))
    net.export_hdf5(trained_folder + "/network.net")
    output = net(input.to(device))
    event = slayer.io.tensor_to_event(output.cpu().data.numpy())
    np.save(tmp_path / "output_events.npy", np.stack([event.x, event.t]))  # event.anim(...)

    losses = stats.training.loss_log
    assert len(losses) == epochs and losses[-1] < losses[0] / 2  # 335,717 -> about 100,000 in six epochs
    assert [float(row) for row in Path(trained_folder, "loss.txt").read_text().splitlines()[1:]] == pytest.approx(
        losses, rel=1e-6
    )
    assert len(event.x) == int(output.sum()) > 0 and event.x.max() < 200
    loaded = slayer.block.load_hdf5(trained_folder + "/network.net")
    assert torch.equal(loaded(input), net(input))


# -- N-MNIST (lava-dl tutorials/lava/lib/dl/slayer/nmnist/nmnist.py and train.ipynb) ---------------------------


def augment(event):
    """Random shift in [-4, 4) pixels and rotation within ±5 degrees; like lava-dl, y is rotated with the
    already-rotated x. Leaves float x and y."""
    x_shift, y_shift, theta = 4, 4, 10
    xjitter = np.random.randint(2 * x_shift) - x_shift
    yjitter = np.random.randint(2 * y_shift) - y_shift
    angle = (np.random.rand() - 0.5) * theta / 180 * np.pi
    event.x = event.x * np.cos(angle) - event.y * np.sin(angle) + xjitter
    event.y = event.x * np.sin(angle) + event.y * np.cos(angle) + yjitter
    return event


class NMNISTDataset(Dataset):
    """The tutorial's dataset: ``path/{Train,Test}/<label>/*.bin`` read with ``read_2d_spikes``."""

    def __init__(self, path="data", train=True, sampling_time=1, sample_length=300, transform=None):
        super().__init__()
        data_path = path + ("/Train" if train else "/Test")
        assert len(glob.glob(f"{data_path}/")) == 1  # (downloads from Dropbox when missing)
        self.samples = sorted(glob.glob(f"{data_path}/*/*.bin"))
        self.sampling_time = sampling_time
        self.num_time_bins = int(sample_length / sampling_time)
        self.transform = transform

    def __getitem__(self, i):
        filename = self.samples[i]
        label = int(filename.split("/")[-2])
        event = slayer.io.read_2d_spikes(filename)
        if self.transform is not None:
            event = self.transform(event)
        spike = event.fill_tensor(torch.zeros(2, 34, 34, self.num_time_bins), sampling_time=self.sampling_time)
        return spike.reshape(-1, self.num_time_bins), label

    def __len__(self):
        return len(self.samples)


class NMNISTNetwork(TutorialNetwork):
    def __init__(self):
        super().__init__()
        neuron_params = {
            "threshold": 1.25,
            "current_decay": 0.25,
            "voltage_decay": 0.03,
            "tau_grad": 0.03,
            "scale_grad": 3,
            "requires_grad": True,
        }
        neuron_params_drop = {**neuron_params, "dropout": slayer.neuron.Dropout(p=0.05)}
        self.blocks = torch.nn.ModuleList(
            [
                slayer.block.cuba.Dense(neuron_params_drop, 34 * 34 * 2, 512, weight_norm=True, delay=True),
                slayer.block.cuba.Dense(neuron_params_drop, 512, 512, weight_norm=True, delay=True),
                slayer.block.cuba.Dense(neuron_params, 512, 10, weight_norm=True),
            ]
        )

    def forward(self, spike):
        count = []
        for block in self.blocks:
            spike = block(spike)
            count.append(torch.mean(spike).item())
        return spike, torch.FloatTensor(count).reshape((1, -1)).to(spike.device)

    def grad_flow(self, path):
        grad = [b.synapse.grad_norm for b in self.blocks if hasattr(b, "synapse")]
        np.save(path + "gradFlow.npy", np.array(grad))  # plt.semilogy(grad); plt.savefig(path + 'gradFlow.png')
        return grad


def run_nmnist_tutorial(root: Path, transform) -> slayer.utils.LearningStats:
    trained_folder = str(root / "Trained")
    os.makedirs(trained_folder, exist_ok=True)
    device = torch.device("cpu")
    net = NMNISTNetwork().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    training_set = NMNISTDataset(path=str(root / "NMNIST"), train=True, transform=transform)
    testing_set = NMNISTDataset(path=str(root / "NMNIST"), train=False)
    train_loader = DataLoader(dataset=training_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(dataset=testing_set, batch_size=32, shuffle=True)
    error = slayer.loss.SpikeRate(true_rate=0.2, false_rate=0.03, reduction="sum").to(device)
    stats = slayer.utils.LearningStats()
    assistant = slayer.utils.Assistant(
        net, error, optimizer, stats, classifier=slayer.classifier.Rate.predict, count_log=True
    )
    epochs = 3
    for epoch in range(epochs):
        for i, (input, label) in enumerate(train_loader):
            output, count = assistant.train(input, label)
            header = ["Event rate : " + ", ".join([f"{c.item():.4f}" for c in count.flatten()])]
            stats.print(epoch, iter=i, header=header, dataloader=train_loader)
        for i, (input, label) in enumerate(test_loader):
            output, count = assistant.test(input, label)
            header = ["Event rate : " + ", ".join([f"{c.item():.4f}" for c in count.flatten()])]
            stats.print(epoch, iter=i, header=header, dataloader=test_loader)
        if stats.testing.best_accuracy:
            torch.save(net.state_dict(), trained_folder + "/network.pt")
        stats.update()
        stats.save(trained_folder + "/")
        np.save(trained_folder + "/accuracy.npy", np.array(stats.testing.accuracy_log))  # stats.plot(path=...)
        net.grad_flow(trained_folder + "/")
    net.load_state_dict(torch.load(trained_folder + "/network.pt"))
    net.export_hdf5(trained_folder + "/network.net")
    assert output.shape == (len(testing_set), 10, 300) and count.shape == (1, 3)
    return stats


@pytest.fixture
def nmnist_files(tmp_path):
    from slayer.io.testing import make_fake_nmnist

    make_fake_nmnist(tmp_path, train=True, samples_per_digit=2, events_per_sample=400)
    make_fake_nmnist(tmp_path, train=False, samples_per_digit=1, events_per_sample=400, seed=1)
    return tmp_path


def test_nmnist_tutorial(nmnist_files, capsys):
    torch.manual_seed(0)
    stats = run_nmnist_tutorial(nmnist_files, transform=None)
    assert "Event rate : " in capsys.readouterr().out
    losses = stats.training.loss_log
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert all(0 <= a <= 1 for a in stats.testing.accuracy_log)
    assert (nmnist_files / "Trained" / "gradFlow.npy").exists() and (nmnist_files / "Trained" / "network.net").exists()


def test_nmnist_tutorial_with_augmentation(nmnist_files):
    # the rotation leaves float x/y, which Event.fill_tensor rounds to pixels as lava-dl does (issue 16)
    np.random.seed(0)
    torch.manual_seed(0)
    run_nmnist_tutorial(nmnist_files, transform=augment)
