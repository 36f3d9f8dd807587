"""The fused CUBA and ALIF ops against the composition they replace (the oracle): bit-identical spikes,
voltages and next states, and the same gradients for the input, every decay and every initial state, on the
reference and (if built) the C++ cpu backend."""

import zlib

import pytest
import torch

from slayer.core.backends import clear_cache, select_backend
from slayer.core.backends.cpu import CpuBackend
from slayer.core.dynamics import adaptive_threshold, alif, cuba, leaky_integrator
from slayer.core.dynamics._ops import alif_op, cuba_op
from slayer.spike import real_spike

TAU, SCALE = 0.4, 0.7  # surrogate width and height


@pytest.fixture(params=["reference", "cpu"])
def backend(request, monkeypatch):
    if request.param == "cpu" and not CpuBackend().is_available():
        pytest.skip("the C++ cpu backend could not be built here")
    monkeypatch.setenv("SLAYER_BACKEND", request.param)
    clear_cache()
    yield request.param
    clear_cache()


# -- the oracle: the unfused composition -------------------------------------------------------------


def composed_cuba(x, cd, vd, c0, v0, threshold, graded, s_scale=4096):
    current, next_c = leaky_integrator(x, cd, c0, s_scale=s_scale)
    voltage, next_v = leaky_integrator(current, vd, v0, threshold, s_scale=s_scale)
    return real_spike(voltage, threshold, TAU, SCALE, graded), voltage, next_c, next_v


def fused_cuba(x, cd, vd, c0, v0, threshold, graded, s_scale=4096):
    return cuba(x, cd, vd, c0, v0, threshold=threshold, tau_rho=TAU, scale_rho=SCALE, graded=graded, s_scale=s_scale)


def composed_alif(x, cd, vd, rd, td, c0, v0, r0, t0, step, base, graded):
    current, next_c = leaky_integrator(x, cd, c0)
    voltage, next_v = leaky_integrator(current, vd, v0)
    th, r, next_r, next_th = adaptive_threshold(voltage, rd, td, step, base, r0, t0)
    return real_spike(voltage, th + r, TAU, SCALE, graded), voltage, next_c, next_v, next_r, next_th


def fused_alif(x, cd, vd, rd, td, c0, v0, r0, t0, step, base, graded):
    return alif(x, cd, vd, rd, td, c0, v0, r0, t0, th_step=step, th0=base, tau_rho=TAU, scale_rho=SCALE, graded=graded)


# -- helpers --------------------------------------------------------------------------------------------


def ntc(x):
    """The same values stored neuron-contiguous: ``(N, *S, T)`` over ``(N, T, *S)`` storage."""
    stored = x.permute(0, x.dim() - 1, *range(1, x.dim() - 1)).contiguous()
    return stored.permute(0, *range(2, x.dim()), 1)


def decay(gen, shape, dtype, low=0, high=4097):
    return torch.randint(low, high, shape, generator=gen).to(dtype)


def param_shape(kind, spatial):
    return {"shared": (), "one": (1,), "channel": (spatial[0],), "neuron": spatial}[kind]


def assert_identical(expected, actual):
    for e, a in zip(expected, actual, strict=True):
        assert e.shape == a.shape and e.dtype == a.dtype
        assert torch.equal(e.isnan(), a.isnan())
        assert torch.equal(e.nan_to_num(0.0), a.nan_to_num(0.0))


def run_with_grads(fn, leaves, weights, *static):
    """Outputs (detached) and the gradients of ``sum(w * out)`` for every leaf."""
    leaves = [t.detach().clone().requires_grad_() for t in leaves]
    outputs = fn(*leaves, *static)
    loss = sum((w * o).sum() for w, o in zip(weights, outputs) if w is not None)
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    return [o.detach() for o in outputs], grads


def assert_grads_close(expected, actual, dtype):
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-10}
    for e, a in zip(expected, actual, strict=True):
        assert (e is None) == (a is None)
        if e is not None:
            torch.testing.assert_close(a, e, equal_nan=True, **tol)


# -- CUBA ---------------------------------------------------------------------------------------------------


