"""Block families are generated from the registry; every family x type runs forward and backward."""

from __future__ import annotations

import importlib

import pytest
import torch
from catalogue import NEURON_PARAMS, build, combinations

import slayer
from slayer.block import UnsupportedBlockError


def test_every_registered_neuron_has_a_family_with_the_types_it_declares():
    for name in NEURON_PARAMS:
        family = slayer.block.family(name)
        neuron_class = slayer.core.neuron_class(name)
        assert family.neuron_class is neuron_class
        for block in ("Flatten", "Average", "TimeDecimation"):
            assert block in family.block_names
        assert set(neuron_class.block_types) <= set(family.block_names)


def test_lava_dl_family_tables():
    assert slayer.block.family("sigma_delta").block_names == (
        "Average", "Conv", "ConvT", "Dense", "Flatten", "Input", "Output", "Pool", "TimeDecimation", "Unpool",
    )  # fmt: skip
    assert {"KWTA", "Recurrent", "Affine"} <= set(slayer.block.family("cuba").block_names)
    assert "KWTA" not in slayer.block.family("rf").block_names


def test_unsupported_block_type_names_model_type_and_what_is_supported():
    with pytest.raises(UnsupportedBlockError, match=r"'sigma_delta' does not support the block type 'KWTA'.*Dense"):
        slayer.block.sigma_delta.KWTA  # noqa: B018
    with pytest.raises(AttributeError, match="no neuron model 'nope' is registered.*cuba"):
        slayer.block.nope  # noqa: B018


def test_families_import_like_modules():
    module = importlib.import_module("slayer.block.cuba")
    assert module is slayer.block.cuba
    from slayer.block.alif import Dense

    assert Dense.neuron_class is slayer.neuron.alif.Neuron
    assert Dense.__module__ == "slayer.block.alif" and Dense.__qualname__ == "Dense"


@pytest.mark.parametrize(("family", "block"), combinations())
def test_forward_and_backward(family, block):
    module, x = build(family, block)
    x.requires_grad_(True)
    y = module(x)
    assert isinstance(y, torch.Tensor) and y.shape[0] == x.shape[0]
    assert torch.isfinite(y).all()
    (y * torch.linspace(-1, 1, y.shape[-1])).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    for name, parameter in module.named_parameters():
        # sigma-delta's bias is used only after set_bias; a read-out never reaches a threshold
        unused = "bias" in name or (block in ("Affine", "Output") and ("threshold" in name or "refractory" in name))
        if parameter.requires_grad and not unused:
            assert parameter.grad is not None, name
    if module.needs_neuron and block not in ("Affine", "Output", "Input"):
        assert module.shape == tuple(y.shape[1:-1])


def test_block_does_not_modify_the_params_dict():
    params = dict(NEURON_PARAMS["cuba"], norm=slayer.neuron.norm.MeanOnlyBatchNorm)
    copy = dict(params)
    slayer.block.cuba.Pool(params, 2)
    slayer.block.cuba.KWTA(params, 4, 4, num_winners=1)
    assert params == copy


def test_pool_drops_the_norm_and_dense_keeps_it():
    params = dict(NEURON_PARAMS["cuba"], norm=slayer.neuron.norm.MeanOnlyBatchNorm)
    assert slayer.block.cuba.Pool(params, 2).neuron.norm is None
    assert slayer.block.cuba.Dense(params, 3, 2).neuron.norm is not None


def test_default_quantiser_and_explicit_none():
    quantized = slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 4, 3)
    plain = slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 4, 3, pre_hook_fx=None)
    assert quantized.synapse.pre_hook_fx == quantized.neuron.quantize_8bit
    assert plain.synapse.pre_hook_fx is None
    weight = quantized.synapse.effective_weight() * 64
    assert torch.equal(weight, torch.round(weight)) and bool((torch.round(weight) % 2 == 0).all())


def test_sigma_delta_has_no_propagation_delay_by_default_and_cuba_has():
    assert slayer.block.sigma_delta.Dense(NEURON_PARAMS["sigma_delta"], 3, 2).delay_shift is False
    assert slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 3, 2).delay_shift is True


def test_delay_shift_is_one_step_and_the_neuron_output_is_otherwise_unchanged():
    torch.manual_seed(3)
    block = slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 6, 5, weight_scale=4)
    x = (torch.rand(2, 6, 20) < 0.5).float()
    with torch.no_grad():
        direct = block.neuron(block.synapse(x))
        shifted = block(x)
    assert torch.equal(shifted[..., 1:], direct[..., :-1]) and not shifted[..., 0].any()


def test_count_log_returns_the_event_rate():
    block = slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 6, 5, weight_scale=4, count_log=True)
    y, rate = block((torch.rand(2, 6, 10) < 0.5).float())
    assert rate.dim() == 0 and float(rate) == pytest.approx(float((y != 0).float().mean()))
    assert slayer.block.Flatten(count_log=True)(torch.zeros(1, 2, 2, 2, 3))[1] is None


def test_generic_block_type_needs_a_family():
    with pytest.raises(TypeError, match="generic block type"):
        slayer.block.block_types()["Dense"](NEURON_PARAMS["cuba"], 3, 2)


def test_repr_names_family_and_block():
    assert repr(slayer.block.cuba.Dense(NEURON_PARAMS["cuba"], 3, 2)).startswith("cuba.Dense(")
    assert "Dense" in repr(slayer.block.cuba)


def test_time_decimation_averages_windows_and_keeps_the_last_partial_one():
    x = torch.arange(10.0).reshape(1, 1, 10)
    y = slayer.block.TimeDecimation(4)(x)
    assert torch.equal(y, torch.tensor([[[1.5, 5.5, (8 + 9) / 4]]]))
    with pytest.raises(ValueError, match="power of two"):
        slayer.block.TimeDecimation(3)


def test_average_is_the_population_mean():
    x = torch.arange(12.0).reshape(1, 6, 2)
    assert torch.equal(slayer.block.Average(2)(x), x.reshape(1, 2, 3, 2).mean(2))
    with pytest.raises(ValueError, match="divisible by 4"):
        slayer.block.Average(4)(x)
