"""Weight norm via torch parametrizations: values, lava-dl checkpoint keys, non-mutating export helpers."""

import torch

from slayer.synapse import Conv, Dense, complex


def lava_g_v(weight):
    g = weight.reshape(weight.shape[0], -1).norm(dim=1).reshape(-1, 1, 1, 1, 1)
    return g, weight


def test_enable_keeps_values_and_uses_parametrization_keys():
    dense = Dense(5, 3)
    before = dense.weight.detach().clone()
    dense.enable_weight_norm()
    assert dense.weight_norm_enabled
    assert torch.allclose(dense.weight, before)
    keys = set(dense.state_dict())
    assert keys == {"parametrizations.weight.original0", "parametrizations.weight.original1"}
    g = dense.parametrizations.weight.original0
    assert g.shape == (3, 1, 1, 1, 1)
    with torch.no_grad():
        g.mul_(2)
    assert torch.allclose(dense.effective_weight(), 2 * before)
    dense.disable_weight_norm()
    assert not dense.weight_norm_enabled and set(dense.state_dict()) == {"weight"}
    assert torch.allclose(dense.weight, 2 * before)


def test_gradient_flows_to_g_and_v_and_grad_norm_uses_g():
    dense = Dense(4, 2, weight_norm=True).double()
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    g, v = dense.parametrizations.weight.original0, dense.parametrizations.weight.original1
    assert torch.autograd.gradcheck(
        lambda g_, v_: torch.func.functional_call(
            dense, {"parametrizations.weight.original0": g_, "parametrizations.weight.original1": v_}, (x,)
        ),
        (g.detach().requires_grad_(), v.detach().requires_grad_()),
    )
    dense(x).sum().backward()
    assert dense.grad_norm == float(g.grad.norm() / g.numel())


def test_lava_checkpoint_keys_load_in_both_states():
    weight = torch.randn(3, 5, 1, 1, 1)
    g, v = lava_g_v(weight)
    lava_state = {"weight_g": g, "weight_v": v}
    normed = Dense(5, 3, weight_norm=True)
    normed.load_state_dict(lava_state)
    assert torch.allclose(normed.effective_weight(), weight, atol=1e-6)
    plain = Dense(5, 3)
    plain.load_state_dict(dict(lava_state))
    assert torch.allclose(plain.weight, weight, atol=1e-6)
    normed2 = Dense(5, 3, weight_norm=True)
    normed2.load_state_dict({"weight": weight})  # plain checkpoint into a weight-normed module
    assert torch.allclose(normed2.effective_weight(), weight, atol=1e-6)


def test_effective_weight_does_not_mutate_the_module():
    conv = Conv(2, 4, 3, weight_norm=True, pre_hook_fx=lambda w: 2 * w, mask=torch.rand(4, 2, 3, 3) > 0.3)
    state = {k: v.clone() for k, v in conv.state_dict().items()}
    w = conv.effective_weight()
    assert conv.weight_norm_enabled
    assert state.keys() == conv.state_dict().keys()
    assert all(torch.equal(state[k], v) for k, v in conv.state_dict().items())
    assert torch.allclose(w, 2 * conv.weight * conv.mask)


def test_complex_weight_norm_and_pre_hook_getter():
    layer = complex.Conv(2, 3, 3, weight_norm=True)
    assert layer.weight_norm_enabled and layer.real.weight_norm_enabled and layer.imag.weight_norm_enabled
    assert layer.pre_hook_fx is None  # lava-dl raises AttributeError here
    hook = torch.round
    layer.pre_hook_fx = hook
    assert layer.pre_hook_fx is hook and layer.imag.pre_hook_fx is hook
    layer.disable_weight_norm()
    assert not layer.weight_norm_enabled
