"""Signal helpers every audio stage shares: framing, a running median, MIDI numbers <-> Hz.

Pure numpy, the lowest module of the audio side (the pitch tracker, note
segmentation, the waveform metrics and the synthesisers all use it).
"""
from __future__ import annotations

import numpy as np

#: Frequency of MIDI note 69 (A4), Hz.
A4_HZ = 440.0


def midi_to_hz(midi) -> np.ndarray:
    """MIDI note numbers (fractional allowed) to Hz (69 = 440 Hz)."""
    return A4_HZ * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def hz_to_midi(hz) -> np.ndarray:
    """Frequencies in Hz to fractional MIDI note numbers (440 Hz = 69); non-positive values are floored at 1 µHz."""
    return 69.0 + 12.0 * np.log2(np.maximum(np.asarray(hz, dtype=float), 1e-6) / A4_HZ)


def frame_signal(samples: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """``(n_frames, frame)`` frames centred on ``k * hop`` (the signal zero-padded by half a frame)."""
    padded = np.pad(samples, (frame // 2, frame // 2))
    n_frames = 1 + (len(padded) - frame) // hop
    return np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop][:n_frames]


def running_median(values: np.ndarray, size: int) -> np.ndarray:
    """Median of each odd-length window of `size` values centred on each position (edges repeat)."""
    half = size // 2
    padded = np.pad(values, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)


def tempered_probabilities(weights, temperature: float, axis: int = -1):
    """Non-negative weights raised to the power ``1 / temperature`` and normalised along `axis`, computed in
    log space so that any temperature above 0 (1e-300 included) gives finite probabilities: a tiny temperature
    puts all the mass on the largest weights, shared equally among ties."""
    import numpy as np

    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(np.asarray(weights, dtype=float), 0.0))
    best = np.max(logs, axis=axis, keepdims=True)
    best = np.where(np.isfinite(best), best, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (logs - best) / temperature
    scaled = np.where(np.isnan(scaled), 0.0, scaled)   # a weight equal to the largest: 0 / tiny
    probabilities = np.exp(scaled)
    total = probabilities.sum(axis=axis, keepdims=True)
    return np.where(total > 0, probabilities / np.where(total > 0, total, 1.0), 1.0 / probabilities.shape[axis])
