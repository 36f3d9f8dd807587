"""Event plots: numpy frames by hand, matplotlib figures headless, a clear error without matplotlib."""

import sys
from pathlib import Path

import numpy as np
import pytest

from slayer.io import Event, plot

matplotlib = pytest.importorskip("matplotlib", reason="plots need the slayer-io[plot] extra")
matplotlib.use("Agg")


def _two_d() -> Event:
    return Event([0, 2, 1, 1], [1, 0, 0, 0], [0, 1, 2, 0], [1.0, 12.0, 15.0, 25.0])


def test_frames_colour_channels_by_hand():
    images = plot.frames(_two_d(), frame_duration=10)
    assert images.shape == (3, 2, 3, 3)  # 3 frames of 10 ms, H = 2, W = 3, RGB
    expected = np.zeros_like(images)
    expected[0, 1, 0, 2] = 1  # channel 0 -> blue
    expected[1, 0, 2, 0] = 1  # channel 1 -> red
    expected[1, 0, 1, 1] = 1  # channel 2 -> green
    expected[2, 0, 1, 2] = 1
    np.testing.assert_array_equal(images, expected)


def test_raster_draws_every_1d_event():
    import matplotlib.pyplot as plt

    event = Event([3, 0, 7], None, [0, 1, 0], [1.0, 2.0, 3.0])
    ax = plot.raster(event)
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(np.asarray(offsets), [[1.0, 3], [2.0, 0], [3.0, 7]])
    assert ax.get_xlabel() == "time (ms)"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="raster needs 1-D events; got 2-D"):
        plot.raster(_two_d())


def test_frame_grid_and_animation(tmp_path: Path):
    import matplotlib.pyplot as plt

    fig = plot.frame_grid(_two_d(), n_frames=3, ncols=2)
    assert len(fig.axes) == 4 and len(fig.axes[0].images) == 1 and len(fig.axes[3].images) == 0
    plt.close(fig)
    anim = _two_d().anim(frame_rate=100)  # 10 ms frames
    path = tmp_path / "events.gif"
    anim.save(path, writer="pillow", fps=10)
    assert path.stat().st_size > 0
    from matplotlib.animation import FuncAnimation

    anim_1d = Event([1, 2], None, [0, 0], [0.0, 30.0]).anim(frame_rate=100)
    assert isinstance(anim_1d, FuncAnimation)
    anim_1d.save(tmp_path / "raster.gif", writer="pillow", fps=10)  # draws the moving scan line
    assert (tmp_path / "raster.gif").stat().st_size > 0


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'slayer-io\[plot\]'"):
        plot.raster(Event([0], None, [0], [0.0]))


def _moving_bar(width: int = 32, height: int = 24, steps: int = 16) -> np.ndarray:
    """A tonic-style recording (µs) of a vertical bar moving right: ON events on its leading edge,
    OFF events one pixel behind, one column every 10 ms."""
    records = []
    for k in range(steps):
        x = 4 + k
        for y in range(4, height - 4):
            records.append((x, y, k * 10_000 + y, 1))
            records.append((x - 1, y, k * 10_000 + y + 500, 0))
    return np.array(records, dtype=[("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i1")])


def test_frame_grid_png_of_a_tonic_sample(tmp_path: Path):
    from PIL import Image

    events = _moving_bar()
    fig = plot.frame_grid(events, n_frames=8, ncols=4, frame_duration=20.0, path=tmp_path / "grid.png")  # µs → ms
    assert fig.axes[0].get_title() == "0-20 ms"
    image = np.asarray(Image.open(tmp_path / "grid.png").convert("RGB")).astype(int)
    width, height = fig.get_size_inches() * fig.dpi
    assert image.shape == (round(height), round(width), 3)
    red = (image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)
    blue = (image[..., 2] > 200) & (image[..., 0] < 60) & (image[..., 1] < 60)
    assert red.sum() > 500 and blue.sum() > 500  # ON edges red, OFF edges blue (lava-dl colours)
    # the frames drawn are plot.frames of the same events
    first = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(first, plot.frames(plot.as_event(events), 20.0, 8)[0])


def test_raster_png_of_1d_structured_events(tmp_path: Path):
    events = np.array([(0, 3, 1), (2000, 5, 1), (4000, 1, 1)], dtype=[("t", "<i8"), ("x", "<i8"), ("p", "<i8")])
    ax = plot.raster(events, path=tmp_path / "raster.png")
    np.testing.assert_array_equal(np.asarray(ax.collections[0].get_offsets()), [[0, 3], [2, 5], [4, 1]])
    assert (tmp_path / "raster.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gif_of_a_dense_tensor(tmp_path: Path):
    from PIL import Image

    from slayer.io.dense import events_to_dense

    dense = events_to_dense(_moving_bar(), (32, 24, 2), time_step=1000)  # (2, 24, 32, 160) of 1 ms steps
    path = tmp_path / "bar.gif"
    plot.animate(dense, sampling_time=1.0, frame_rate=50, path=path)  # 20 ms per frame
    with Image.open(path) as gif:
        n_frames = gif.n_frames
        gif.seek(3)
        frame = np.asarray(gif.convert("RGB")).astype(int)
    assert n_frames == 8  # 150.5 ms of events in 20 ms frames
    assert ((frame[..., 0] > 200) & (frame[..., 1] < 60)).sum() > 50  # the red ON edge is drawn
    # the image is the tensor's 24 x 32, not the events' extent
    import matplotlib.pyplot as plt

    fig = plt.figure()
    plot.animate(dense, fig=fig, sampling_time=1.0, frame_rate=50)
    assert fig.axes[0].images[0].get_array().shape == (24, 32, 3)


def test_mp4_needs_an_encoder(tmp_path: Path, monkeypatch):
    from matplotlib import animation

    anim = plot.animate(plot.as_event(_moving_bar()), frame_rate=50)
    if animation.writers.is_available("ffmpeg"):
        plot.save_animation(anim, tmp_path / "bar.mp4")
        assert (tmp_path / "bar.mp4").stat().st_size > 0
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(RuntimeError, match=r"MP4 needs ffmpeg.*pip install imageio-ffmpeg"):
        plot.save_animation(anim, tmp_path / "none.mp4")
    assert not (tmp_path / "none.mp4").exists()
    with pytest.raises(ValueError, match=r"use \.gif or \.mp4"):
        plot.save_animation(anim, tmp_path / "bar.avi")
    with pytest.raises(TypeError, match=r"got list"):
        plot.animate([1, 2, 3])
