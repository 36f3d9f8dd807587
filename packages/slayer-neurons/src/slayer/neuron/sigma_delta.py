r"""Sigma-delta neuron: a dendritic accumulator (sigma), an activation, and an axonal delta encoder.

.. math::
    a[t] = f\Big(\sum_{\tau \le t} x[\tau] + b\Big), \qquad
    s[t] = \text{delta}(a)[t] \text{ (changes of } a \text{ larger than } \theta \text{, residual carried)}

Input and output are *change* streams: a sigma-delta network sends only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from slayer.axon import Delta
from slayer.core import arguments
from slayer.core.dynamics import validation_enabled
from slayer.dendrite import Sigma

from . import base
from ._granularity import Granularity


class Neuron(base.Neuron):
    """Sigma-delta neuron, lava-dl ``slayer.neuron.sigma_delta.Neuron`` compatible.

    Arguments: ``threshold`` (delta threshold, learnable when ``requires_grad``; state-dict key
    ``delta.threshold``), ``activation`` (any callable, e.g. ``torch.nn.functional.relu``; its
    ``__name__`` is exported), ``tau_grad``, ``scale_grad`` (of the delta encoder's threshold gradient),
    ``scale`` (messages are multiples of ``1/(scale * 64)``), ``cum_error``, ``norm`` (class, applied to the
    accumulated input), ``dropout``, ``shared_param``, ``persistent_state``, ``requires_grad``; keyword-only
    ``save_state``. ``granularity="neuron"`` is not offered here: the threshold granularity is the delta
    encoder's (layer or channel).

    Parameter ``bias`` (one element, used after :meth:`set_bias`). Submodules ``sigma`` and ``delta``.
    Input ``(N, C, T)`` or ``(N, C, H, W, T)``; output (graded delta messages) of the same shape.

    >>> import torch, slayer
    >>> neuron = slayer.neuron.sigma_delta.Neuron(threshold=0.5, activation=torch.relu)
    >>> changes = torch.tensor([[[1.0, 0.0, 0.2, 0.2, -2.0, 0.0]]])  # (N, C, T): deltas of a signal
    >>> neuron(changes)  # relu of the running sum, sent as changes larger than the threshold
    tensor([[[ 1.,  0.,  0.,  0., -1.,  0.]]])
    """

    name = "sigma_delta"
    complex = False
    device_type = "SDNN"
    block_types = frozenset({"Input", "Dense", "Conv", "ConvT", "Pool", "Unpool", "Output"})
    propagation_delay = False  # sigma-delta blocks have no one-step output shift by default (lava-dl)

    def __init__(
        self,
        threshold: float,
        activation: Callable[[torch.Tensor], torch.Tensor],
        tau_grad: float = 1,
        scale_grad: float = 1,
        scale: int = 1 << 6,
        cum_error: bool = False,
        norm: Callable[[], torch.nn.Module] | None = None,
        dropout: torch.nn.Module | None = None,
        shared_param: bool = True,
        persistent_state: bool = False,
        requires_grad: bool = False,
        *,
        granularity: Granularity | None = None,
        save_state: bool = False,
    ) -> None:
        if granularity == "neuron":
            raise ValueError("sigma_delta.Neuron supports granularity 'layer' or 'channel', received 'neuron'")
        super().__init__(
            threshold=threshold,
            w_scale=scale,
            s_scale=scale * (1 << 6),
            norm=norm,
            dropout=dropout,
            persistent_state=persistent_state,
            shared_param=shared_param,
            requires_grad=requires_grad,
            granularity=granularity,
            save_state=save_state,
        )
        self.graded_spike = True
        self.activation = arguments.callable_argument(self._model_name, "activation", activation)
        self.cum_error = cum_error
        self.sigma = Sigma(persistent_state=self.persistent_state)
        self.delta = Delta(
            threshold=self._threshold,
            scale=self.s_scale,
            tau_grad=tau_grad,
            scale_grad=scale_grad,
            cum_error=cum_error,
            shared_param=self.shared_param,
            persistent_state=self.persistent_state,
            requires_grad=requires_grad,
        )
        self.register_parameter("bias", torch.nn.Parameter(torch.zeros(1), requires_grad=requires_grad))
        self.bias_is_set = False

    @property
    def threshold(self) -> torch.Tensor:
        """The delta encoder's threshold parameter (``delta.threshold``)."""
        return self.delta.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        with torch.no_grad():
            self.delta.threshold.fill_(self._checked_threshold(value))

    @property
    def v_th_mant(self) -> int | list[int]:
        """Hardware threshold mantissa ``int(threshold * w_scale)`` (a list if per channel)."""
        ints = (self.delta.threshold.detach() * self.w_scale).to(torch.int64).flatten().tolist()
        return ints[0] if len(ints) == 1 else ints

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description, e.g. ``{'type': 'SDNN', 'activation': 'relu', 'vThMant': 6}``."""
        return {"type": self.device_type, "activation": self.activation.__name__, "vThMant": self.v_th_mant}

    def readout_device_params(self) -> dict[str, Any]:
        """``device_params`` of an ``Output`` block: ``sigma_output=True`` (the hardware reconstructs values)."""
        return {**self.device_params, "sigma_output": True}

    @classmethod
    def params_from_device(cls, device_params: Mapping[str, Any], scale: int = 1 << 6) -> dict[str, Any]:
        """``threshold`` and ``activation`` (looked up by name in ``torch.nn.functional``, then ``torch``)."""
        params = super().params_from_device(device_params, scale)
        name = device_params.get("activation")
        if name is not None:
            name = name.decode() if isinstance(name, bytes) else str(name)
            activation = getattr(torch.nn.functional, name, None) or getattr(torch, name, None)
            if not callable(activation):
                raise ValueError(f"sigma_delta: unknown activation {name!r} (not in torch.nn.functional or torch)")
            params["activation"] = activation
        return params

    def encode_input(self, input: torch.Tensor) -> torch.Tensor:
        """An ``Input`` block's output: only the delta encoding of the input (no sigma, no activation)."""
        return self.delta(self._real_input(input))

    def readout(self, input: torch.Tensor) -> torch.Tensor:
        """An ``Output`` block's read-out: the accumulated input (sigma only: absolute values again)."""
        return self.sigma(self._real_input(input))

    def set_bias(self, bias: float | torch.Tensor) -> None:
        """Use ``bias`` (one element, ``(C,)`` or the neuron shape) before the activation."""
        with torch.no_grad():
            self.bias.data = torch.as_tensor(bias, dtype=self.bias.dtype, device=self.bias.device).reshape(-1)
        self.bias_is_set = True

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors) -> None:
        # a bias given to set_bias may have any size (1, C or the neuron count): take the checkpoint's, and a
        # non-zero loaded bias is in use, as it was when saved
        value = state_dict.get(prefix + "bias")
        if isinstance(value, torch.Tensor):
            if value.shape != self.bias.shape:
                self.bias.data = torch.empty_like(value, device=self.bias.device)
            self.bias_is_set = self.bias_is_set or bool(value.ne(0).any())
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected, errors)

    def _biased(self, x: torch.Tensor) -> torch.Tensor:
        if not self.bias_is_set:
            return x
        bias, neurons = self.bias, x.shape[1:-1]
        if bias.numel() in (1, neurons[0]):
            return x + bias.reshape((1, -1) + (1,) * (x.dim() - 2))
        if bias.numel() == neurons.numel():
            return x + bias.reshape(neurons).unsqueeze(0).unsqueeze(-1)
        raise ValueError(
            f"sigma_delta.Neuron: the bias set by set_bias has {bias.numel()} elements; input of shape "
            f"{tuple(x.shape)} needs 1, {neurons[0]} (per channel) or {neurons.numel()} (per neuron)"
        )

    def extra_repr(self) -> str:
        name = getattr(self.activation, "__name__", repr(self.activation))
        return f"activation={name}, persistent_state={self.persistent_state}, requires_grad={self.requires_grad}"

    def reset_state(self) -> None:
        """Forget the accumulator and encoder states."""
        for module in (self.sigma, self.delta):
            module.reset_state()

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """Delta messages ``(N, *S, T)`` for input changes ``(N, *S, T)``."""
        x = self._real_input(input)
        if validation_enabled():  # opt-in (synchronises): a NaN/inf input raises instead of poisoning
            arguments.finite_values(self._model_name, "input", x)
        accumulated = self.sigma(x)
        if self.norm is not None:
            accumulated = self.norm(accumulated)
        return self._dropout(self.delta(self.activation(self._biased(accumulated))))


def neuron_params(device_params: Mapping[str, Any], scale: int = 1 << 6) -> dict[str, Any]:
    """Constructor arguments (``threshold``) from :attr:`Neuron.device_params`."""
    return {"threshold": device_params["vThMant"] / scale}
