"""Independent references for the tests.

* Integer forward models written from the spec's equations (spec §3, §5) in numpy int64, one vectorised
  step per time bin: the bit-exact oracle for every neuron's forward.
* float64 "linear surrogate" models in autograd (value-corrected to the exact forward): the oracle of
  the gradients the fixed-point ops define (resets and spike events held fixed, spike surrogate as in
  spec §4), used to check every learnable parameter's gradient.
"""

from __future__ import annotations

import numpy as np
import torch

S_SCALE = 4096


def rtz(p: np.ndarray) -> np.ndarray:
    """``p >> 12`` rounded toward zero."""
    return np.sign(p) * (np.abs(p) >> 12)


def to_int(x: np.ndarray) -> np.ndarray:
    return np.trunc(np.asarray(x, dtype=np.float64) * S_SCALE).astype(np.int64)


def as_neurons(param: torch.Tensor, state_shape: tuple[int, ...]) -> np.ndarray:
    """A decay parameter (1,), (C,) or S as rounded ints broadcast to ``(N, *S)``."""
    p = torch.round(param.detach().double()).numpy().astype(np.int64)
    spatial = state_shape[1:]
    if p.size == 1:
        return np.broadcast_to(p.reshape(()), state_shape)
    if p.shape == spatial:
        return np.broadcast_to(p, state_shape)
    return np.broadcast_to(p.reshape((-1,) + (1,) * (len(spatial) - 1)), state_shape)


def leaky(x: np.ndarray, d: np.ndarray, y0: np.ndarray, th: float | None):
    """Integer leaky integrator; returns (pre-reset outputs int, spikes bool, next state)."""
    y = y0.copy()
    out, spikes = [], []
    for t in range(x.shape[-1]):
        y = rtz(y * (4096 - d)) + x[..., t]
        out.append(y.copy())
        fired = (y > th) if th is not None else np.zeros_like(y, bool)
        spikes.append(fired)
        y = np.where(fired, 0, y)
    return np.stack(out, -1), np.stack(spikes, -1), y


def cuba(x, cd, vd, threshold):
    xi = to_int(x)
    zero = np.zeros(xi.shape[:-1], np.int64)
    u, _, _ = leaky(xi, cd, zero, None)
    v, s, _ = leaky(u, vd, zero, int(threshold * S_SCALE))  # spike when v > θ (integers)
    return u, v, s


def adaptive(trigger, th_decay, ref_decay, step, th0, v_ge):
    """θ/r recursion; ``trigger(t, total)`` says whether bin t spikes given θ[t] + r[t]."""
    shape = th_decay.shape
    th = np.full(shape, th0, np.int64)
    r = np.zeros(shape, np.int64)
    ths, rs, ss = [], [], []
    for t in range(v_ge):
        r = rtz(r * (4096 - ref_decay))
        th = rtz((th - th0) * (4096 - th_decay)) + th0
        fired = trigger(t, th + r)
        ths.append(th.copy())
        rs.append(r.copy())
        ss.append(fired)
        r = np.where(fired, r + 2 * th, r)
        th = np.where(fired, th + step, th)
    return np.stack(ths, -1), np.stack(rs, -1), np.stack(ss, -1)


def alif(x, cd, vd, td, rd, threshold, step):
    xi = to_int(x)
    zero = np.zeros(xi.shape[:-1], np.int64)
    u, _, _ = leaky(xi, cd, zero, None)
    v, _, _ = leaky(u, vd, zero, None)
    th, r, s = adaptive(
        lambda t, tot: v[..., t] >= tot, td, rd, int(step * S_SCALE), int(threshold * S_SCALE), v.shape[-1]
    )
    return v, th, r, s


def resonator(xr, xi, sin, cos, threshold=None, iz_reset=True):
    xr, xi = to_int(xr), to_int(xi)
    re = np.zeros(xr.shape[:-1], np.int64)
    im = np.zeros_like(re)
    res, ims, ss = [], [], []
    th = None if threshold is None else int(threshold * S_SCALE)
    for t in range(xr.shape[-1]):
        re, im = rtz(cos * re) - rtz(sin * im) + xr[..., t], rtz(sin * re) + rtz(cos * im) + xi[..., t]
        res.append(re.copy())
        ims.append(im.copy())
        fired = im >= th if th is not None else np.zeros_like(re, bool)
        ss.append(fired)
        if iz_reset:
            re, im = np.where(fired, 0, re), np.where(fired, th - 1 if th is not None else 0, im)
    return np.stack(res, -1), np.stack(ims, -1), np.stack(ss, -1)


def rf_phase(xr, xi, sin, cos, threshold):
    re, im, _ = resonator(xr, xi, sin, cos)
    prev = np.concatenate([np.zeros_like(im[..., :1]), im[..., :-1]], -1)
    s = (re >= int(threshold * S_SCALE)) & (prev < 0) & (im >= 0)
    return re, im, s


