"""neuron.Dropout (one mask per neuron for the whole window) and the quantisation-ready norms."""

from __future__ import annotations

import pytest
import torch

from slayer.neuron import Dropout, cuba, rf
from slayer.neuron.norm import MeanOnlyBatchNorm, WgtScaleBatchNorm


@pytest.mark.parametrize("shape", [(4, 8, 10), (3, 4, 2, 3, 10)])
def test_dropout_masks_whole_time_window(shape):
    torch.manual_seed(0)
    drop = Dropout(p=0.5)
    out = drop(torch.ones(shape))
    per_neuron = out.reshape(-1, shape[-1])
    assert torch.all((per_neuron == 0).all(dim=1) | (per_neuron == 2.0).all(dim=1))
    assert (per_neuron == 0).any() and (per_neuron == 2).any()
    drop.eval()
    assert torch.equal(drop(torch.ones(shape)), torch.ones(shape))


def test_neuron_applies_dropout_instance():
    torch.manual_seed(0)
    neuron = cuba.Neuron(0.5, 0.1, 0.1, dropout=Dropout(p=0.5))
    out = neuron(torch.ones(2, 16, 8))
    assert ((out == 0).all(dim=-1)).any() and (out == 2).any()


def test_mean_only_batch_norm_training_and_eval():
    norm = MeanOnlyBatchNorm()
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)
    mean = x.transpose(0, 1).reshape(3, -1).mean(1)
    torch.testing.assert_close(norm(x), x - mean.reshape(1, 3, 1))
    torch.testing.assert_close(norm.running_mean, 0.1 * mean)
    norm.eval()
    torch.testing.assert_close(norm(x), x - 0.1 * mean.reshape(1, 3, 1))
    fresh = MeanOnlyBatchNorm()
    fresh.load_state_dict(norm.state_dict())
    assert fresh.num_features == 3 and torch.equal(fresh.running_mean, norm.running_mean)
    with pytest.raises(ValueError, match="expected 3 channels"):
        norm(torch.zeros(1, 4, 2))


def test_wgt_scale_batch_norm_divides_by_power_of_two():
    torch.manual_seed(0)
    norm = WgtScaleBatchNorm()
    x = 5 * torch.randn(4, 2, 3, 3, 6)
    out = norm(x)
    mean = x.transpose(0, 1).reshape(2, -1).mean(1).reshape(1, 2, 1, 1, 1)
    std = 2.0 ** torch.ceil(torch.log2(torch.sqrt(x.var(unbiased=False) + 1e-5))).clamp(-3, 3)
    torch.testing.assert_close(out, (x - mean) / std)
    n = x.numel() / 2
    torch.testing.assert_close(norm.running_var, 0.1 * x.var(unbiased=False).reshape(1) * n / (n + 1))
    assert norm.weight_exp.item() == torch.ceil(torch.log2(torch.sqrt(norm.running_var + 1e-5))).item()


def test_norm_gradient_finite_differences():
    norm = MeanOnlyBatchNorm().double()
    x = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: norm(t), (x,))


def test_neuron_installs_quantize_8bit_in_norm_and_bias():
    neuron = cuba.Neuron(1.0, 0.1, 0.1, norm=MeanOnlyBatchNorm)
    assert neuron.norm.pre_hook_fx == neuron.quantize_8bit
    neuron(torch.full((2, 3, 4), 0.3))
    assert torch.allclose(neuron.norm.bias, -neuron.quantize_8bit(neuron.norm.running_mean, descale=True))
    complex_neuron = rf.Neuron(1.0, 8, 0.1, norm=MeanOnlyBatchNorm)
    assert isinstance(complex_neuron.real_norm, MeanOnlyBatchNorm) and isinstance(
        complex_neuron.imag_norm, MeanOnlyBatchNorm
    )
    assert "norm.running_mean" in neuron.state_dict()
