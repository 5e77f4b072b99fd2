"""Reading a recording: any format libsndfile reads, validated, mixed to mono, resampled.

The first stage of the audio route (audio -> f0 -> notes -> roll): every
later stage may trust what :func:`load_audio` returns.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import soundfile

from ..constants import ANALYSIS_SAMPLE_RATE, MAX_AUDIO_SECONDS, MIN_AUDIO_SECONDS, SILENCE_PEAK
from ..errors import Wav2AccompError, Wav2AccompWarning


class AudioError(Wav2AccompError):
    """A recording that cannot be used; the message says why, in one sentence."""


def validate_audio(samples: np.ndarray, sr: int, *, name: str = "the recording",
                   max_seconds: float = MAX_AUDIO_SECONDS) -> None:
    """Raise :class:`AudioError` unless `samples` (mono, float) are a usable recording.

    Rejected: no samples, NaN or infinite values, shorter than
    :data:`~wav2accomp.constants.MIN_AUDIO_SECONDS`, longer than `max_seconds`,
    or silence (peak below :data:`~wav2accomp.constants.SILENCE_PEAK`).
    """
    if samples.size == 0:
        raise AudioError(f"{name} is empty (no audio samples)")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{name} holds invalid samples (NaN or infinity)")
    seconds = samples.size / sr
    if seconds < MIN_AUDIO_SECONDS:
        raise AudioError(f"{name} is too short: {seconds:.2f} s (at least {MIN_AUDIO_SECONDS:g} s)")
    if seconds > max_seconds:
        raise AudioError(f"{name} is too long: {seconds:.0f} s (at most {max_seconds:g} s; "
                         "raise the limit to accept it)")
    if np.max(np.abs(samples)) < SILENCE_PEAK:
        raise AudioError(f"{name} is silent (peak below {20 * np.log10(SILENCE_PEAK):.0f} dBFS)")


def load_audio(path: str | os.PathLike, *, sr: int | None = ANALYSIS_SAMPLE_RATE,
               max_seconds: float = MAX_AUDIO_SECONDS) -> tuple[np.ndarray, int]:
    """Read a recording as mono float32 samples.

    Parameters
    ----------
    path : path-like
        wav, flac, ogg, aiff, mp3 (where the system's libsndfile reads it), ...;
        any sample rate, integer or float samples, any number of channels.
    sr : int or None
        Target sample rate in Hz (default 22050); None keeps the file's.
    max_seconds : float
        Longest recording accepted, seconds.

    Returns
    -------
    samples : np.ndarray
        ``(n,)`` float32 in [-1, 1] (integer formats are scaled; channels averaged).
    sr : int
        Their sample rate, Hz.

    Raises
    ------
    AudioError
        Missing or unreadable file, or a recording :func:`validate_audio` rejects.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise AudioError(f"audio file not found: {name}")
    try:
        with soundfile.SoundFile(path) as handle:
            file_sr = handle.samplerate
            if handle.frames / file_sr > max_seconds + 1:  # refuse before reading hours of audio
                raise AudioError(f"{name} is too long: {handle.frames / file_sr:.0f} s (at most {max_seconds:g} s; "
                                 "raise the limit to accept it)")
            samples = handle.read(dtype="float32", always_2d=True)
            format_name = handle.format
    except (soundfile.LibsndfileError, RuntimeError) as exc:  # RuntimeError: soundfile < 0.11
        reason = getattr(exc, "error_string", str(exc))
        raise AudioError(f"cannot read {name} as audio: {reason}") from exc
    if format_name == "WAV":
        shortfall = wav_shortfall(path)
        if shortfall:
            warnings.warn(f"{name} holds {shortfall:.0%} less audio than its header says (cut off?); "
                          "using what is there", Wav2AccompWarning, stacklevel=2)
    mono = samples.mean(axis=1)
    validate_audio(mono, file_sr, name=name, max_seconds=max_seconds)
    if sr is not None and sr != file_sr:
        return resample(mono, file_sr, sr), sr
    return mono.astype(np.float32), file_sr


def wav_shortfall(path: Path) -> float:
    """How much of the audio a WAV file's header announces is missing from the file, 0..1 (0 for a whole file).

    libsndfile reads a cut-off WAV as far as it goes and says nothing; the sizes in its ``data`` chunk header
    tell how long it should have been.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
        size = path.stat().st_size
    except OSError:
        return 0.0
    if head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return 0.0
    order = "little" if head[:4] == b"RIFF" else "big"
    position = 12
    while position + 8 <= len(head):
        chunk, length = head[position:position + 4], int.from_bytes(head[position + 4:position + 8], order)
        if chunk == b"data":
            present = size - (position + 8)
            return max(0.0, 1.0 - present / length) if 0 < length < 0xFFFFFFFF and present < length else 0.0
        position += 8 + length + (length & 1)
    return 0.0


def resample(samples: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """Mono `samples` at `sr` Hz brought to `target_sr` Hz, float32 (soxr, high quality; unchanged when equal)."""
    if sr == target_sr:
        return np.asarray(samples, dtype=np.float32)
    import soxr  # librosa's own resampler, without librosa's start-up cost

    return soxr.resample(np.asarray(samples, dtype=np.float32), sr, target_sr, quality="HQ").astype(np.float32)


def read_recording(audio: str | os.PathLike | np.ndarray, sr: int | None = None, *,
                   max_seconds: float = MAX_AUDIO_SECONDS) -> tuple[np.ndarray, int, str]:
    """A recording as mono float32 samples at its own rate, validated.

    Parameters
    ----------
    audio : path-like or np.ndarray
        A file :func:`~wav2accomp.audio.recording.load_audio` reads, or samples (channels last).
    sr : int or None
        Sample rate of `audio` when it is an array, Hz.
    max_seconds : float
        Longest recording accepted, seconds.

    Returns
    -------
    samples : np.ndarray
        ``(n,)`` float32.
    sr : int
        Their rate, Hz.
    name : str
        How messages name the recording (its path, or "the audio array").
    """
    if isinstance(audio, np.ndarray):
        if sr is None:
            raise ValueError("sr (the sample rate in Hz) is required with an array of samples")
        samples = np.asarray(audio, dtype=np.float32)
        samples = samples.mean(axis=-1) if samples.ndim > 1 else samples
        validate_audio(samples, sr, name="the audio array", max_seconds=max_seconds)
        return samples, int(sr), "the audio array"
    samples, file_sr = load_audio(audio, sr=None, max_seconds=max_seconds)
    return samples, file_sr, str(audio)
