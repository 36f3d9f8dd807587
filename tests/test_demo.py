"""The demo (``nox -s demo``) in smoke mode: it runs from a fresh clone, trains, and draws."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).parents[1] / "tutorials" / "demo.py"


def test_demo_trains_and_writes_its_plot(tmp_path):
    result = subprocess.run(
        [sys.executable, str(DEMO), "--epochs", "6", "--steps", "400", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, last = map(float, re.search(r"loss (\d+) -> (\d+)", result.stdout).groups())
    assert last < first
    assert (tmp_path / "oxford.png").stat().st_size > 10_000
