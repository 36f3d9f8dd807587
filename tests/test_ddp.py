"""The Assistant under ``torchrun`` with 2 CPU processes (gloo): both ranks end with identical weights,
equal to rounding to one process training on the same batches, with the same statistics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).parent / "distributed" / "ddp_train.py"


#: what torchrun reports when a rank dies of a native signal. About one launch in 10-20 on the 2-core CI machine
#: has a rank abort ("terminate called without an active exception") or segfault in a native thread within its
#: first two seconds; measured 1 in 20 with the code of the issue-13 branch and 1-2 in 10-20 on main, so it is
#: not this repository's kernels (similar gloo start-up aborts upstream: pytorch/pytorch#188266). Such a launch
#: is repeated; any other failure, and every check of the results below, is not.
_RANK_CRASHED = ("Signal 6 (SIGABRT)", "Signal 11 (SIGSEGV)")


def run(command: list[str], tmp_path: Path, attempts: int = 3) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for attempt in range(attempts):
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
        )
        output = result.stdout[-3000:] + result.stderr[-3000:]
        crashed = result.returncode != 0 and any(signal in output for signal in _RANK_CRASHED)
        if not crashed or attempt == attempts - 1:
            break
    assert result.returncode == 0, output


def test_two_ranks_equal_one_process(tmp_path):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    run([*torchrun, str(SCRIPT), "--out", str(tmp_path / "ddp")], tmp_path)
    run([sys.executable, str(SCRIPT), "--out", str(tmp_path / "single")], tmp_path)
    rank0, rank1 = (torch.load(tmp_path / "ddp" / f"rank{r}.pt") for r in (0, 1))
    single = torch.load(tmp_path / "single" / "rank0.pt")
    assert rank0["world"] == 2 and single["world"] == 1
    for name, value in single["initial"].items():
        assert not torch.equal(value, single["state"][name]), f"{name} did not train"
    for name, value in rank0["state"].items():
        assert torch.equal(value, rank1["state"][name]), name  # DDP keeps the ranks in lockstep
    torch.testing.assert_close(rank0["state"], single["state"], rtol=1e-5, atol=1e-6)
    assert rank0["stats"] == rank1["stats"]  # metrics summed over the ranks
    for phase in ("Train", "Test"):
        ddp_losses, ddp_accuracy = rank0["stats"][phase]
        single_losses, single_accuracy = single["stats"][phase]
        torch.testing.assert_close(ddp_losses, single_losses, rtol=1e-5, atol=1e-7)
        assert ddp_accuracy == single_accuracy
