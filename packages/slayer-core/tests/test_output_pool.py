"""The cpu backend's output pool: outputs of 1 MiB or more are reused after they are freed, results stay
bit-identical to the reference with reused (dirty) blocks, the idle cap and the off switch hold, and a bad
``SLAYER_CPU_POOL_MB`` is named in the error."""

import os
import subprocess
import sys
import textwrap
import warnings

import pytest
import torch

from slayer.core.backends import reference as ref
from slayer.core.backends.cpu import CpuBackend, CpuBuildWarning, empty_output_pool, output_pool_stats

# float32 outputs of 4 * 256 * 300 * 4 bytes = 1.2 MiB: above the pool's 1 MiB threshold
N, M, T = 4, 256, 300
S_SCALE = 64


@pytest.fixture(scope="module")
def cpu():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)
        return CpuBackend().kernels()


def cuba_args(seed: int, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(N, T, M, generator=gen, dtype=dtype).transpose(1, 2) * 1.5
    current_decay = torch.randint(0, 4097, (M,), generator=gen).to(dtype)
    voltage_decay = torch.randint(0, 1500, (M,), generator=gen).to(dtype)
    states = [torch.randn(N, M, generator=gen, dtype=dtype) * 0.3 for _ in range(2)]
    return (x, current_decay, voltage_decay, *states, 64, 1.0, False, S_SCALE)


def test_freed_outputs_are_reused(cpu):
    args = cuba_args(0)
    empty_output_pool()
    before = output_pool_stats()
    outputs = cpu["cuba_forward"](*args)
    during = output_pool_stats()
    # spikes and voltage (1.2 MiB each) come from the pool; events (bool, 0.3 MiB) and the states do not
    assert during.misses - before.misses == 2 and during.hits == before.hits
    assert during.live_bytes - before.live_bytes >= 2 * N * M * T * 4
    del outputs
    freed = output_pool_stats()
    assert freed.live_bytes == before.live_bytes and freed.idle_bytes >= 2 * N * M * T * 4
    outputs = cpu["cuba_forward"](*args)
    again = output_pool_stats()
    assert again.hits - freed.hits == 2 and again.misses == freed.misses
    del outputs
    assert empty_output_pool() >= 2 * N * M * T * 4
    assert output_pool_stats().idle_bytes == 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_reused_blocks_give_reference_results(cpu, dtype):
    """Blocks come back dirty (last step's values): every element must still be written."""
    for seed in range(3):
        args = cuba_args(seed, dtype)
        expected = ref.cuba_forward(*args)
        actual = cpu["cuba_forward"](*args)
        for e, a in zip(expected, actual):
            assert e.stride() == a.stride()
            assert torch.equal(e, a)
        _, voltage, _, _, events = expected
        gen = torch.Generator().manual_seed(seed)
        grad = torch.randn(N, T, M, generator=gen, dtype=dtype).transpose(1, 2)
        plane = torch.zeros(N, M, dtype=dtype)
        grads = (grad, torch.empty(0, dtype=dtype), plane, plane, args[0], voltage, events, *args[1:5], 1.0, 0.3, 0.8,
                 False, S_SCALE)  # fmt: skip
        for e, a in zip(ref.cuba_backward(*grads), cpu["cuba_backward"](*grads)):
            torch.testing.assert_close(a, e)
        del actual


def test_pooled_outputs_can_be_resized(cpu):
    spikes = cpu["cuba_forward"](*cuba_args(1))[0]
    spikes.resize_(2 * N, M, T).fill_(3.0)  # storage grows through the pool's allocator
    assert spikes.shape == (2 * N, M, T) and bool((spikes == 3.0).all())


def run_with_pool_env(value: str, body: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SLAYER_CPU_POOL_MB": value}
    code = "import torch\nfrom slayer.core.backends.cpu import CpuBackend, output_pool_stats\n"
    code += "k = CpuBackend().kernels()['cuba_forward']\n"
    code += "x = torch.randn(4, 300, 256).transpose(1, 2)\nz, s = torch.zeros(256), torch.zeros(4, 256)\n"
    code += textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)


def test_zero_turns_the_pool_off():
    done = run_with_pool_env("0", "o = k(x, z, z, s, s, 64, 1.0, False, 64)\nprint(output_pool_stats())")
    assert done.returncode == 0, done.stderr
    assert "limit=0 MiB, hits=0, misses=0" in done.stdout and "live=0.0 MiB" in done.stdout


def test_idle_bytes_stay_under_the_cap():
    body = """
    outs = [k(x * i, z, z, s, s, 64, 1.0, False, 64) for i in range(4)]  # 8 blocks of 1.2 MiB
    del outs
    st = output_pool_stats()
    assert st.limit_bytes == 3 << 20 and 0 < st.idle_bytes <= st.limit_bytes, st
    print("ok")
    """
    done = run_with_pool_env("3", body)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr


def test_a_bad_limit_is_named():
    done = run_with_pool_env("lots", "k(x, z, z, s, s, 64, 1.0, False, 64)")
    assert done.returncode != 0
    assert "SLAYER_CPU_POOL_MB must be a whole number of MiB" in done.stderr and "'lots'" in done.stderr


def test_a_forked_child_can_use_the_pool():
    body = """
    import os
    o = k(x, z, z, s, s, 64, 1.0, False, 64)
    del o  # an idle block the child inherits
    pid = os.fork()
    if pid == 0:
        torch.set_num_threads(1)  # as DataLoader workers do: OpenMP itself cannot run threads in a forked child
        ok = k(x, z, z, s, s, 64, 1.0, False, 64)[0].shape == x.shape and output_pool_stats().hits >= 2
        os._exit(0 if ok else 3)
    _, status = os.waitpid(pid, 0)
    print("child", os.waitstatus_to_exitcode(status))
    """
    done = run_with_pool_env("64", body)
    assert done.returncode == 0 and "child 0" in done.stdout, done.stderr
