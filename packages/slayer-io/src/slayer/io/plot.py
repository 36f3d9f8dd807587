"""Plots of events: a raster for 1-D events, a grid of frames or an animation for 2-D events.

matplotlib is imported only when a plot is drawn (``pip install 'slayer-io[plot]'``).
:func:`frames` is pure numpy. Colours follow lava-dl: channel 0 blue, 1 red, 2 green.
Every function accepts an :class:`~slayer.io.Event`, a tonic-style structured event array
(times in ``time_unit`` seconds, µs by default) or, for :func:`animate`, a dense spike tensor
``(C, H, W, T)`` / ``(C, X, T)`` (numpy or torch; one step is ``sampling_time`` ms). Given
``path``, figures are saved there (PNG, PDF, ... by suffix) and animations as GIF (Pillow) or
MP4 (ffmpeg: on PATH, or ``pip install imageio-ffmpeg``). Everything works headless.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from slayer.io.event import Event, tensor_to_event
from slayer.io.structured import from_structured, is_structured

if TYPE_CHECKING:
    import os

# RGB plane of channel 0, 1, 2 (blue, red, green)
_CHANNEL_PLANE = (2, 0, 1)
_CHANNEL_COLOUR = ("tab:blue", "tab:red", "tab:green")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "slayer.io plots need matplotlib, which is not installed; install the plot extra: "
            "pip install 'slayer-io[plot]'"
        ) from error
    return plt


def as_event(data: Any, sampling_time: float = 1.0, time_unit: float = 1e-6) -> Event:
    """``data`` as an Event: an Event itself, a structured array (``t`` in ``time_unit`` seconds), or a
    dense tensor ``(C, X, T)`` / ``(C, H, W, T)`` with steps of ``sampling_time`` ms."""
    if isinstance(data, Event):
        return data
    if is_structured(data):
        return from_structured(data, time_unit)
    if hasattr(data, "shape") and len(data.shape) in (3, 4):
        return tensor_to_event(data, sampling_time)
    raise TypeError(
        "expected an Event, a structured event array or a dense (C, X, T) / (C, H, W, T) tensor; "
        f"got {type(data).__name__}" + (f" of shape {tuple(data.shape)}" if hasattr(data, "shape") else "")
    )


def _save_figure(fig: Any, path: str | os.PathLike[str] | None) -> None:
    if path is not None:
        fig.savefig(path)


def save_animation(animation: Any, path: str | os.PathLike[str], fps: float = 24) -> Path:
    """Save a ``FuncAnimation`` as ``.gif`` (Pillow) or ``.mp4`` (ffmpeg); returns the path.

    MP4 uses ffmpeg from PATH, else the one shipped by the ``imageio-ffmpeg`` package; without
    either a RuntimeError says how to get one (nothing is written).
    """
    from matplotlib import animation as mpl_animation

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gif":
        writer: Any = mpl_animation.PillowWriter(fps=fps)
    elif suffix == ".mp4":
        if not mpl_animation.writers.is_available("ffmpeg"):
            try:
                import imageio_ffmpeg
                import matplotlib

                matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
            except ImportError:
                raise RuntimeError(
                    f"cannot write {str(path)!r}: MP4 needs ffmpeg, found neither on PATH nor as the imageio-ffmpeg "
                    "package; pip install imageio-ffmpeg, or save a .gif"
                ) from None
        writer = mpl_animation.FFMpegWriter(fps=fps)
    else:
        raise ValueError(f"cannot save an animation as {suffix or 'a file without suffix'!r}: use .gif or .mp4")
    animation.save(path, writer=writer)
    return path


def _require_dim(event: Event, dim: int, what: str) -> None:
    if event.dim != dim:
        raise ValueError(f"{what} needs {dim}-D events; got {event.dim}-D events")


def frames(
    event: Any, frame_duration: float, n_frames: int | None = None, size: tuple[int, int] | None = None
) -> np.ndarray:
    """2-D events as RGB frames ``(n_frames, H, W, 3)`` in ``[0, 1]``, each ``frame_duration`` ms long.

    A pixel's plane is 1 when an event of that channel (0 blue, 1 red, 2 green) fell in the frame.
    ``n_frames`` defaults to enough frames to cover the latest event; ``size = (H, W)`` to the
    events' extent; events outside either and channels > 2 are not drawn.
    """
    event = as_event(event)
    _require_dim(event, 2, "frames")
    if not frame_duration > 0:
        raise ValueError(f"frame_duration must be positive (ms); got {frame_duration!r}")
    if size is None:
        size = (int(event.y.max()) + 1, int(event.x.max()) + 1) if len(event) else (1, 1)
    height, width = size
    index = np.floor(event.t / frame_duration).astype(np.int64)
    if n_frames is None:
        n_frames = int(index.max()) + 1 if len(event) else 1
    out = np.zeros((n_frames, height, width, 3))
    keep = (index >= 0) & (index < n_frames) & (event.c < len(_CHANNEL_PLANE)) & (event.y < height) & (event.x < width)
    plane = np.asarray(_CHANNEL_PLANE)[event.c[keep]]
    out[index[keep], event.y[keep], event.x[keep], plane] = 1.0
    return out


def raster(event: Any, ax: Any = None, path: str | os.PathLike[str] | None = None, time_unit: float = 1e-6) -> Any:
    """Raster plot of 1-D events (time in ms vs neuron id), coloured by channel; returns the Axes
    (its figure is ``ax.figure``, saved at ``path`` if given).

    Graded events are drawn as dots whose area grows with ``|payload|``.
    """
    event = as_event(event, time_unit=time_unit)
    _require_dim(event, 1, "raster")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    size = 4.0
    if event.graded and len(event):
        magnitude = np.abs(event.p)
        size = 1.0 + 20.0 * magnitude / max(float(magnitude.max()), 1e-12)
    colours = np.asarray(_CHANNEL_COLOUR)[event.c % len(_CHANNEL_COLOUR)]
    ax.scatter(event.t, event.x, s=size, c=colours, marker="|" if not event.graded else "o", linewidths=1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    _save_figure(ax.figure, path)
    return ax


def frame_grid(
    event: Any,
    n_frames: int = 8,
    ncols: int = 4,
    frame_duration: float | None = None,
    path: str | os.PathLike[str] | None = None,
    time_unit: float = 1e-6,
) -> Any:
    """A figure with ``n_frames`` frames of 2-D events laid out ``ncols`` per row; returns the Figure
    (saved at ``path`` if given).

    ``frame_duration`` (ms) defaults to splitting the recording into ``n_frames`` equal parts.
    """
    event = as_event(event, time_unit=time_unit)
    _require_dim(event, 2, "frame_grid")
    plt = _pyplot()
    if frame_duration is None:
        span = float(event.t.max()) if len(event) else 1.0
        frame_duration = max(span, 1e-9) * (1 + 1e-9) / n_frames
    images = frames(event, frame_duration, n_frames)
    nrows = -(-n_frames // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2 * ncols, 2 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n_frames:
            ax.imshow(images[k], interpolation="nearest")
            ax.set_title(f"{k * frame_duration:.0f}-{(k + 1) * frame_duration:.0f} ms", fontsize=8)
    _save_figure(fig, path)
    return fig


def animate(
    event: Any,
    fig: Any = None,
    frame_rate: float = 24,
    repeat: bool = True,
    path: str | os.PathLike[str] | None = None,
    sampling_time: float = 1.0,
    time_unit: float = 1e-6,
) -> Any:
    """A matplotlib ``FuncAnimation`` of the events at real time, ``frame_rate`` frames per second.

    1-D: the raster with a scan line moving over it; 2-D: RGB frames of ``1000 / frame_rate`` ms.
    ``event`` may be a dense tensor (steps of ``sampling_time`` ms). With ``path`` (``.gif`` or
    ``.mp4``) the animation is saved there at ``frame_rate`` (:func:`save_animation`). The figure is
    closed so notebooks show only the animation.
    """
    size = tuple(event.shape[1:3]) if not isinstance(event, Event) and len(getattr(event, "shape", ())) == 4 else None
    event = as_event(event, sampling_time=sampling_time, time_unit=time_unit)
    plt = _pyplot()
    from matplotlib.animation import FuncAnimation

    if fig is None:
        fig = plt.figure()
    frame_duration = 1000.0 / frame_rate
    span = float(event.t.max()) if len(event) else 0.0
    n_frames = int(span // frame_duration) + 1
    if event.dim == 1:
        ax = raster(event, ax=fig.add_subplot(1, 1, 1))
        line = ax.axvline(0.0, color="k")

        def update(k: int):
            line.set_xdata([k * frame_duration, k * frame_duration])
            return (line,)

    else:
        images = frames(event, frame_duration, n_frames, size)  # a dense tensor keeps its (H, W)
        ax = fig.add_subplot(1, 1, 1)
        ax.axis("off")
        image = ax.imshow(images[0], interpolation="nearest")

        def update(k: int):
            image.set_data(images[k])
            return (image,)

    animation = FuncAnimation(fig, update, frames=n_frames, interval=frame_duration, blit=True, repeat=repeat)
    plt.close(fig)
    if path is not None:
        save_animation(animation, path, fps=frame_rate)
    return animation


def show(event: Event, fig: Any = None, frame_rate: float = 24, repeat: bool = False) -> Any:
    """Play :func:`animate` in a window (``plt.show``); returns the animation."""
    plt = _pyplot()
    animation = animate(event, fig=fig, frame_rate=frame_rate, repeat=repeat)
    plt.show()
    return animation