def adrf(xr, xi, sin, cos, td, rd, threshold, step):
    re, im, _ = resonator(xr, xi, sin, cos)
    prev = np.concatenate([np.zeros_like(im[..., :1]), im[..., :-1]], -1)
    th, r, s = adaptive(
        lambda t, tot: (re[..., t] >= tot) & (prev[..., t] < 0) & (im[..., t] >= 0),
        td,
        rd,
        int(step * S_SCALE),
        int(threshold * S_SCALE),
        re.shape[-1],
    )
    return re, im, th, r, s


def adrf_iz(xr, xi, sin, cos, td, rd, threshold, step):
    re, im, _ = resonator(xr, xi, sin, cos)  # no reset of re/im: spikes do not change the resonator
    th, r, s = adaptive(
        lambda t, tot: im[..., t] >= tot, td, rd, int(step * S_SCALE), int(threshold * S_SCALE), re.shape[-1]
    )
    return re, im, th, r, s


# -- float64 linear surrogate models ---------------------------------------------------------------


def corrected(lin: torch.Tensor, exact: torch.Tensor) -> torch.Tensor:
    """``exact``'s value with ``lin``'s gradient."""
    return lin + (exact - lin).detach()


def per_neuron(param: torch.Tensor, spatial: tuple[int, ...]) -> torch.Tensor:
    """A decay parameter rounded to its integer value (straight-through), viewed against ``(N, *S)``."""
    param = corrected(param, torch.round(param))
    if param.numel() == 1:
        return param.reshape(())
    if tuple(param.shape) == spatial:
        return param
    return param.reshape((-1,) + (1,) * (len(spatial) - 1))


def linear_leaky(x, decay, exact, fired=None):
    """``y[t] = (1 - d/4096) y'[t-1] + x[t]`` with values taken from ``exact`` and resets held fixed."""
    k = 1 - per_neuron(decay, tuple(x.shape[1:-1])) / 4096
    prev = torch.zeros_like(x[..., 0])
    out = []
    for t in range(x.shape[-1]):
        y = corrected(k * prev + x[..., t], exact[..., t])
        out.append(y)
        prev = y if fired is None else corrected(y, torch.where(fired[..., t], 0.0, exact[..., t]))
    return torch.stack(out, -1)


def linear_resonator(xr, xi, sin, cos, exact_re, exact_im, fired=None, threshold=None):
    spatial = tuple(xr.shape[1:-1])
    s, c = per_neuron(sin, spatial) / 4096, per_neuron(cos, spatial) / 4096
    re_prev = im_prev = torch.zeros_like(xr[..., 0])
    res, ims = [], []
    for t in range(xr.shape[-1]):
        re = corrected(c * re_prev - s * im_prev + xr[..., t], exact_re[..., t])
        im = corrected(s * re_prev + c * im_prev + xi[..., t], exact_im[..., t])
        res.append(re)
        ims.append(im)
        re_prev, im_prev = re, im
        if fired is not None:
            re_prev = corrected(re, torch.where(fired[..., t], 0.0, exact_re[..., t]))
            im_prev = corrected(im, torch.where(fired[..., t], threshold - 1 / 4096, exact_im[..., t]))
    return torch.stack(res, -1), torch.stack(ims, -1)


def linear_adaptive(th_decay, ref_decay, exact_th, exact_r, fired, th0, step):
    """``φ = θ - θ0``, ``r`` decays with jumps ``r' = r + 2θ``, ``φ' = φ + step`` at fixed spikes."""
    spatial = tuple(exact_th.shape[1:-1])
    kt, kr = 1 - per_neuron(th_decay, spatial) / 4096, 1 - per_neuron(ref_decay, spatial) / 4096
    phi_prev = torch.zeros_like(exact_th[..., 0])
    r_prev = torch.zeros_like(exact_th[..., 0])
    ths, rs = [], []
    for t in range(exact_th.shape[-1]):
        phi = corrected(kt * phi_prev, exact_th[..., t] - th0)
        r = corrected(kr * r_prev, exact_r[..., t])
        ths.append(phi + th0)
        rs.append(r)
        e = fired[..., t].to(phi.dtype)
        phi_prev, r_prev = phi + e * step, r + 2 * e * (phi + th0)
    return torch.stack(ths, -1), torch.stack(rs, -1)


def laplace_step(z: torch.Tensor, tau: float) -> torch.Tensor:
    return 0.5 * (1 + torch.sign(z) * (1 - torch.exp(-torch.abs(z) / tau)))


def laplace_density(z: torch.Tensor, tau: float) -> torch.Tensor:
    return torch.exp(-torch.abs(z) / tau) / (2 * tau)


def real_spike_potential(z: torch.Tensor, tau: float, scale: float) -> torch.Tensor:
    """A function whose derivative in ``z = v - θ`` is the binary spike surrogate."""
    return scale * laplace_step(z, tau)


def phase_spike_potential(re_minus_th: torch.Tensor, im: torch.Tensor, tau: float, scale: float) -> torch.Tensor:
    """Derivatives: ``scale δ_re δ_im`` in ``re`` and ``-(scale/τ) sign(im) δ_im H_re`` in ``im``."""
    return scale * laplace_step(re_minus_th, tau) * laplace_density(im, tau)


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("math", "np", "torch")]
