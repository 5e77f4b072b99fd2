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
from dataclasses import replace

import numpy as np

from ..constants import OUTPUT_TICKS_PER_BEAT, RENDER_SAMPLE_RATE, RENDER_TAIL_SECONDS, SOUNDFONT_ENV, SYNTH_ENGINES
from ..errors import RenderError
from ..symbolic.midi_io import Note, Song, song_to_midi
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
    if seconds is None or chosen == "builtin":
        notes = played_notes(song_to_midi(song))
        seconds = max([song.end] + [n.end for n in notes]) + RENDER_TAIL_SECONDS if seconds is None else seconds
    n_samples = int(round(seconds * sr))
    if chosen == "builtin":
        return synthesize_builtin(notes, sr, n_samples), chosen
    # the SoundFont engines play to the file's end: it is moved to `seconds`, so that the tails ring on
    midi = song_to_midi(replace(song, end_beat=max(song.end_beat, float(song.tempo_map.seconds_to_beats(seconds)))))
    if chosen == "fluidsynth":
        return synthesize_fluidsynth(midi, sr, find_soundfont(soundfont), n_samples), chosen
    named = soundfont or os.environ.get(SOUNDFONT_ENV)
    return synthesize_sampled(midi, sr, find_soundfont(soundfont) if named else None, n_samples), chosen


def synthesize_track(task: tuple) -> np.ndarray:
    """:func:`synthesize`'s audio of ``(song, sr, engine, soundfont, seconds)``: a module-level function, so that
    a pool of processes can render the tracks of a song side by side."""
    song, sr, engine, soundfont, seconds = task
    return synthesize(song, sr=sr, engine=engine, soundfont=soundfont, seconds=seconds)[0]


#: Pieces are laid on a grid of 1/150 s: whole samples at 22.05, 44.1 and 48 kHz, and whole 64-sample blocks at
#: 48 kHz, where the SoundFont renderers start their notes; so the laid pieces sound just as the whole.
PIECE_GRID = 150


def time_pieces(song: Song, pieces: int, seconds: float) -> list[tuple[float, Song, float]]:
    """`song` cut by note onset into up to `pieces` spans of about equal length, for synthesisers to play side by
    side: ``(start, span, span_seconds)`` each, the span's notes as a song of its own, to be synthesised for
    `span_seconds` and laid at `start` seconds (:func:`lay_pieces`).

    A note that sounds across a cut stays in the span of its onset, which rings on until it and its tail end.
    A later span begins with a lead-in beat whose tempo makes it last from `start` (on the grid of
    :data:`PIECE_GRID`) to the cut (a tick of the MIDI file), so its notes keep their very ticks and samples and
    the pieces sum to the whole song of `seconds` seconds (a synthesiser is linear and, but for its modulators'
    phase, does not care when it starts).
    """
    tempo_map, ticks = song.tempo_map, OUTPUT_TICKS_PER_BEAT
    cuts = [0.0] + [round(float(tempo_map.seconds_to_beats(seconds * k / pieces)) * ticks) / ticks
                    for k in range(1, pieces)] + [np.inf]
    spans = []
    for low, high in zip(cuts, cuts[1:]):
        parts = [replace(part, notes=[n for n in part.notes if low <= n.start_beat < high]) for part in song.parts]
        notes = [n for part in parts for n in part.notes]
        if not notes and low > 0:
            continue
        cut_seconds = float(tempo_map.beats_to_seconds(low))
        start = max(np.floor(cut_seconds * PIECE_GRID) - 1, 0) / PIECE_GRID if low > 0 else 0.0
        lead = 1.0 if low > 0 else 0.0   # beats before the cut
        span_map = tempo_map.from_beat(low, lead, cut_seconds - start)
        shifted = [replace(part, notes=[Note(n.pitch, n.velocity, n.start_beat - low + lead, n.end_beat - low + lead,
                                             n.start - start, n.end - start) for n in part.notes])
                   for part in parts]
        last = max([n.end for n in notes] + [start]) + RENDER_TAIL_SECONDS
        span_seconds = (seconds if high == np.inf else min(seconds, last)) - start
        spans.append((start, replace(song, parts=shifted, tempo_map=span_map, time_signatures=[], markers=[],
                                     end_beat=float(span_map.seconds_to_beats(span_seconds))), span_seconds))
    return spans


def lay_pieces(starts: list[float], audios: list[np.ndarray], sr: int, n_samples: int) -> np.ndarray:
    """The pieces of :func:`time_pieces`, synthesised (``(n, 2)`` each), laid at their `starts` (seconds) and
    summed: ``(n_samples, 2)`` float32 at `sr` Hz."""
    out = np.zeros((n_samples, 2), dtype=np.float32)
    for start, audio in zip(starts, audios):
        begin = int(round(start * sr))
        length = max(min(len(audio), n_samples - begin), 0)
        out[begin:begin + length] += audio[:length]
    return out
