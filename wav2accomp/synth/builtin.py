"""The built-in synthesiser: numpy wavetables with envelopes and noise drums; always works, deterministic."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..constants import DRUM_CHANNEL
from ..dsp import midi_to_hz
from .playback import PlayedNote

_FAMILY_TIMBRES = ("plucked", "plucked", "sustained", "plucked", "plucked", "sustained", "sustained", "sustained",
                   "sustained", "lead", "lead", "sustained", "plucked", "plucked", "plucked", "plucked")
#: Harmonic amplitudes (fundamental first) of each timbre.
_HARMONICS = {"plucked": (1.0, 0.55, 0.3, 0.18, 0.1, 0.06),
              "sustained": tuple(0.8 / k for k in range(1, 11)),
              "lead": (1.0, 0.3, 0.15, 0.05)}
#: (attack, release) of each timbre, seconds.
_ENVELOPES = {"plucked": (0.004, 0.08), "sustained": (0.07, 0.2), "lead": (0.02, 0.03)}
_TABLE_SIZE = 2048
_VIBRATO_HZ, _VIBRATO_SEMITONES = 5.0, 0.12


@lru_cache(maxsize=64)
def _wavetable(timbre: str, n_harmonics: int) -> np.ndarray:
    """One period of `timbre` with its first `n_harmonics` harmonics (no aliasing above Nyquist)."""
    phase = np.arange(_TABLE_SIZE) * (2 * np.pi / _TABLE_SIZE)
    amplitudes = _HARMONICS[timbre][:max(n_harmonics, 1)]
    return sum(a * np.sin((k + 1) * phase) for k, a in enumerate(amplitudes)).astype(np.float32)


def _pitched_note(note: PlayedNote, sr: int) -> np.ndarray:
    """Mono samples of one pitched note, release included."""
    timbre = _FAMILY_TIMBRES[note.program // 8]
    attack, release = _ENVELOPES[timbre]
    hz = float(midi_to_hz(note.pitch))
    held = max(note.end - note.start, 0.02)
    t = np.arange(int((held + release) * sr)) / sr
    if timbre == "plucked":
        level = np.exp(-t / (1.5 * (220.0 / hz) ** 0.4))
        cycles = hz * t
    else:
        depth = _VIBRATO_SEMITONES * np.clip((t - 0.25) / 0.3, 0, 1)  # vibrato grows in after the attack
        cycles = np.cumsum(hz * 2.0 ** (depth * np.sin(2 * np.pi * _VIBRATO_HZ * t) / 12)) / sr
        level = np.ones_like(t)
    level *= np.clip(t / attack, 0, 1) * np.clip((held + release - t) / release, 0, 1)
    table = _wavetable(timbre, int(sr / 2 / hz))
    wave = table[(cycles * _TABLE_SIZE).astype(np.int64) % _TABLE_SIZE]
    return (wave * level * (note.velocity / 127) ** 1.5).astype(np.float32)


@lru_cache(maxsize=128)
def _drum_sound(pitch: int, sr: int) -> np.ndarray:
    """Mono samples of one GM drum sound at full velocity (deterministic noise)."""
    rng = np.random.default_rng(pitch)
    if pitch in (35, 36):                                   # kick: a falling sine thump
        t = np.arange(int(0.4 * sr)) / sr
        hz = 45 + 75 * np.exp(-t / 0.04)
        return (np.sin(2 * np.pi * np.cumsum(hz) / sr) * np.exp(-t / 0.15)).astype(np.float32)
    if pitch in (41, 43, 45, 47, 48, 50):                   # toms: pitched thumps
        t = np.arange(int(0.5 * sr)) / sr
        hz = (80 + 12 * (pitch - 41)) * (1 + 0.5 * np.exp(-t / 0.05))
        return (0.8 * np.sin(2 * np.pi * np.cumsum(hz) / sr) * np.exp(-t / 0.2)).astype(np.float32)
    length, decay, brightness, tone = 0.12, 0.04, 1.0, 0.0   # default: a short click
    if pitch in (37, 38, 39, 40):                           # snares, clap, side stick
        length, decay, brightness, tone = 0.3, 0.08, 0.5, 0.5
    elif pitch in (42, 44):                                 # closed and pedal hi-hat
        length, decay = 0.12, 0.03
    elif pitch == 46:                                       # open hi-hat
        length, decay = 0.6, 0.2
    elif pitch == 54:                                       # tambourine: a jingle
        length, decay = 0.3, 0.07
    elif pitch in (69, 70, 82):                             # cabasa and shakers: a short rattle
        length, decay = 0.1, 0.025
    elif pitch in (49, 51, 52, 53, 55, 57, 59):             # cymbals
        length, decay = 1.6, 0.6
    t = np.arange(int(length * sr)) / sr
    noise = rng.standard_normal(len(t))
    bright = np.diff(noise, prepend=0.0) / 2                # first difference: a crude high-pass
    body = brightness * bright + (1 - brightness) * noise
    sound = 0.5 * body * np.exp(-t / decay) + tone * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)
    return (sound * (0.6 if pitch in (49, 51, 52, 53, 55, 57, 59) else 1.0)).astype(np.float32)


def _pan(channel: int) -> float:
    """Stereo position of a channel, -1 (left) .. 1 (right): melody and drums centred, others alternate."""
    return 0.0 if channel in (0, DRUM_CHANNEL) else (-0.35 if channel % 2 else 0.35)


def synthesize_builtin(notes: list[PlayedNote], sr: int, n_samples: int) -> np.ndarray:
    """Play `notes` with the built-in synthesiser: ``(n_samples, 2)`` float32 (deterministic)."""
    out = np.zeros((2, n_samples), dtype=np.float32)
    for note in notes:
        start = int(round(note.start * sr))
        if start >= n_samples:
            continue
        if note.channel == DRUM_CHANNEL:
            sound = _drum_sound(note.pitch, sr) * (0.25 * (note.velocity / 127) ** 1.5)
        else:
            sound = _pitched_note(note, sr) * 0.25
        sound = sound[:n_samples - start]
        angle = (_pan(note.channel) + 1) * np.pi / 4   # equal-power panning
        out[0, start:start + len(sound)] += np.float32(np.cos(angle)) * sound
        out[1, start:start + len(sound)] += np.float32(np.sin(angle)) * sound
    return np.ascontiguousarray(out.T)
