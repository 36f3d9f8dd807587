"""Gradients of the five dynamics ops, checked against the linear surrogate model in float64.

Why not plain ``gradcheck`` through the ops: the forward truncates to integers of ``1/s_scale``, so
as a function of its float inputs it is piecewise constant (finite differences give 0 or huge jumps),
and spikes/resets are discontinuous. The ops instead define the gradient of the *linear surrogate*:
the same recursion in real arithmetic, with the spike events of the forward held fixed and every
spike-triggered reset or jump treated as an additive constant (docs/semantics.md). We check that:

1. ``gradcheck`` passes for a function whose *value* is that float64 surrogate (no truncation, events
   fixed) while its *analytic gradient* is the op's backward: finite differences of the surrogate must
   match the op's backward for every input, decay parameter (shared / per channel / per neuron) and
   initial state;
2. the op's backward equals plain autograd through the surrogate, for random upstream gradients.

``s_scale = 2**30`` keeps the op's integer trajectory within ~1e-9 of the surrogate's float trajectory
(states stay far below the int64 limit), so both comparisons are tight.
"""

import pytest
import torch

from slayer.core.dynamics import (
    adaptive_phase_threshold,
    adaptive_resonator,
    adaptive_threshold,
    leaky_integrator,
    resonator,
)

S_SCALE = 2**30
f64 = torch.float64


def leaf(*shape, low=-1.0, high=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=g, dtype=f64) * (high - low) + low).requires_grad_()


def integer_leaf(values):
    return torch.tensor(values, dtype=f64).requires_grad_()


def bcast(param, like_state):
    """Broadcast a shared / per-channel / per-neuron parameter against ``(N, *S)``."""
    spatial = like_state.shape[1:]
    if param.dim() == 0 or param.shape == (1,):
        return param.reshape(())
    if param.shape == spatial:
        return param
    return param.reshape((-1,) + (1,) * (len(spatial) - 1))


def reset_by_constant(value, event, base_value, target=0.0):
    """A reset to ``target`` as an additive constant ``target - base_value`` (the pre-reset value of the
    unperturbed run): the value at the base point is ``target``, and the derivative passes through."""
    return torch.where(event, value - base_value + target, value)


# -- float64 linear surrogates (events given) --------------------------------------------------


def li_surrogate(x, decay, state, events, base):
    k = 1 - bcast(decay, state) / 4096
    y, outs = state, []
    for t in range(x.shape[-1]):
        y = k * y + x[..., t]
        outs.append(y)
        if events is not None:
            y = reset_by_constant(y, events[..., t], base[..., t])
    return torch.stack(outs, -1), y


def resonator_surrogate(re_x, im_x, sin, cos, re0, im0, events, base_re, base_im, reset_im):
    s, c = bcast(sin, re0) / 4096, bcast(cos, re0) / 4096
    re, im, res, ims = re0, im0, [], []
    for t in range(re_x.shape[-1]):
        re, im = c * re - s * im + re_x[..., t], s * re + c * im + im_x[..., t]
        res.append(re)
        ims.append(im)
        if events is not None:
            re = reset_by_constant(re, events[..., t], base_re[..., t])
            im = reset_by_constant(im, events[..., t], base_im[..., t], reset_im)
    return torch.stack(res, -1), torch.stack(ims, -1), re, im


def threshold_surrogate(ref_decay, th_decay, r0, th_start, th_step, th0, events):
    step, base = int(th_step * S_SCALE) / S_SCALE, int(th0 * S_SCALE) / S_SCALE
    b, a = 1 - bcast(ref_decay, r0) / 4096, 1 - bcast(th_decay, r0) / 4096
    r, phi, ths, rs = r0, th_start - base, [], []
    for t in range(events.shape[-1]):
        r, phi = b * r, a * phi
        ths.append(phi + base)
        rs.append(r)
        fired = events[..., t].to(f64)
        r = r + 2 * fired * (phi + base)
        phi = phi + step * fired
    return torch.stack(ths, -1), torch.stack(rs, -1), r, phi + base


# -- the cases: (op on leaves, surrogate on leaves, leaves) -------------------------------------


