"""Spike classifiers with lava-dl's names (``slayer.classifier``): ``Rate`` and ``MovingWindow``."""

from ._confidence import confidence as confidence
from ._moving_window import MovingWindow as MovingWindow
from ._rate import Rate as Rate

__all__ = ["MovingWindow", "Rate", "confidence"]
