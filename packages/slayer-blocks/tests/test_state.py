"""Recurrent and KWTA follow their equations, train, never leak state between calls, and persistent
blocks run in chunks exactly as in one long run."""

from __future__ import annotations

import pytest
import torch
from catalogue import NEURON_PARAMS

import slayer
from slayer.utils.time import shift

CUBA = dict(NEURON_PARAMS["cuba"], requires_grad=True)


def _input(seed=0, n=3, c=6, t=30):
    torch.manual_seed(seed)
    return (torch.rand(n, c, t) < 0.4).float()


@pytest.mark.parametrize("kind", ["Recurrent", "KWTA"])
def test_recurrence_equation_holds(kind):
    """The spikes s satisfy s = neuron(W x + R shift(s, 1) + b) when the neuron runs over the whole
    sequence at once (an evaluation that is not step by step)."""
    torch.manual_seed(1)
    family = slayer.block.cuba
    block = (
        family.Recurrent(CUBA, 6, 5, weight_scale=6, delay_shift=False)
        if kind == "Recurrent"
        else family.KWTA(CUBA, 6, 5, num_winners=2, weight_scale=6, delay_shift=False)
    )
    x = _input()
    with torch.no_grad():
        spikes = block(x)
        feedback = torch.einsum("oc,nct->not", block._recurrent_weight(), shift(spikes, 1))
        bias = block._recurrent_bias()
        drive = block.input_synapse(x) + feedback + (0 if bias is None else bias[:, None])
        assert torch.equal(block.neuron(drive), spikes)
    assert spikes.sum() > 0 and not torch.equal(spikes, torch.zeros_like(spikes))


def test_recurrent_with_zero_feedback_equals_dense_in_values_and_gradients():
    """With R = 0 the step-by-step recurrence must give the fused whole-sequence neuron's spikes and the
    same gradients for the input, the weights and the learnable decays: the membrane state's gradient flows
    across steps (lava-dl's recurrence detaches it)."""
    torch.manual_seed(2)
    recurrent = slayer.block.cuba.Recurrent(CUBA, 6, 5, weight_scale=6)
    dense = slayer.block.cuba.Dense(CUBA, 6, 5, weight_scale=6)
    with torch.no_grad():
        recurrent.recurrent_synapse.weight.zero_()
        dense.synapse.weight.copy_(recurrent.input_synapse.weight)
    x = _input(seed=3).double().requires_grad_(True)
    recurrent.double(), dense.double()
    ramp = torch.linspace(-1, 1, x.shape[-1], dtype=torch.float64)
    outputs = []
    for block in (recurrent, dense):
        y = block(x)
        (y * ramp).sum().backward()
        outputs.append((y.detach(), x.grad.clone()))
        x.grad = None
    assert torch.equal(outputs[0][0], outputs[1][0])
    torch.testing.assert_close(outputs[0][1], outputs[1][1])
    torch.testing.assert_close(recurrent.input_synapse.weight.grad, dense.synapse.weight.grad)
    for name in ("current_decay", "voltage_decay"):
        torch.testing.assert_close(getattr(recurrent.neuron, name).grad, getattr(dense.neuron, name).grad)
        assert getattr(dense.neuron, name).grad.abs().sum() > 0


@pytest.mark.parametrize("kind", ["Recurrent", "KWTA"])
def test_no_state_leaks_between_calls(kind):
    family = slayer.block.cuba
    block = family.Recurrent(CUBA, 6, 5, weight_scale=6) if kind == "Recurrent" else family.KWTA(CUBA, 6, 5, 2)
    x = _input()
    with torch.no_grad():
        first, second = block(x), block(x)
    assert torch.equal(first, second)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: slayer.block.cuba.Dense(p, 6, 5, weight_scale=6, delay=True),
        lambda p: slayer.block.cuba.Recurrent(p, 6, 5, weight_scale=6, delay=True),
        lambda p: slayer.block.cuba.KWTA(p, 6, 5, num_winners=2, weight_scale=6),
        lambda p: slayer.block.alif.Dense(dict(NEURON_PARAMS["alif"], persistent_state=True), 6, 5, weight_scale=6),
    ],
    ids=["cuba.Dense+delay", "cuba.Recurrent+delay", "cuba.KWTA", "alif.Dense"],
)
def test_chunked_persistent_run_equals_one_long_run(make):
    torch.manual_seed(4)
    block = make(dict(CUBA, persistent_state=True))
    if block.delay is not None:
        with torch.no_grad():
            block(torch.zeros(3, 6, 1))
            block.delay.delay.copy_(torch.arange(5.0) * 3 + 0.5)
        block.reset_state()
    x = _input(seed=5, t=40)
    with torch.no_grad():
        long = block(x)
        block.reset_state()
        chunks = torch.cat([block(chunk) for chunk in x.split([7, 1, 12, 20], dim=-1)], dim=-1)
    assert long.sum() > 0
    assert torch.equal(long, chunks)


def test_persistent_state_continues_until_reset():
    block = slayer.block.cuba.Recurrent(dict(CUBA, persistent_state=True), 6, 5, weight_scale=6)
    x = _input(t=10)
    with torch.no_grad():
        first, second = block(x), block(x)
        block.reset_state()
        again = block(x)
    assert not torch.equal(first, second) and torch.equal(first, again)


def test_kwta_trains_its_self_excitation_and_input_weights():
    torch.manual_seed(6)
    block = slayer.block.cuba.KWTA(CUBA, 6, 5, num_winners=2, weight_scale=8)
    block(_input()).sum().backward()
    assert block.self_excitation.grad is not None and block.input_synapse.weight.grad.abs().sum() > 0


def test_complex_recurrent_runs_and_trains():
    torch.manual_seed(7)
    block = slayer.block.rf.Recurrent(NEURON_PARAMS["rf"], 6, 5, weight_scale=8)
    y = block(_input())
    y.sum().backward()
    assert block.recurrent_synapse.real.weight.grad is not None


def test_fused_cuba_recurrence_equals_the_generic_per_step_loop_with_feedback():
    """CUBA's one-node recurrence against the generic loop (one neuron call per step, state carried with
    its graph), with a non-zero recurrent matrix and a bias: same spikes, same gradients everywhere."""
    torch.manual_seed(8)
    block = slayer.block.cuba.KWTA(CUBA, 6, 5, num_winners=2, weight_scale=6)
    block.double()
    x = _input(seed=9).double().requires_grad_(True)
    ramp = torch.linspace(-1, 1, x.shape[-1], dtype=torch.float64)
    results = []
    for recurrence in (type(block.neuron).recurrence, slayer.core.Neuron.recurrence):
        drive = block.input_synapse(x)
        weight, bias = block._recurrent_weight(), block._recurrent_bias()
        initial = drive.new_zeros(drive.shape[:-1])
        spikes = recurrence(block.neuron, drive, weight, bias, initial)
        leaves = (x, block.input_synapse.weight, block.self_excitation, block.neuron.current_decay)
        grads = torch.autograd.grad((spikes * ramp).sum(), leaves)
        results.append((spikes.detach(), grads))
    assert results[0][0].sum() > 0 and torch.equal(results[0][0], results[1][0])
    for fused, generic in zip(results[0][1], results[1][1]):
        torch.testing.assert_close(fused, generic)