def li_case(threshold, decay):
    x, state = leaf(2, 3, 2, 5, seed=1), leaf(2, 3, 2, seed=2)

    def op(x, decay, state):
        return leaky_integrator(x, decay, state, threshold, s_scale=S_SCALE)

    events = base = None
    if threshold is not None:
        base = op(x.detach(), decay.detach(), state.detach())[0]
        # y_int >= ceil(θ s_scale) is y >= θ exactly: s_scale is a power of two and y_int < 2**53
        events = base >= threshold
        assert events.any() and not events.all(), "the case should exercise resets"
    return op, lambda x, d, s: li_surrogate(x, d, s, events, base), (x, decay, state)


def resonator_case(threshold):
    re, im = leaf(2, 3, 6, seed=3), leaf(2, 3, 6, seed=4)
    sin, cos = integer_leaf([1200.0, 1900.0, 2600.0]), integer_leaf(3000.0)
    re0, im0 = leaf(2, 3, seed=5), leaf(2, 3, seed=6)

    def op(*args):
        return resonator(*args, threshold=threshold, s_scale=S_SCALE)

    events, out, reset_im = None, (None, None), 0.0
    if threshold is not None:
        out = resonator(*(a.detach() for a in (re, im, sin, cos, re0, im0)), threshold=threshold, s_scale=S_SCALE)
        events = out[1] >= threshold
        reset_im = (int(torch.tensor(threshold * S_SCALE).ceil()) - 1) / S_SCALE
        assert events.any() and not events.all()
    return op, lambda *a: resonator_surrogate(*a, events, out[0], out[1], reset_im), (re, im, sin, cos, re0, im0)


def threshold_events(v, ref_decay, th_decay, r0, th0_state, step, th0):
    out = adaptive_threshold(v, ref_decay, th_decay, step, th0, r0, th0_state, s_scale=S_SCALE)
    return v >= out[0] + out[1]


def adaptive_threshold_case():
    v = leaf(2, 3, 8, low=0.0, high=3.0, seed=7)
    ref_decay, th_decay = integer_leaf([500.0, 900.0, 1300.0]), integer_leaf(300.0)
    r0, th_start = leaf(2, 3, low=0, high=0.5, seed=8), leaf(2, 3, low=0.8, high=1.2, seed=9)
    step, th0 = 0.25, 1.0
    events = threshold_events(*(a.detach() for a in (v, ref_decay, th_decay, r0, th_start)), step, th0)
    assert events.any() and not events.all()

    def op(v, ref_decay, th_decay, r0, th_start):
        return adaptive_threshold(v, ref_decay, th_decay, step, th0, r0, th_start, s_scale=S_SCALE)

    def surrogate(v, ref_decay, th_decay, r0, th_start):
        return threshold_surrogate(ref_decay, th_decay, r0, th_start, step, th0, events)

    return op, surrogate, (v, ref_decay, th_decay, r0, th_start)


def adaptive_phase_threshold_case():
    re, im = leaf(2, 3, 10, low=0.0, high=3.0, seed=10), leaf(2, 3, 10, seed=11)
    ref_decay, th_decay = integer_leaf(700.0), integer_leaf([100.0, 400.0, 800.0])
    r0, th_start = leaf(2, 3, low=0, high=0.5, seed=12), leaf(2, 3, low=0.8, high=1.2, seed=13)
    im0 = leaf(2, 3, seed=14)
    step, th0 = 0.5, 0.5

    def op(re, im, ref_decay, th_decay, im0, r0, th_start):
        return adaptive_phase_threshold(re, im, ref_decay, th_decay, step, th0, im0, r0, th_start, s_scale=S_SCALE)

    th, r, _, _ = op(*(a.detach() for a in (re, im, ref_decay, th_decay, im0, r0, th_start)))
    im_before = torch.cat([im0.detach().unsqueeze(-1), im.detach()[..., :-1]], -1)
    events = (re.detach() >= th + r) & (im_before < 0) & (im.detach() >= 0)
    assert events.any()

    def surrogate(re, im, ref_decay, th_decay, im0, r0, th_start):
        return threshold_surrogate(ref_decay, th_decay, r0, th_start, step, th0, events)

    return op, surrogate, (re, im, ref_decay, th_decay, im0, r0, th_start)


