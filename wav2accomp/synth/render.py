"""MIDI -> audio: hear an arrangement at once.

:func:`synthesize` plays a :class:`~wav2accomp.symbolic.midi_io.Song` exactly as
:func:`~wav2accomp.symbolic.midi_io.song_to_midi` writes it (so what is heard is what a
DAW gets, :mod:`wav2accomp.synth.playback`) with one of two synthesisers:

- ``"fluidsynth"`` (:mod:`wav2accomp.synth.fluidsynth`): FluidSynth with a General MIDI
  SoundFont — real instruments;
- ``"builtin"`` (:mod:`wav2accomp.synth.builtin`): a small numpy synthesiser that always works.

``"auto"`` takes FluidSynth when both it and a SoundFont are found.
:mod:`wav2accomp.synth.mix` lays a recording and an accompaniment together and writes the file.
"""
from __future__ import annotations

import os

import numpy as np

from ..constants import RENDER_SAMPLE_RATE, RENDER_TAIL_SECONDS, SYNTH_ENGINES
from ..errors import RenderError
from ..symbolic.midi_io import Song, song_to_midi
from .builtin import synthesize_builtin
from .fluidsynth import FLUIDSYNTH_HINT, find_soundfont, fluidsynth_problem, synthesize_fluidsynth
from .playback import played_notes


def choose_engine(engine: str = "auto", soundfont: str | os.PathLike | None = None) -> str:
    """``"fluidsynth"`` or ``"builtin"`` for the requested `engine` (see :data:`~wav2accomp.constants.SYNTH_ENGINES`).

    Raises
    ------
    RenderError
        ``"fluidsynth"`` asked for where it cannot run, an unknown engine, or a SoundFont named (`soundfont`
        or the environment variable) that is missing or is none, whichever engine is asked for but the built-in.
    """
    if engine not in SYNTH_ENGINES:
        raise RenderError(f"unknown synthesiser {engine!r}: choose from {', '.join(SYNTH_ENGINES)}")
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
