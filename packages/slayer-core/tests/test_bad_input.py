"""Issue 16: bad input to slayer-core never gives a silent wrong answer (the validation layer
``slayer.core.arguments`` and the core functions that use it)."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from slayer.core import arguments
from slayer.core.dynamics import cuba, leaky_integrator, resonator, validation
from slayer.core.events import EventFormat
from slayer.utils import filter as slayer_filter
from slayer.utils import quantize_8bit
from slayer.utils.time import shift

NAN, INF = float("nan"), float("inf")

# -- the validation layer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (lambda v: arguments.finite("Owner", "arg", v), NAN, r"Owner: arg must be a finite number, received nan"),
        (lambda v: arguments.finite("Owner", "arg", v), "1", r"Owner: arg must be a real number, received str"),
        (lambda v: arguments.finite("Owner", "arg", v), True, r"Owner: arg must be a real number, received bool"),
        (lambda v: arguments.positive("Owner", "arg", v), 0, r"Owner: arg must be a finite positive number"),
        (lambda v: arguments.positive("Owner", "arg", v), INF, r"Owner: arg must be a finite positive number"),
        (lambda v: arguments.positive_int("Owner", "arg", v), 2.5, r"Owner: arg must be a positive integer"),
        (lambda v: arguments.in_range("Owner", "arg", v, 0, 1), NAN, r"Owner: arg must be in \[0, 1\], received nan"),
        (lambda v: arguments.in_range("Owner", "arg", v, 0, None), -1, r"Owner: arg must be >= 0, received -1"),
        (lambda v: arguments.fraction("Owner", "arg", v), (0.1, 1.5), r"every value of arg must be in \[0, 1\]"),
        (lambda v: arguments.fraction("Owner", "arg", v), torch.tensor([0.5, NAN]), r"received nan \(among 2"),
        (lambda v: arguments.fraction("Owner", "arg", v, 4, math.inf, high_open=True), INF, r">= 4 and finite"),
        (lambda v: arguments.int_pair("Owner", "arg", v, 1), 2.5, r"Owner: arg must be an int >= 1 or an \(height"),
        (lambda v: arguments.int_pair("Owner", "arg", v, 1), (3, 3, 1), r"received \(3, 3, 1\)"),
        (lambda v: arguments.string_tuple("Owner", "arg", v), ".foo", r"Owner: arg must be a tuple of strings"),
        (lambda v: arguments.callable_argument("Owner", "arg", v), None, r"Owner: arg must be callable"),
    ],
)
def test_each_check_names_owner_argument_range_and_value(check, value, message):
    with pytest.raises((ValueError, TypeError), match=message):
        check(value)


def test_checks_return_canonical_values():
    assert arguments.finite("o", "a", torch.tensor([2.0])) == 2.0
    assert arguments.positive_int("o", "a", 64.0) == 64 and isinstance(arguments.positive_int("o", "a", 64.0), int)
    assert arguments.int_pair("o", "a", 3) == (3, 3) and arguments.int_pair("o", "a", [2, 5]) == (2, 5)
    assert arguments.string_tuple("o", "a", [".a", ".b"]) == (".a", ".b")
    assert arguments.fraction("o", "a", (0.0, 1.0)) == (0.0, 1.0)


def test_parameter_errors_reports_out_of_range_and_nan_loaded_values():
    ranges = {"decay": (0.0, 4096.0)}
    good = {"p.decay": torch.tensor([0.0, 4096.0])}
    assert arguments.parameter_errors("m", good, "p.", ranges) == []
    [message] = arguments.parameter_errors("m", {"p.decay": torch.tensor([1.0, -5000.0, NAN])}, "p.", ranges)
    assert message == "m: loaded 'decay' has 2 value(s) outside [0, 4096] (e.g. -5000.0)"


# -- item 1: int64 overflow of the fixed-point state -------------------------------------------------


def test_item1_validation_raises_where_the_integer_state_would_wrap():
    """cuba with current_decay 0 on 1e11 per step: the current passes 2**50 / 4096 = 2.7e11 at step 3 and
    (on main) wrapped to about -4e11 at step 7, giving spikes [1 x 6, 0 x 4] silently."""
    x = torch.full((1, 1, 10), 1e11)
    decays = (torch.tensor(0.0), torch.tensor(4096.0))
    with validation(True), pytest.raises(ValueError, match=r"current reached .* >= 2\*\*50 .* overflows int64"):
        cuba(x, *decays, threshold=1.0, tau_rho=1.0, scale_rho=1.0)
    with validation(True), pytest.raises(ValueError, match=r"output reached \d+ value\(s\)"):
        leaky_integrator(x, torch.tensor(0.0))
    with validation(True), pytest.raises(ValueError, match=r"real_state reached"):
        resonator(x, x, torch.tensor(100.0), torch.tensor(100.0), torch.full((1, 1), 3e11), None)
    below = torch.full((1, 1, 10), 2.0**34)  # ten steps (1.7e11) stay below the bound: accepted, exact
    with validation(True):
        output, _ = leaky_integrator(below.double(), torch.tensor(0.0))
    assert torch.equal(output[0, 0], torch.arange(1, 11, dtype=torch.float64) * 2.0**34)


# -- item 7 (and issue 15 item 7): FIR -----------------------------------------------------------------


@pytest.mark.parametrize("sampling_time", [0, -1, NAN, INF])
def test_item7_fir_rejects_a_non_positive_or_non_finite_sampling_time(sampling_time):
    with pytest.raises(ValueError, match=r"FIR: sampling_time must be a finite positive number"):
        slayer_filter.FIR(sampling_time=sampling_time)
    with pytest.raises(ValueError, match=r"FIRBank: sampling_time must be a finite positive number"):
        slayer_filter.FIRBank(2, 4, sampling_time=sampling_time)


def test_fir_on_a_1d_tensor_returns_one_series_of_shape_1_t_as_lava_dl():
    fir = slayer_filter.FIR(fir_response=[1.0, 0.5, 0.25], sampling_time=2)
    x = torch.arange(6, dtype=torch.float32)
    y = fir(x)
    expected = [2 * sum(h * float(x[t - k]) for k, h in enumerate([1.0, 0.5, 0.25]) if t - k >= 0) for t in range(6)]
    assert y.shape == (1, 6)
    assert torch.allclose(y[0], torch.tensor(expected))


# -- item 10: empty batches and empty time axes --------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 3, 7), (2, 3, 0), (0, 3, 4, 4, 0)])
def test_item10_filters_and_shift_return_empty_outputs_of_the_input_shape(shape):
    x = torch.rand(shape, requires_grad=True)
    for y in (
        slayer_filter.conv(x, torch.rand(3)),
        slayer_filter.corr(x, torch.rand(3)),
        slayer_filter.FIR()(x),
        shift(x, 2),
        shift(x, torch.ones(math.prod(shape[1:-1]))),
    ):
        assert y.shape == x.shape
    bank = slayer_filter.FIRBank(2, 3)(x)
    assert bank.shape == (shape[0], 2 * shape[1], *shape[2:])


@pytest.mark.parametrize("shape", [(0, 3, 7), (2, 3, 0)])
def test_item10_dynamics_take_empty_batches_and_time_axes(shape):
    x = torch.rand(shape, requires_grad=True)
    spikes, voltage, next_c, next_v = cuba(x, torch.tensor(100.0), torch.tensor(200.0), threshold=0.5, tau_rho=1.0,
                                           scale_rho=1.0)  # fmt: skip
    assert spikes.shape == voltage.shape == x.shape and next_c.shape == next_v.shape == shape[:-1]
    spikes.sum().backward()
    assert x.grad.shape == x.shape


# -- item 6: NaN shifts ----------------------------------------------------------------------------------


def test_item6_a_nan_per_neuron_shift_poisons_only_that_neuron():
    """On main a NaN shift silently zeroed its neuron (and its gradient)."""
    x = torch.arange(1.0, 11.0).reshape(1, 2, 5).requires_grad_()
    y = shift(x, torch.tensor([1.0, NAN]))
    assert torch.equal(y[0, 0], torch.tensor([0.0, 1, 2, 3, 4]))
    assert y[0, 1].isnan().all()
    time_major = x.detach().transpose(1, 2).contiguous().transpose(1, 2)  # (N, T, C) storage: the other path
    assert torch.equal(shift(time_major, torch.tensor([1.0, NAN])).isnan(), y.isnan())
    with pytest.raises(ValueError, match=r"shift: sampling_time must be a finite positive number, received nan"):
        shift(x, 1, sampling_time=NAN)
    with pytest.raises(ValueError, match=r"shift_val must be finite"):
        shift(x, NAN)


# -- item 16: SLAYER_CPU_ISA ------------------------------------------------------------------------------


def test_item16_an_unknown_cpu_isa_is_rejected_like_an_unknown_backend(monkeypatch):
    from slayer.core.backends import BackendSelectionError
    from slayer.core.backends.cpu import CpuBackend, CpuBuildWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CpuBuildWarning)
        kernels = CpuBackend().kernels()
    if not kernels:
        pytest.skip("the cpu backend is not built here")
    x = torch.rand(1, 2, 4)
    monkeypatch.setenv("SLAYER_CPU_ISA", "basline")
    with pytest.raises(BackendSelectionError, match=r"SLAYER_CPU_ISA='basline' is not one of baseline, avx2, avx512"):
        kernels["leaky_integrator_forward"](x, torch.zeros(2), torch.zeros(1, 2), False, 0, 4096)
    monkeypatch.setenv("SLAYER_CPU_ISA", "baseline")
    kernels["leaky_integrator_forward"](x, torch.zeros(2), torch.zeros(1, 2), False, 0, 4096)


# -- item 17: arguments named ---------------------------------------------------------------------------------


@pytest.mark.parametrize("w_scale", [INF, NAN, 0, -64])
def test_item17_quantize_8bit_names_w_scale(w_scale):
    with pytest.raises(ValueError, match=r"quantize_8bit: w_scale must be a finite positive number"):
        quantize_8bit(torch.rand(3), w_scale=w_scale)


def test_item17_event_format_rejects_a_single_string_of_suffixes():
    """On main ``suffixes='.foo'`` was accepted and then never matched a file name."""
    with pytest.raises(TypeError, match=r"EventFormat 'foo': suffixes must be a tuple of strings"):
        EventFormat("foo", suffixes=".foo")
    assert EventFormat("foo", suffixes=[".foo"]).suffixes == (".foo",)
