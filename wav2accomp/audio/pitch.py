"""Fundamental frequency of a monophonic recording: a vectorised YIN tracker (and librosa's pyin beside it).

YIN (de Cheveigné & Kawahara, 2002): per frame, the cumulative-mean-
normalised difference function (computed for all lags at once with FFTs),
the first lag whose value dips below a threshold (else the deepest dip),
refined by parabolic interpolation. A frame is voiced when its deepest dip
is deep enough and the frame is loud enough; a short median filter removes
octave blips. Pure numpy, float32 FFTs in blocks of frames: no compilation
and few imports at start-up, little memory on long recordings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import (PITCH_BLOCK_FRAMES, PITCH_FMAX, PITCH_FMIN, PITCH_FRAME, PITCH_HOP, PITCH_SAMPLE_RATE,
                         PYIN_FRAME, PYIN_HOP, VOICING_FLOOR_DB, YIN_HOLD_THRESHOLD, YIN_PICK_THRESHOLD,
                         YIN_THRESHOLD)
from ..dsp import frame_signal, hz_to_midi, running_median
from .recording import resample

#: Median filter length of the octave-blip cleaner, frames.
_BLIP_FRAMES = 5


@dataclass
class PitchTrack:
    """f0 per analysis frame.

    Attributes
    ----------
    times : np.ndarray
        Frame centres, seconds.
    f0 : np.ndarray
        Best fundamental frequency estimate of every frame, Hz (also where unvoiced).
    voiced : np.ndarray
        bool per frame.
    aperiodicity : np.ndarray
        Deepest YIN dip per frame (0 = perfectly periodic, ~1 = noise).
    rms_db : np.ndarray
        Frame level, dB relative to the loudest frame (<= 0).
    """

    times: np.ndarray
    f0: np.ndarray
    voiced: np.ndarray
    aperiodicity: np.ndarray
    rms_db: np.ndarray

    @property
    def hop_seconds(self) -> float:
        """Time between frames, seconds."""
        return float(self.times[1] - self.times[0]) if len(self.times) > 1 else PITCH_HOP / PITCH_SAMPLE_RATE

    def signed_f0(self) -> np.ndarray:
        """f0 in Hz, negated where unvoiced (``mir_eval.melody``'s convention for a pitch guess)."""
        return np.where(self.voiced, self.f0, -self.f0)

    def midi(self) -> np.ndarray:
        """f0 as fractional MIDI note numbers (69 = A4 = 440 Hz), every frame."""
        return hz_to_midi(self.f0)


def hysteresis(strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """Frames of the runs of `weak` frames that hold a `strong` one (``strong`` implies ``weak``): voicing that
    starts on a clear period and holds through a note's rougher frames."""
    weak = weak | strong
    edges = np.flatnonzero(np.diff(np.concatenate([[0], weak.astype(np.int8), [0]])))
    kept = np.zeros_like(weak)
    for start, end in zip(edges[::2], edges[1::2]):
        if strong[start:end].any():
            kept[start:end] = True
    return kept


def cumulative_mean_normalised_difference(frames: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's d'(tau) for lags ``0 .. max_lag`` of every frame, ``(n_frames, max_lag + 1)``.

    The difference d(tau) = sum_j (x_j - x_{j+tau})^2 over the first
    ``frame - max_lag`` samples is computed from FFT cross-correlations and
    running energies; d'(0) = 1.
    """
    window = frames.shape[1] - max_lag
    # circular correlation of length frame is exact for lags 0..max_lag: j + tau < window + max_lag = frame
    size = _fast_length(frames.shape[1])
    spectrum = np.fft.rfft(frames.astype(np.float32), size, axis=1)
    spectrum *= np.conj(np.fft.rfft(frames[:, :window].astype(np.float32), size, axis=1))
    correlation = np.fft.irfft(spectrum, size, axis=1)[:, :max_lag + 1]
    energy = np.cumsum(np.pad(np.square(frames, dtype=np.float64), ((0, 0), (1, 0))), axis=1)
    lagged_energy = energy[:, window:window + max_lag + 1] - energy[:, :max_lag + 1]
    difference = np.maximum(energy[:, [window]] + lagged_energy - 2 * correlation, 0.0)
    cumulative = np.cumsum(difference[:, 1:], axis=1) / np.arange(1, max_lag + 1)
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] / np.maximum(cumulative, 1e-12)
    return normalised


def _fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c at least `n` (an FFT length pocketfft handles fast)."""
    best = 1 << int(np.ceil(np.log2(n)))
    for fives in (1, 5, 25):
        for threes in (1, 3, 9, 27):
            base = fives * threes
            if base <= n:
                best = min(best, base << int(np.ceil(np.log2(n / base))))
    return best


def _pick_lags(normalised: np.ndarray, min_lag: int, max_lag: int, pick_threshold: float):
    """Period (fractional lag, samples) and deepest dip of each frame's d'."""
    search = normalised[:, min_lag:max_lag]
    below = search < pick_threshold
    # first dip below the threshold, followed down to its local minimum; else the deepest dip
    is_trough = np.zeros_like(below)
    is_trough[:, :-1] = below[:, :-1] & (search[:, :-1] <= search[:, 1:])
    lag_index = np.where(is_trough.any(axis=1), np.argmax(is_trough, axis=1), np.argmin(search, axis=1))
    rows = np.arange(len(search))
    best = np.clip(lag_index, 1, search.shape[1] - 2)
    left, centre, right = search[rows, best - 1], search[rows, best], search[rows, best + 1]
    curvature = left - 2 * centre + right
    safe = np.where(np.abs(curvature) > 1e-12, curvature, 1.0)
    shift = np.where(np.abs(curvature) > 1e-12, 0.5 * (left - right) / safe, 0.0)
    return min_lag + best + np.clip(shift, -1, 1), search.min(axis=1)


def track_pitch(samples: np.ndarray, sr: int, *, fmin: float = PITCH_FMIN, fmax: float = PITCH_FMAX,
                hop_length: int = PITCH_HOP, frame_length: int = PITCH_FRAME,
                pick_threshold: float = YIN_PICK_THRESHOLD, threshold: float = YIN_THRESHOLD,
                hold_threshold: float = YIN_HOLD_THRESHOLD, floor_db: float = VOICING_FLOOR_DB) -> PitchTrack:
    """Track f0 of mono `samples` (Hz, seconds; see :class:`PitchTrack`).

    Parameters
    ----------
    samples : np.ndarray
        Mono signal (e.g. from :func:`wav2accomp.audio.recording.load_audio`).
    sr : int
        Its sample rate, Hz; the tracker resamples to
        :data:`~wav2accomp.constants.PITCH_SAMPLE_RATE` (11025 Hz).
    fmin, fmax : float
        Pitch range searched, Hz.
    hop_length, frame_length : int
        Analysis hop and frame, samples at 11025 Hz.
    pick_threshold : float
        The period is the first lag whose d' dips below this (else the deepest dip).
    threshold : float
        Deepest d' dip a frame must reach to start voicing.
    hold_threshold : float
        Deepest d' dip that keeps voicing going in a run started below `threshold` (:func:`hysteresis`).
    floor_db : float
        Frames quieter than the loudest frame by more than this are unvoiced.
    """
    if sr != PITCH_SAMPLE_RATE:
        samples = resample(samples, sr, PITCH_SAMPLE_RATE)
    samples = np.asarray(samples, dtype=np.float64)
    rate = PITCH_SAMPLE_RATE
    min_lag = max(int(np.floor(rate / fmax)), 2)
    max_lag = min(int(np.ceil(rate / fmin)), frame_length // 2)
    frames = frame_signal(samples, frame_length, hop_length)
    lags, dips, levels = [], [], []
    for start in range(0, len(frames), PITCH_BLOCK_FRAMES):
        block = frames[start:start + PITCH_BLOCK_FRAMES]
        block = block - block.mean(axis=1, keepdims=True)
        lag, dip = _pick_lags(cumulative_mean_normalised_difference(block, max_lag), min_lag, max_lag,
                              pick_threshold)
        lags.append(lag)
        dips.append(dip)
        levels.append(10 * np.log10(np.mean(np.square(block), axis=1) + 1e-12))
    lag, aperiodicity, rms_db = np.concatenate(lags), np.concatenate(dips), np.concatenate(levels)
    rms_db = rms_db - rms_db.max()
    voiced = hysteresis((aperiodicity < threshold) & (rms_db > floor_db),
                        (aperiodicity < hold_threshold) & (rms_db > floor_db))
    f0 = rate / lag
    smoothed = running_median(f0, _BLIP_FRAMES)
    octave_blip = np.abs(12 * np.log2(f0 / smoothed)) > 6
    f0 = np.where(octave_blip, smoothed, f0)
    times = np.arange(len(f0)) * hop_length / rate
    return PitchTrack(times=times, f0=f0, voiced=voiced, aperiodicity=aperiodicity, rms_db=rms_db)


def pyin_track(samples: np.ndarray, sr: int) -> PitchTrack:
    """librosa's pyin on `samples` (at 22050 Hz), as a :class:`PitchTrack` on the YIN tracker's frame times."""
    import librosa

    f0, voiced, probability = librosa.pyin(samples, fmin=PITCH_FMIN, fmax=PITCH_FMAX, sr=sr,
                                           frame_length=PYIN_FRAME, hop_length=PYIN_HOP, fill_na=None)
    times = np.arange(len(f0)) * PYIN_HOP / sr
    return PitchTrack(times=times, f0=np.asarray(f0, dtype=float), voiced=np.asarray(voiced, dtype=bool),
                      aperiodicity=1.0 - np.asarray(probability, dtype=float), rms_db=np.zeros(len(f0)))
