"""Laying a recording and an accompaniment together, and writing audio files atomically."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import soundfile

from ..constants import ACCOMPANIMENT_MIX_DB, MIX_PEAK
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


def balance(melody: np.ndarray, parts: dict[str, np.ndarray], sr: int, *,
            accompaniment_db: float = ACCOMPANIMENT_MIX_DB, peak: float = MIX_PEAK) -> dict[str, np.ndarray]:
    """The tracks of :func:`mix`, each at its level in the mix: ``{"melody": ..., **parts}``, ``(n, 2)`` float32
    of one length (the longest input), summing to the mix. The parts (stereo) are scaled together, as one
    accompaniment, so a player that mutes some of them keeps the others' balance."""
    melody = np.repeat(melody[:, None], 2, axis=1) if melody.ndim == 1 else melody
    length = max([len(melody)] + [len(a) for a in parts.values()])
    tracks = {"melody": melody, **parts}
    padded = {}
    for name, samples in tracks.items():
        padded[name] = np.zeros((length, 2), dtype=np.float32)
        padded[name][:len(samples)] = samples
    accompaniment = sum((padded[name] for name in parts), np.zeros((length, 2), dtype=np.float32))
    for names, whole, gain_db in ((["melody"], padded["melody"], 0.0), (list(parts), accompaniment, accompaniment_db)):
        level = active_rms(whole, sr)
        for name in names:
            padded[name] *= 0.1 * 10 ** (gain_db / 20) / level if level > 0 else 1.0
    total = sum(padded.values())
    loudest = float(np.abs(total).max()) if total.size else 0.0
    if loudest > peak:
        for name in padded:
            padded[name] *= peak / loudest
    return padded


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
