"""The PilotNet sigma-delta network of lava-dl's PilotNet tutorial (spec §16.3), and how sparse it is.

Input ``(N, 3, 33, 100, T)`` frames (absolute values; the ``Input`` block delta-encodes them), output
``(N, 1, T)`` steering angle in radians. ``synaptic_ops`` counts what the network computes against the same
layers run as a conventional ANN (every neuron every frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

import slayer

#: frame size after resizing (height, width), as in lava-dl's tutorial
FRAME_SIZE = (33, 100)


def sdnn_params() -> tuple[dict, dict, dict]:
    """Neuron parameters of the input, conv and dense sigma-delta blocks."""
    base = {
        "threshold": 0.1,  # delta threshold
        "tau_grad": 0.5,
        "scale_grad": 1,
        "requires_grad": True,  # learnable thresholds
        "shared_param": True,
        "activation": F.relu,
    }
    conv = {**base, "norm": slayer.neuron.norm.MeanOnlyBatchNorm}
    dense = {**conv, "dropout": slayer.neuron.Dropout(p=0.2)}
    return base, conv, dense


def event_rate_loss(x: torch.Tensor, max_rate: float = 0.01) -> torch.Tensor:
    """Penalty on a layer's mean absolute message above ``max_rate`` (0-d tensor)."""
    mean_event_rate = torch.mean(torch.abs(x))
    return F.mse_loss(F.relu(mean_event_rate - max_rate), torch.zeros_like(mean_event_rate))


class Network(torch.nn.Module):
    """PilotNet SDNN: Input, four Conv (3->24->36->64->64), Flatten, Dense 2560->100->50->10, Output 10->1."""

    def __init__(self) -> None:
        super().__init__()
        base, conv, dense = sdnn_params()
        sd = slayer.block.sigma_delta
        self.blocks = torch.nn.ModuleList(
            [
                sd.Input(base),
                sd.Conv(conv, 3, 24, 3, padding=0, stride=2, weight_scale=2, weight_norm=True),
                sd.Conv(conv, 24, 36, 3, padding=0, stride=2, weight_scale=2, weight_norm=True),
                sd.Conv(conv, 36, 64, 3, padding=(1, 0), stride=(2, 1), weight_scale=2, weight_norm=True),
                sd.Conv(conv, 64, 64, 3, padding=0, stride=1, weight_scale=2, weight_norm=True),
                sd.Flatten(),
                sd.Dense(dense, 64 * 40, 100, weight_scale=2, weight_norm=True),
                sd.Dense(dense, 100, 50, weight_scale=2, weight_norm=True),
                sd.Dense(dense, 50, 10, weight_scale=2, weight_norm=True),
                sd.Output(dense, 10, 1, weight_scale=2, weight_norm=True),
            ]
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """``(output (N, 1, T), event-rate penalty (0-d), messages of every neuron block)``."""
        event_cost = x.new_zeros(())
        messages = []
        for block in self.blocks:
            x = block(x)
            if getattr(block, "neuron", None) is not None and block is not self.blocks[-1]:
                event_cost = event_cost + event_rate_loss(x)
                messages.append(x)
        return x, event_cost, messages

    def synapse_blocks(self) -> list[torch.nn.Module]:
        """The blocks that have a synapse, in order (their inputs are the messages of the block before)."""
        return [block for block in self.blocks if hasattr(block, "synapse")]


def _ones_ops(synapse: torch.nn.Module, active: torch.Tensor) -> torch.Tensor:
    """Synaptic operations caused by the non-zero inputs ``active`` ``(N, C, [H, W,] T)`` (0/1): each
    active input is multiplied by every weight it meets, i.e. the layer applied with all-ones weights."""
    weight = torch.ones_like(synapse.weight)
    if active.dim() == 3:  # dense: (N, in, T)
        return active.sum() * weight.shape[0]
    kernel = weight[..., 0]  # (out, in/groups, kh, kw)
    frames = active.movedim(-1, 1).flatten(0, 1)  # (N*T, C, H, W)
    geometry = {name: tuple(getattr(synapse, name))[:2] for name in ("stride", "padding", "dilation")}
    return F.conv2d(frames, kernel, groups=synapse.groups, **geometry).sum()


@dataclass
class Sparsity:
    """Per-layer counts over frames 1..T-1 (frame 0 of a clip is a full frame in both networks)."""

    layer_event_rates: list[float]  # fraction of non-zero messages per neuron block
    events: float  # messages sent by the SDNN
    ann_activations: float  # neuron outputs of the same network run as an ANN
    synops: float  # synaptic operations of the SDNN
    ann_macs: float  # multiply-accumulates of the ANN

    @property
    def event_sparsity(self) -> float:
        return self.ann_activations / max(self.events, 1.0)

    @property
    def synop_sparsity(self) -> float:
        return self.ann_macs / max(self.synops, 1.0)


@torch.no_grad()
def measure_sparsity(net: Network, frames: torch.Tensor) -> Sparsity:
    """Run ``frames`` ``(N, 3, H, W, T)`` and count events and synaptic operations against the ANN."""
    _, _, messages = net(frames)
    rates, events, activations, synops, macs = [], 0.0, 0.0, 0.0, 0.0
    for message in messages:
        later = message[..., 1:]
        rates.append(float((later != 0).float().mean()))
        events += float((later != 0).sum())
        activations += float(later.numel())
    # synapse i is fed by the messages of neuron block i (the Flatten in between only reshapes)
    for synapse_block, message in zip(net.synapse_blocks(), messages, strict=True):
        active = (message[..., 1:] != 0).float()
        if isinstance(synapse_block.synapse, slayer.synapse.Dense) and active.dim() == 5:  # after the Flatten
            active = active.flatten(1, 3)
        synops += float(_ones_ops(synapse_block.synapse, active))
        macs += float(_ones_ops(synapse_block.synapse, torch.ones_like(active)))
    return Sparsity(rates, events, activations, synops, macs)
