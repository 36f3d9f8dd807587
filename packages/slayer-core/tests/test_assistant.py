"""slayer.utils.Assistant against a hand-written training step: same weights, loss per sample in the
statistics for summed and averaged losses, accuracy, net losses, counts, epochs, checkpoints, errors."""

from __future__ import annotations

import copy
import sys

import pytest
import torch

from slayer import classifier, loss
from slayer.utils import Assistant, LearningStats


class TinyNet(torch.nn.Module):
    """(N, 6, T) -> (N, 3, T): a linear map per time step and a sigmoid 'rate'."""

    def __init__(self, extras: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(6, 3)
        self.extras = extras

    def forward(self, x):
        out = torch.sigmoid(self.linear(x.transpose(1, 2))).transpose(1, 2)
        result = [out]
        if "net_loss" in self.extras:
            result.append(self.linear.weight.pow(2).sum())
        if "counts" in self.extras:
            result.append([out.mean(), None])
        return tuple(result) if len(result) > 1 else out


def data(n=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 6, 10, generator=generator), torch.randint(0, 3, (n,), generator=generator)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_train_step_equals_a_hand_written_step(reduction):
    torch.manual_seed(0)
    net = TinyNet()
    reference = copy.deepcopy(net)
    error = loss.SpikeRate(0.8, 0.1, reduction=reduction)
    assistant = Assistant(net, error, torch.optim.SGD(net.parameters(), lr=0.5), classifier=classifier.Rate.predict)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.5)
    batches = [data(4, seed) for seed in range(3)]
    expected_sum = 0.0
    expected_correct = 0
    for x, y in batches:
        assistant.train(x, y)
        output = reference(x)
        value = error(output, y)
        expected_sum += value.item() * (1 if reduction == "sum" else 4)
        expected_correct += int((classifier.Rate.predict(output) == y).sum())
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    torch.testing.assert_close(net.state_dict(), reference.state_dict())
    stat = assistant.stats.training
    assert stat.num_samples == 12 and stat.correct_samples == expected_correct
    assert stat.loss == pytest.approx(expected_sum / 12)  # loss per sample (summed) or mean loss (averaged)


def test_summed_loss_statistic_is_per_sample_whatever_the_batch_size():
    net, (x, y) = TinyNet(), data(8)
    error = loss.SpikeRate(0.8, 0.1)
    whole, halves = Assistant(net, error, torch.optim.SGD(net.parameters(), lr=0)), LearningStats()
    whole.test(x, y)
    split = Assistant(net, error, torch.optim.SGD(net.parameters(), lr=0), stats=halves)
    split.test(x[:4], y[:4])
    split.test(x[4:], y[4:])
    assert whole.stats.testing.loss == pytest.approx(halves.testing.loss)
    per_sample = sum(error(net(x[n : n + 1]), y[n : n + 1]).item() for n in range(8)) / 8
    assert whole.stats.testing.loss == pytest.approx(per_sample)


def test_test_and_valid_do_not_train():
    net, (x, y) = TinyNet(), data()
    before = copy.deepcopy(net.state_dict())
    assistant = Assistant(net, loss.SpikeRate(0.8, 0.1), torch.optim.SGD(net.parameters(), lr=1.0))
    assistant.test(x, y)
    assistant.valid(x, y)
    torch.testing.assert_close(net.state_dict(), before)
    assert assistant.stats.testing.num_samples == 8 and assistant.stats.validation.num_samples == 8
    assert assistant.stats.testing.accuracy is None  # no classifier


def test_net_loss_and_counts():
    torch.manual_seed(1)
    net = TinyNet(("net_loss", "counts"))
    reference = copy.deepcopy(net)
    error = loss.SpikeRate(0.8, 0.1)
    assistant = Assistant(net, error, torch.optim.SGD(net.parameters(), lr=0.1), count_log=True, lam=0.5)
    x, y = data()
    output, counts = assistant.train(x, y)
    out, net_loss, _ = reference(x)
    (error(out, y) + 0.5 * net_loss).backward()
    with torch.no_grad():
        for p in reference.parameters():
            p -= 0.1 * p.grad
    torch.testing.assert_close(net.state_dict(), reference.state_dict())
    assert assistant.stats.training.loss == pytest.approx(error(out, y).item() / 8)  # without the net loss
    torch.testing.assert_close(output, out.detach())
    assert counts[1] is None and float(counts[0].detach()) == pytest.approx(out.mean().item())


