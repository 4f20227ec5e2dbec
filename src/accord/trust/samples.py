"""Sample arrays as the screening signals read them: one mono float64 channel, checked."""

from __future__ import annotations

import numpy as np

from accord.errors import InvalidInput


def mono(samples: np.ndarray, sr: int, *, min_sr: int, min_s: float,
         max_s: float | None = None) -> np.ndarray:
    """One float64 channel of a 1-D or 2-D sample array ((frames, channels) as soundfile returns
    it, or (channels, frames)); refuses another shape, a rate outside [min_sr, 384000] Hz, audio
    shorter than min_s (or longer than max_s), and NaN or infinity."""
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1) if x.shape[0] >= x.shape[1] else x.mean(axis=0)
    if x.ndim != 1:
        raise InvalidInput(f"audio: expected a 1-D or 2-D sample array, got shape {x.shape}")
    if not isinstance(sr, (int, np.integer)) or sr < min_sr or sr > 384000:
        raise InvalidInput(f"audio: sample rate {sr!r} is not between {min_sr} and 384000 Hz")
    seconds = x.shape[0] / sr
    if max_s is not None and seconds > max_s:
        raise InvalidInput(f"audio: {seconds:.0f} s is longer than the {max_s} s limit")
    if seconds < min_s:
        raise InvalidInput(f"audio: {seconds:.2f} s is shorter than {min_s} s")
    x = x.astype(np.float64, copy=False)
    if not np.all(np.isfinite(x)):
        raise InvalidInput("audio: samples contain NaN or infinity")
    return x
