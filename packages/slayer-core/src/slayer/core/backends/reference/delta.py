"""Reference kernels of the delta encoder (``slayer.axon.Delta``): ``delta_forward`` and ``delta_backward``.

Series ``(N, M, T)`` (time last, any strides), per-neuron ``threshold`` ``(M,)``, states ``(N, M)``. The
recursion loops over time in Python, vectorised over all neurons; it is the oracle of the ``cpu`` kernel and
runs on any device (the ``gpu`` backend has no delta kernel, so CUDA tensors use this one).
"""

from __future__ import annotations

import torch
from torch import Tensor


def delta_forward(
    input: Tensor,
    threshold: Tensor,
    previous_state: Tensor,
    residual_state: Tensor,
    error_state: Tensor,
    step: float,
    cum_error: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(output, delta, next_previous, next_residual, next_error)``: quantised messages ``floor(y/step)*step``
    and the differences ``delta`` (``(N, M, T)``, neuron-contiguous), and the states after the last step."""
    previous, residual, error = previous_state, residual_state, error_state
    messages, deltas = [], []
    for t in range(input.shape[-1]):
        current = input[..., t]
        delta = (current - previous) + residual
        if cum_error:
            error = error + delta
            send = ~(error.abs() < threshold)  # NaN is sent: it poisons its neuron instead of vanishing
            error = torch.where(send, torch.zeros_like(error), error)
        else:
            send = ~(delta.abs() < threshold)
        message = torch.where(send, delta, torch.zeros_like(delta))
        residual = delta - message
        previous = current
        messages.append(message)
        deltas.append(delta)
    # neuron-contiguous outputs (time-last views of (N, T, M) memory), as the cpu kernel gives them
    output = (torch.floor(torch.stack(messages, dim=1) / step) * step).movedim(1, -1)
    return output, torch.stack(deltas, dim=1).movedim(1, -1), previous.clone(), residual.clone(), error.clone()


def delta_backward(
    grad_output: Tensor,
    delta: Tensor,
    threshold: Tensor,
    tau_grad: float,
    scale_grad: float,
    input_grad: bool,
    threshold_grad: bool,
) -> tuple[Tensor, Tensor]:
    """``(grad_input, grad_threshold)``: ``g[t] - g[t+1]`` (empty unless ``input_grad``) and the per-neuron
    threshold gradient ``(M,)`` summed over samples and time (empty unless ``threshold_grad``)."""
    empty = grad_output.new_empty(0)
    grad_input = empty
    if input_grad:  # adjoint of differencing
        grad_input = grad_output.clone()
        grad_input[..., :-1] -= grad_output[..., 1:]
    grad_threshold = empty
    if threshold_grad:
        theta = threshold.view(1, -1, 1)
        excess = delta.abs() - theta
        surrogate = -delta * scale_grad * torch.exp(-excess.abs() / tau_grad) / theta
        grad_threshold = (torch.where(excess > 0, surrogate, -torch.sign(delta)) * grad_output).sum(dim=(0, 2))
    return grad_input, grad_threshold
