"""slayer.classifier against hand-computed rates, confidences and predictions (lava-dl reference §11.6-7)."""

from __future__ import annotations

import pytest
import torch

from slayer import classifier


def test_rate_by_hand():
    spikes = torch.zeros(2, 3, 4)
    spikes[0, 2, :3] = 1  # sample 0: class 2 fires most
    spikes[0, 0, 0] = 1
    spikes[1, 1, :2] = 1  # sample 1: class 1
    torch.testing.assert_close(classifier.Rate.rate(spikes)[0], torch.tensor([0.25, 0.0, 0.75]))
    assert classifier.Rate.predict(spikes).tolist() == [2, 1]
    assert classifier.Rate()(spikes).tolist() == [2, 1]
    torch.testing.assert_close(classifier.Rate.confidence(spikes)[0], torch.tensor([0.25, 0.0, 0.75]) / (1 + 1e-6))
    torch.testing.assert_close(
        classifier.Rate.confidence(spikes, mode="softmax")[0], torch.softmax(torch.tensor([0.25, 0.0, 0.75]), 0)
    )
    torch.testing.assert_close(
        classifier.Rate.confidence(spikes, mode="logsoftmax")[1], torch.log_softmax(torch.tensor([0.0, 0.5, 0.0]), 0)
    )


def test_rate_predicts_over_flattened_neurons():
    spikes = torch.zeros(1, 2, 3, 5)
    spikes[0, 1, 2, :] = 1  # flattened index 1 * 3 + 2
    assert classifier.Rate.predict(spikes).tolist() == [5]


def test_moving_window_by_hand():
    spikes = torch.zeros(1, 2, 6)
    spikes[0, 0, :2] = 1
    spikes[0, 1, 3:] = 1
    window = classifier.MovingWindow(time_window=2)
    expected_rate = torch.tensor([[0.5, 1.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.5, 1.0, 1.0]])
    torch.testing.assert_close(window.rate(spikes)[0], expected_rate)
    assert window.predict(spikes).tolist() == [[0, 0, 0, 1, 1, 1]]
    assert window(spikes).tolist() == [[0, 0, 0, 1, 1, 1]]  # lava-dl's forward returns None
    probability = window.confidence(spikes)
    torch.testing.assert_close(probability[0, :, 1], torch.tensor([1.0, 0.0]) / (1 + 1e-6))
    torch.testing.assert_close(window.confidence(spikes, mode="softmax"), torch.softmax(expected_rate[None], 1))


def test_classifier_errors():
    with pytest.raises(ValueError, match="confidence mode"):
        classifier.Rate.confidence(torch.zeros(1, 2, 3), mode="max")
    with pytest.raises(ValueError, match="time_window"):
        classifier.MovingWindow(0)
    with pytest.raises(ValueError, match=r"expects spikes \(N, \.\.\., T\)"):
        classifier.Rate.predict(torch.zeros(5))
