"""Property-based tests (issue 16): over the neurons' constructor arguments and input shapes, dtypes and
values, every call either raises an error that names the argument, or returns a result with the documented
invariants: the input's shape and dtype, NaN confined to the neurons whose input had one, chunked runs equal to
one long run, and the reference backend equal to the cpu backend bit for bit."""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slayer.neuron import adrf, alif, cuba, rf, rf_iz, sigma_delta

# CI budget: each property runs a few dozen tiny examples (well under 90 s for the whole file on 2 cores)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: numbers an adversarial user passes: valid ones, edges, and every kind of bad float
ANY_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, 1 / 64, 1 / 128, 1e16, float("nan"), float("inf")]),
    st.integers(-3, 5),
)
FRACTION = st.one_of(ANY_NUMBER, st.floats(0, 1), st.tuples(st.floats(0, 1), ANY_NUMBER))

MODELS = {
    "cuba": (cuba.Neuron, ("threshold", "current_decay", "voltage_decay")),
    "alif": (
        alif.Neuron,
        ("threshold", "threshold_step", "current_decay", "voltage_decay", "threshold_decay", "refractory_decay"),
    ),
    "rf": (rf.Neuron, ("threshold", "period", "decay")),
    "adrf": (adrf.Neuron, ("threshold", "threshold_step", "period", "decay", "threshold_decay", "refractory_decay")),
}
VALID = {
    "threshold": 0.5, "threshold_step": 0.1, "current_decay": 0.2, "voltage_decay": 0.1, "threshold_decay": 0.1,
    "refractory_decay": 0.1, "period": 8.0, "decay": 0.1,
}  # fmt: skip


def _named(error: Exception, names: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{name}\b", str(error)) for name in names)


def _call(neuron, x: torch.Tensor) -> torch.Tensor:
    return neuron((x, 0.5 - x)) if neuron.complex else neuron(x)


@FAST
@given(model=st.sampled_from(sorted(MODELS)), bad=st.data(), scale=st.sampled_from([64, 0, -1, 1.5, 1 << 10]))
def test_constructor_arguments_are_valid_or_named(model, bad, scale):
    cls, names = MODELS[model]
    kwargs = {name: VALID[name] for name in names}
    for name in bad.draw(st.sets(st.sampled_from(names), min_size=1, max_size=2)):
        kwargs[name] = bad.draw(FRACTION if "decay" in name else ANY_NUMBER)
    try:
        neuron = cls(**kwargs, scale=scale)
    except (ValueError, TypeError) as error:
        assert _named(error, (*names, "scale")), f"{error!r} names none of the arguments"
        return
    # accepted: every value is in its documented range, and the neuron runs to a finite result
    assert neuron.threshold >= 1 / neuron.w_scale
    for name in names:
        if "decay" in name and name != "decay":
            assert 0 <= float(getattr(neuron, name).min()) <= float(getattr(neuron, name).max()) <= 4096
    assert not _call(neuron, torch.rand(2, 3, 5)).isnan().any()


SHAPES = st.tuples(st.integers(0, 3), st.integers(1, 4), st.integers(0, 9))
DTYPES = st.sampled_from([torch.float32, torch.float64, torch.float16, torch.bfloat16])


def _make(model: str, persistent: bool):
    if model == "sigma_delta":
        return sigma_delta.Neuron(0.1, torch.relu, persistent_state=persistent)
    if model == "rf_iz":
        return rf_iz.Neuron(0.3, 8, 0.1, persistent_state=persistent)
    cls, names = MODELS[model]
    return cls(**{name: VALID[name] for name in names}, persistent_state=persistent)


@FAST
@given(
    model=st.sampled_from([*sorted(MODELS), "rf_iz", "sigma_delta"]),
    shape=SHAPES,
    dtype=DTYPES,
    nan_at=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 8)), max_size=2),
    seed=st.integers(0, 2**16),
)
def test_outputs_keep_shape_and_dtype_and_nan_stays_in_its_neuron(model, shape, dtype, nan_at, seed):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(shape, generator=gen) * 1.5 - 0.25).to(dtype)
    poisoned = torch.zeros(shape[:-1], dtype=torch.bool)
    for n, c, t in nan_at:
        if n < shape[0] and c < shape[1] and t < shape[2]:
            x[n, c, t] = float("nan")
            poisoned[n, c] = True
    neuron = _make(model, persistent=False)
    y = _call(neuron, x)
    assert y.shape == x.shape and y.dtype == x.dtype
    clean = ~poisoned
    assert not y[clean].isnan().any(), "NaN leaked into a neuron whose input had none"
    # docs/semantics.md §3: from its first NaN on, a neuron is poisoned: binary spikes 0, graded outputs NaN
    for n, c in poisoned.nonzero().tolist():
        first = min(t for nn, cc, t in nan_at if (nn, cc) == (n, c))
        after = y[n, c, first:].float()
        assert after.isnan().all() if model == "sigma_delta" else (after == 0).all()


@FAST
@given(
    model=st.sampled_from(["cuba", "alif", "rf", "rf_iz", "adrf"]),
    steps=st.integers(1, 12),
    cuts=st.lists(st.integers(0, 12), max_size=3),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.bfloat16]),
    seed=st.integers(0, 2**16),
)
def test_chunked_runs_equal_one_long_run(model, steps, cuts, dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand((2, 3, steps), generator=gen) * 1.5 - 0.25).to(dtype)
    long, chunked = _make(model, True), _make(model, True)
    bounds = sorted({0, steps, *(min(c, steps) for c in cuts)})
    pieces = [_call(chunked, x[..., a:b]) for a, b in itertools.pairwise(bounds)]
    assert torch.equal(torch.cat(pieces, -1), _call(long, x))


@contextlib.contextmanager
def _backend(name: str):
    previous = os.environ.get("SLAYER_BACKEND")
    os.environ["SLAYER_BACKEND"] = name
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SLAYER_BACKEND"]
        else:
            os.environ["SLAYER_BACKEND"] = previous


def _cpu_available() -> bool:
    from slayer.core.backends.cpu import CpuBackend

    return CpuBackend().is_available()


@pytest.mark.skipif(not _cpu_available(), reason="the cpu backend is not built here")
@FAST
@given(
    model=st.sampled_from(["cuba", "alif", "rf", "adrf"]),
    shape=SHAPES,
    big=st.sampled_from([1.0, 1e6, 1e9]),
    seed=st.integers(0, 2**16),
)
def test_reference_and_cpu_backends_agree_bit_for_bit(model, shape, big, seed):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(shape, generator=gen, dtype=torch.float64) - 0.3) * big
    if x.numel():
        x.view(-1)[int(torch.randint(x.numel(), (1,), generator=gen))] = float("nan")
    results = []
    for backend in ("reference", "cpu"):
        with _backend(backend):
            results.append(_call(_make(model, False), x))
    assert torch.equal(results[0].isnan(), results[1].isnan())
    assert torch.equal(torch.nan_to_num(results[0]), torch.nan_to_num(results[1]))
    assert not math.isnan(float(results[0].nan_to_num().sum()))
