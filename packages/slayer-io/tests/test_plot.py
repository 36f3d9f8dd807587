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
