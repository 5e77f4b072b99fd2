"""MIDI -> audio: hear an arrangement at once.

:func:`synthesize` plays a :class:`~wav2accomp.symbolic.midi_io.Song` exactly as
:func:`~wav2accomp.symbolic.midi_io.song_to_midi` writes it (so what is heard is what a
DAW gets, :mod:`wav2accomp.synth.playback`) with one of three synthesisers:

- ``"sampled"`` (:mod:`wav2accomp.synth.sampled`): sampled instruments from pip alone — a self-contained
  SoundFont renderer with the General MIDI SoundFont the ``pretty_midi`` package ships (or the user's);
- ``"fluidsynth"`` (:mod:`wav2accomp.synth.fluidsynth`): FluidSynth (an OS library) with a General MIDI
  SoundFont, for users who want a larger SoundFont;
- ``"builtin"`` (:mod:`wav2accomp.synth.builtin`): a small numpy synthesiser that always works.

``"auto"`` takes FluidSynth when the user names a SoundFont and FluidSynth is here, else the sampled
instruments when they are installed (they are a dependency), else FluidSynth with an OS SoundFont, else the
built-in synthesiser.
:mod:`wav2accomp.synth.mix` lays a recording and an accompaniment together and writes the file.
"""
from __future__ import annotations

import os

import numpy as np

from ..constants import RENDER_SAMPLE_RATE, RENDER_TAIL_SECONDS, SOUNDFONT_ENV, SYNTH_ENGINES
from ..errors import RenderError
from ..symbolic.midi_io import Song, song_to_midi
from .builtin import synthesize_builtin
from .fluidsynth import FLUIDSYNTH_HINT, find_soundfont, fluidsynth_problem, synthesize_fluidsynth
from .playback import played_notes
from .sampled import SAMPLED_HINT, sampled_problem, soundfont_name, synthesize_sampled


def choose_engine(engine: str = "auto", soundfont: str | os.PathLike | None = None) -> str:
    """``"sampled"``, ``"fluidsynth"`` or ``"builtin"`` for the requested `engine` (see the module docstring and
    :data:`~wav2accomp.constants.SYNTH_ENGINES`).

    Raises
    ------
    RenderError
        ``"sampled"`` or ``"fluidsynth"`` asked for where it cannot run, an unknown engine, or a SoundFont named
        (`soundfont` or the environment variable) that is missing or is none, whichever engine is asked for but
        the built-in.
    """
    if engine not in SYNTH_ENGINES:
        raise RenderError(f"unknown synthesiser {engine!r}: choose from {', '.join(SYNTH_ENGINES)}")
    if engine == "builtin":
        return engine
    named = soundfont or os.environ.get(SOUNDFONT_ENV)
    if engine == "sampled":
        problem = sampled_problem(find_soundfont(soundfont) if named else None)
        if problem is not None:
            raise RenderError(f"{problem}; to get it: {SAMPLED_HINT}")
        return engine
    fluid = fluidsynth_problem(soundfont)
    if engine == "fluidsynth":
        if fluid is not None:
            raise RenderError(f"{fluid}; to get it: {FLUIDSYNTH_HINT}")
        return engine
    if named and fluid is None:
        return "fluidsynth"
    if sampled_problem(find_soundfont(soundfont) if named else None) is None:
        return "sampled"
    return "fluidsynth" if fluid is None else "builtin"


def engine_description(engine: str, soundfont: str | os.PathLike | None = None) -> str:
    """How a message names what rendered: the synthesiser and its SoundFont."""
    if engine == "sampled":
        named = soundfont or os.environ.get(SOUNDFONT_ENV)
        return f"sampled instruments, {soundfont_name(find_soundfont(soundfont) if named else None)}"
    if engine == "fluidsynth":
        return f"FluidSynth, {find_soundfont(soundfont)}"
    return f"built-in synthesiser; for sampled instruments: {SAMPLED_HINT}"


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
        ``"auto"``, ``"sampled"``, ``"fluidsynth"`` or ``"builtin"``.
    soundfont : path-like, optional
        SoundFont for the sampled instruments or FluidSynth (see :func:`find_soundfont`).
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
    if chosen == "sampled":
        named = soundfont or os.environ.get(SOUNDFONT_ENV)
        return synthesize_sampled(midi, sr, find_soundfont(soundfont) if named else None, n_samples), chosen
    return synthesize_builtin(notes, sr, n_samples), chosen


def synthesize_track(task: tuple) -> np.ndarray:
    """:func:`synthesize`'s audio of ``(song, sr, engine, soundfont, seconds)``: a module-level function, so that
    a pool of processes can render the tracks of a song side by side."""
    song, sr, engine, soundfont, seconds = task
    return synthesize(song, sr=sr, engine=engine, soundfont=soundfont, seconds=seconds)[0]
