"""Synthetic driving frames in the PilotNet dataset layout, for tests and benchmarks without the real data.

Layout (as the real ``driving_dataset``): a folder with ``data.txt`` (one line per frame: ``<n>.jpg <angle>``,
the steering angle in degrees) and JPEG frames ``0.jpg, 1.jpg, ...`` of 455 x 256 pixels. Each frame draws a
road whose bend follows the steering angle, so the angle can be learned from the image, over textured
fields that scroll as the car drives, so consecutive frames differ everywhere as in real footage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: the real dataset's frame size (width, height)
REAL_FRAME_SIZE = (455, 256)


def steering_angles(num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth random steering trace in degrees (a mean-reverting walk within about +-60 degrees)."""
    angles = np.zeros(num_frames)
    for i in range(1, num_frames):
        angles[i] = 0.95 * angles[i - 1] + rng.normal(0, 6)
    return np.clip(angles, -90, 90)


def ground_texture(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A ``(H, W)`` pattern of soft blobs (fields, bushes) in ``[-1, 1]``, tiled as the car drives."""
    width, height = size
    coarse = rng.uniform(-1, 1, (height // 4 + 2, width // 4 + 2))
    return np.kron(coarse, np.ones((4, 4)))[:height, :width]


def draw_frame(
    angle: float, size: tuple[int, int], rng: np.random.Generator, texture: np.ndarray, travelled: float
) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 frame: sky, textured ground scrolling by ``travelled`` rows, and a road
    bending by ``angle`` degrees."""
    width, height = size
    rows, cols = np.mgrid[0:height, 0:width]
    horizon = height // 3
    depth = np.clip((rows - horizon) / max(height - horizon, 1), 0, 1)  # 0 at the horizon, 1 at the bottom
    bend = np.deg2rad(angle) * 0.4 * width * (1 - depth) ** 2
    scroll = (rows + int(travelled)) % texture.shape[0]
    sideways = (cols - bend.astype(int)) % texture.shape[1]
    shade = texture[scroll, sideways][..., None]
    image = np.empty((height, width, 3), np.float32)
    image[:] = np.array((90, 130, 70)) + 80 * shade  # fields
    image[:horizon] = (150, 190, 230)  # sky
    centre = width / 2 + bend
    half_width = (0.05 + 0.35 * depth) * width
    road = (np.abs(cols - centre) < half_width) & (rows >= horizon)
    image[road] = (90, 90, 95)
    dashes = ((rows + int(travelled)) // 8) % 2 == 0
    marking = (np.abs(cols - centre) < 0.01 * width + 1) & (rows >= horizon) & dashes
    image[marking] = (240, 240, 240)
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_dataset(path: str | Path, num_frames: int, size: tuple[int, int] = REAL_FRAME_SIZE, seed: int = 0) -> Path:
    """Write ``num_frames`` frames and ``data.txt`` into ``path`` (created); returns ``path``."""
    from PIL import Image

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    angles = steering_angles(num_frames, rng)
    texture = ground_texture(size, rng)
    lines = []
    for index, angle in enumerate(angles):
        frame = draw_frame(angle, size, rng, texture, travelled=index * size[1] / 8)
        Image.fromarray(frame).save(path / f"{index}.jpg", quality=90)
        lines.append(f"{index}.jpg {angle:.6f}")
    (path / "data.txt").write_text("\n".join(lines) + "\n")
    return path
