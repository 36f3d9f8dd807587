"""The seven dynamics ops as timing cases, in either storage order (shared by ``bench_layouts.py`` and
``gpu_check.py``).

``ntc``: neuron-contiguous (``N T C`` storage seen as ``N C T``, as a Dense synapse produces it); ``nct``: plain
contiguous ``N C T`` (raw data, or any tensor a user builds).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Make = Callable[[str], tuple[list[torch.Tensor], list[torch.Tensor]]]
Forward = Callable[[list[torch.Tensor], list[torch.Tensor]], tuple[torch.Tensor, ...]]


def series(shape: tuple[int, int, int], layout: str, seed: int, device: str = "cpu") -> torch.Tensor:
    """Random ``(N, C, T)`` input (scale 0.3) stored ``ntc`` or ``nct``."""
    n, c, t = shape
    gen = torch.Generator(device=device).manual_seed(seed)
    if layout == "ntc":
        return (torch.randn(n, t, c, generator=gen, device=device) * 0.3).transpose(1, 2)
    return torch.randn(n, c, t, generator=gen, device=device) * 0.3


def op_cases(shape: tuple[int, int, int], device: str = "cpu") -> dict[str, tuple[Make, Forward]]:
    """name -> (make inputs for a layout: ``(series, parameters)``, forward returning the outputs to
    differentiate)."""
    from slayer.core import dynamics as D

    c = shape[1]

    def decay(value: float) -> torch.Tensor:
        return torch.full((c,), value, device=device)

    def x(layout: str, seed: int) -> torch.Tensor:
        return series(shape, layout, seed, device)

    return {
        "cuba": (
            lambda lay: ([x(lay, 9)], [decay(1000.0), decay(300.0)]),
            lambda xs, ps: D.cuba(xs[0], *ps, threshold=0.4, tau_rho=0.4, scale_rho=1.0)[:2],
        ),
        "alif": (
            lambda lay: ([x(lay, 10)], [decay(1000.0), decay(300.0), decay(400.0), decay(200.0)]),
            lambda xs, ps: D.alif(xs[0], *ps, th_step=0.2, th0=0.4, tau_rho=0.4, scale_rho=1.0)[:2],
        ),
        "leaky_integrator": (
            lambda lay: ([x(lay, 1)], [decay(300.0)]),
            lambda xs, ps: D.leaky_integrator(xs[0], ps[0], threshold=0.4),
        ),
        "resonator": (
            lambda lay: ([x(lay, 2), x(lay, 3)], [decay(1500.0), decay(3500.0)]),
            lambda xs, ps: D.resonator(xs[0], xs[1], ps[0], ps[1], threshold=0.4),
        ),
        "adaptive_threshold": (
            lambda lay: ([x(lay, 4)], [decay(400.0), decay(200.0)]),
            lambda xs, ps: D.adaptive_threshold(xs[0], ps[0], ps[1], 0.2, 0.5),
        ),
        "adaptive_phase_threshold": (
            lambda lay: ([x(lay, 5), x(lay, 6)], [decay(400.0), decay(200.0)]),
            lambda xs, ps: D.adaptive_phase_threshold(xs[0], xs[1], ps[0], ps[1], 0.2, 0.1),
        ),
        "adaptive_resonator": (
            lambda lay: ([x(lay, 7), x(lay, 8)], [decay(1500.0), decay(3500.0), decay(400.0), decay(200.0)]),
            lambda xs, ps: D.adaptive_resonator(xs[0], xs[1], *ps, 0.2, 0.5),
        ),
    }


def steps(
    make: Make, forward: Forward, layout: str, input_grad: bool = True
) -> tuple[Callable[[], None], Callable[[], None]]:
    """``(forward without grad, forward+backward)`` of one op on fresh inputs in ``layout``; the parameters (and,
    with ``input_grad``, the inputs) are leaves, the output gradients are random and laid out like the outputs.
    Without ``input_grad`` the input is data (a raw ``N C T`` recording has no gradient)."""
    xs, ps = make(layout)

    def fwd() -> None:
        with torch.no_grad():
            forward(xs, ps)

    leaves = [t.requires_grad_() for t in (xs if input_grad else []) + ps]
    grads = [torch.randn_like(o) for o in forward(xs, ps) if o.requires_grad]

    def fwd_bwd() -> None:
        torch.autograd.backward([o for o in forward(xs, ps) if o.requires_grad], grads)
        for leaf in leaves:
            leaf.grad = None

    return fwd, fwd_bwd