def adaptive_resonator_case():
    re, im = leaf(2, 3, 8, low=-0.5, high=1.5, seed=15), leaf(2, 3, 8, low=-0.5, high=1.5, seed=16)
    sin, cos = integer_leaf(1500.0), integer_leaf([3000.0, 2800.0, 3500.0])
    ref_decay, th_decay = integer_leaf(600.0), integer_leaf(250.0)
    re0, im0 = leaf(2, 3, seed=17), leaf(2, 3, seed=18)
    r0, th_start = leaf(2, 3, low=0, high=0.3, seed=19), leaf(2, 3, low=0.4, high=0.6, seed=20)
    step, th0 = 0.25, 0.5
    leaves = (re, im, sin, cos, ref_decay, th_decay, re0, im0, r0, th_start)

    def op(re, im, sin, cos, ref_decay, th_decay, re0, im0, r0, th_start):
        return adaptive_resonator(
            re, im, sin, cos, ref_decay, th_decay, step, th0, re0, im0, r0, th_start, s_scale=S_SCALE
        )

    out = op(*(a.detach() for a in leaves))
    events = out[1] >= out[2] + out[3]
    assert events.any() and not events.all()

    def surrogate(re, im, sin, cos, ref_decay, th_decay, re0, im0, r0, th_start):
        re_out, im_out, re_next, im_next = resonator_surrogate(re, im, sin, cos, re0, im0, None, None, None, 0.0)
        th, r, r_next, th_next = threshold_surrogate(ref_decay, th_decay, r0, th_start, step, th0, events)
        return re_out, im_out, th, r, re_next, im_next, r_next, th_next

    return op, surrogate, leaves


CASES = {
    "li-shared-no-threshold": lambda: li_case(None, integer_leaf(700.0)),
    "li-per-channel-reset": lambda: li_case(0.6, integer_leaf([100.0, 700.0, 2000.0])),
    "li-per-neuron-reset": lambda: li_case(0.4, integer_leaf([[100.0, 300.0], [700.0, 0.0], [2000.0, 4096.0]])),
    "resonator": lambda: resonator_case(None),
    "resonator-izhikevich-reset": lambda: resonator_case(0.5),
    "adaptive-threshold": adaptive_threshold_case,
    "adaptive-phase-threshold": adaptive_phase_threshold_case,
    "adaptive-resonator": adaptive_resonator_case,
}


def differentiable(leaves, op):
    """Indices of the leaves the op passes gradient to (not the voltage/phase inputs of θ/r ops)."""
    grads = torch.autograd.grad(sum(o.sum() for o in op(*leaves)), leaves, allow_unused=True)
    return [i for i, g in enumerate(grads) if g is not None]


