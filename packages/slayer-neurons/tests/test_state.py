"""Persistent state: chunked runs equal one long run, reset_state, batch-size change, state_dict."""

from __future__ import annotations

import pytest
import torch
from models import MODELS, REAL, inputs, make, run


def chunks(model, x, sizes):
    if model in REAL:
        return list(torch.split(x, sizes, dim=-1))
    return list(zip(torch.split(x[0], sizes, dim=-1), torch.split(x[1], sizes, dim=-1)))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("granularity", ["layer", "neuron"])
def test_chunked_run_equals_one_long_run(model, granularity):
    torch.manual_seed(0)
    long_neuron = make(model, granularity, persistent_state=True)
    x = inputs(model, (2, 3, 2, 2), 30)
    whole = long_neuron(x)
    chunked_neuron = make(model, granularity, persistent_state=True)
    chunked_neuron.load_state_dict(long_neuron.state_dict())
    parts = [chunked_neuron(c) for c in chunks(model, x, [1, 7, 1, 10, 11])]
    assert whole.sum() > 0
    assert torch.equal(torch.cat(parts, dim=-1), whole)
    # every stored state is the long run's final state
    for name in long_neuron.state_names:
        assert torch.equal(getattr(chunked_neuron, name), getattr(long_neuron, name)), name


@pytest.mark.parametrize("model", MODELS)
def test_reset_state_restarts_and_non_persistent_never_stores(model):
    neuron = make(model, persistent_state=True)
    x = inputs(model, (2, 3), 12)
    first = neuron(x)
    assert not torch.equal(neuron(x), first) or model in ("rf",)  # the state carried over (rf may match)
    neuron.reset_state()
    for name in neuron.state_names:
        assert getattr(neuron, name).shape == (1,)
    assert torch.equal(neuron(x), first)
    plain = make(model)
    assert torch.equal(plain(x), first) and torch.equal(plain(x), first)
    assert all(getattr(plain, name).shape == (1,) for name in plain.state_names)


def test_threshold_state_resets_to_threshold():
    neuron = make("alif", persistent_state=True)
    neuron(inputs("alif", (1, 2), 8))
    neuron.reset_state()
    assert neuron.threshold_state.item() == neuron.threshold
    assert neuron.refractory_state.item() == 0


@pytest.mark.parametrize("model", ["cuba", "adrf"])
def test_batch_size_change_starts_from_the_initial_state(model):
    neuron = make(model, persistent_state=True)
    neuron(inputs(model, (4, 3), 10))
    x = inputs(model, (2, 3), 10, seed=5)
    after_change = neuron(x)
    fresh = make(model)
    fresh.load_state_dict(neuron.state_dict())
    assert torch.equal(after_change, fresh(x))
    assert next(iter(getattr(neuron, n) for n in neuron.state_names)).shape[0] == 2


def test_states_are_not_in_state_dict_by_default_and_saved_on_request():
    default = make("cuba", persistent_state=True)
    assert set(default.state_dict()) == {"current_decay", "voltage_decay"}
    saving = make("alif", persistent_state=True, save_state=True)
    x = inputs("alif", (2, 3), 10)
    saving(x)
    saved = saving.state_dict()
    assert {"current_state", "voltage_state", "threshold_state", "refractory_state"} <= set(saved)
    restored = make("alif", persistent_state=True, save_state=True)
    restored.load_state_dict(saved)
    assert torch.equal(restored(x), saving(x))


def test_persistent_state_is_detached():
    neuron = make("cuba", persistent_state=True, requires_grad=True)
    x = inputs("cuba", (1, 3), 10).requires_grad_()
    neuron(x).sum().backward()
    assert not neuron.voltage_state.requires_grad and not neuron.current_state.requires_grad
    spikes, _ = run(neuron, x)
    spikes.sum().backward()  # a second graph does not reach into the first


@pytest.mark.parametrize("model", ["alif", "adrf"])
def test_threshold_set_after_construction_is_the_initial_threshold_state(model):
    """``neuron.threshold = θ`` moves θ0 *and* the initial threshold state (a non-persistent neuron starts every
    call from θ0): the neuron behaves like one constructed with θ."""
    from slayer.neuron import adrf, alif

    x = inputs(model, (2, 3), 16)
    if model == "alif":
        changed, built = make(model), alif.Neuron(1.25, 0.5, (0.1, 0.4), (0.05, 0.3), (0.05, 0.2), (0.1, 0.3))
        changed.threshold = 1.25
    else:
        changed = make(model)
        built = adrf.Neuron(0.375, 0.125, (6.0, 12.0), (0.02, 0.1), (0.05, 0.2), (0.1, 0.3))
        changed.threshold = 0.375
    assert changed.threshold_state.item() == changed.threshold
    for a, b in zip(changed.dynamics(x), built.dynamics(x), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(changed(x), built(x))
    persistent = make(model, persistent_state=True)
    persistent(x)
    stored = persistent.threshold_state.clone()
    persistent.threshold = 1.5  # a stored state is the stream's own: it is kept
    assert torch.equal(persistent.threshold_state, stored)


@pytest.mark.parametrize("strict", [False, True])
def test_saved_states_do_not_leak_into_a_model_that_does_not_save_them(strict):
    """Loading a ``save_state=True`` checkpoint into a ``save_state=False`` model leaves its states untouched
    (they are not part of its state_dict): strict loading reports the unexpected keys, non-strict ignores them;
    neither leaves uninitialised memory as the next call's initial state."""
    saving = make("alif", persistent_state=True, save_state=True)
    x = inputs("alif", (2, 3), 10)
    saving(x)
    plain = make("alif", persistent_state=True)
    if strict:
        with pytest.raises(RuntimeError, match="Unexpected key"):
            plain.load_state_dict(saving.state_dict())
    else:
        plain.load_state_dict(saving.state_dict(), strict=False)
    for name in plain.state_names:
        assert getattr(plain, name).shape == (1,), name
    assert plain.threshold_state.item() == plain.threshold and plain.current_state.item() == 0
    assert torch.equal(plain(x), make("alif")(x))
