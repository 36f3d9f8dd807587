"""The PilotNet driving dataset as clips of consecutive frames (lava-dl's ``PilotNetDataset``, spec §16.3).

``data.txt`` lists ``<frame>.jpg <angle in degrees>`` per line (anything after a comma on the line is
ignored). A sample is ``(frames, angles)``: ``(3, 33, 100, sequence)`` float32 frames resized and normalised
to ``[-1, 1]``, and ``(1, sequence)`` steering angles in radians. Clips start at every ``stride``-th frame; a
fixed permutation (seed 42) puts 80 % of the clips in the training split and the rest in the test split. An
isolated angle of exactly 0 between two non-zero neighbours (a logging glitch) is replaced by their mean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

FRAME_SIZE = (33, 100)  # (height, width) after resizing


def read_angles(path: Path) -> tuple[list[str], np.ndarray]:
    """Frame file names and steering angles (degrees) from ``path/data.txt``, with zero glitches repaired."""
    names, angles = [], []
    for number, line in enumerate((path / "data.txt").read_text().splitlines(), start=1):
        fields = line.split(",")[0].split()
        if not fields:
            continue
        if len(fields) < 2:
            raise ValueError(f"{path / 'data.txt'} line {number}: expected '<frame> <angle>', got {line!r}")
        names.append(fields[0])
        angles.append(float(fields[1]))
    if not names:
        raise ValueError(f"{path / 'data.txt'} lists no frames")
    angles = np.asarray(angles)
    glitch = np.flatnonzero((angles[1:-1] == 0) & (angles[:-2] != 0) & (angles[2:] != 0)) + 1
    angles[glitch] = (angles[glitch - 1] + angles[glitch + 1]) / 2
    return names, angles


class PilotNetDataset(torch.utils.data.Dataset):
    """Clips of ``sequence`` frames from a PilotNet-layout folder ``path`` (see the module docstring)."""

    def __init__(
        self, path: str | Path, sequence: int = 16, train: bool = True, stride: int = 1, split: float = 0.8
    ) -> None:
        self.path = Path(path)
        if not (self.path / "data.txt").is_file():
            raise FileNotFoundError(f"{self.path} is not a PilotNet dataset folder: no data.txt")
        self.names, angles = read_angles(self.path)
        if len(self.names) < sequence:
            raise ValueError(f"{self.path} has {len(self.names)} frames, fewer than one clip of {sequence}")
        self.sequence = sequence
        self.radians = torch.from_numpy(np.deg2rad(angles).astype(np.float32))
        starts = np.arange(0, len(self.names) - sequence + 1, stride)
        order = np.random.default_rng(42).permutation(len(starts))
        cut = round(split * len(starts))
        self.starts = starts[order[:cut] if train else order[cut:]]
        self._frames: dict[int, torch.Tensor] = {}  # decoded, resized frames (uint8) by index

    def frame(self, index: int) -> torch.Tensor:
        """Frame ``index`` as ``(3, 33, 100)`` uint8 (decoded once, then cached)."""
        cached = self._frames.get(index)
        if cached is None:
            from PIL import Image

            with Image.open(self.path / self.names[index]) as image:
                resized = image.convert("RGB").resize(FRAME_SIZE[::-1], Image.BILINEAR)
            cached = torch.from_numpy(np.asarray(resized).copy()).permute(2, 0, 1).contiguous()
            self._frames[index] = cached
        return cached

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = int(self.starts[item])
        indices = range(start, start + self.sequence)
        frames = torch.stack([self.frame(i) for i in indices], dim=-1).float() / 255
        return (frames - 0.5) / 0.5, self.radians[start : start + self.sequence].reshape(1, -1)

    def __repr__(self) -> str:
        return f"PilotNetDataset({str(self.path)!r}, clips={len(self)}, sequence={self.sequence})"
