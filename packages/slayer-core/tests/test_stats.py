"""slayer.utils.LearningStats: accumulators, best tracking, the text log and its round trip, plots."""

from __future__ import annotations

import sys

import pytest
import torch

from slayer.utils import LearningStat, LearningStats


def test_learning_stat_by_hand():
    stat = LearningStat()
    assert stat.loss is None and stat.accuracy is None
    stat.add(loss_sum=6.0, num_samples=4, correct_samples=1)
    stat.add(loss_sum=2.0, num_samples=4, correct_samples=3)
    assert stat.loss == 1.0 and stat.accuracy == 0.5
    stat.update()
    assert stat.best_loss and stat.best_accuracy and stat.min_loss == 1.0 and stat.max_accuracy == 0.5
    stat.reset()
    stat.add(3.0, 2, 0)  # worse loss, accuracy 0 (a classifier ran: 0, not None)
    assert stat.accuracy == 0.0
    stat.update()
    assert not stat.best_loss and not stat.best_accuracy
    assert stat.loss_log == [1.0, 1.5] and stat.accuracy_log == [0.5, 0.0]
    assert stat.min_loss == 1.0 and stat.max_accuracy == 0.5


def test_regression_has_no_accuracy():
    stat = LearningStat()
    stat.add(2.0, 1)
    assert stat.accuracy is None
    stat.update()
    assert stat.accuracy_log == [None] and stat.valid_accuracy_log == []
    assert "accuracy" not in str(stat)


def test_learning_stats_update_print_save_load(tmp_path, capsys):
    stats = LearningStats()
    for epoch, (train, test) in enumerate([(4.0, 5.0), (2.0, 3.0), (3.0, 1.0)]):
        stats.training.add(train, 1, 1)
        stats.testing.add(test * 2, 2, 2 - epoch % 2)
        stats.print(epoch, iter=0)
        stats.update()
    out = capsys.readouterr().out
    assert "Epoch    2" in out and "\x1b[3A" in out  # redraws its three lines in place
    loader = torch.utils.data.DataLoader(list(range(10)), batch_size=4)
    stats.print(3, iter=2, header=["rates 0.1"], dataloader=loader)
    assert "Epoch    3: i =     2 (10/10 samples)" in capsys.readouterr().out
    assert stats.training.loss_log == [4.0, 2.0, 3.0] and stats.testing.min_loss == 1.0
    assert stats.testing.accuracy_log == [1.0, 0.5, 1.0] and not stats.testing.best_accuracy
    stats.save(tmp_path)
    lines = (tmp_path / "loss.txt").read_text().splitlines()
    assert lines[0].split() == ["#", "Train", "Test"]
    assert [list(map(float, line.split())) for line in lines[1:]] == [[4.0, 5.0], [2.0, 3.0], [3.0, 1.0]]
    again = LearningStats()
    again.load(tmp_path)
    assert again.testing.loss_log == [5.0, 3.0, 1.0] and again.testing.max_accuracy == 1.0
    assert again.validation.loss_log == []


def test_plot_names_matplotlib_when_missing(tmp_path, monkeypatch):
    stats = LearningStats()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        stats.plot(path=tmp_path)


def test_plot_writes_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    stats = LearningStats()
    stats.training.add(1.0, 1, 1)
    stats.update()
    stats.plot(path=tmp_path)
    assert (tmp_path / "loss.png").stat().st_size > 1000 and (tmp_path / "accuracy.png").exists()
