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
