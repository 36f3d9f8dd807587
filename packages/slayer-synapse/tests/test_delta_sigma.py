"""Delta encoder and Sigma decoder: golden trace, explicit recursion, gradients, persistent chunks."""

import pytest
import torch

from slayer.axon import Delta
from slayer.dendrite import Sigma

GOLDEN_INPUT = [0, 0.05, 0.25, 0.5, 0.76, 0.86, 0.56, 1.06]
GOLDEN_OUTPUT = [0, 0, 0.25, 0.25, 0.259765625, 0.099853515625, -0.300048828125, 0.499755859375]


def delta_loop(x, theta, scale, cum_error=False):
    """Scalar reference of the recursion for (N, C, T) input and a scalar threshold."""
    out = torch.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            prev = res = err = torch.tensor(0.0, dtype=x.dtype)
            for t in range(x.shape[2]):
                d = (x[n, c, t] - prev) + res
                if cum_error:
                    err = err + d
                    sent = d if abs(err) >= theta else 0 * d
                    err = 0 * err if abs(err) >= theta else err
                else:
                    sent = d if abs(d) >= theta else 0 * d
                res = d - sent
                prev = x[n, c, t]
                out[n, c, t] = torch.floor(sent * scale) / scale
    return out


def test_golden_trace_of_sigma_delta_neuron():
    # sigma_delta.Neuron(threshold=0.1): threshold truncated to 6/64, messages in 1/4096 steps
    delta = Delta(threshold=6 / 64, scale=4096)
    y = delta(torch.tensor(GOLDEN_INPUT).reshape(1, 1, -1))
    assert y.flatten().tolist() == GOLDEN_OUTPUT
    assert Delta(0.1)(torch.zeros(2, 3, 4, 5)).movedim(-1, 1).is_contiguous()  # neuron-contiguous storage


@pytest.mark.parametrize("cum_error", [False, True])
def test_matches_explicit_recursion(cum_error):
    x = torch.cumsum(torch.randn(2, 3, 12) * 0.2, dim=-1)
    delta = Delta(threshold=0.25, scale=64, cum_error=cum_error)
    assert torch.equal(delta(x), delta_loop(x, torch.tensor(0.25), 64, cum_error))


def test_sigma_reconstructs_within_threshold():
    x = torch.cumsum(torch.randn(2, 4, 30) * 0.1, dim=-1)
    recon = Sigma()(Delta(threshold=0.1, scale=4096)(x))
    assert (recon - x).abs().max() < 0.1 + 30 / 4096


def test_sigma_of_delta_has_identity_gradient():
    x = torch.randn(2, 3, 2, 2, 10, requires_grad=True)
    s = Sigma()(Delta(threshold=0.3)(x))
    g = torch.randn_like(s)
    s.backward(g)
    assert torch.allclose(x.grad, g, atol=1e-5)


def test_input_gradient_is_adjoint_of_differencing():
    x = torch.randn(1, 2, 5, requires_grad=True)
    g = torch.tensor([[[1.0, 2, 4, 8, 16], [0, 1, 0, 1, 0]]])
    Delta(threshold=0.5)(x).backward(g)
    assert x.grad.tolist() == [[[-1, -2, -4, -8, 16], [-1, 1, -1, 1, 0]]]


@pytest.mark.parametrize("shared", [True, False])
def test_threshold_gradient_formula(shared):
    x = torch.tensor([[[0.0, 0.3, 0.35, 1.0], [0.0, -0.6, -0.61, 0.0]]], dtype=torch.float64)
    delta = Delta(threshold=0.25, scale=1 << 12, tau_grad=0.5, scale_grad=2, shared_param=shared, requires_grad=True)
    delta.double()
    g = torch.tensor([[[1.0, 2, 3, 4], [5, 6, 7, 8]]], dtype=torch.float64)
    delta(x).backward(g)
    theta = 0.25
    # differences with carried residuals: channel 0: 0, .3, .05, .65 + .05 ; channel 1: 0, -.6, -.01, .61 - .01
    deltas = torch.tensor([[0.0, 0.3, 0.05, 0.7], [0.0, -0.6, -0.01, 0.6]], dtype=torch.float64)
    excess = deltas.abs() - theta
    per = torch.where(excess > 0, -deltas * 2 * torch.exp(-excess.abs() / 0.5) / theta, -torch.sign(deltas)) * g[0]
    expected = per.sum() if shared else per.sum(dim=1)
    assert torch.allclose(delta.threshold.grad.flatten(), expected.flatten())


def test_per_channel_threshold_shape_and_clamp():
    delta = Delta(threshold=0.0001, scale=64, shared_param=False)
    delta(torch.zeros(1, 3, 2, 2, 4))
    assert delta.threshold.shape == (3, 1, 1)
    assert torch.all(delta.threshold == 1 / 64)


@pytest.mark.parametrize("cum_error", [False, True])
def test_persistent_chunks_equal_one_long_run(cum_error):
    x = torch.cumsum(torch.randn(2, 3, 20) * 0.2, dim=-1)
    long_delta = Delta(threshold=0.2, scale=4096, cum_error=cum_error, persistent_state=True)
    long_sigma = Sigma(persistent_state=True)
    long_out = long_sigma(long_delta(x))
    delta = Delta(threshold=0.2, scale=4096, cum_error=cum_error, persistent_state=True)
    sigma = Sigma(persistent_state=True)
    chunks = [sigma(delta(chunk)) for chunk in torch.split(x, [1, 6, 5, 8], dim=-1)]
    assert torch.equal(torch.cat(chunks, dim=-1), long_out)
    delta.reset_state()
    sigma.reset_state()
    assert torch.equal(sigma(delta(x)), long_out)


