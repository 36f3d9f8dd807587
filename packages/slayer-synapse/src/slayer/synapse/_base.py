"""What every real synapse shares: the weight, its mask, weight norm, the pre-hook and export helpers.

The weight keeps lava-dl's ``Conv3d`` layout (a trailing time-kernel axis of size 1, e.g. Dense
``(out, in, 1, 1, 1)``) so lava-dl checkpoints load and export code reads the same shapes; the
forward passes use cheaper equivalent formulations (a matmul or a 2-D convolution over ``N*T``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor
from torch.nn.utils import parametrize

from ._weight_norm import WeightNorm, row_norm, weight_from_gv

PreHook = Callable[[Tensor], Tensor]

_G = "parametrizations.weight.original0"
_V = "parametrizations.weight.original1"


def default_weight(shape: tuple[int, ...], weight_scale: float) -> Tensor:
    """PyTorch's ``Conv3d`` default initialisation (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``) times ``weight_scale``."""
    weight = torch.empty(shape)
    torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
    return weight * weight_scale


def _nonsingleton(shape: tuple[int, ...]) -> list[int]:
    return [s for s in shape if s != 1]


class SynapseBase(torch.nn.Module):
    """Base of the real synapses: parameter ``weight``, buffer ``mask``, weight norm and ``pre_hook_fx``.

    The weight a forward pass uses is :meth:`effective_weight`:
    ``mask * pre_hook_fx(mask * weight)`` where ``weight`` is ``g * v / ||v||`` under weight norm.
    Masking before the hook keeps the raw parameter's masked gradient at exactly zero whatever
    the hook does; masking after it keeps masked effective weights at exactly zero. The raw
    parameter's masked entries are also zeroed when a mask is set (and after loading a state
    dict), so they stay zero through optimiser steps with momentum, weight decay or Adam.
    """

    complex = False
    mask: Tensor | None

    def __init__(
        self,
        weight: Tensor,
        weight_norm: bool = False,
        pre_hook_fx: PreHook | None = None,
        mask: Tensor | None = None,
        requires_grad: bool = True,
    ) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(weight, requires_grad=requires_grad)
        self.register_buffer("mask", None)
        self._pre_hook_fx = pre_hook_fx
        self.register_load_state_dict_pre_hook(_translate_weight_keys)
        self.register_load_state_dict_post_hook(_rezero_after_load)
        if mask is not None:
            self.set_mask(mask)
        if weight_norm:
            self.enable_weight_norm()

    # -- weight norm ---------------------------------------------------------------------
    @property
    def weight_norm_enabled(self) -> bool:
        return parametrize.is_parametrized(self, "weight")

    def enable_weight_norm(self) -> None:
        """Reparametrize ``weight = g * v / ||v||`` (norm over all dims but the output channel)."""
        if not self.weight_norm_enabled:
            parametrize.register_parametrization(self, "weight", WeightNorm(), unsafe=True)

    def disable_weight_norm(self) -> None:
        """Fold ``g`` and ``v`` back into a plain ``weight`` parameter (same values)."""
        if self.weight_norm_enabled:
            parametrize.remove_parametrizations(self, "weight", leave_parametrized=True)

    def raw_weight(self) -> Tensor:
        """The parameter holding the weight's per-entry values: ``weight``, or ``v`` under weight norm."""
        if self.weight_norm_enabled:
            return self.parametrizations.weight.original1
        return self.weight

    # -- mask ----------------------------------------------------------------------------
    def set_mask(self, mask: Tensor | None) -> None:
        """Install (or with ``None`` remove) a connection mask: bool or 0/1, the weight's shape
        (singleton dimensions optional, e.g. ``(out, in)`` for ``Dense``). Zeroes masked raw weights."""
        if mask is None:
            self.mask = None
            return
        shape = tuple(self.raw_weight().shape)
        mask = torch.as_tensor(mask)
        if _nonsingleton(tuple(mask.shape)) != _nonsingleton(shape):
            raise ValueError(
                f"{type(self).__name__} mask must have the weight's shape {shape} "
                f"(singleton dimensions optional), received {tuple(mask.shape)}"
            )
        if mask.dtype != torch.bool:
            if not bool(((mask == 0) | (mask == 1)).all()):
                raise ValueError(f"{type(self).__name__} mask must be boolean or hold only 0 and 1")
            mask = mask != 0
        self.mask = mask.reshape(shape).to(self.raw_weight().device)
        self.apply_mask_()

    @torch.no_grad()
    def apply_mask_(self) -> None:
        """Zero the raw parameter's masked entries in place (kept exact by zero gradients)."""
        if self.mask is not None:
            self.raw_weight().masked_fill_(~self.mask, 0)

    # -- pre-hook and effective weight ---------------------------------------------------
    @property
    def pre_hook_fx(self) -> PreHook | None:
        return self._pre_hook_fx

    @pre_hook_fx.setter
    def pre_hook_fx(self, fx: PreHook | None) -> None:
        self._pre_hook_fx = fx

    def effective_weight(self) -> Tensor:
        """The weight the forward pass uses (mask, weight norm and ``pre_hook_fx`` applied).

        Export code calls this (with ``pre_hook_fx`` as the quantiser); it never modifies the module.
        """
        weight = self.weight
        if self.mask is not None:
            weight = weight.masked_fill(~self.mask, 0)
        if self._pre_hook_fx is not None:
            weight = self._pre_hook_fx(weight)
            if self.mask is not None:
                weight = weight.masked_fill(~self.mask, 0)
        return weight

    # -- lava-dl attributes --------------------------------------------------------------
    @property
    def shape(self) -> torch.Size:
        """Shape of the weight (lava-dl's ``Conv3d`` layout)."""
        return self.raw_weight().shape

    @property
    def grad_norm(self) -> float:
        """``||grad|| / numel`` of ``weight`` (of ``g`` under weight norm); 0 before any backward."""
        param = self.parametrizations.weight.original0 if self.weight_norm_enabled else self.weight
        if param.grad is None:
            return 0.0
        return float(torch.linalg.vector_norm(param.grad) / param.numel())

    def extra_repr(self) -> str:
        parts = [f"weight={tuple(self.shape)}"]
        if self.weight_norm_enabled:
            parts.append("weight_norm=True")
        if self.mask is not None:
            parts.append(f"mask={int(self.mask.sum())}/{self.mask.numel()} connections")
        if self._pre_hook_fx is not None:
            parts.append(f"pre_hook_fx={getattr(self._pre_hook_fx, '__name__', repr(self._pre_hook_fx))}")
        return ", ".join(parts)


