"""Connection masks: exact zeros in the effective weight, zero gradients, exact through optimiser steps."""

import pytest
import torch

from slayer.synapse import Conv, ConvTranspose, Dense, Pool, Unpool, complex
from slayer.utils.quantization import quantize_8bit


def random_mask(shape, p=0.5):
    return torch.rand(shape) < p


@pytest.mark.parametrize("weight_norm", [False, True])
@pytest.mark.parametrize("hook", [None, quantize_8bit])
@pytest.mark.parametrize(
    "optimizer",
    [
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    ],
)
def test_masked_weights_stay_exactly_zero_through_training(weight_norm, hook, optimizer):
    mask = random_mask((4, 6))
    dense = Dense(6, 4, weight_scale=3, weight_norm=weight_norm, pre_hook_fx=hook, mask=mask)
    opt = optimizer(dense.parameters())
    for _ in range(5):
        opt.zero_grad()
        y = dense(torch.randn(3, 6, 5))
        (y**2).sum().backward()
        assert torch.all(dense.raw_weight().grad.flatten()[~mask.flatten()] == 0)
        opt.step()
        effective = dense.effective_weight().reshape(4, 6)
        assert torch.all(effective[~mask] == 0)
        assert torch.all(dense.raw_weight().reshape(4, 6)[~mask] == 0)
    assert torch.any(dense.effective_weight().reshape(4, 6)[mask] != 0)


def test_masked_inputs_do_not_reach_outputs():
    mask = torch.tensor([[1, 0], [0, 1]])
    dense = Dense(2, 2, mask=mask)
    y = dense(torch.tensor([[[0.0], [1.0]]]))  # only input 1 active
    assert y[0, 0, 0] == 0 and y[0, 1, 0] != 0


def test_fully_masked_row_with_weight_norm_gives_zeros_not_nan():
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[1] = False
    dense = Dense(4, 3, weight_norm=True, mask=mask)
    y = dense(torch.randn(2, 4, 3))
    y.sum().backward()
    assert torch.all(y[:, 1] == 0) and torch.isfinite(y).all()
    assert all(torch.isfinite(p.grad).all() for p in dense.parameters())


@pytest.mark.parametrize(
    "synapse, mask_shape, x_shape",
    [
        (lambda m: Conv(2, 3, 3, padding=1, mask=m), (3, 2, 3, 3), (1, 2, 4, 4, 2)),
        (lambda m: ConvTranspose(2, 3, 2, stride=2, mask=m), (2, 3, 2, 2), (1, 2, 3, 3, 2)),
        (lambda m: Pool(2, mask=m), (2, 2), (1, 2, 4, 4, 2)),
        (lambda m: Unpool(2, mask=m), (2, 2), (1, 2, 2, 2, 2)),
        (lambda m: Dense((3, 2, 2), 4, mask=m), (4, 2, 2, 3), (1, 2, 2, 3, 2)),
    ],
)
def test_every_synapse_type_takes_a_mask(synapse, mask_shape, x_shape):
    mask = random_mask(mask_shape)
    module = synapse(mask)
    assert torch.all(module.effective_weight().reshape(mask_shape)[~mask] == 0)
    assert module.mask.shape == module.shape and "mask" in module.state_dict()
    x = torch.randn(x_shape)
    # the same module without mask but with masked weights gives the same output
    unmasked = synapse(None)
    with torch.no_grad():
        unmasked.weight.copy_(module.weight)
    assert torch.equal(module(x), unmasked(x))


def test_complex_synapse_mask_applies_to_both_parts():
    mask = random_mask((3, 4))
    layer = complex.Dense(4, 3, mask=mask)
    re, im = layer.effective_weight()
    assert torch.all(re.reshape(3, 4)[~mask] == 0) and torch.all(im.reshape(3, 4)[~mask] == 0)


def test_mask_errors_and_state_dict_round_trip():
    with pytest.raises(ValueError, match=r"weight's shape \(4, 3, 1, 1, 1\).*received \(3, 4\)"):
        Dense(3, 4, mask=torch.ones(3, 4))
    with pytest.raises(ValueError, match="only 0 and 1"):
        Dense(3, 4, mask=torch.full((4, 3), 2.0))
    mask = random_mask((4, 3))
    source = Dense(3, 4, mask=mask.float())
    target = Dense(3, 4)
    target.load_state_dict(source.state_dict())
    assert torch.equal(target.mask.reshape(4, 3), mask)
    assert torch.equal(target.effective_weight(), source.effective_weight())
    target.set_mask(None)
    assert target.mask is None and "mask" not in target.state_dict()
