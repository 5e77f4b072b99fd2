"""Laying a recording and an accompaniment together, and writing audio files atomically."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import soundfile

from ..constants import (ACCOMPANIMENT_MIX_DB, BUS_COMPRESSOR, MIX_LOUDNESS_LUFS, MIX_PEAK,
                         MIX_TRUE_PEAK_DB)
from ..errors import RenderError
from ..fileio import atomic_write

#: Audio formats :func:`write_audio` writes, by file suffix: (libsndfile format, subtype).
AUDIO_FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS")}


def active_rms(samples: np.ndarray, sr: int, *, floor_db: float = -30.0) -> float:
    """RMS of the 50 ms frames within `floor_db` of the loudest frame (the level while something sounds)."""
    mono = samples.mean(axis=1) if samples.ndim > 1 else samples
    frame = max(int(0.05 * sr), 1)
    n_frames = len(mono) // frame
    if n_frames == 0:
        return float(np.sqrt(np.mean(mono ** 2))) if len(mono) else 0.0
    power = (mono[:n_frames * frame].reshape(n_frames, frame).astype(np.float64) ** 2).mean(axis=1)
    active = power[power >= power.max() * 10 ** (floor_db / 10)]
    return float(np.sqrt(active.mean())) if power.max() > 0 else 0.0


def mix(melody: np.ndarray, accompaniment: np.ndarray, sr: int, *,
        accompaniment_db: float = ACCOMPANIMENT_MIX_DB, peak: float = MIX_PEAK) -> np.ndarray:
    """Lay a melody (a recording, mono or stereo) and an accompaniment (stereo) together, both from time 0.

    Each is brought to the same active level (:func:`active_rms`), the accompaniment
    then `accompaniment_db` dB relative to the melody; the sum is scaled down to
    `peak` when louder. Returns ``(n, 2)`` float32, as long as the longer input.
    """
    return sum(balance(melody, {"accompaniment": accompaniment}, sr, accompaniment_db=accompaniment_db,
                       peak=peak).values())


def balance(melody: np.ndarray, parts: dict[str, np.ndarray], sr: int, *, band: np.ndarray | None = None,
            accompaniment_db: float = ACCOMPANIMENT_MIX_DB, peak: float = MIX_PEAK) -> dict[str, np.ndarray]:
    """The tracks of :func:`mix`, each at its level in the mix: ``{"melody": ..., **parts}``, ``(n, 2)`` float32
    of one length (the longest input), summing to the mix. The parts (stereo) are scaled together, as one
    accompaniment, so a player that mutes some of them keeps the others' balance.

    `band`, when given, is the accompaniment the levels are set by (the parts synthesised together, which
    their sum equals): a player that heard it first then gets the parts at the very level it played them.
    """
    melody = np.repeat(melody[:, None], 2, axis=1) if melody.ndim == 1 else melody
    tracks = {"melody": melody, **parts}
    length = max([len(a) for a in tracks.values()] + ([len(band)] if band is not None else []))
    padded = {}
    for name, samples in tracks.items():
        padded[name] = np.zeros((length, 2), dtype=np.float32)
        padded[name][:len(samples)] = samples
    if band is None:
        accompaniment = sum((padded[name] for name in parts), np.zeros((length, 2), dtype=np.float32))
    else:
        accompaniment = np.zeros((length, 2), dtype=np.float32)
        accompaniment[:len(band)] = band
    melody_gain = _level_gain(padded["melody"], sr, 0.0)
    accompaniment_gain = _level_gain(accompaniment, sr, accompaniment_db)
    together = padded["melody"] * melody_gain + accompaniment * accompaniment_gain
    loudest = float(np.abs(together).max()) if length else 0.0
    limit = peak / loudest if loudest > peak else 1.0
    for name in padded:
        padded[name] *= (melody_gain if name == "melody" else accompaniment_gain) * limit
    return padded


def _level_gain(samples: np.ndarray, sr: int, gain_db: float) -> float:
    """The gain that brings `samples`' active level (:func:`active_rms`) to 0.1 and then `gain_db` dB; 1 for
    silence."""
    level = active_rms(samples, sr)
    return 0.1 * 10 ** (gain_db / 20) / level if level > 0 else 1.0


def audio_format(path: str | os.PathLike) -> tuple[str, str]:
    """(format, subtype) for writing `path`, from its suffix; :class:`RenderError` for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in AUDIO_FORMATS:
        raise RenderError(f"cannot write audio to {path}: use a {', '.join(AUDIO_FORMATS)} file name")
    return AUDIO_FORMATS[suffix]


def write_audio(path: str | os.PathLike, samples: np.ndarray, sr: int) -> None:
    """Write samples (``(n,)`` or ``(n, channels)``, full scale 1) as wav/flac/ogg by suffix, atomically."""
    file_format, subtype = audio_format(path)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(samples, -1.0, 1.0), sr, format=file_format, subtype=subtype)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


# --- The master bus: gentle compression, a stated loudness, a true-peak ceiling ------------------------------------