@pytest.mark.parametrize("name", CASES)
def test_backward_matches_finite_differences_of_surrogate(name):
    op, surrogate, leaves = CASES[name]()
    weights = [leaf(*o.shape, seed=30 + i).detach() for i, o in enumerate(op(*leaves))]

    def value_surrogate_gradient_op(*args):
        ops = op(*args)
        sur = surrogate(*args)
        return sum(((s.detach() + o - o.detach()) * w).sum() for o, s, w in zip(ops, sur, weights))

    def surrogate_value(*args):
        return sum((s * w).sum() for s, w in zip(surrogate(*args), weights))

    # the op's backward (analytic side) against finite differences of the surrogate (numeric side)
    assert torch.autograd.gradcheck(value_surrogate_gradient_op, leaves, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert torch.autograd.gradcheck(surrogate_value, leaves, eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", CASES)
def test_backward_equals_autograd_through_surrogate(name):
    op, surrogate, leaves = CASES[name]()
    ops = op(*leaves)
    weights = [leaf(*o.shape, seed=50 + i).detach() for i, o in enumerate(ops)]
    wanted = differentiable(leaves, op)
    assert wanted, "every op has some learnable input"
    got = torch.autograd.grad(sum((o * w).sum() for o, w in zip(ops, weights)), [leaves[i] for i in wanted])
    sur = surrogate(*leaves)
    for value, reference in zip(ops, sur):
        torch.testing.assert_close(value, reference, atol=1e-7, rtol=1e-7)  # the same trajectory
    expected = torch.autograd.grad(
        sum((s * w).sum() for s, w in zip(sur, weights)), [leaves[i] for i in wanted], allow_unused=True
    )
    for i, g, e in zip(wanted, got, expected):
        assert e is not None, f"leaf {i} has a gradient in the op but not in the surrogate"
        torch.testing.assert_close(g, e, atol=1e-7, rtol=1e-6, msg=lambda m, i=i: f"leaf {i}: {m}")


def test_leaf_sets_have_the_documented_gradients():
    """θ/r ops: no gradient to the voltage/phase inputs; everything else (decays, states) has one."""
    op, _, leaves = adaptive_threshold_case()
    assert differentiable(leaves, op) == [1, 2, 3, 4]
    op, _, leaves = adaptive_phase_threshold_case()
    assert differentiable(leaves, op) == [2, 3, 5, 6]
    op, _, leaves = adaptive_resonator_case()
    assert differentiable(leaves, op) == list(range(10))


def test_leaky_integrator_decay_gradient_sign_against_the_integer_op():
    """lava-dl returns +Σ g y (wrong sign, ×4096). Check ours against a finite difference of the real op."""
    x = torch.full((1, 1, 40), 0.5, dtype=f64)
    decay = torch.tensor(1000.0, dtype=f64, requires_grad=True)
    out, _ = leaky_integrator(x, decay)
    (grad,) = torch.autograd.grad(out.sum(), decay)
    with torch.no_grad():
        plus = leaky_integrator(x, decay + 10)[0].sum()
        minus = leaky_integrator(x, decay - 10)[0].sum()
    finite_difference = (plus - minus) / 20
    assert grad < 0
    torch.testing.assert_close(grad, finite_difference, rtol=0.02, atol=0)


def test_resonator_decay_gradient_against_the_integer_op():
    x = torch.zeros(1, 1, 30, dtype=f64)
    x[..., 0] = 1.0
    sin = torch.tensor(1500.0, dtype=f64, requires_grad=True)
    cos = torch.tensor(3500.0, dtype=f64, requires_grad=True)
    re, im, _, _ = resonator(x, torch.zeros_like(x), sin, cos)
    loss = (re * torch.linspace(0, 1, 30, dtype=f64)).sum() + im.sum()
    grads = torch.autograd.grad(loss, (sin, cos))
    for i, g in enumerate(grads):
        with torch.no_grad():
            step = [torch.zeros((), dtype=f64), torch.zeros((), dtype=f64)]
            step[i] = torch.tensor(8.0, dtype=f64)
            plus = resonator(x, torch.zeros_like(x), sin + step[0], cos + step[1])
            minus = resonator(x, torch.zeros_like(x), sin - step[0], cos - step[1])

            def lossof(o):
                return (o[0] * torch.linspace(0, 1, 30, dtype=f64)).sum() + o[1].sum()

            fd = (lossof(plus) - lossof(minus)) / 16
        torch.testing.assert_close(g, fd, rtol=0.05, atol=1e-3)


def test_decay_rounding_is_straight_through():
    x = leaf(1, 2, 4, seed=60).detach()
    d_int = torch.tensor(700.0, dtype=f64, requires_grad=True)
    d_frac = torch.tensor(700.3, dtype=f64, requires_grad=True)
    out_int, _ = leaky_integrator(x, d_int)
    out_frac, _ = leaky_integrator(x, d_frac)
    assert torch.equal(out_int, out_frac)
    g_int = torch.autograd.grad(out_int.sum(), d_int)[0]
    g_frac = torch.autograd.grad(out_frac.sum(), d_frac)[0]
    assert torch.equal(g_int, g_frac)


def test_gradients_follow_input_dtype_float32_and_float16():
    for dtype in (torch.float32, torch.float16):
        x = torch.rand(2, 3, 5).to(dtype).requires_grad_()
        decay = torch.tensor([100.0, 200.0, 300.0], dtype=dtype, requires_grad=True)
        out, nxt = leaky_integrator(x, decay, threshold=0.7)
        (out.sum() + nxt.sum()).backward()
        assert x.grad.dtype == dtype and decay.grad.dtype == dtype and decay.grad.shape == (3,)
