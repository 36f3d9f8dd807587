"""The common machinery of every slayer neuron: fixed-point scales, threshold, parameter granularity,
shape identification on the first forward, and persistent, resettable state."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import torch

from slayer.core import arguments
from slayer.core.neuron import SPIKING_BLOCK_TYPES
from slayer.core.neuron import Neuron as CoreNeuron
from slayer.spike import Spike

from ._checks import check_complex_input, check_real_input
from ._granularity import (
    Granularity,
    InitialValue,
    initial_tensor,
    midpoint,
    parameter_shape,
    resolve_granularity,
)

StateInitial = Literal["zero", "threshold"]

#: |state * s_scale| must stay below this (slayer.core.dynamics' fixed-point bound: products fit in int64)
STATE_LIMIT = float(2**50)
#: decays are stored in Loihi's 12-bit units: ``4096 * decay``
DECAY_SCALE = 1 << 12


def quantize_threshold(threshold: float, w_scale: int) -> float:
    """The threshold truncated (toward zero) to a multiple of ``1/w_scale``, as the hardware stores it."""
    return int(float(threshold) * w_scale) / w_scale


def _quantize_8bit(weight: torch.Tensor, w_scale: int, descale: bool) -> torch.Tensor:
    from slayer import utils  # slayer-core; imported on use so the neurons import without it loaded

    return utils.quantize_8bit(weight, w_scale=w_scale, descale=descale)


class Neuron(CoreNeuron):
    """Abstract slayer neuron (lava-dl ``neuron.base.Neuron``), compatible signature plus two options.

    Arguments (lava-dl's): ``threshold`` (truncated to a multiple of ``1/w_scale``), ``tau_grad`` and
    ``scale_grad`` (surrogate width relative to the threshold, and height), ``p_scale`` (decays are stored
    as ``p_scale * decay``), ``w_scale`` (weight/threshold scale, 64), ``s_scale`` (state scale, 4096),
    ``norm`` (a normalisation *class*, instantiated here), ``dropout`` (a module *instance*),
    ``persistent_state``, ``shared_param``, ``requires_grad``, ``complex``.

    Valid ranges (a ``ValueError`` naming the argument otherwise): ``threshold`` in
    ``[1/w_scale, 2**50/s_scale]``; ``tau_grad`` finite and positive; ``scale_grad`` finite; ``w_scale`` and
    ``s_scale`` positive integers with ``s_scale >= w_scale``. Decays of the concrete models are fractions in
    ``[0, 1]``; loaded parameters are checked against :attr:`parameter_ranges`.

    New keyword-only options:

    * ``granularity``: ``"layer"``, ``"channel"`` or ``"neuron"``; overrides ``shared_param``
      (``True`` = ``"layer"``, ``False`` = ``"channel"``). ``"neuron"`` gives every parameter the neuron
      shape ``S`` of the input ``(N, *S, T)``.
    * ``save_state``: store the state buffers (``current_state`` ...) in the ``state_dict``
      (default ``False``, as in lava-dl, so lava-dl checkpoints load unchanged).

    The neuron shape ``S`` (``self.shape``) and ``num_neurons`` are identified on the first forward.
    Parameters of channel/neuron granularity exist from construction (as 1-element placeholders holding
    the middle of their initial range), so an optimiser built before the first forward trains them: the
    first forward replaces their data in place. ``load_state_dict`` into a fresh model resizes the
    placeholders to the checkpoint's shapes; the first forward then checks them against the input.

    **Writing a new model** (a plugin; see ``docs/plugins.md``): set the class attributes ``name``,
    ``device_type``, ``surrogate`` (a :class:`slayer.spike.constants.SurrogateScaling`), ``block_types`` and
    ``decay_device_keys``; in ``__init__`` call :meth:`register_decays` (and :meth:`register_neuron_parameters` for
    other learnable values) and :meth:`register_state` once per state; ``forward`` then is the dynamics::

        x = self.real_input(input)                    # checks, identifies S, clamps learnable decays
        v0 = self.state("voltage_state", x)           # (N, *S): stored, or the initial value
        ...                                           # the model's own recurrence over x[..., t]
        self.store_state(voltage_state=v_last)        # kept only with persistent_state
        return self.dropout_spikes(self.threshold_spikes(v))
    """

    #: valid range of each learnable parameter (in its stored units); ``load_state_dict`` rejects values outside
    parameter_ranges: ClassVar[Mapping[str, tuple[float, float]]] = {}
    #: parameter name -> hardware key in :attr:`device_params` (for decays registered with
    #: :meth:`register_decays`); with it, the default ``device_params``/``params_from_device`` export and import
    decay_device_keys: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        threshold: float,
        tau_grad: float = 1,
        scale_grad: float = 1,
        p_scale: int = 1,
        w_scale: int = 1,
        s_scale: int = 1,
        norm: Callable[[], torch.nn.Module] | None = None,
        dropout: torch.nn.Module | None = None,
        persistent_state: bool = False,
        shared_param: bool = True,
        requires_grad: bool = True,
        complex: bool | None = None,
        *,
        granularity: Granularity | None = None,
        save_state: bool = False,
    ) -> None:
        super().__init__()
        if complex is not None and bool(complex) != type(self).complex:
            raise ValueError(
                f"{type(self).__qualname__} is {'a complex' if type(self).complex else 'a real'}-valued neuron; "
                f"received complex={complex}"
            )
        owner = self._model_name
        w_scale = arguments.positive_int(owner, "scale (w_scale)", w_scale)
        s_scale = arguments.positive_int(owner, "s_scale", s_scale)
        if s_scale < w_scale:
            raise ValueError(f"s_scale must be >= w_scale, received s_scale={s_scale}, w_scale={w_scale}")
        tau_grad = arguments.positive(owner, "tau_grad", tau_grad)
        scale_grad = arguments.finite(owner, "scale_grad", scale_grad)
        self.num_neurons: int | None = None
        self.shape: torch.Size | None = None
        self.p_scale = p_scale
        self.w_scale = int(w_scale)
        self.s_scale = int(s_scale)
        self.granularity: Granularity = resolve_granularity(shared_param, granularity)
        self.shared_param = self.granularity == "layer"
        self.persistent_state = bool(persistent_state)
        self.requires_grad = bool(requires_grad)
        self.save_state = bool(save_state)
        self.debug = False
        self.tau_grad = tau_grad
        self.scale_grad = scale_grad
        self._threshold = self._checked_threshold(threshold)
        self.tau_rho = tau_grad * self._threshold
        self.scale_rho = scale_grad
        # (parameter names, name of the method that initialises them for a shape) of lazily shaped groups
        self._lazy_groups: list[tuple[tuple[str, ...], str | tuple[str, Any]]] = []
        self._state_initial: dict[str, StateInitial] = {}
        self._registered_decays: dict[str, InitialValue] = {}
        self._shaped_by_checkpoint = False
        self._carry_state_graph = False  # inside stepping(): states keep their autograd graph
        self._attach_norm(norm)
        self.drop = dropout

    # -- construction helpers for subclasses -------------------------------------------------------

    def _attach_norm(self, norm: Callable[[], torch.nn.Module] | None) -> None:
        names = ("real_norm", "imag_norm") if type(self).complex else ("norm",)
        for name in names:
            module = norm() if norm is not None else None
            if module is not None and hasattr(module, "pre_hook_fx"):
                module.pre_hook_fx = self.quantize_8bit
            setattr(self, name, module)

    def register_neuron_parameters(
        self, placeholders: dict[str, float], initializer: str | tuple[str, Any] | None = None
    ) -> None:
        """Create learnable parameters (``requires_grad`` as given to the neuron), one element each.

        ``initializer`` names a method ``(shape) -> tuple[Tensor, ...]`` (one tensor per name, in order)
        called on the first forward for channel/neuron granularity; ``(name, arg)`` calls it as
        ``method(shape, arg)``.
        """
        for name, value in placeholders.items():
            data = torch.tensor([float(value)])
            self.register_parameter(name, torch.nn.Parameter(data, requires_grad=self.requires_grad))
        if self.granularity != "layer":
            if initializer is None:
                raise ValueError(f"parameters {tuple(placeholders)} need an initializer for {self.granularity!r}")
            self._lazy_groups.append((tuple(placeholders), initializer))

    def register_decays(self, decays: Mapping[str, InitialValue]) -> None:
        """Learnable decays (``requires_grad`` as given to the neuron), fractions in ``[0, 1]`` stored in
        Loihi's 12-bit units (``4096 * decay``, :data:`DECAY_SCALE`) and clamped to ``[0, 4096]`` while
        learning. Each value is a scalar, a ``(min, max)`` range (channel/neuron granularity draws uniformly
        in it) or a tensor of explicit values (``(C,)`` or ``S``)."""
        checked_decays(self, **decays)  # and on load: parameter_ranges includes them (_load_from_state_dict)
        self._registered_decays.update(decays)
        placeholders = {name: DECAY_SCALE * midpoint(value) for name, value in decays.items()}
        self.register_neuron_parameters(placeholders, ("_init_registered_decays", tuple(decays)))

    def _init_registered_decays(self, shape: tuple[int, ...], names: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(DECAY_SCALE * initial_tensor(self._registered_decays[n], shape, jitter=True) for n in names)

    def register_state(self, name: str, initial: StateInitial = "zero") -> None:
        """A state buffer: a 1-element placeholder (``0`` or the threshold) until the first forward."""
        self._state_initial[name] = initial
        self.register_buffer(name, torch.full((1,), self._initial_value(name)), persistent=self.save_state)

    def _initial_value(self, name: str) -> float:
        return self._threshold if self._state_initial[name] == "threshold" else 0.0

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names of the state buffers, e.g. ``("current_state", "voltage_state")``."""
        return tuple(self._state_initial)

    def _lazy_parameter_names(self) -> Iterator[str]:
        for names, _ in self._lazy_groups:
            yield from names

    # -- threshold and fixed-point properties ------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Spike threshold, a multiple of ``1/w_scale``. Assigning truncates it like the constructor
        does and updates the surrogate width ``tau_rho = tau_grad * threshold`` (lava-dl: read only)."""
        return self._threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._threshold = self._checked_threshold(value)
        self.tau_rho = self.tau_grad * self._threshold
        # an initial (1-element) threshold state follows θ0; a stored state is the stream's own and stays
        for name, initial in self._state_initial.items():
            buffer: torch.Tensor = getattr(self, name)
            if initial == "threshold" and buffer.dim() == 1 and buffer.numel() == 1:
                setattr(self, name, torch.full_like(buffer, self._threshold))

    def _checked_threshold(self, value: float, name: str = "threshold") -> float:
        """``value`` truncated to a multiple of ``1/w_scale``; it must be at least one step, with
        ``threshold * s_scale`` below :data:`STATE_LIMIT` (ValueError naming the range otherwise)."""
        low, high = 1 / self.w_scale, STATE_LIMIT / self.s_scale
        unit = f" (it is truncated to a multiple of 1/scale = 1/{self.w_scale})"
        return quantize_threshold(arguments.in_range(self._model_name, name, value, low, high, unit=unit), self.w_scale)

    @property
    def v_th_mant(self) -> int:
        """Hardware threshold mantissa ``int(threshold * w_scale)`` (e.g. 1.25 -> 80)."""
        return int(self.threshold * self.w_scale)

    @property
    def weight_exponent(self) -> int:
        """Hardware weight exponent ``log2(s_scale // w_scale) - 6`` (0 by default)."""
        return int(math.log2(self.s_scale // self.w_scale)) - 6

    @property
    def scale(self) -> int:
        """The weight scale ``w_scale`` (the ``scale`` constructor argument of concrete neurons)."""
        return self.w_scale

    @property
    def device(self) -> torch.device:
        """Device of the neuron's parameters (or buffers)."""
        for tensor in (*self.parameters(), *self.buffers()):
            return tensor.device
        return torch.device("cpu")

    def quantize_8bit(self, weight: torch.Tensor, descale: bool = False) -> torch.Tensor:
        """8-bit weights: round to a step of ``2/w_scale``, clamp to ``[-256, 254]/w_scale``; with
        ``descale`` return the hardware integers. Straight-through gradient for the rounding."""
        return _quantize_8bit(weight, self.w_scale, descale)

    def clamp(self) -> None:
        """Clamp the parameters to their valid ranges (in place): decays of :meth:`register_decays` to
        ``[0, 4096]``. Subclasses with other bounded parameters extend it."""
        for name in self._registered_decays:
            getattr(self, name).data.clamp_(0, DECAY_SCALE)

    def _clamp_if_learning(self) -> None:
        if self.requires_grad:
            with torch.no_grad():
                self.clamp()

    # -- input checks and shape identification -----------------------------------------------------

    @property
    def _model_name(self) -> str:
        # "cuba.Neuron": the registry name, which for built-ins is also the module's
        model = getattr(type(self), "name", None) or type(self).__module__.rsplit(".", 1)[-1]
        return f"{model}.{type(self).__qualname__}"

    def _get_name(self) -> str:
        # nn.Module's repr uses this: "cuba.Neuron(...)" says which of the seven Neuron classes it is.
        return self._model_name

    def real_input(self, input: object) -> torch.Tensor:
        """``input`` checked (a floating-point tensor ``(N, *S, T)``), the neuron shape ``S`` identified on the
        first call, and learnable parameters clamped to their ranges (:meth:`clamp`) when learning."""
        x = self._real_input(input)
        self._clamp_if_learning()
        return x

    def complex_input(self, input: object) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`real_input` for a complex model: ``(real, imag)``, each ``(N, *S, T)``."""
        real, imag = self._complex_input(input)
        self._clamp_if_learning()
        return real, imag

    def _real_input(self, x: object) -> torch.Tensor:
        x = check_real_input(x, self._model_name)
        self._identify_shape(x)
        return x

    def _complex_input(self, x: object) -> tuple[torch.Tensor, torch.Tensor]:
        real, imag = check_complex_input(x, self._model_name)
        self._identify_shape(real)
        return real, imag

    def _identify_shape(self, x: torch.Tensor) -> None:
        spatial = torch.Size(x.shape[1:-1])
        if self.shape is None:
            self.shape = spatial
            self.num_neurons = math.prod(spatial)
            with torch.inference_mode(False):  # parameters shaped under inference mode must stay trainable
                self._materialize_parameters(x.device)
        elif spatial != self.shape:
            raise ValueError(
                f"{self._model_name}: the neuron shape was identified as {tuple(self.shape)} on the first call "
                f"(input (N, *{tuple(self.shape)}, T)); received an input of shape {tuple(x.shape)} with neuron "
                f"shape {tuple(spatial)}. Use a new neuron for a new shape."
            )

    def _materialize_parameters(self, device: torch.device) -> None:
        assert self.shape is not None
        target = parameter_shape(self.granularity, self.shape)
        for names, initializer in self._lazy_groups:
            params = [getattr(self, name) for name in names]
            if self._shaped_by_checkpoint:
                for name, param in zip(names, params):
                    if tuple(param.shape) != target:
                        raise ValueError(
                            f"{self._model_name}: the loaded parameter {name!r} has shape {tuple(param.shape)}, "
                            f"but {self.granularity} granularity for neurons of shape {tuple(self.shape)} needs "
                            f"{target}"
                        )
                continue
            with torch.no_grad():
                method, *args = (initializer,) if isinstance(initializer, str) else initializer
                values = getattr(self, method)(target, *args)
                for param, value in zip(params, values):
                    param.data = value.to(device=param.device, dtype=param.dtype).reshape(target).contiguous()
        self._shaped_by_checkpoint = False

    # -- state ---------------------------------------------------------------------------------------

    def state(self, name: str, like: torch.Tensor) -> torch.Tensor:
        """The initial state ``(N, *S)`` for an input ``like`` of shape ``(N, *S, T)``.

        A 1-element placeholder is broadcast. A stored state of another batch size is replaced by the
        initial value (lava-dl's rule: a batch-size change, e.g. from training to test set, starts fresh).
        """
        full = like.shape[:-1]
        stored: torch.Tensor = getattr(self, name)
        if stored.is_inference() and not torch.is_inference_mode_enabled():
            stored = stored.clone()  # a state stored under torch.inference_mode, now used with autograd
        if stored.shape != full:
            if stored.dim() == 1 and stored.numel() == 1:
                stored = stored.expand(full)
            elif stored.shape[1:] == full[1:]:
                stored = torch.full(full, self._initial_value(name), device=like.device)
            else:
                raise ValueError(
                    f"{self._model_name}: stored {name} has shape {tuple(stored.shape)}, which does not match the "
                    f"input's (N, *S) = {tuple(full)}"
                )
        # half precision runs the dynamics in float32, and its states stay float32 (chunked == long, exactly)
        dtype = like.dtype if like.dtype in (torch.float32, torch.float64) else torch.float32
        return stored.to(device=like.device, dtype=dtype).contiguous()

    _state = state

    def store_state(self, **states: torch.Tensor) -> None:
        """With ``persistent_state``, keep the given next states (detached) for the next call; inside
        :meth:`stepping`, keep them with their graph so gradients flow through the state across calls."""
        if self._carry_state_graph:
            for name, value in states.items():
                setattr(self, name, value)
            return
        if not self.persistent_state:
            return
        for name, value in states.items():
            setattr(self, name, value.detach().clone())

    _store_state = store_state

    @contextlib.contextmanager
    def stepping(self) -> Iterator[None]:
        """Run one time step per call (recurrent blocks), carrying the state from call to call *with* its
        autograd graph, so backpropagation through time includes the state path (lava-dl's recurrence
        detaches it). Starts from the stored state (persistent neurons) or the initial one; on exit a
        persistent neuron keeps the last state (detached), a non-persistent one forgets it."""
        self._carry_state_graph = True
        try:
            yield
        finally:
            self._carry_state_graph = False
            if self.persistent_state:
                for name in self._state_initial:
                    setattr(self, name, getattr(self, name).detach())
            else:
                self.reset_state()

    def reset_state(self) -> None:
        """Forget every state: back to the 1-element initial value (0, or the threshold for
        ``threshold_state``), so the next forward starts fresh for any batch size."""
        for name in self._state_initial:
            buffer: torch.Tensor = getattr(self, name)
            setattr(self, name, torch.full((1,), self._initial_value(name), dtype=buffer.dtype, device=buffer.device))

    # -- checkpoints ---------------------------------------------------------------------------------

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Before the first forward the lazily shaped parameters are placeholders: take the checkpoint's
        # shapes (checked against the input at the first forward). Saved states may have any batch size.
        resized = False
        if self.shape is None:
            for name in self._lazy_parameter_names():
                value = state_dict.get(prefix + name)
                param = getattr(self, name)
                if isinstance(value, torch.Tensor) and value.shape != param.shape:
                    param.data = torch.empty(value.shape, dtype=param.dtype, device=param.device)
                    resized = True
        for name in self._state_initial if self.save_state else ():  # states are in the state_dict only then
            value = state_dict.get(prefix + name)
            buffer = getattr(self, name)
            if isinstance(value, torch.Tensor) and value.shape != buffer.shape:
                setattr(self, name, torch.empty(value.shape, dtype=buffer.dtype, device=buffer.device))
        ranges = {**decay_ranges(*self._registered_decays), **self.parameter_ranges}
        error_msgs.extend(arguments.parameter_errors(self._model_name, state_dict, prefix, ranges))
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        if resized:
            self._shaped_by_checkpoint = True

    # -- presentation --------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        parts = [
            f"threshold={self.threshold}",
            f"granularity={self.granularity!r}",
            f"persistent_state={self.persistent_state}",
            f"requires_grad={self.requires_grad}",
        ]
        if self.shape is not None:
            parts.append(f"shape={tuple(self.shape)}")
        return ", ".join(parts)

    # -- helpers for subclasses ----------------------------------------------------------------------

    def _surrogate(self, tau_multiplier: float, scale_multiplier: float) -> tuple[float, float]:
        """``(tau_rho, scale_rho)`` of the spike function: the base values times a model's constants."""
        return self.tau_rho * tau_multiplier, self.scale_rho * scale_multiplier

    @staticmethod
    def _fusable(x: object) -> bool:
        """Whether a fused neuron op (``slayer.core.dynamics.cuba``/``alif``) can run on ``x``: a float32 or
        float64 tensor (half precision keeps the unfused path, which spikes on the half-precision voltage)."""
        return isinstance(x, torch.Tensor) and x.dtype in (torch.float32, torch.float64)

    @classmethod
    def params_from_device(cls, device_params: Mapping[str, Any], scale: int = 1 << 6) -> dict[str, Any]:
        """Constructor arguments from :attr:`device_params`: the model module's lava-dl function
        ``neuron_params(device_params, scale)`` if it has one, else the inverse of the default
        :attr:`device_params` (``decay_device_keys``); ``granularity="channel"`` for per-channel values."""
        module_function = getattr(sys.modules[cls.__module__], "neuron_params", None)
        if module_function is not None:
            return per_channel_granularity(module_function(device_params, scale))
        if cls.decay_device_keys:  # the inverse of the default device_params
            decays = {
                name: from_hardware(device_params[key], DECAY_SCALE) for name, key in cls.decay_device_keys.items()
            }
            return per_channel_granularity({"threshold": device_params["vThMant"] / scale, **decays})
        return super().params_from_device(device_params, scale)  # raises: the model must define it

    def neuron_view(self, parameter: torch.Tensor) -> torch.Tensor:
        """A parameter (``(1,)``, ``(C,)`` or ``S``, by granularity) shaped to broadcast against a state
        ``(N, *S)``: ``(C,)`` becomes ``(C, 1, ..., 1)``. Needs the neuron shape (after the first input)."""
        if self.shape is None:
            raise RuntimeError(f"{self._model_name}: the neuron shape is known only after the first input")
        return parameter.reshape(parameter.shape + (1,) * (len(self.shape) - parameter.dim()))

    def surrogate_rho(self) -> tuple[float, float]:
        """``(tau_rho, scale_rho)`` of this neuron's spike function: ``tau_grad * threshold`` and ``scale_grad``
        times the multipliers of the class attribute ``surrogate``."""
        scaling = type(self).surrogate
        if scaling is None:
            raise NotImplementedError(
                f"{self._model_name} declares no surrogate scaling: set the class attribute 'surrogate' to a "
                "slayer.spike.constants.SurrogateScaling"
            )
        return self._surrogate(scaling.tau_multiplier, scaling.scale_multiplier)

    def threshold_spikes(
        self, voltage: torch.Tensor, threshold: float | torch.Tensor | None = None, graded: bool = False
    ) -> torch.Tensor:
        """Spikes ``voltage >= threshold`` (the neuron's threshold by default; a tensor broadcasts against
        ``voltage``, e.g. ``(N, *S, T)`` for a time-varying one) with the surrogate gradient of
        :meth:`surrogate_rho`; ``graded`` spikes carry the voltage. Shape of ``voltage``."""
        tau_rho, scale_rho = self.surrogate_rho()
        threshold = self.threshold if threshold is None else threshold
        return Spike.apply(voltage, threshold, tau_rho, scale_rho, graded, None, 1)

    def dropout_spikes(self, spikes: torch.Tensor) -> torch.Tensor:
        """``spikes`` through the neuron's ``dropout`` module, if it has one."""
        return spikes if self.drop is None else self.drop(spikes)

    _dropout = dropout_spikes

    @property
    def device_params(self) -> dict[str, Any]:
        """Hardware description for hdf5 export. This default, for models that declare
        ``decay_device_keys``: ``{"type": device_type, "vThMant": ..., <key>: 4096 * decay, ...}`` (hardware
        integers; a list for per-channel values)."""
        if not self.decay_device_keys:
            return super().device_params  # raises, naming what to define
        decays = {key: rounded_int(getattr(self, name)) for name, key in self.decay_device_keys.items()}
        return {"type": self.device_type, "vThMant": self.v_th_mant, **decays}


def decay_ranges(*names: str) -> Mapping[str, tuple[float, float]]:
    """:attr:`Neuron.parameter_ranges` of decay-type parameters stored in units of 1/4096: ``[0, 4096]``."""
    return MappingProxyType(dict.fromkeys(names, (0.0, 4096.0)))


def checked_decays(neuron: Neuron, **decays: Any) -> dict[str, Any]:
    """The given initial decays (scalar, ``(min, max)`` or tensor), each checked to lie in ``[0, 1]``."""
    for name, value in decays.items():
        arguments.fraction(neuron._model_name, name, value, what=" (a fraction of the state lost per step)")
    return decays


def rounded_int(values: torch.Tensor) -> int | list[int]:
    """A parameter as hardware integers: an int if shared (one element), else a flat list."""
    ints = torch.round(values.detach()).to(torch.int64).flatten().tolist()
    return ints[0] if len(ints) == 1 else ints


def per_channel_granularity(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` plus ``granularity="channel"`` if any value is a tensor (per-channel hardware values)."""
    if any(isinstance(value, torch.Tensor) and value.numel() > 1 for value in params.values()):
        return {**params, "granularity": "channel"}
    return params


def from_hardware(value: int | Sequence[int], p_scale: int) -> float | torch.Tensor:
    """Inverse of :func:`rounded_int`: a float for one value, a tensor of per-channel values for a list."""
    if isinstance(value, int | float):
        return value / p_scale
    return torch.as_tensor(value, dtype=torch.float32) / p_scale


__all__ = [
    "DECAY_SCALE",
    "SPIKING_BLOCK_TYPES",
    "STATE_LIMIT",
    "Granularity",
    "InitialValue",
    "Neuron",
    "checked_decays",
    "decay_ranges",
    "from_hardware",
    "per_channel_granularity",
    "quantize_threshold",
    "rounded_int",
]
