"""Quantisers: lava-dl golden values (spec §19), rounding modes, straight-through gradients."""

import pytest
import torch

import slayer.utils
from slayer.utils import QUANTIZE_MODE, quantize, quantize_8bit, quantize_hook_fx
from slayer.utils.quantization import MODE

GOLDEN_IN = [-5.0, -0.013, 0.016, 3.97, 5.0]


def test_lava_names_are_the_functions():
    assert callable(slayer.utils.quantize) and slayer.utils.quantize is quantize
    assert QUANTIZE_MODE is MODE and MODE.ROUND == 0 and MODE.FLOOR == 1


def test_quantize_8bit_golden_row():
    out = quantize_8bit(torch.tensor(GOLDEN_IN))
    torch.testing.assert_close(out, torch.tensor([-4.0, -0.0, 0.03125, 3.96875, 3.96875]), rtol=0, atol=0)
    assert torch.signbit(out[1])  # lava prints -0: rounding -0.416 keeps the sign


def test_quantize_8bit_golden_row_descaled():
    out = quantize_8bit(torch.tensor(GOLDEN_IN), descale=True)
    torch.testing.assert_close(out, torch.tensor([-256.0, -0.0, 2.0, 254.0, 254.0]), rtol=0, atol=0)


def test_quantize_8bit_other_scale():
    # w_scale=16: step 1/8, range [-16, 15.875]
    out = quantize_8bit(torch.tensor([0.06, 0.07, -20.0, 20.0], dtype=torch.float64), w_scale=16)
    torch.testing.assert_close(out, torch.tensor([0.0, 0.125, -16.0, 15.875], dtype=torch.float64), rtol=0, atol=0)


def test_quantize_8bit_gradient_straight_through_inside_zero_outside():
    w = torch.tensor([-5.0, -4.0, -0.013, 0.016, 3.96875, 3.97, 5.0], requires_grad=True)
    quantize_8bit(w).backward(torch.arange(1.0, 8.0))
    # inside [-4, 3.96875] (inclusive) the gradient is the incoming one, outside it is zero
    torch.testing.assert_close(w.grad, torch.tensor([0.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0]))


def test_quantize_8bit_descale_gradient_scaled():
    w = torch.tensor([0.5], requires_grad=True)
    quantize_8bit(w, w_scale=64, descale=True).sum().backward()
    assert w.grad.item() == 64.0


def test_quantize_round_and_floor():
    x = torch.tensor([-1.3, -0.5, 0.5, 1.5, 2.7, 0.74])
    torch.testing.assert_close(quantize(x), torch.tensor([-1.0, -0.0, 0.0, 2.0, 3.0, 1.0]))  # ties to even
    torch.testing.assert_close(quantize(x, mode=MODE.FLOOR), torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0, 0.0]))
    torch.testing.assert_close(quantize(x, step=0.25), torch.tensor([-1.25, -0.5, 0.5, 1.5, 2.75, 0.75]))
    torch.testing.assert_close(quantize(x, 0.5, QUANTIZE_MODE.FLOOR), torch.tensor([-1.5, -0.5, 0.5, 1.5, 2.5, 0.5]))


def test_quantize_keeps_dtype():
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        assert quantize(torch.ones(3, dtype=dtype), step=0.5).dtype == dtype


def test_quantize_straight_through_gradient():
    x = torch.tensor([-1.3, 0.2, 2.7], dtype=torch.float64, requires_grad=True)
    (quantize(x, step=0.5, mode=MODE.FLOOR) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))


def test_quantize_hook_fx_range_is_twice_quantize_8bit():
    x = torch.tensor([-9.0, -7.99, 5.0, 7.97, 9.0, 0.016])
    torch.testing.assert_close(
        quantize_hook_fx(x), torch.tensor([-8.0, -8.0, 5.0, 7.96875, 7.96875, 0.03125]), rtol=0, atol=0
    )
    torch.testing.assert_close(
        quantize_hook_fx(x, descale=True), torch.tensor([-512.0, -512.0, 320.0, 510.0, 510.0, 2.0]), rtol=0, atol=0
    )
    # 4 bits, scale 8: step 1/4, range [-32, 30] / 8 = [-4, 3.75]
    torch.testing.assert_close(
        quantize_hook_fx(x, scale=8, num_bits=4), torch.tensor([-4.0, -4.0, 3.75, 3.75, 3.75, 0.0])
    )


def test_quantize_hook_fx_gradient():
    x = torch.tensor([-9.0, 1.0, 9.0], requires_grad=True)
    quantize_hook_fx(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([0.0, 1.0, 0.0]))


@pytest.mark.parametrize("fn", [quantize, quantize_8bit, quantize_hook_fx])
def test_integer_input_rejected(fn):
    with pytest.raises(TypeError, match=r"floating-point.*torch.int64"):
        fn(torch.tensor([1, 2]))


def test_bad_arguments_rejected():
    with pytest.raises(ValueError, match="quantize: step must be a finite positive number"):
        quantize(torch.ones(2), step=0)
    with pytest.raises(ValueError, match="mode"):
        quantize(torch.ones(2), mode=3)
    with pytest.raises(ValueError, match="quantize_8bit: w_scale must be a finite positive number"):
        quantize_8bit(torch.ones(2), w_scale=-1)
    with pytest.raises(ValueError, match="num_bits"):
        quantize_hook_fx(torch.ones(2), num_bits=0)
    with pytest.raises(TypeError, match="received list"):
        quantize_8bit([1.0])


def test_quantize_8bit_compiles_fullgraph():
    fn = torch.compile(quantize_8bit, fullgraph=True, backend="eager")
    x = torch.tensor(GOLDEN_IN)
    torch.testing.assert_close(fn(x), quantize_8bit(x))