CUBA_CASES = [
    # spatial, layout, dtype, decay granularity, graded
    ((6,), "nct", torch.float64, "shared", False),
    ((6,), "ntc", torch.float32, "channel", False),
    ((70,), "ntc", torch.float64, "neuron", True),
    ((3, 2, 5), "nct", torch.float32, "neuron", False),
    ((3, 2, 5), "ntc", torch.float64, "channel", True),
    ((4,), "nct", torch.float32, "one", True),
]


@pytest.mark.parametrize(("spatial", "layout", "dtype", "granularity", "graded"), CUBA_CASES)
def test_cuba_equals_composition(backend, spatial, layout, dtype, granularity, graded):
    gen = torch.Generator().manual_seed(zlib.crc32(repr((spatial, layout, granularity, graded)).encode()))
    n, t = 3, 17
    x = torch.randn(n, *spatial, t, generator=gen, dtype=dtype) * 0.6
    x = ntc(x) if layout == "ntc" else x
    shape = param_shape(granularity, spatial)
    cd, vd = decay(gen, shape, dtype), decay(gen, shape, dtype, 0, 1500)
    c0 = torch.randn(n, *spatial, generator=gen, dtype=dtype) * 0.3
    v0 = torch.randn(n, *spatial, generator=gen, dtype=dtype) * 0.3
    weights = [torch.randn(n, *spatial, t, generator=gen, dtype=dtype) for _ in range(2)]
    weights += [torch.randn(n, *spatial, generator=gen, dtype=dtype) for _ in range(2)]
    threshold = 0.5 + 0.01 / 4096
    expected, expected_grads = run_with_grads(composed_cuba, [x, cd, vd, c0, v0], weights, threshold, graded)
    actual, actual_grads = run_with_grads(fused_cuba, [x, cd, vd, c0, v0], weights, threshold, graded)
    assert expected[0].sum() > 0  # spikes happen
    assert_identical(expected, actual)
    assert actual[0].stride() == ntc(x).stride()  # neuron-contiguous (plain N C T input is copied once)
    assert_grads_close(expected_grads, actual_grads, dtype)
    assert all(g is not None and g.abs().sum() > 0 for g in actual_grads)


def test_cuba_spike_gradient_only_matches(backend):
    """Only the spikes in the loss (the neuron's use): no voltage or state gradient flows in."""
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(2, 8, 30, generator=gen, dtype=torch.float64)
    cd, vd = torch.tensor(1024.0, dtype=torch.float64), torch.tensor([123.0], dtype=torch.float64)
    w = [torch.randn(2, 8, 30, generator=gen, dtype=torch.float64), None, None, None]
    expected = run_with_grads(composed_cuba, [x, cd, vd], w, None, None, 0.7, False)
    actual = run_with_grads(fused_cuba, [x, cd, vd], w, None, None, 0.7, False)
    assert_identical(expected[0], actual[0])
    assert_grads_close(expected[1], actual[1], torch.float64)


def test_cuba_chunked_equals_long_run(backend):
    gen = torch.Generator().manual_seed(12)
    x = torch.randn(2, 5, 40, generator=gen)
    cd, vd = decay(gen, (5,), torch.float32), decay(gen, (5,), torch.float32, 0, 800)
    spikes, _, next_c, next_v = fused_cuba(x, cd, vd, None, None, 0.5, False)
    c, v, pieces = None, None, []
    for chunk in x.split([13, 1, 26], dim=-1):
        s, _, c, v = fused_cuba(chunk, cd, vd, c, v, 0.5, False)
        pieces.append(s)
    assert torch.equal(torch.cat(pieces, -1), spikes)
    assert torch.equal(c, next_c) and torch.equal(v, next_v)