def _translate_weight_keys(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors) -> None:
    """Load lava-dl (``weight_g``/``weight_v``) and plain checkpoints whatever the weight-norm state."""
    keys = {name: prefix + name for name in ("weight", "weight_g", "weight_v", _G, _V)}
    if keys["weight_g"] in state_dict and keys["weight_v"] in state_dict:
        state_dict[keys[_G]] = state_dict.pop(keys["weight_g"])
        state_dict[keys[_V]] = state_dict.pop(keys["weight_v"])
    has_gv = keys[_G] in state_dict and keys[_V] in state_dict
    if module.weight_norm_enabled and keys["weight"] in state_dict and not has_gv:
        weight = state_dict.pop(keys["weight"])
        state_dict[keys[_G]], state_dict[keys[_V]] = row_norm(weight), weight
    elif not module.weight_norm_enabled and has_gv:
        state_dict[keys["weight"]] = weight_from_gv(state_dict.pop(keys[_G]), state_dict.pop(keys[_V]))
    mask_key = prefix + "mask"
    mask = state_dict.get(mask_key)
    if isinstance(mask, Tensor) and _nonsingleton(tuple(mask.shape)) != _nonsingleton(tuple(module.shape)):
        errors.append(
            f"{type(module).__name__}: the loaded {mask_key!r} has shape {tuple(mask.shape)}, but the mask must have "
            f"the weight's shape {tuple(module.shape)} (singleton dimensions optional)"
        )
        del state_dict[mask_key]  # not loaded: a reshape of the wrong shape would scramble connections
    elif mask is not None and module.mask is None:
        module.mask = torch.zeros_like(mask, dtype=torch.bool, device=module.raw_weight().device)


def _rezero_after_load(module, incompatible_keys) -> None:
    if module.mask is not None:
        module.mask = module.mask.reshape(module.raw_weight().shape).bool()
        module.apply_mask_()