#: Oversampling of the true-peak meter (ITU-R BS.1770 asks for at least 4x at 48 kHz).
TRUE_PEAK_OVERSAMPLING = 4
#: Blocks of the bus compressor's level detector, seconds, and its attack and release, seconds.
COMPRESSOR_BLOCK, COMPRESSOR_ATTACK, COMPRESSOR_RELEASE = 0.01, 0.02, 0.25
#: Look-ahead of the true-peak limiter, seconds.
LIMITER_LOOKAHEAD = 0.005


def _k_weighting(sr: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two biquads of ITU-R BS.1770's K-weighting at `sr` Hz (a +4 dB shelf above 1.5 kHz, a 38 Hz high-pass),
    designed by the audio-EQ cookbook as the recommendation's filters are."""
    filters = []
    for kind, gain_db, q, fc in (("shelf", 4.0, 1 / np.sqrt(2), 1500.0), ("pass", 0.0, 0.5, 38.0)):
        a = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * fc / sr
        alpha, cos = np.sin(w0) / (2 * q), np.cos(w0)
        if kind == "shelf":
            b = [a * ((a + 1) + (a - 1) * cos + 2 * np.sqrt(a) * alpha), -2 * a * ((a - 1) + (a + 1) * cos),
                 a * ((a + 1) + (a - 1) * cos - 2 * np.sqrt(a) * alpha)]
            den = [(a + 1) - (a - 1) * cos + 2 * np.sqrt(a) * alpha, 2 * ((a - 1) - (a + 1) * cos),
                   (a + 1) - (a - 1) * cos - 2 * np.sqrt(a) * alpha]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            den = [1 + alpha, -2 * cos, 1 - alpha]
        filters.append((np.array(b) / den[0], np.array(den) / den[0]))
    return filters


def integrated_loudness(samples: np.ndarray, sr: int) -> float:
    """ITU-R BS.1770-4 integrated loudness, LUFS: K-weighted mean square in 400 ms blocks every 100 ms, gated at
    -70 LUFS and 10 LU under the ungated mean (left and right weigh 1); -inf for silence or less than a block."""
    from scipy.signal import lfilter

    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[:, None] if samples.ndim == 1 else samples
    block, step = int(round(0.4 * sr)), int(round(0.1 * sr))
    if len(samples) < block or not np.any(samples):
        return float("-inf")
    weighted = samples
    for b, a in _k_weighting(sr):
        weighted = lfilter(b, a, weighted, axis=0)
    energy = np.concatenate([np.zeros((1, samples.shape[1])), np.cumsum(weighted ** 2, axis=0)])
    starts = np.arange(0, len(samples) - block + 1, step)
    power = ((energy[starts + block] - energy[starts]) / block).sum(axis=1)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(power)
    kept = power[loudness > -70.0]
    if not len(kept):
        return float("-inf")
    relative = -0.691 + 10 * np.log10(kept.mean()) - 10.0
    final = power[(loudness > -70.0) & (loudness > relative)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def oversampled_peaks(samples: np.ndarray) -> np.ndarray:
    """Each sample's peak over the channels and the :data:`TRUE_PEAK_OVERSAMPLING` points of the signal
    interpolated between it and the next (a 48-tap Kaiser-windowed interpolator), ``(n,)``."""
    from scipy.signal import firwin, upfirdn

    samples = np.asarray(samples, dtype=np.float32)
    samples = samples[:, None] if samples.ndim == 1 else samples
    taps = 12 * TRUE_PEAK_OVERSAMPLING
    kernel = (firwin(taps, 1 / TRUE_PEAK_OVERSAMPLING, window=("kaiser", 8.0)) * TRUE_PEAK_OVERSAMPLING)
    upsampled = np.abs(upfirdn(kernel.astype(np.float32), samples, up=TRUE_PEAK_OVERSAMPLING, axis=0))
    delay = (taps - 1) // 2
    upsampled = upsampled[delay:delay + len(samples) * TRUE_PEAK_OVERSAMPLING]
    upsampled = np.pad(upsampled, ((0, len(samples) * TRUE_PEAK_OVERSAMPLING - len(upsampled)), (0, 0)))
    # maxima over columns one at a time: numpy's reductions along a short last axis are slow
    across = np.maximum.reduce([upsampled[:, channel] for channel in range(upsampled.shape[1])])
    phases = across.reshape(len(samples), TRUE_PEAK_OVERSAMPLING)
    return np.maximum.reduce([phases[:, k] for k in range(TRUE_PEAK_OVERSAMPLING)]
                             + [np.abs(samples[:, channel]) for channel in range(samples.shape[1])])


def true_peak_db(samples: np.ndarray) -> float:
    """The true peak (:func:`oversampled_peaks`' highest), dBTP; -inf for silence."""
    if not len(samples):
        return float("-inf")
    peak = float(oversampled_peaks(samples).max())
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _smoothed(gain: np.ndarray, attack: float, release: float) -> np.ndarray:
    """A gain curve (one value per block) through a one-pole follower: falling at `attack`, rising at
    `release` (coefficients per block, 0..1)."""
    out = np.empty_like(gain)
    level = 1.0
    for i, target in enumerate(gain.tolist()):
        level += (target - level) * (attack if target < level else release)
        out[i] = level
    return out


def compress(samples: np.ndarray, sr: int, *, threshold_db: float = BUS_COMPRESSOR[0],
             ratio: float = BUS_COMPRESSOR[1]) -> np.ndarray:
    """Gentle bus compression: above `threshold_db` under the loudest 10 ms block's RMS, the level rises `ratio`
    times slower (attack and release :data:`COMPRESSOR_ATTACK` / :data:`COMPRESSOR_RELEASE`)."""
    block = max(int(COMPRESSOR_BLOCK * sr), 1)
    n_blocks = -(-len(samples) // block)
    if n_blocks == 0:
        return samples
    padded = np.zeros((n_blocks * block, samples.shape[1]), dtype=np.float64)
    padded[:len(samples)] = samples
    rms = np.sqrt((padded.reshape(n_blocks, block, -1) ** 2).mean(axis=(1, 2)) + 1e-12)
    level = 20 * np.log10(rms)
    threshold = level.max() + threshold_db
    reduction_db = np.where(level > threshold, (level - threshold) * (1 - 1 / ratio), 0.0)
    coefficient = (lambda seconds: 1 - np.exp(-COMPRESSOR_BLOCK / seconds))
    gain = _smoothed(10 ** (-reduction_db / 20), coefficient(COMPRESSOR_ATTACK), coefficient(COMPRESSOR_RELEASE))
    per_sample = np.interp(np.arange(len(samples)), (np.arange(n_blocks) + 0.5) * block, gain)
    return (samples * per_sample[:, None]).astype(np.float32)


def limiter_gain(peaks: np.ndarray, sr: int, ceiling_db: float = MIX_TRUE_PEAK_DB) -> np.ndarray:
    """A look-ahead limiter's gain per sample for :func:`oversampled_peaks` `peaks`: the gain each sample needs to
    stay under `ceiling_db`, held as the minimum over :data:`LIMITER_LOOKAHEAD` either side, then averaged over
    half that window (each average takes only values held for that sample, so no peak passes the ceiling, and
    the gain moves smoothly)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    needed = np.minimum(1.0, 10 ** (ceiling_db / 20) / np.maximum(peaks, 1e-12))
    if needed.min() >= 1.0:
        return np.ones(len(peaks))
    span = max(int(LIMITER_LOOKAHEAD * sr), 1)
    return uniform_filter1d(minimum_filter1d(needed, size=2 * span + 1, mode="nearest"), size=span + 1,
                            mode="nearest")


def master_gain(samples: np.ndarray, sr: int, *, loudness_lufs: float = MIX_LOUDNESS_LUFS,
                true_peak: float = MIX_TRUE_PEAK_DB) -> float:
    """One gain that brings `samples` to `loudness_lufs`, or less where its true peak would pass `true_peak`
    (for stems: linear, so they still sum to the mix they make); 1 for silence."""
    loudness = integrated_loudness(samples, sr)
    if not np.isfinite(loudness):
        return 1.0
    gain_db = min(loudness_lufs - loudness, true_peak - true_peak_db(samples))
    return float(10 ** (gain_db / 20))


def master(samples: np.ndarray, sr: int, *, loudness_lufs: float = MIX_LOUDNESS_LUFS,
           true_peak: float = MIX_TRUE_PEAK_DB) -> np.ndarray:
    """The mix as it is written: bus-compressed (:func:`compress`), brought to `loudness_lufs` integrated
    loudness and kept under `true_peak` dBTP by a look-ahead limiter (:func:`limiter_gain`), ``(n, 2)`` float32.
    The true peaks are measured once and scaled with the gains (a gain that moves slowly scales the interpolated
    signal with it, and the limiter keeps 0.2 dB in hand); should any remain above the ceiling, the whole mix is
    scaled down. Silence stays silent."""
    samples = np.asarray(samples, dtype=np.float32)
    samples = np.repeat(samples[:, None], 2, axis=1) if samples.ndim == 1 else samples
    if not np.any(samples):
        return samples
    compressed = compress(samples, sr)
    peaks = oversampled_peaks(compressed)
    gain, loudness = np.ones(len(samples)), integrated_loudness(compressed, sr)
    scale = 1.0
    for _ in range(4):   # limiting lowers the loudness a little: raise it and limit again
        if not np.isfinite(loudness) or abs(loudness - loudness_lufs) < 0.2:
            break
        scale *= 10 ** ((loudness_lufs - loudness) / 20)
        gain = scale * limiter_gain(scale * peaks, sr, true_peak - 0.2)
        loudness = integrated_loudness(compressed * gain[:, None], sr)
    out = (compressed * gain[:, None]).astype(np.float32)
    peak = 20 * np.log10(max(float((gain * peaks).max()), 1e-12))
    if peak > true_peak:
        out *= np.float32(10 ** ((true_peak - peak) / 20))
    return out