def test_cuba_short_runs(backend):
    """``T = 0`` returns empty series and the quantised initial states; ``T = 1`` is one step."""
    x0 = torch.zeros(2, 3, 0)
    c0, v0 = torch.full((2, 3), 0.3), torch.full((2, 3), 1e-5)
    spikes, voltage, next_c, next_v = fused_cuba(x0, torch.tensor(10.0), torch.tensor(20.0), c0, v0, 0.5, False)
    assert spikes.shape == voltage.shape == (2, 3, 0)
    assert torch.equal(next_c, torch.trunc(c0 * 4096) / 4096) and torch.equal(next_v, torch.zeros(2, 3))
    x1 = torch.tensor([[[0.25], [1.0]]])
    spikes, voltage, next_c, next_v = fused_cuba(x1, torch.tensor(0.0), torch.tensor(0.0), None, None, 0.5, False)
    # one step: current = x, voltage = current; 1.0 >= 0.5 spikes (and resets), 0.25 does not
    assert spikes.flatten().tolist() == [0.0, 1.0]
    assert voltage.flatten().tolist() == [0.25, 1.0]
    assert next_v.flatten().tolist() == [0.25, 0.0] and next_c.flatten().tolist() == [0.25, 1.0]


def test_cuba_invalid_values_poison_like_the_composition(backend):
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(2, 4, 12, generator=gen)
    x[0, 1, 5] = float("nan")
    x[1, 2, 0] = float("inf")
    c0 = torch.zeros(2, 4)
    c0[1, 3] = float("nan")
    cd, vd = torch.tensor(500.0), torch.tensor(100.0)
    for graded in (False, True):
        expected = composed_cuba(x, cd, vd, c0, None, 0.3, graded)
        actual = fused_cuba(x, cd, vd, c0, None, 0.3, graded)
        assert_identical(expected, actual)
    assert actual[1][0, 1, 5:].isnan().all() and not actual[1][0, 1, :5].isnan().any()
    assert actual[0][0, 1, 5:].isnan().all()  # graded spikes carry the NaN voltage, as the composition


def test_cuba_other_s_scale(backend):
    """A non-default state scale changes the grid; still identical to the composition."""
    gen = torch.Generator().manual_seed(14)
    x = torch.randn(2, 6, 20, generator=gen, dtype=torch.float64)
    cd, vd = decay(gen, (6,), torch.float64), decay(gen, (6,), torch.float64)
    for s_scale in (64, 1000):
        assert_identical(
            composed_cuba(x, cd, vd, None, None, 0.5, False, s_scale),
            fused_cuba(x, cd, vd, None, None, 0.5, False, s_scale),
        )


# -- ALIF -----------------------------------------------------------------------------------------------------


ALIF_CASES = [
    ((6,), "nct", torch.float64, "shared", False),
    ((6,), "ntc", torch.float32, "channel", True),
    ((70,), "ntc", torch.float64, "neuron", False),
    ((3, 2, 5), "nct", torch.float32, "channel", False),
    ((3, 2, 5), "ntc", torch.float64, "neuron", True),
]


@pytest.mark.parametrize(("spatial", "layout", "dtype", "granularity", "graded"), ALIF_CASES)
def test_alif_equals_composition(backend, spatial, layout, dtype, granularity, graded):
    gen = torch.Generator().manual_seed(zlib.crc32(repr((spatial, layout, granularity, graded, "alif")).encode()))
    n, t = 2, 21
    x = torch.randn(n, *spatial, t, generator=gen, dtype=dtype) * 0.5
    x = ntc(x) if layout == "ntc" else x
    shape = param_shape(granularity, spatial)
    decays = [decay(gen, shape, dtype, 0, 1200) for _ in range(4)]
    states = [torch.rand(n, *spatial, generator=gen, dtype=dtype) * 0.3 for _ in range(3)]
    states.append(0.4 + torch.rand(n, *spatial, generator=gen, dtype=dtype) * 0.2)
    weights = [torch.randn(n, *spatial, t, generator=gen, dtype=dtype) for _ in range(2)]
    weights += [torch.randn(n, *spatial, generator=gen, dtype=dtype) for _ in range(4)]
    leaves = [x, *decays, *states]
    expected, expected_grads = run_with_grads(composed_alif, leaves, weights, 0.1, 0.5, graded)
    actual, actual_grads = run_with_grads(fused_alif, leaves, weights, 0.1, 0.5, graded)
    assert expected[0].sum() > 0
    assert_identical(expected, actual)
    assert actual[0].stride() == ntc(x).stride()
    assert_grads_close(expected_grads, actual_grads, dtype)
    # the threshold and refractory decays learn through the spike's θ-gradient
    assert actual_grads[3].abs().sum() > 0 and actual_grads[4].abs().sum() > 0


