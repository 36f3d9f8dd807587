"""``benchmarks/gpu_check.py`` is run by hand on GPU machines only, so its CUDA-only helpers are run here with
the CUDA calls replaced by recorders: a helper that recurses, forgets an import or calls the wrong function
fails on a CPU machine instead of on the next GPU session."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "gpu_check.py"
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not beside this package (sdist)")


@pytest.fixture
def gpu_check(monkeypatch):
    """The script as a module, in its CUDA mode, with torch.cuda's synchronize/empty_cache/Event recorded."""
    spec = importlib.util.spec_from_file_location("gpu_check_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEV == "cuda"
    calls: list[str] = []
    elapsed = iter([5.0, 1.0, 3.0, 2.0, 4.0] * 10)

    class FakeEvent:
        def __init__(self, enable_timing: bool = False):
            assert enable_timing
            self.recorded = False

        def record(self):
            self.recorded = True
            calls.append("record")

        def synchronize(self):
            assert self.recorded
            calls.append("event_sync")

        def elapsed_time(self, end):
            assert self.recorded and end.recorded
            return next(elapsed)

    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a, **k: calls.append("synchronize"))
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("empty_cache"))
    monkeypatch.setattr(torch.cuda, "Event", FakeEvent)
    module.calls = calls
    return module


def test_sync_and_free_call_cuda_once(gpu_check):
    gpu_check._sync()
    gpu_check._free()
    assert gpu_check.calls == ["synchronize", "empty_cache"]


def test_sync_and_free_do_nothing_in_the_cpu_dry_run(gpu_check, monkeypatch):
    monkeypatch.setattr(gpu_check, "DEV", "cpu")
    gpu_check._sync()
    gpu_check._free()
    assert gpu_check.calls == []


def test_cuda_ms_is_the_median_of_the_event_timings(gpu_check):
    runs = []
    result = gpu_check.cuda_ms(lambda: runs.append(1), warmup=2, iters=5)
    assert result == 3.0  # median of 5, 1, 3, 2, 4
    assert len(runs) == 7  # warm-ups + timed runs
    assert gpu_check.calls.count("synchronize") == 1  # after the warm-ups
    assert gpu_check.calls.count("record") == 10 and gpu_check.calls.count("event_sync") == 5
