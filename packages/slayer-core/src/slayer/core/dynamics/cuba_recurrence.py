r"""Recurrent CUBA layer in one autograd node: ``s[t] = cuba(drive[t] + R s[t-1] + b)``.

The per-step loop calls the backend's fused CUBA kernels directly (forward, then the reverse scan of their
backward), so a step costs one small matmul and one kernel call instead of a chain of autograd nodes.
Values and gradients equal running :func:`slayer.core.dynamics.cuba` one step at a time with the state
carried (checked by the tests against the whole-sequence op).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._fixed_point import threshold_to_int
from ._fused_checks import check_surrogate, fused_dtype
from ._ops._layout import _kernel
from ._validation import check_s_scale, initial_state, neuron_parameter, scalar


class _CubaRecurrence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, drive, weight, bias, current_decay, voltage_decay, current, voltage, spikes, scalars):
        threshold, _, _, graded, s_scale = scalars  # the surrogate constants matter in backward only
        step = _kernel("cuba_forward", drive)
        level = threshold_to_int(threshold, s_scale)
        initial_spikes = spikes
        inputs, voltages, events, currents_before, voltages_before, outputs = ([] for _ in range(6))
        for t in range(drive.shape[-1]):
            z = torch.addmm(drive[..., t] + bias, spikes, weight.t()).unsqueeze(-1)  # (N, C, 1)
            currents_before.append(current)
            voltages_before.append(voltage)
            out, v, current, voltage, e = step(
                z, current_decay, voltage_decay, current, voltage, level, threshold, graded, s_scale
            )
            inputs.append(z)
            voltages.append(v)
            events.append(e)
            spikes = out[..., 0]
            outputs.append(spikes)
        time_major = torch.stack(outputs, dim=1)  # (N, T, C): s[t-1] of every step is read back from it
        ctx.save_for_backward(
            weight, current_decay, voltage_decay, torch.cat(inputs, -1), torch.cat(voltages, -1),
            torch.cat(events, -1), torch.stack(currents_before), torch.stack(voltages_before), initial_spikes,
            time_major,
        )  # fmt: skip
        ctx.scalars = scalars
        ctx.mark_non_differentiable(current, voltage)
        return time_major.movedim(1, -1), current, voltage

    @staticmethod
    def backward(ctx, grad_spikes, _grad_current, _grad_voltage):
        (weight, current_decay, voltage_decay, inputs, voltages, events, currents, voltages_before, initial_spikes,
         spikes) = ctx.saved_tensors  # fmt: skip
        threshold, tau_rho, scale_rho, graded, s_scale = ctx.scalars
        step_back = _kernel("cuba_backward", inputs)
        steps = inputs.shape[-1]
        grad_current = torch.zeros_like(currents[0])
        grad_voltage = torch.zeros_like(currents[0])
        grad_feedback = torch.zeros_like(currents[0])  # dL/ds[t] through z[t+1]
        grad_drive = torch.empty_like(inputs)
        grad_weight = torch.zeros_like(weight)
        grad_cd = torch.zeros_like(current_decay)
        grad_vd = torch.zeros_like(voltage_decay)
        empty = inputs.new_empty((0,))
        grad_spikes = torch.zeros_like(inputs) if grad_spikes is None else grad_spikes
        for t in reversed(range(steps)):
            g_out = (grad_spikes[..., t] + grad_feedback).unsqueeze(-1)
            g_z, g_cd, g_vd, grad_current, grad_voltage = step_back(
                g_out, empty, grad_current, grad_voltage, inputs[..., t : t + 1], voltages[..., t : t + 1],
                events[..., t : t + 1], current_decay, voltage_decay, currents[t], voltages_before[t], threshold,
                tau_rho, scale_rho, graded, s_scale,
            )  # fmt: skip
            g_z = g_z[..., 0]
            grad_drive[..., t] = g_z
            grad_feedback = g_z @ weight
            grad_weight.addmm_(g_z.t(), spikes[:, t - 1] if t else initial_spikes)
            grad_cd += g_cd.sum(0)
            grad_vd += g_vd.sum(0)
        grad_bias = grad_drive.sum(dim=(0, 2))
        return grad_drive, grad_weight, grad_bias, grad_cd, grad_vd, grad_current, grad_voltage, grad_feedback, None


def cuba_recurrence(
    drive: Tensor,
    recurrent_weight: Tensor,
    bias: Tensor | None,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor | None = None,
    voltage_state: Tensor | None = None,
    initial_spikes: Tensor | None = None,
    *,
    threshold: float | Tensor,
    tau_rho: float,
    scale_rho: float,
    graded: bool = False,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor]:
    """Spikes of a recurrent CUBA layer ``s[t] = cuba(drive[t] + R s[t-1] + bias)``.

    drive: ``(N, C, T)`` float32/float64 (the input synapse's output); recurrent_weight ``R``: ``(C, C)``;
    bias: ``(C,)`` or ``None``; decays as for :func:`~slayer.core.dynamics.cuba`; current_state,
    voltage_state, initial_spikes (``s[-1]``): ``(N, C)``, one element or ``None`` (zero); the rest as
    :func:`~slayer.core.dynamics.cuba`. Gradients for the drive, ``R``, the bias, both decays and both initial
    states (backpropagation through time along the spike recurrence and the membrane state).

    Returns ``(spikes, next_current_state, next_voltage_state)``: spikes ``(N, C, T)`` neuron-contiguous,
    states ``(N, C)`` (not differentiable: a persistent caller stores them detached).
    """
    fused_dtype("drive", drive)
    if drive.dim() != 3:
        raise ValueError(f"drive must be (N, C, T), got shape {tuple(drive.shape)}")
    batch, channels, _ = drive.shape
    if tuple(recurrent_weight.shape) != (channels, channels):
        raise ValueError(f"recurrent_weight must be ({channels}, {channels}), got {tuple(recurrent_weight.shape)}")
    check_s_scale(s_scale)
    tau, height = check_surrogate(tau_rho, scale_rho)
    spatial = (channels,)
    cd = neuron_parameter("current_decay", current_decay, spatial, drive).contiguous()
    vd = neuron_parameter("voltage_decay", voltage_decay, spatial, drive).contiguous()
    states = [
        initial_state(name, value, batch, spatial, drive, 0.0).contiguous()
        for name, value in (("current_state", current_state), ("voltage_state", voltage_state),
                            ("initial_spikes", initial_spikes))
    ]  # fmt: skip
    bias = drive.new_zeros(channels) if bias is None else bias.to(drive.dtype).reshape(channels)
    scalars = (scalar("threshold", threshold), tau, height, bool(graded), s_scale)
    return _CubaRecurrence.apply(drive, recurrent_weight.to(drive.dtype), bias, cd, vd, *states, scalars)
