"""tutorials/neuron_dynamics runs in smoke mode and writes a non-empty PNG per model and pattern."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tutorials" / "neuron_dynamics" / "neuron_dynamics.py"
MODELS = ("cuba", "alif", "rf", "rf_iz", "adrf", "adrf_iz", "sigma_delta")
PATTERNS = ("step", "pulses", "random")


def test_neuron_dynamics_tutorial_smoke(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for model in MODELS:
        for pattern in PATTERNS:
            png = tmp_path / f"{model}_{pattern}.png"
            assert png.is_file() and png.stat().st_size > 1000, png
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
