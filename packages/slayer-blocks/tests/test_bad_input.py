"""Issue 16 item 10: every block of every family takes an empty batch or an empty time axis and returns an
empty output of the shape it gives for a non-empty one (on main: reshape errors, ZeroDivisionError, IndexError)."""

from __future__ import annotations

import pytest
import torch
from catalogue import build, combinations


def _outputs(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize(("family", "block"), combinations())
@pytest.mark.parametrize("empty", ["batch", "time"])
def test_item10_blocks_take_empty_batches_and_time_axes(family, block, empty):
    module, x = build(family, block)
    reference = [o.shape for o in _outputs(module(x)) if isinstance(o, torch.Tensor)]
    module, x = build(family, block)
    x = (x[:0] if empty == "batch" else x[..., :0]).requires_grad_()
    outputs = [o for o in _outputs(module(x)) if isinstance(o, torch.Tensor)]
    for output, full in zip(outputs, reference):
        expected = (0, *full[1:]) if empty == "batch" else (*full[:-1], 0)
        if block == "TimeDecimation" and empty == "batch":
            expected = (0, *full[1:])
        assert output.shape == expected
    sum(o.sum() for o in outputs).backward()
    assert x.grad is not None and x.grad.shape == x.shape
