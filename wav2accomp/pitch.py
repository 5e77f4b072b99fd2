"""Fundamental frequency of a monophonic recording: a vectorised YIN tracker.

YIN (de Cheveigné & Kawahara, 2002): per frame, the cumulative-mean-
normalised difference function (computed for all lags at once with FFTs),
the first lag whose value dips below a threshold (else the global minimum),
refined by parabolic interpolation. Frames are voiced when that dip is deep
enough and the frame is loud enough; a short median filter removes octave
blips. Pure numpy/scipy: no compilation at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from .constants import (PITCH_FMAX, PITCH_FMIN, PITCH_FRAME, PITCH_HOP, VOICING_FLOOR_DB, YIN_THRESHOLD)


@dataclass
class PitchTrack:
    """f0 per analysis frame.

    Attributes
    ----------
    times : np.ndarray
        Frame centres, seconds.
    f0 : np.ndarray
        Fundamental frequency, Hz (0 where unvoiced).
    voiced : np.ndarray
        bool per frame.
    aperiodicity : np.ndarray
        YIN dip per frame (0 = perfectly periodic, ~1 = noise).
    """

    times: np.ndarray
    f0: np.ndarray
    voiced: np.ndarray
    aperiodicity: np.ndarray


def frame_signal(samples: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """``(n_frames, frame)`` frames centred on ``k * hop`` (the signal zero-padded by half a frame)."""
    padded = np.pad(samples, (frame // 2, frame // 2))
    n_frames = 1 + (len(padded) - frame) // hop
    return np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop][:n_frames]


def cumulative_mean_normalised_difference(frames: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's d'(tau) for lags ``0 .. max_lag`` of every frame, ``(n_frames, max_lag + 1)``.

    The difference d(tau) = sum_j (x_j - x_{j+tau})^2 over the first
    ``frame - max_lag`` samples is computed from FFT cross-correlations and
    running energies; d'(0) = 1.
    """
    window = frames.shape[1] - max_lag
    size = 1 << int(np.ceil(np.log2(frames.shape[1] + window)))
    spectrum = np.fft.rfft(frames, size)
    head = np.fft.rfft(frames[:, :window], size)
    correlation = np.fft.irfft(spectrum * np.conj(head), size)[:, :max_lag + 1]
    energy = np.cumsum(np.pad(frames ** 2, ((0, 0), (1, 0))), axis=1)
    lagged_energy = energy[:, window:window + max_lag + 1] - energy[:, :max_lag + 1]
    difference = np.maximum(energy[:, [window]] + lagged_energy - 2 * correlation, 0.0)
    cumulative = np.cumsum(difference[:, 1:], axis=1) / np.arange(1, max_lag + 1)
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] / np.maximum(cumulative, 1e-12)
    return normalised


def track_pitch(samples: np.ndarray, sr: int, *, fmin: float = PITCH_FMIN, fmax: float = PITCH_FMAX,
                hop_length: int = PITCH_HOP, frame_length: int = PITCH_FRAME,
                threshold: float = YIN_THRESHOLD, floor_db: float = VOICING_FLOOR_DB) -> PitchTrack:
    """Track f0 of mono `samples` (Hz, seconds; see :class:`PitchTrack`).

    Parameters
    ----------
    samples : np.ndarray
        Mono signal (e.g. from :func:`wav2accomp.audio.load_audio`).
    sr : int
        Sample rate, Hz.
    fmin, fmax : float
        Pitch range searched, Hz.
    hop_length, frame_length : int
        Analysis hop and frame, samples.
    threshold : float
        YIN dip a voiced frame must reach.
    floor_db : float
        Frames quieter than the loudest frame by more than this are unvoiced.
    """
    min_lag = max(int(np.floor(sr / fmax)), 2)
    max_lag = min(int(np.ceil(sr / fmin)), frame_length // 2)
    frames = frame_signal(np.asarray(samples, dtype=np.float64), frame_length, hop_length)
    frames = frames - frames.mean(axis=1, keepdims=True)
    normalised = cumulative_mean_normalised_difference(frames, max_lag)
    search = normalised[:, min_lag:max_lag]
    below = search < threshold
    # first dip below the threshold, followed down to its local minimum; else the global minimum
    is_trough = np.zeros_like(below)
    is_trough[:, :-1] = below[:, :-1] & (search[:, :-1] <= search[:, 1:])
    has_trough = is_trough.any(axis=1)
    lag_index = np.where(has_trough, np.argmax(is_trough, axis=1), np.argmin(search, axis=1))
    rows = np.arange(len(search))
    best = np.clip(lag_index, 1, search.shape[1] - 2)
    left, centre, right = search[rows, best - 1], search[rows, best], search[rows, best + 1]
    curvature = left - 2 * centre + right
    shift = np.where(np.abs(curvature) > 1e-12, 0.5 * (left - right) / np.where(curvature == 0, 1, curvature), 0.0)
    lag = min_lag + best + np.clip(shift, -1, 1)
    aperiodicity = search[rows, lag_index]
    rms_db = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    voiced = has_trough & (rms_db > rms_db.max() + floor_db)
    f0 = np.where(voiced, sr / lag, 0.0)
    smoothed = median_filter(f0, size=5, mode="nearest")
    octave_blip = voiced & (smoothed > 0) & (np.abs(12 * np.log2(np.maximum(f0, 1e-9) / np.maximum(smoothed, 1e-9))) > 6)
    f0 = np.where(octave_blip, smoothed, f0)
    times = np.arange(len(f0)) * hop_length / sr
    return PitchTrack(times=times, f0=f0, voiced=voiced, aperiodicity=aperiodicity)
