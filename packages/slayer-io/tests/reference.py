"""Straightforward per-event reference loops the vectorised code is tested against."""

import numpy as np


def reference_dense(events, sensor_size, time_step, n_steps, mode="count", duration=None):
    """Per-event loop: bin k holds k*dt <= t < (k+1)*dt, t < duration; one polarity ignores p."""
    width, height, polarities = sensor_size
    two_d = "y" in events.dtype.names
    out = np.zeros((polarities, height, width, n_steps) if two_d else (polarities, width, n_steps))
    for event in events:
        k = int(event["t"] // time_step)
        if k >= n_steps or (duration is not None and event["t"] >= duration):
            continue
        p = int(event["p"]) if polarities > 1 else 0
        index = (p, int(event["y"]), int(event["x"]), k) if two_d else (p, int(event["x"]), k)
        out[index] = 1 if mode == "binary" else out[index] + 1
    return out


def _pixel(event, names):
    return (int(event["x"]), int(event["y"]) if "y" in names else 0)


def reference_denoise(events, filter_time):
    """Per-event loop: keep if a 4-neighbour (inside the data's extent) fired < filter_time before
    (in array order); a neighbour that never fired counts as having fired at t = 0."""
    names = events.dtype.names
    width = int(events["x"].max()) + 1
    height = int(events["y"].max()) + 1 if "y" in names else 1
    last = {}
    keep = []
    for event in events:
        x, y = _pixel(event, names)
        t = event["t"]
        recent = False
        for nx, ny in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)):
            if 0 <= nx < width and 0 <= ny < height and last.get((nx, ny), 0) + filter_time > t:
                recent = True
        last[(x, y)] = t
        keep.append(recent)
    return np.asarray(keep, bool)


def reference_refractory(events, delta):
    """Per-event loop: keep a pixel's first event, then those more than delta after the pixel's previous event."""
    names = events.dtype.names
    last = {}
    keep = []
    for event in events:
        pixel = _pixel(event, names)
        keep.append(pixel not in last or event["t"] - last[pixel] > delta)
        last[pixel] = event["t"]
    return np.asarray(keep, bool)