def test_non_persistent_calls_are_independent_and_sigma_accumulates():
    delta = Delta(threshold=0.1)
    x = torch.ones(1, 1, 3)
    assert torch.equal(delta(x), delta(x))
    sigma = Sigma(persistent_state=True)
    sigma(torch.ones(1, 2, 3))
    assert sigma(torch.ones(1, 2, 2)).tolist() == [[[4, 5], [4, 5]]]
    assert Sigma().device_params == {"type": "SDNN", "sigma_output": True}


def test_shape_errors():
    delta = Delta(threshold=0.1)
    delta(torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"neuron shape \(3,\), received input shape \(1, 4, 4\)"):
        delta(torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match=r"at least 3 dims, received shape \(3, 4\)"):
        Sigma()(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="Delta: threshold must be >= 0, received -1"):
        Delta(threshold=-1)


def test_persistent_sigma_adds_the_carried_sum_after_the_cumsum():
    # lava-dl's order, bit for bit, for any float input: y = cumsum(chunk) + s
    torch.manual_seed(0)
    x = torch.randn(2, 3, 40)
    sigma = Sigma(persistent_state=True)
    carried = torch.zeros(2, 3)
    for chunk in torch.split(x, 10, dim=-1):
        expected = torch.cumsum(chunk, dim=-1) + carried.unsqueeze(-1)
        out = sigma(chunk)
        assert torch.equal(out, expected)
        carried = expected[..., -1]


def test_chunked_sigma_equals_long_run_exactly_when_additions_are_exact():
    torch.manual_seed(1)
    # on the 2**-12 grid with sums far below 2**12: every float32 addition is exact
    on_grid = torch.randint(-4096, 4096, (4, 8, 40)).float() / 4096
    off_grid = torch.randn(4, 8, 40) * 3.3

    def chunked(x):
        sigma = Sigma(persistent_state=True)
        return torch.cat([sigma(chunk) for chunk in torch.split(x, 10, dim=-1)], dim=-1)

    assert torch.equal(chunked(on_grid), torch.cumsum(on_grid, dim=-1))
    difference = (chunked(off_grid) - torch.cumsum(off_grid, dim=-1)).abs()
    assert difference.max() > 0  # off the grid the grouping shows: only rounding, not a wrong sum
    torch.testing.assert_close(chunked(off_grid), torch.cumsum(off_grid, dim=-1), rtol=0, atol=1e-5)


@pytest.mark.parametrize("backend", ["reference", "cpu", "gpu"])
def test_any_backend_choice_encodes(monkeypatch, backend):
    # SLAYER_BACKEND=gpu has no delta kernel (and no CPU device): the reference kernel runs instead of failing
    from slayer.core.backends import clear_cache

    x = torch.cumsum(torch.randn(2, 3, 12) * 0.2, dim=-1)
    expected = delta_loop(x, torch.tensor(0.25), 64)
    monkeypatch.setenv("SLAYER_BACKEND", backend)
    clear_cache()
    try:
        assert torch.equal(Delta(threshold=0.25, scale=64)(x), expected)
    finally:
        monkeypatch.delenv("SLAYER_BACKEND")
        clear_cache()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_input_dtypes_encode_with_a_float32_threshold(dtype):
    x = torch.cumsum(torch.randn(2, 3, 12) * 0.2, dim=-1).to(dtype).requires_grad_()
    delta = Delta(threshold=0.25, scale=64, requires_grad=True)  # float32 parameter
    y = delta(x)
    assert y.dtype == dtype
    assert torch.equal(y, delta_loop(x.detach(), torch.tensor(0.25, dtype=dtype), 64))
    y.sum().backward()
    assert x.grad.dtype == dtype and delta.threshold.grad.dtype == torch.float32


def test_compiles_fullgraph_forward_and_backward():
    # the encoder is a torch.library custom op with a fake kernel: no graph break in a compiled network
    x = torch.cumsum(torch.randn(2, 3, 4, 9) * 0.2, dim=-1).requires_grad_()
    delta = Delta(threshold=0.1, scale=4096, requires_grad=True, shared_param=False)
    eager = delta(x)
    eager.square().sum().backward()
    grads = x.grad.clone(), delta.threshold.grad.clone()
    x.grad = delta.threshold.grad = None
    compiled = torch.compile(delta, fullgraph=True, backend="aot_eager")(x)
    compiled.square().sum().backward()
    assert torch.equal(compiled, eager)
    torch.testing.assert_close(x.grad, grads[0])
    torch.testing.assert_close(delta.threshold.grad, grads[1])


def test_sigma_of_integer_messages_sums_in_int64_as_cumsum_does():
    x = torch.arange(12, dtype=torch.int32).reshape(1, 2, 6)
    out = Sigma()(x)
    assert out.dtype == torch.int64 and torch.equal(out, torch.cumsum(x, dim=-1))
