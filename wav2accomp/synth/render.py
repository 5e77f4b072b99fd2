"""MIDI -> audio: hear an arrangement at once.

:func:`synthesize` plays a :class:`~wav2accomp.symbolic.midi_io.Song` exactly as
:func:`~wav2accomp.symbolic.midi_io.song_to_midi` writes it (so what is heard is what a
DAW gets) with one of two synthesisers:

- ``"fluidsynth"``: FluidSynth through pyfluidsynth with a General MIDI
  SoundFont (``--soundfont``, ``$WAV2ACCOMP_SOUNDFONT`` or one installed by the
  OS, see :data:`~wav2accomp.constants.SOUNDFONT_PATHS`) — real instruments;
- ``"builtin"``: a small numpy synthesiser (wavetables with envelopes, noise
  drums) that always works.

``"auto"`` takes FluidSynth when both it and a SoundFont are found.
:func:`mix` lays a recording and an accompaniment together; :func:`write_audio`
writes wav/flac/ogg atomically.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import mido
import numpy as np
import soundfile

from ..constants import (ACCOMPANIMENT_MIX_DB, DRUM_CHANNEL, MIX_PEAK, RENDER_SAMPLE_RATE, RENDER_TAIL_SECONDS,
                         SOUNDFONT_ENV, SOUNDFONT_PATHS)
from ..errors import Wav2AccompError
from ..fileio import atomic_write
from ..symbolic.midi_io import Song, song_to_midi

ENGINES = ("auto", "fluidsynth", "builtin")
#: Audio formats :func:`write_audio` writes, by file suffix: (libsndfile format, subtype).
AUDIO_FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS")}
#: How to get the better sound, for messages and --help.
FLUIDSYNTH_HINT = ("pip install pyfluidsynth, plus the FluidSynth library and a GM SoundFont "
                   "(Debian/Ubuntu: apt install libfluidsynth3 fluid-soundfont-gm)")


class RenderError(Wav2AccompError):
    """Audio could not be rendered or written."""


@dataclass(frozen=True)
class PlayedNote:
    """A note as a synthesiser plays it.

    Attributes
    ----------
    start, end : float
        Note-on and note-off, seconds.
    channel : int
        MIDI channel, 0..15 (9 = GM percussion).
    program : int
        GM program sounding on the channel at the note-on (zero-based).
    pitch : int
        MIDI note number (GM drum sound on channel 9).
    velocity : int
        1..127.
    """

    start: float
    end: float
    channel: int
    program: int
    pitch: int
    velocity: int


def played_notes(midi: mido.MidiFile) -> list[PlayedNote]:
    """The notes of a MIDI file in seconds, as a player hears them (tempo map applied).

    A note-off (or note-on at velocity 0) ends the earliest sounding note of its
    channel and pitch; notes still sounding at the end stop at the last event.
    """
    programs = [0] * 16
    sounding: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    notes, now = [], 0.0
    for message in midi:
        now += message.time
        if message.type == "program_change":
            programs[message.channel] = message.program
        elif message.type == "note_on" and message.velocity > 0:
            key = (message.channel, message.note)
            sounding.setdefault(key, []).append((now, programs[message.channel], message.velocity))
        elif message.type in ("note_on", "note_off") and sounding.get((message.channel, message.note)):
            start, program, velocity = sounding[(message.channel, message.note)].pop(0)
            notes.append(PlayedNote(start, now, message.channel, program, message.note, velocity))
    for (channel, pitch), pending in sounding.items():
        notes += [PlayedNote(start, now, channel, program, pitch, velocity) for start, program, velocity in pending]
    return sorted(notes, key=lambda n: (n.start, n.channel, n.pitch))


# --- Choosing a synthesiser ---------------------------------------------------------

def find_soundfont(soundfont: str | os.PathLike | None = None) -> Path | None:
    """The SoundFont to use: `soundfont`, else ``$WAV2ACCOMP_SOUNDFONT``, else the first of
    :data:`~wav2accomp.constants.SOUNDFONT_PATHS` that exists; None when there is none.

    Raises
    ------
    RenderError
        `soundfont` (or the environment variable) names a file that does not exist.
    """
    named = soundfont or os.environ.get(SOUNDFONT_ENV)
    if named:
        if not Path(named).is_file():
            raise RenderError(f"SoundFont not found: {named}")
        return Path(named)
    return next((Path(p) for p in SOUNDFONT_PATHS if Path(p).is_file()), None)


def import_fluidsynth():
    """The pyfluidsynth module (importing it loads the FluidSynth library).

    pyfluidsynth prints where it found the library when the environment variable ``CI`` is
    set; that line is kept out of the tool's standard output.

    Raises
    ------
    ImportError, OSError
        pyfluidsynth or the FluidSynth library is missing.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        return importlib.import_module("fluidsynth")


def fluidsynth_problem(soundfont: str | os.PathLike | None = None) -> str | None:
    """Why FluidSynth cannot render here (one sentence), or None when it can."""
    try:
        import_fluidsynth()
    except (ImportError, OSError) as exc:
        return f"FluidSynth is not available ({exc})"
    if find_soundfont(soundfont) is None:
        return "no General MIDI SoundFont found (give --soundfont or set " + SOUNDFONT_ENV + ")"
    return None


