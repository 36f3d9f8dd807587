"""The lava-dl style CUBA snippet learns a toy target: the loss falls clearly."""

from __future__ import annotations

import torch

import slayer


def test_cuba_snippet_trains_a_toy_target():
    torch.manual_seed(0)
    neuron = slayer.neuron.cuba.Neuron(
        threshold=1.25, current_decay=0.25, voltage_decay=0.03, tau_grad=0.03, scale_grad=3, requires_grad=True
    )
    weight = torch.nn.Parameter(0.5 * torch.randn(4, 6))
    optimizer = torch.optim.Adam([weight, *neuron.parameters()], lr=0.02)
    x = (torch.rand(2, 6, 40) < 0.3).float()
    target = torch.zeros(2, 4, 40)
    target[:, :, 10::8] = 1  # a regular spike train per output neuron
    kernel = torch.exp(-torch.arange(10.0) / 3).flip(0).reshape(1, 1, -1)

    def smooth(s: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.conv1d(s.reshape(-1, 1, 40), kernel, padding=9)[..., :40]

    losses = []
    for _ in range(40):
        spikes = neuron(torch.einsum("oi,nit->not", neuron.quantize_8bit(weight), x))
        loss = ((smooth(spikes) - smooth(target)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses
    assert neuron.current_decay.grad is not None and neuron.voltage_decay.grad is not None
