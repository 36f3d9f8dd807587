"""``check_neuron``: what a neuron model (built in or a plugin's) must do to work everywhere a built-in works."""

from __future__ import annotations

import copy
import inspect
import itertools
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from slayer.core.neuron import Neuron

Input = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class NeuronConformanceError(AssertionError):
    """A neuron model failed one or more conformance checks (the message lists each with its reason)."""


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, ``"passed"``, ``"failed"`` or ``"skipped"``, and why."""

    name: str
    outcome: str
    detail: str = ""


@dataclass
class ConformanceReport:
    """The outcome of :func:`check_neuron` for one model; ``repr`` prints a table."""

    model: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether no check failed."""
        return all(result.outcome != "failed" for result in self.results)

    def failures(self) -> list[CheckResult]:
        return [result for result in self.results if result.outcome == "failed"]

    def __repr__(self) -> str:
        from slayer.core._table import format_table

        rows = [(r.name, r.outcome, r.detail) for r in self.results]
        return f"conformance of {self.model}:\n" + format_table(("check", "outcome", "detail"), rows)


def check_neuron(
    neuron_class: type[Neuron],
    params: Mapping[str, Any],
    *,
    batch: int = 2,
    channels: int = 4,
    steps: int = 16,
    chunks: int = 4,
    input_scale: float | None = None,
    atol: float = 0.0,
    seed: int = 0,
    unused_parameters: tuple[str, ...] = (),
    raise_on_failure: bool = True,
) -> ConformanceReport:
    """Check that ``neuron_class(**params)`` works everywhere a built-in model works.

    For plugin authors' test suites (``assert check_neuron(MyNeuron, dict(threshold=1.0, ...)).passed``).
    Checks, each reported separately:

    * ``shape NCT`` / ``shape NCHWT``: input ``(N, C, T)`` / ``(N, C, H, W, T)`` gives finite output of the
      same shape and dtype (a ``(real, imag)`` pair for ``complex`` models);
    * ``chunked == long``: with ``persistent_state=True``, ``chunks`` calls on consecutive time windows give
      the output of one call on the whole input (within ``atol``; 0 means bit for bit);
    * ``reset_state``: after it, the neuron repeats its first output;
    * ``gradients``: with ``requires_grad=True``, a loss of the output gives finite, non-zero gradients to
      the input and to every learnable parameter;
    * ``state_dict``: a fresh model loading the ``state_dict`` gives the same output;
    * ``registered``: the registry finds the class under its ``name`` (so blocks and export find it);
    * ``block Dense`` / ``block Conv``: the family's blocks run forward and backward (weights get gradients);
    * ``hdf5``: a network of two Dense blocks exported to hdf5 and loaded back gives the same output.

    ``unused_parameters`` names learnable parameters the model leaves unused on purpose (sigma-delta's
    ``bias`` until ``set_bias``): they may get no gradient. ``input_scale`` multiplies uniform ``[0, 1)``
    inputs (default: the smallest of 0.5, 1, 2, 4, 8, 16 times
    the threshold that makes the neuron spike). Raises :class:`NeuronConformanceError` listing every failed
    check (or, with ``raise_on_failure=False``, returns the report).
    """
    report = ConformanceReport(f"{neuron_class.__module__}.{neuron_class.__qualname__}")
    checks = _Checks(neuron_class, dict(params), batch, channels, steps, chunks, input_scale, atol, seed)
    checks.unused = frozenset(unused_parameters)
    for name, check in checks.all():
        try:
            detail = check()
        except _Skip as skip:
            report.results.append(CheckResult(name, "skipped", str(skip)))
        except Exception as error:  # every failure is reported, not just the first
            report.results.append(CheckResult(name, "failed", f"{type(error).__name__}: {error}"))
        else:
            report.results.append(CheckResult(name, "passed", detail or ""))
    if raise_on_failure and not report.passed:
        raise NeuronConformanceError(repr(report))
    return report


class _Skip(Exception):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _parts(value: Input) -> tuple[torch.Tensor, ...]:
    return value if isinstance(value, tuple) else (value,)


def _max_difference(a: Input, b: Input) -> float:
    return max(float((x - y).abs().max()) if x.numel() else 0.0 for x, y in zip(_parts(a), _parts(b)))