def test_alif_chunked_equals_long_run_and_default_states(backend):
    gen = torch.Generator().manual_seed(21)
    x = torch.randn(2, 5, 36, generator=gen)
    decays = [decay(gen, (5,), torch.float32, 0, 1000) for _ in range(4)]
    whole = fused_alif(x, *decays, None, None, None, None, 0.2, 0.4, False)
    assert_identical(composed_alif(x, *decays, None, None, None, None, 0.2, 0.4, False), whole)
    states, pieces = [None] * 4, []
    for chunk in x.split([10, 1, 25], dim=-1):
        s, _, *states = fused_alif(chunk, *decays, *states, 0.2, 0.4, False)
        pieces.append(s)
    assert torch.equal(torch.cat(pieces, -1), whole[0])
    assert_identical(whole[2:], states)


def test_alif_invalid_values_and_empty_time(backend):
    gen = torch.Generator().manual_seed(22)
    x = torch.randn(2, 4, 10, generator=gen)
    x[1, 0, 3] = float("nan")
    decays = [torch.tensor(300.0)] * 4
    r0 = torch.zeros(2, 4)
    r0[0, 2] = float("inf")
    assert_identical(
        composed_alif(x, *decays, None, None, r0, None, 0.1, 0.3, False),
        fused_alif(x, *decays, None, None, r0, None, 0.1, 0.3, False),
    )
    empty = fused_alif(torch.zeros(2, 4, 0), *decays, None, None, None, None, 0.1, 0.3, False)
    assert empty[0].shape == (2, 4, 0)
    assert torch.equal(empty[5], torch.full((2, 4), 0.3 * 4096 // 1 / 4096))  # th_state defaults to th0


def saved_series_storages(forward, series_shape):
    """Data pointers of the series-shaped tensors autograd saves during ``forward()``."""
    saved = []

    def pack(tensor):
        if tuple(tensor.shape) == series_shape:
            saved.append(tensor.untyped_storage().data_ptr())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = forward()
    return saved, out


def test_alif_saves_only_its_input_and_recomputes_the_traces(backend):
    gen = torch.Generator().manual_seed(23)
    x = (torch.randn(2, 7, 30, generator=gen) * 0.6).requires_grad_()
    decays = [decay(gen, (7,), torch.float32, 0, 900).requires_grad_() for _ in range(4)]
    stored = ntc(x.detach()).requires_grad_()
    saved, _ = saved_series_storages(
        lambda: fused_alif(stored, *decays, None, None, None, None, 0.1, 0.4, False), x.shape
    )
    assert saved == [stored.untyped_storage().data_ptr()]  # no current, voltage, θ, r or events kept alive
    # plain N C T input: only its neuron-contiguous copy is kept (the backward reads it, no second copy)
    saved, _ = saved_series_storages(lambda: fused_alif(x, *decays, None, None, None, None, 0.1, 0.4, False), x.shape)
    assert len(saved) == 1 and saved != [x.untyped_storage().data_ptr()]
    # the gradients through the recomputed traces equal the composition's (which saves them)
    weights = [torch.randn(2, 7, 30, generator=gen), torch.randn(2, 7, 30, generator=gen)]
    expected, expected_grads = run_with_grads(composed_alif, [x, *decays], weights, None, None, None, None, 0.1, 0.4,
                                              False)  # fmt: skip
    actual, actual_grads = run_with_grads(fused_alif, [x, *decays], weights, None, None, None, None, 0.1, 0.4, False)
    assert expected[0].sum() > 0
    assert_identical(expected, actual)
    assert_grads_close(expected_grads, actual_grads, torch.float32)


def test_cuba_saves_input_voltage_and_events_only(backend):
    gen = torch.Generator().manual_seed(24)
    x = ntc(torch.randn(2, 7, 30, generator=gen) * 0.6).requires_grad_()
    d = torch.full((7,), 500.0, requires_grad=True)
    saved, (_, voltage, _, _) = saved_series_storages(lambda: fused_cuba(x, d, d, None, None, 0.3, False),
                                                           x.shape)  # fmt: skip
    assert len(saved) == 3 and saved[:2] == [x.untyped_storage().data_ptr(), voltage.untyped_storage().data_ptr()]
    # plain N C T input: its neuron-contiguous copy is saved instead (the backward makes no second copy)
    plain = x.detach().contiguous().requires_grad_()
    saved, _ = saved_series_storages(lambda: fused_cuba(plain, d, d, None, None, 0.3, False), x.shape)
    assert len(saved) == 3 and plain.untyped_storage().data_ptr() not in saved


@pytest.mark.parametrize("fused", ["cuba", "alif"])
def test_plain_nct_input_gradient_keeps_the_input_layout(backend, fused):
    """The fused ops copy a plain ``N C T`` input into neuron-contiguous storage; its gradient comes back
    contiguous like the input (no slow layout copy when torch accumulates a leaf's gradient), with the values
    of a neuron-contiguous input's gradient."""
    gen = torch.Generator().manual_seed(25)
    plain = (torch.randn(2, 3, 4, 19, generator=gen) * 0.6).requires_grad_()
    stored = ntc(plain.detach()).requires_grad_()
    d = torch.full((3, 4), 700.0)
    weights = [torch.randn(2, 3, 4, 19, generator=gen) for _ in range(2)]
    grads = []
    for leaf in (plain, stored):
        x = leaf.clone()  # not a leaf: its gradient arrives as the op hands it over (no accumulation copy)
        x.register_hook(grads.append)
        if fused == "cuba":
            spikes, voltage = fused_cuba(x, d, d, None, None, 0.3, False)[:2]
        else:
            spikes, voltage = fused_alif(x, d, d, d, d, None, None, None, None, 0.1, 0.4, False)[:2]
        ((spikes * weights[0]).sum() + (voltage * weights[1]).sum()).backward()
    assert grads[0].is_contiguous() and grads[1].stride() == stored.stride()
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=0)


# -- errors, fake kernels, opcheck ------------------------------------------------------------------------------


def test_bad_arguments_raise():
    x = torch.zeros(2, 3, 4)
    d = torch.tensor(0.0)
    with pytest.raises(TypeError, match="float32 or float64"):
        cuba(x.half(), d, d, threshold=1.0, tau_rho=1.0, scale_rho=1.0)
    with pytest.raises(ValueError, match="tau_rho must be positive"):
        cuba(x, d, d, threshold=1.0, tau_rho=0.0, scale_rho=1.0)
    with pytest.raises(ValueError, match=r"voltage_decay has shape \(5,\)"):
        cuba(x, d, torch.zeros(5), threshold=1.0, tau_rho=1.0, scale_rho=1.0)
    with pytest.raises(ValueError, match="batch size 3"):
        alif(x, d, d, d, d, torch.zeros(3, 3), th_step=0.1, th0=1.0, tau_rho=1.0, scale_rho=1.0)


def test_opcheck_fake_kernels_and_autograd_registration():
    gen = torch.Generator().manual_seed(31)
    x = torch.randn(2, 3, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    d = torch.full((3,), 700.0, dtype=torch.float64, requires_grad=True)
    s = torch.zeros(2, 3, dtype=torch.float64)
    torch.library.opcheck(cuba_op, (x, d, d, s, s, 0.3, TAU, SCALE, False, 4096))
    torch.library.opcheck(alif_op, (x, d, d, d, d, s, s, s, s + 0.3, 0.1, 0.3, TAU, SCALE, True, 4096))


def test_fused_kernels_run_on_the_selected_backend(backend):
    assert select_backend("cuba_backward", "cpu").name == backend
    assert select_backend("alif_forward", "cpu").name == backend
