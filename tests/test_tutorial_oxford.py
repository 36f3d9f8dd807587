"""tutorials/oxford/train.py (``nox -s demo``) in smoke mode: a fresh process trains a few epochs with falling
loss, writes its logs, plots and animation, and the hdf5 network it exports reproduces the trained output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "tutorials" / "oxford" / "train.py"


def test_oxford_trains_and_writes_its_outputs(tmp_path):
    pytest.importorskip("matplotlib")
    command = [sys.executable, str(SCRIPT), "--epochs", "8", "--steps", "600", "--out", str(tmp_path), "--no-progress"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    first, last = (float(v.replace(",", "")) for v in re.search(r"loss ([\d,]+) -> ([\d,]+)", result.stdout).groups())
    assert last < first
    assert "loaded back, it fires the same" in result.stdout
    losses = (tmp_path / "loss.txt").read_text().splitlines()
    assert losses[0].split() == ["#", "Train"] and len(losses) == 9
    assert float(losses[1]) == pytest.approx(first, rel=1e-5)
    for name, size in [("oxford.png", 20_000), ("loss.png", 5_000), ("output.gif", 5_000), ("network.net", 100_000)]:
        assert (tmp_path / name).stat().st_size > size, name