class _Checks:
    def __init__(self, cls, params, batch, channels, steps, chunks, input_scale, atol, seed) -> None:
        self.cls, self.params, self.atol, self.seed = cls, params, atol, seed
        self.batch, self.channels, self.steps, self.chunks = batch, channels, steps, chunks
        self.accepted = inspect.signature(cls.__init__).parameters
        self._scale = input_scale
        self.unused: frozenset[str] = frozenset()

    def all(self) -> list[tuple[str, Callable[[], str | None]]]:
        return [
            ("shape NCT", lambda: self.shape((self.channels,))),
            ("shape NCHWT", lambda: self.shape((2, 3, 3))),
            ("chunked == long", self.chunked_equals_long),
            ("reset_state", self.reset_state),
            ("gradients", self.gradients),
            ("state_dict", self.state_dict),
            ("registered", self.registered),
            ("block Dense", lambda: self.block("Dense")),
            ("block Conv", lambda: self.block("Conv")),
            ("hdf5", self.hdf5),
        ]

    # -- building -----------------------------------------------------------------------------------

    def build(self, **options: Any) -> Neuron:
        params = dict(self.params)
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in self.accepted.values())
        for name, value in options.items():
            if name not in self.accepted and not takes_any:
                raise _Skip(f"{self.cls.__qualname__}() takes no {name!r} argument")
            params[name] = value
        return self.cls(**params)

    def input(self, shape: tuple[int, ...], scale: float | None = None) -> Input:
        generator = torch.Generator().manual_seed(self.seed)
        scale = self.scale() if scale is None else scale
        full = (self.batch, *shape, self.steps)
        if self.cls.complex:
            return tuple(scale * torch.rand(full, generator=generator) for _ in range(2))
        return scale * torch.rand(full, generator=generator)

    def scale(self) -> float:
        """An input scale that makes the neuron spike (some, not necessarily many, non-zero outputs)."""
        if self._scale is None:
            threshold = float(self.params.get("threshold", 1.0))
            for factor in (0.5, 1, 2, 4, 8, 16):
                self._scale = factor * threshold
                with torch.no_grad():
                    out = self.run(self.build(), self.input((self.channels,), self._scale))
                if any(bool((part != 0).any()) for part in _parts(out)):
                    break
        return self._scale

    def run(self, neuron: Neuron, x: Input) -> Input:
        torch.manual_seed(self.seed)  # granularity draws initial values on the first forward
        return neuron(x)

    # -- checks ------------------------------------------------------------------------------------

    def shape(self, neuron_shape: tuple[int, ...]) -> str:
        x = self.input(neuron_shape)
        out = self.run(self.build(), x)
        reference = _parts(x)[0]
        for part in _parts(out):
            _require(
                part.shape == reference.shape, f"output shape {tuple(part.shape)} != input {tuple(reference.shape)}"
            )
            _require(part.dtype == reference.dtype, f"output dtype {part.dtype} != input dtype {reference.dtype}")
            _require(bool(torch.isfinite(part).all()), "output has NaN or inf for a finite input")
        rate = float(sum((p != 0).float().mean() for p in _parts(out)) / len(_parts(out)))
        return f"input {tuple(reference.shape)}, non-zero output rate {rate:.2f}"

    def chunked_equals_long(self) -> str:
        x = self.input((self.channels,))
        long_neuron = self.build(persistent_state=True)
        with torch.no_grad():
            long = self.run(long_neuron, x)
            long_neuron.reset_state()
            chunked_neuron = self.build(persistent_state=True)
            chunked_neuron.load_state_dict(long_neuron.state_dict())
            bounds = torch.linspace(0, self.steps, self.chunks + 1).round().long().tolist()
            pieces = [chunked_neuron(self.window(x, a, b)) for a, b in itertools.pairwise(bounds)]
        chunked = tuple(torch.cat(parts, dim=-1) for parts in zip(*(_parts(p) for p in pieces)))
        difference = _max_difference(long, chunked if len(chunked) > 1 else chunked[0])
        _require(difference <= self.atol, f"{self.chunks} chunks differ from one long run by {difference:.3g}")
        return f"{self.chunks} chunks, max difference {difference:.3g}"

    @staticmethod
    def window(x: Input, start: int, stop: int) -> Input:
        return tuple(p[..., start:stop] for p in x) if isinstance(x, tuple) else x[..., start:stop]

    def reset_state(self) -> str:
        x = self.input((self.channels,))
        neuron = self.build(persistent_state=True)
        with torch.no_grad():
            first = self.run(neuron, x)
            neuron.reset_state()
            again = neuron(x)
        difference = _max_difference(first, again)
        _require(difference <= self.atol, f"output after reset_state() differs from the first by {difference:.3g}")
        return ""

    def gradients(self) -> str:
        x = tuple(p.requires_grad_() for p in _parts(self.input((self.channels,))))
        neuron = self.build(requires_grad=True)
        out = self.run(neuron, x if self.cls.complex else x[0])
        generator = torch.Generator().manual_seed(self.seed + 1)
        loss = sum((part * torch.rand(part.shape, generator=generator)).sum() for part in _parts(out))
        loss.backward()
        learnable = {name: p for name, p in neuron.named_parameters() if p.requires_grad and name not in self.unused}
        problems = [f"input {i}: {why}" for i, p in enumerate(x) if (why := _grad_problem(p.grad))]
        problems += [f"{name}: {why}" for name, p in learnable.items() if (why := _grad_problem(p.grad))]
        _require(not problems, "; ".join(problems))
        return f"input and {len(learnable)} learnable parameter(s): {', '.join(learnable) or 'none'}"

    def state_dict(self) -> str:
        x = self.input((self.channels,))
        neuron = self.build()
        with torch.no_grad():
            expected = self.run(neuron, x)
            fresh = self.build()
            fresh.load_state_dict(copy.deepcopy(neuron.state_dict()))
            difference = _max_difference(expected, fresh(x))
        _require(difference <= self.atol, f"a fresh model with the loaded state_dict differs by {difference:.3g}")
        return f"{len(neuron.state_dict())} entries"

    def registered(self) -> str:
        from slayer.core.plugins import registry

        entry = registry().get("neurons").get(getattr(self.cls, "name", None))
        _require(entry is not None, f"no neuron named {getattr(self.cls, 'name', None)!r} is registered")
        _require(entry.obj is self.cls, f"the name {self.cls.name!r} is registered to {entry.describe()}")
        return f"plugin {entry.plugin!r} ({entry.source})"

    def family(self, block_type: str):
        import slayer.block

        if block_type not in self.cls.block_types:
            raise _Skip(f"the model does not declare the block type {block_type!r}")
        try:
            return slayer.block.family(self.cls.name)
        except AttributeError as error:
            raise AssertionError(f"no block family: {error}") from None

    def block(self, block_type: str) -> str:
        family = self.family(block_type)
        torch.manual_seed(self.seed)
        if block_type == "Dense":
            block = family.Dense(dict(self.params), self.channels, 5, weight_scale=4)
            x = (torch.rand(self.batch, self.channels, self.steps) < 0.4).float()
        else:
            block = family.Conv(dict(self.params), 2, 3, 3, padding=1, weight_scale=4)
            x = (torch.rand(self.batch, 2, 5, 5, self.steps) < 0.4).float()
        out = block(x)
        _require(out.shape[0] == x.shape[0] and out.shape[-1] == x.shape[-1], f"output shape {tuple(out.shape)}")
        out.sum().backward()
        weights = block.synapse.named_parameters()
        problems = [f"synapse {name}: {why}" for name, p in weights if (why := _grad_problem(p.grad))]
        _require(not problems, "; ".join(problems))
        return f"input {tuple(x.shape)} -> {tuple(out.shape)}"

    def hdf5(self) -> str:
        from slayer.block import Sequential, export_hdf5, load_hdf5

        family = self.family("Dense")
        x = (torch.rand(self.batch, self.channels, self.steps, generator=self.generator()) < 0.4).float()
        for weight_scale in (4, 16, 64):  # the first that makes the output spike, so the comparison means something
            torch.manual_seed(self.seed)
            network = Sequential([
                family.Dense(dict(self.params), self.channels, 6, weight_scale=weight_scale),
                family.Dense(dict(self.params), 6, 3, weight_scale=weight_scale),
            ])  # fmt: skip
            with torch.no_grad():
                expected = network(x)
            if expected.count_nonzero():
                break
        with torch.no_grad(), tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "network.h5"
            export_hdf5(network, path)
            difference = _max_difference(expected, load_hdf5(path)(x))
        _require(difference <= self.atol, f"the network loaded back from hdf5 differs by {difference:.3g}")
        return f"2 Dense blocks (weight_scale {weight_scale}), {int(expected.count_nonzero())} output spikes"

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed)


def _grad_problem(grad: torch.Tensor | None) -> str:
    if grad is None:
        return "no gradient"
    if not bool(torch.isfinite(grad).all()):
        return "non-finite gradient"
    if not bool((grad != 0).any()):
        return "zero gradient"
    return ""