def test_fit_writes_logs_best_network_and_resumes(tmp_path):
    torch.manual_seed(2)
    net = TinyNet()
    x, y = data(16)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    assistant = Assistant(
        net, loss.SpikeRate(0.8, 0.1), optimizer, classifier=classifier.Rate.predict, scheduler=scheduler
    )
    stats = assistant.fit(loader, epochs=3, test_loader=loader, path=tmp_path, progress=False, plots=False)
    assert len(stats.training.loss_log) == 3 and stats.training.loss_log[-1] < stats.training.loss_log[0]
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5 * 0.5**3)
    rows = (tmp_path / "accuracy.txt").read_text().splitlines()
    assert rows[0].split() == ["#", "Train", "Test"] and len(rows) == 4
    best_epoch = max(range(3), key=lambda e: (stats.testing.accuracy_log[e], -e))
    assert (tmp_path / "network.pt").exists() and best_epoch >= 0
    resumed_net = TinyNet()
    resumed_optimizer = torch.optim.SGD(resumed_net.parameters(), lr=0.5)
    resumed = Assistant(resumed_net, loss.SpikeRate(0.8, 0.1), resumed_optimizer)
    assert resumed.load_checkpoint(tmp_path / "checkpoint.pt") == 3
    torch.testing.assert_close(resumed_net.state_dict(), net.state_dict())
    assert resumed.stats.training.loss_log == stats.training.loss_log
    assert resumed_optimizer.param_groups[0]["lr"] == pytest.approx(optimizer.param_groups[0]["lr"])


def test_best_network_is_the_lowest_training_loss_without_tests(tmp_path):
    torch.manual_seed(3)
    net = TinyNet()
    x, y = data(4)
    loader = [(x, y)]
    assistant = Assistant(net, loss.SpikeRate(0.8, 0.1), torch.optim.SGD(net.parameters(), lr=2.0))
    states = []
    for epoch in range(3):
        assistant.fit(loader, 1, path=tmp_path, progress=False, plots=False, start_epoch=epoch)
        states.append(copy.deepcopy(net.state_dict()))
    best = min(range(3), key=lambda e: assistant.stats.training.loss_log[e])
    torch.testing.assert_close(torch.load(tmp_path / "network.pt"), states[best])


def test_grad_flow_norms_and_plot(tmp_path):
    net, (x, y) = TinyNet(), data()
    assistant = Assistant(net, loss.SpikeRate(0.8, 0.1), torch.optim.SGD(net.parameters(), lr=0.1))
    assistant.train(x, y)
    norms = assistant.grad_flow()
    expected = {name: pytest.approx(float(p.grad.norm())) for name, p in net.named_parameters()}
    assert norms == expected and set(norms) == {"linear.weight", "linear.bias"}
    pytest.importorskip("matplotlib")
    assistant.grad_flow(tmp_path)
    assert (tmp_path / "gradFlow.png").stat().st_size > 1000


def test_optional_tqdm_and_matplotlib_are_named_when_missing(tmp_path, monkeypatch):
    net, (x, y) = TinyNet(), data()
    assistant = Assistant(net, loss.SpikeRate(0.8, 0.1), torch.optim.SGD(net.parameters(), lr=0.1))
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        assistant.run_epoch("train", [(x, y)], progress=True)
    assistant.run_epoch("train", [(x, y)], progress=None)  # without tqdm: silently no bar
    with pytest.raises(ImportError, match="pip install matplotlib"):
        assistant.grad_flow(tmp_path)
    assistant.fit([(x, y)], 1, path=tmp_path, progress=None, plots=None)  # without matplotlib: no curves
    assert (tmp_path / "loss.txt").exists() and not (tmp_path / "loss.png").exists()


def test_bad_usage_is_named():
    net = TinyNet(("net_loss",))
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean'"):
        Assistant(net, loss.SpikeRate(0.8, 0.1, reduction="none"), torch.optim.SGD(net.parameters(), lr=0.1))
    assistant = Assistant(net, loss.SpikeRate(0.8, 0.1), torch.optim.SGD(net.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"must return \(output\), received 2 values"):
        assistant.train(*data())


def test_compiled_network_trains_like_the_plain_one():
    torch.manual_seed(4)
    net = TinyNet()
    reference = copy.deepcopy(net)
    x, y = data()
    error = loss.SpikeRate(0.8, 0.1)
    # the "eager" backend runs Dynamo's tracing without needing a C++ compiler
    compiled = Assistant(net, error, torch.optim.SGD(net.parameters(), lr=0.5), compile={"backend": "eager"})
    plain = Assistant(reference, error, torch.optim.SGD(reference.parameters(), lr=0.5))
    for _ in range(2):
        compiled.train(x, y)
        plain.train(x, y)
    assert compiled.model is not net and hasattr(compiled.model, "_orig_mod")
    torch.testing.assert_close(net.state_dict(), reference.state_dict())
    assert compiled.stats.training.loss == pytest.approx(plain.stats.training.loss)


class ClampedNet(TinyNet):
    """A bounded parameter with a ``clamp()`` method, as slayer neurons have (decays in [0, 4096])."""

    def __init__(self) -> None:
        super().__init__()
        self.gain = torch.nn.Parameter(torch.tensor([0.99]))

    def clamp(self) -> None:
        self.gain.data.clamp_(0, 1)

    def forward(self, x):
        return super().forward(x) * self.gain


def test_bounded_parameters_are_clamped_after_each_step():
    torch.manual_seed(5)
    net = ClampedNet()
    x, y = data()
    y[:] = 0
    # a large step pushes the gain past 1; the next forward would clamp it, but a state dict saved now must be valid
    assistant = Assistant(net, loss.SpikeRate(1.0, 1.0), torch.optim.SGD(net.parameters(), lr=10.0))
    assistant.train(x, y)
    assert float(net.gain.detach()) == 1.0