def choose_engine(engine: str = "auto", soundfont: str | os.PathLike | None = None) -> str:
    """``"fluidsynth"`` or ``"builtin"`` for the requested `engine` (see :data:`ENGINES`).

    Raises
    ------
    RenderError
        ``"fluidsynth"`` asked for where it cannot run, or an unknown engine.
    """
    if engine not in ENGINES:
        raise RenderError(f"unknown synthesiser {engine!r}: choose from {', '.join(ENGINES)}")
    if engine == "builtin":
        return engine
    problem = fluidsynth_problem(soundfont)
    if problem is None:
        return "fluidsynth"
    if engine == "fluidsynth":
        raise RenderError(f"{problem}; to get it: {FLUIDSYNTH_HINT}")
    return "builtin"


def synthesize(song: Song, *, sr: int = RENDER_SAMPLE_RATE, engine: str = "auto",
               soundfont: str | os.PathLike | None = None, seconds: float | None = None) -> tuple[np.ndarray, str]:
    """Render a song to stereo audio.

    Parameters
    ----------
    song : Song
        Parts with GM programs (percussion on channel 10).
    sr : int
        Sample rate, Hz.
    engine : str
        ``"auto"``, ``"fluidsynth"`` or ``"builtin"``.
    soundfont : path-like, optional
        SoundFont for FluidSynth (see :func:`find_soundfont`).
    seconds : float, optional
        Length of the result, seconds (default: the song's end plus
        :data:`~wav2accomp.constants.RENDER_TAIL_SECONDS`).

    Returns
    -------
    audio : np.ndarray
        ``(n, 2)`` float32, left and right.
    engine : str
        The synthesiser that rendered it.
    """
    chosen = choose_engine(engine, soundfont)
    midi = song_to_midi(song)
    notes = played_notes(midi)
    if seconds is None:
        seconds = max([song.end] + [n.end for n in notes]) + RENDER_TAIL_SECONDS
    n_samples = int(round(seconds * sr))
    if chosen == "fluidsynth":
        return synthesize_fluidsynth(midi, sr, find_soundfont(soundfont), n_samples), chosen
    return synthesize_builtin(notes, sr, n_samples), chosen


# --- FluidSynth --------------------------------------------------------------------

def synthesize_fluidsynth(midi: mido.MidiFile, sr: int, soundfont: Path, n_samples: int) -> np.ndarray:
    """Play `midi` through FluidSynth with `soundfont`: ``(n_samples, 2)`` float32.

    Reverb on, chorus off; FluidSynth renders on up to 4 of the machine's cores.
    """
    fluidsynth = import_fluidsynth()
    _silence_fluidsynth_log(fluidsynth)
    settings = {"synth.chorus.active": 0, "synth.cpu-cores": min(os.cpu_count() or 1, 4)}
    synth = fluidsynth.Synth(gain=0.4, samplerate=float(sr), **settings)
    try:
        font = synth.sfload(str(soundfont))
        if font < 0:
            raise RenderError(f"FluidSynth cannot load the SoundFont {soundfont}")
        for channel in range(16):
            _select_program(synth, font, channel, 0)
        blocks, done, now = [], 0, 0.0
        for message in midi:
            now += message.time
            due = min(int(round(now * sr)), n_samples)
            if due >= n_samples:  # events past the end are not heard (and would pile up unrendered)
                break
            if due > done:
                blocks.append(synth.get_samples(due - done))
                done = due
            if message.type == "program_change":
                _select_program(synth, font, message.channel, message.program)
            elif message.type == "note_on" and message.velocity > 0:
                synth.noteon(message.channel, message.note, message.velocity)
            elif message.type in ("note_on", "note_off"):
                synth.noteoff(message.channel, message.note)
        if n_samples > done:
            blocks.append(synth.get_samples(n_samples - done))
    finally:
        synth.delete()
    interleaved = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)
    return (interleaved.reshape(-1, 2).astype(np.float32) / 32768.0)[:n_samples]


def _select_program(synth, font: int, channel: int, program: int) -> None:
    """Give `channel` the SoundFont's `program` (its drum kit on channel 10); the first preset of the bank
    when the SoundFont lacks that one (small GM fonts have few drum kits)."""
    bank = 128 if channel == DRUM_CHANNEL else 0
    if synth.program_select(channel, font, bank, program) < 0:
        synth.program_select(channel, font, bank, 0)


def _silence_fluidsynth_log(fluidsynth) -> None:
    """Stop the FluidSynth library printing to stderr (a missing preset is handled by :func:`_select_program`)."""
    import ctypes

    set_log = getattr(getattr(fluidsynth, "_fl", None), "fluid_set_log_function", None)
    if set_log is None:  # another pyfluidsynth layout: keep the library's messages
        return
    set_log.argtypes, set_log.restype = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_void_p
    for level in range(5):  # FLUID_PANIC .. FLUID_DBG
        set_log(level, None, None)


# --- Built-in synthesiser -------------------------------------------------------------

#: Timbre of each GM program family (program // 8): plucked (decaying), sustained (bowed, blown) or lead.
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
    hz = 440.0 * 2.0 ** ((note.pitch - 69) / 12)
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


# --- Mixing and writing ------------------------------------------------------------------

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
    melody = np.repeat(melody[:, None], 2, axis=1) if melody.ndim == 1 else melody
    out = np.zeros((max(len(melody), len(accompaniment)), 2), dtype=np.float32)
    for samples, gain_db in ((melody, 0.0), (accompaniment, accompaniment_db)):
        level = active_rms(samples, sr)
        if level > 0:
            out[:len(samples)] += samples * (0.1 * 10 ** (gain_db / 20) / level)
    loudest = float(np.abs(out).max()) if out.size else 0.0
    return out * (peak / loudest) if loudest > peak else out


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
