"""tutorials/nmnist/train.py in smoke mode: generated N-MNIST-format files read by tonic's own NMNIST loader,
binned by slayer's EventCollate, a few training iterations of lava-dl's network with falling loss; logs and the
hdf5 network written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "tutorials" / "nmnist" / "train.py"


def test_nmnist_trains_on_generated_data_through_tonic(tmp_path):
    pytest.importorskip("tonic")
    out = tmp_path / "out"
    command = [sys.executable, str(SCRIPT), "--fake", "2", "--events", "300", "--epochs", "3", "--batch", "5"]
    command += ["--workers", "0", "--data-dir", str(tmp_path / "data"), "--out", str(out), "--no-progress"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "data" / "NMNIST" / "Train" / "9" / "00001.bin").exists()  # what tonic read
    first, last = map(float, re.search(r"train loss ([\d.]+) -> ([\d.]+)", result.stdout).groups())
    assert last < first
    assert re.search(r"first training epoch: 20 samples, [\d.]+ samples/s", result.stdout)
    rows = (out / "accuracy.txt").read_text().splitlines()
    assert rows[0].split() == ["#", "Train", "Test"] and len(rows) == 4
    assert (out / "network.net").stat().st_size > 1_000_000  # 2312 x 512 weights and the delays
