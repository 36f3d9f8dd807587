"""Backend selection: automatic by priority/device/op, explicit via SLAYER_BACKEND, cache and reset."""

import pytest
import torch

from slayer.core import hookimpl
from slayer.core.backends import (
    KERNEL_NAMES,
    Backend,
    BackendSelectionError,
    clear_cache,
    select_backend,
    select_kernel,
)
from slayer.core.backends.reference import ReferenceBackend
from slayer.core.dynamics import leaky_integrator
from slayer.core.plugins import registry, reset


class Recording(Backend):
    """Wraps the reference kernels it claims, recording calls."""

    def __init__(self, name, priority, ops, device_types=("cpu",), available=True):
        self.name, self.priority, self._ops = name, priority, ops
        self.device_types, self._available = frozenset(device_types), available
        self.calls = []

    def is_available(self):
        return self._available

    def kernels(self):
        reference = ReferenceBackend().kernels()

        def wrap(op):
            def kernel(*args):
                self.calls.append(op)
                return reference[op](*args)

            return kernel

        return {op: wrap(op) for op in self._ops}


class Plugin:
    def __init__(self, *backends):
        self.backends = list(backends)

    @hookimpl
    def slayer_register_backends(self):
        return self.backends


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.delenv("SLAYER_BACKEND", raising=False)
    reset()
    yield
    reset()


def install(*backends):
    registry().register(Plugin(*backends), f"test-{id(backends)}")
    clear_cache()


def test_reference_implements_every_kernel(fresh, monkeypatch):
    assert set(ReferenceBackend().kernels()) == set(KERNEL_NAMES)
    monkeypatch.setenv("SLAYER_BACKEND", "reference")
    for op in KERNEL_NAMES:
        assert select_backend(op, "cpu").name == "reference"


def test_without_other_backends_reference_runs_everything(fresh, monkeypatch):
    monkeypatch.setenv("SLAYER_BLOCKED_PLUGINS", "slayer-core")  # not even slayer-core's native backends
    reset()
    for op in KERNEL_NAMES:
        assert select_backend(op, "cpu").name == "reference"


def test_highest_priority_available_backend_wins_per_op(fresh):
    fast = Recording("test-fast", 1000, ["leaky_integrator_forward"])
    faster_but_gone = Recording("test-gone", 2000, ["leaky_integrator_forward"], available=False)
    gpu_only = Recording("test-gpu", 3000, ["leaky_integrator_forward"], device_types=("cuda",))
    install(fast, faster_but_gone, gpu_only)
    assert select_backend("leaky_integrator_forward", "cpu") is fast
    assert select_backend("leaky_integrator_backward", "cpu") is not fast  # fast lacks it
    assert select_backend("leaky_integrator_forward", "cuda") is gpu_only
    x = torch.rand(1, 2, 3, requires_grad=True)
    out, _ = leaky_integrator(x, torch.tensor(100.0))
    out.sum().backward()
    assert fast.calls == ["leaky_integrator_forward"]


def test_explicit_backend_by_environment(fresh, monkeypatch):
    low = Recording("test-low", -5, ["leaky_integrator_forward"])
    install(low)
    monkeypatch.setenv("SLAYER_BACKEND", "test-low")
    leaky_integrator(torch.rand(1, 2, 3), torch.tensor(100.0))
    assert low.calls == ["leaky_integrator_forward"]
    with pytest.raises(BackendSelectionError, match="has no kernel 'resonator_forward'"):
        select_kernel("resonator_forward", "cpu")
    with pytest.raises(BackendSelectionError, match="not on device type 'cuda'"):
        select_kernel("leaky_integrator_forward", "cuda")
    monkeypatch.setenv("SLAYER_BACKEND", "reference")
    assert select_backend("leaky_integrator_forward", "cpu").name == "reference"


def test_unknown_backend_name_lists_the_known_ones(fresh, monkeypatch):
    monkeypatch.setenv("SLAYER_BACKEND", "nope")
    with pytest.raises(BackendSelectionError, match="names no registered backend; known backends: .*reference"):
        leaky_integrator(torch.rand(1, 2, 3), torch.tensor(100.0))


def test_explicit_unavailable_backend_raises_instead_of_falling_back(fresh, monkeypatch):
    install(Recording("test-gone", 5, ["leaky_integrator_forward"], available=False))
    monkeypatch.setenv("SLAYER_BACKEND", "test-gone")
    with pytest.raises(BackendSelectionError, match="not available"):
        select_kernel("leaky_integrator_forward", "cpu")


def test_choice_is_cached_until_plugins_reset(fresh):
    fast = Recording("test-fast", 1000, ["leaky_integrator_forward"])
    install(fast)
    assert select_backend("leaky_integrator_forward", "cpu") is fast
    registry().unregister(next(p.name for p in registry().plugins() if p.name.startswith("test-")))
    assert select_backend("leaky_integrator_forward", "cpu") is fast  # cached
    reset()  # slayer.core.plugins.reset invalidates the cache
    assert select_backend("leaky_integrator_forward", "cpu").name != "test-fast"


def test_unknown_kernel_name_lists_the_known_kernels(fresh, monkeypatch):
    from slayer.core.backends import KERNEL_NAMES, UnknownKernelError, select_kernel

    monkeypatch.delenv("SLAYER_BACKEND", raising=False)
    with pytest.raises(
        UnknownKernelError, match=r"no backend has a kernel named 'leaky_integrator_fwd'; known kernels: "
    ) as info:
        select_kernel("leaky_integrator_fwd", "cpu")
    assert all(name in str(info.value) for name in KERNEL_NAMES)
    monkeypatch.setenv("SLAYER_BACKEND", "reference")
    with pytest.raises(
        UnknownKernelError, match=r"'reference'.*no kernel 'nope'; its kernels: .*leaky_integrator_forward"
    ):
        select_kernel("nope", "cpu")
