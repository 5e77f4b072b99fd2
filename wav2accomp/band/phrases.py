"""The piano's textures: real two-bar phrases of POP909's pianists, re-voiced onto the song's chords.

A :class:`PhraseLibrary` holds two-bar phrases (32 16th steps of 4/4) of real piano parts, each note kept as it
was played: onset step within the phrase and its offset from the step (1/32 steps), length in steps, MIDI
pitch, velocity, and the chord it was played over. It also holds, per phrase, what the choice hears: the beats
where the source's chord changes, its onsets per bar (density), its source song and place (so that
consecutive phrases of one song can follow each other), its register and tempo.

:func:`play_phrases` accompanies a song with them, in the manner of AccoMontage: the song's bars are cut into
two-bar segments; for each, the phrases whose chord changes fall where the segment's do, whose density suits
the arrangement's intensity there (:mod:`wav2accomp.band.arc`) and whose tempo is near the song's score best;
a dynamic programme over the segments then chooses one phrase each, preferring phrases that continue one
another (the next phrase of the same source song, a register close to the last). Every note is then moved
onto the target chord: by the smallest shift of the source chord's root onto the target's, a major third
made minor (and a major seventh a minor one) where the target is minor, a minor third made major where it is
major; a tone outside the target triad (a passing note, a seventh, a suspension) then moves to the nearest
tone of the triad. The notes below F#4 are held until the chord changes or the bar ends, as a pianist holds
the sustain pedal under the left hand and changes it with the harmony and the bar; the notes above are held as
the source's pianist held them, released at the change at the latest, so the part plays exactly the chords it
is given; notes over no chord are left out. POP909 is MIT-licensed: its phrases may ship.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import BAR_POSITIONS, STEPS_PER_BEAT
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays
from ..symbolic.harmony import NO_CHORD

#: Bars of a phrase.
PHRASE_BARS = 2
#: Steps of a phrase.
PHRASE_STEPS = PHRASE_BARS * BAR_POSITIONS
#: Beats of a phrase (its chord-change pattern has one flag per beat).
PHRASE_BEATS = PHRASE_STEPS // STEPS_PER_BEAT
#: Offsets of an onset from its step are stored in these fractions of a step.
OFFSET_UNITS = 32
#: The pedal holds notes below this MIDI number (F#4) to the next chord change or bar line.
PEDAL_BELOW = 66
#: Phrases the dynamic programme weighs for each segment (the best by their own cost).
CANDIDATES = 24
#: Costs of the choice: a beat whose chord change differs, density against intensity (per unit of quantile),
#: tempo (per octave of ratio), a jump in register (per octave), and the reward for a source's next phrase.
COST_CHANGE, COST_DENSITY, COST_TEMPO, COST_REGISTER, REWARD_CONTINUE = 1.0, 3.0, 1.0, 2.0, 1.5


@dataclass
class PhraseLibrary:
    """See the module docstring.

    Attributes
    ----------
    note_phrase : np.ndarray
        ``(N,)`` int32 phrase of each note (notes sorted by phrase, then onset).
    note_step, note_offset, note_length, note_pitch, note_velocity, note_chord : np.ndarray
        ``(N,)`` onset step in the phrase (0..31), offset from it (1/:data:`OFFSET_UNITS` steps), length (steps,
        1..255), MIDI pitch, velocity, source chord index (0..23).
    changes : np.ndarray
        ``(P, 8)`` bool: the source's chord changes at the phrase's beats (the first beat: a change from before).
    density : np.ndarray
        ``(P,)`` onsets per bar.
    register : np.ndarray
        ``(P,)`` mean MIDI pitch.
    bpm : np.ndarray
        ``(P,)`` tempo of the source song.
    source, place : np.ndarray
        ``(P,)`` source song number and the phrase's place in it (phrases).
    info : dict
    """

    note_phrase: np.ndarray
    note_step: np.ndarray
    note_offset: np.ndarray
    note_length: np.ndarray
    note_pitch: np.ndarray
    note_velocity: np.ndarray
    note_chord: np.ndarray
    changes: np.ndarray
    density: np.ndarray
    register: np.ndarray
    bpm: np.ndarray
    source: np.ndarray
    place: np.ndarray
    info: dict = field(default_factory=dict)

    ARRAYS = ("note_phrase", "note_step", "note_offset", "note_length", "note_pitch", "note_velocity", "note_chord",
              "changes", "density", "register", "bpm", "source", "place")

    def __post_init__(self):
        self.first_note = np.searchsorted(self.note_phrase, np.arange(len(self.density) + 1))
        order = np.argsort(self.density, kind="stable")
        self.density_rank = np.empty(len(order))
        self.density_rank[order] = (np.arange(len(order)) + 0.5) / max(len(order), 1)

    def __len__(self) -> int:
        return len(self.density)


def chord_change_flags(chords: np.ndarray, start: int) -> np.ndarray:
    """``(8,)`` bool: at each beat of the phrase from step `start`, whether the chord differs from the step before
    (the first beat compares with the step before the phrase)."""
    beats = start + STEPS_PER_BEAT * np.arange(PHRASE_BEATS)
    before = np.asarray(chords)[np.maximum(beats - 1, 0)]
    now = np.asarray(chords)[beats]
    flags = now != before
    flags[0] = True
    return flags


def phrases_of_song(steps: np.ndarray, lengths: np.ndarray, pitches: np.ndarray, velocities: np.ndarray,
                    chords: np.ndarray, downbeats: np.ndarray) -> list[dict]:
    """The two-bar phrases of one real piano part (4/4 bars only; every step under a chord).

    Parameters
    ----------
    steps : np.ndarray
        Onsets, 16th steps from the song's grid phase (float: the offsets are kept).
    lengths : np.ndarray
        Note lengths, steps.
    pitches, velocities : np.ndarray
    chords : np.ndarray
        ``(T,)`` chord index per step (:data:`~wav2accomp.symbolic.harmony.NO_CHORD` where none).
    downbeats : np.ndarray
        Bar starts, steps.

    Returns
    -------
    list of dict
        One per phrase: its notes' arrays and its ``changes``, ``density``, ``register`` and ``place``.
    """
    nearest = np.rint(steps).astype(int)
    phrases = []
    downbeats = np.asarray(downbeats, dtype=int)
    for place, first in enumerate(range(0, len(downbeats) - PHRASE_BARS, PHRASE_BARS)):
        start = int(downbeats[first])
        if np.any(np.diff(downbeats[first:first + PHRASE_BARS + 1]) != BAR_POSITIONS):
            continue
        if start + PHRASE_STEPS > len(chords) or np.any(chords[start:start + PHRASE_STEPS] == NO_CHORD):
            continue
        inside = (nearest >= start) & (nearest < start + PHRASE_STEPS)
        if inside.sum() < 4:
            continue
        local = nearest[inside] - start
        phrases.append({
            "step": local, "offset": np.rint((steps[inside] - nearest[inside]) * OFFSET_UNITS),
            "length": np.clip(np.rint(lengths[inside]), 1, 255), "pitch": pitches[inside],
            "velocity": velocities[inside], "chord": chords[nearest[inside]],
            "changes": chord_change_flags(chords, start),
            "density": len(np.unique(local)) / PHRASE_BARS, "register": float(pitches[inside].mean()),
            "place": place})
    return phrases


def build_library(songs: list[tuple[list[dict], float]], info: dict | None = None) -> PhraseLibrary:
    """A :class:`PhraseLibrary` from :func:`phrases_of_song` results, each with its song's tempo (BPM)."""
    columns = {name: [] for name in PhraseLibrary.ARRAYS}
    number = 0
    for source, (phrases, bpm) in enumerate(songs):
        for phrase in phrases:
            order = np.lexsort((phrase["pitch"], phrase["step"]))
            columns["note_phrase"].append(np.full(len(order), number))
            for key in ("step", "offset", "length", "pitch", "velocity", "chord"):
                columns[f"note_{key}"].append(np.asarray(phrase[key])[order])
            for key in ("changes", "density", "register", "place"):
                columns[key].append(phrase[key])
            columns["bpm"].append(bpm)
            columns["source"].append(source)
            number += 1
    if not number:
        raise Wav2AccompError("no two-bar 4/4 piano phrase under known chords to learn from")
    types = {"note_phrase": np.int32, "note_step": np.uint8, "note_offset": np.int8, "note_length": np.uint8,
             "note_pitch": np.uint8, "note_velocity": np.uint8, "note_chord": np.uint8, "changes": bool,
             "density": np.float32, "register": np.float32, "bpm": np.float32, "source": np.int32,
             "place": np.int32}
    arrays = {name: (np.concatenate(values) if name.startswith("note_") else np.array(values)).astype(types[name])
              for name, values in columns.items()}
    return PhraseLibrary(**arrays, info=dict(info or {}, phrases=number, notes=int(len(arrays["note_pitch"]))))


def revoice(pitches: np.ndarray, source_chords: np.ndarray, target_chords: np.ndarray) -> np.ndarray:
    """Notes played over `source_chords` moved onto `target_chords` (chord indices, per note; see the module
    docstring). Notes whose target is no chord come back as -1."""
    pitches = np.asarray(pitches, dtype=int)
    source_chords, target_chords = np.asarray(source_chords, dtype=int), np.asarray(target_chords, dtype=int)
    silent = target_chords == NO_CHORD
    target = np.where(silent, 0, target_chords)
    shift = (target % 12 - source_chords % 12 + 6) % 12 - 6
    moved = pitches + shift
    degree = (moved - target % 12) % 12
    to_minor = (source_chords // 12 == 0) & (target // 12 == 1)
    to_major = (source_chords // 12 == 1) & (target // 12 == 0)
    moved = moved - (to_minor & ((degree == 4) | (degree == 11))) + (to_major & (degree == 3))
    return np.where(silent, -1, moved)


def to_chord_tones(pitches: np.ndarray, chords: np.ndarray) -> np.ndarray:
    """Each pitch moved to the nearest tone of its chord's triad (ties downwards); -1 (no chord) stays."""
    pitches, chords = np.asarray(pitches, dtype=int), np.asarray(chords, dtype=int)
    result = pitches.copy()
    for index in np.flatnonzero((pitches >= 0) & (chords != NO_CHORD)).tolist():
        root, minor = chords[index] % 12, chords[index] // 12
        tones = [(root + interval) % 12 for interval in ((0, 3, 7) if minor else (0, 4, 7))]
        moves = sorted(((pitches[index] + shift) for shift in (0, -1, 1, -2, 2)
                        if (pitches[index] + shift) % 12 in tones), key=lambda p: (abs(p - pitches[index]), p))
        result[index] = moves[0]
    return result


def next_change(chords: np.ndarray) -> np.ndarray:
    """``(T,)`` for each step, the first later step whose chord differs (T where none does)."""
    chords = np.asarray(chords)
    n_steps = len(chords)
    result = np.full(n_steps, n_steps)
    for step in range(n_steps - 2, -1, -1):
        result[step] = step + 1 if chords[step + 1] != chords[step] else result[step + 1]
    return result


@dataclass
class PlayedPhrases:
    """Notes of a part on the song's grid: onset step (float: with the phrases' own timing), length (steps),
    MIDI pitch, and velocity relative to its phrase's mean (as its pianist played it)."""

    steps: np.ndarray
    lengths: np.ndarray
    pitches: np.ndarray
    velocity_offsets: np.ndarray


def choose_phrases(library: PhraseLibrary, changes: np.ndarray, intensity: np.ndarray, bpm: float) -> np.ndarray:
    """One phrase per segment by dynamic programming (see the module docstring).

    Parameters
    ----------
    changes : np.ndarray
        ``(S, 8)`` bool chord changes per beat of each segment.
    intensity : np.ndarray
        ``(S,)`` 0..1 the arrangement's intensity per segment (the density quantile it asks for).
    bpm : float

    Returns
    -------
    np.ndarray
        ``(S,)`` phrase indices.
    """
    n_segments = len(changes)
    if n_segments == 0:
        return np.zeros(0, dtype=int)
    tempo_cost = COST_TEMPO * np.abs(np.log2(library.bpm / max(bpm, 1.0)))
    candidates, unary = [], []
    for segment in range(n_segments):
        cost = (COST_CHANGE * (library.changes[:, 1:] != changes[segment, 1:]).sum(axis=1)
                + COST_DENSITY * np.abs(library.density_rank - intensity[segment]) + tempo_cost)
        best = np.argpartition(cost, min(CANDIDATES, len(cost) - 1))[:CANDIDATES]
        candidates.append(best)
        unary.append(cost[best])
    total = unary[0].copy()
    back = []
    for segment in range(1, n_segments):
        before, now = candidates[segment - 1], candidates[segment]
        transition = (COST_REGISTER * np.abs(library.register[before][:, None] - library.register[now][None, :]) / 12
                      - REWARD_CONTINUE * ((library.source[before][:, None] == library.source[now][None, :])
                                           & (library.place[before][:, None] + 1 == library.place[now][None, :])))
        scores = total[:, None] + transition
        back.append(np.argmin(scores, axis=0))
        total = scores[back[-1], np.arange(len(now))] + unary[segment]
    path = [int(np.argmin(total))]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    path.reverse()
    return np.array([candidates[s][k] for s, k in enumerate(path)], dtype=int)


def play_phrases(library: PhraseLibrary, downbeats: np.ndarray, chords: np.ndarray, intensity: np.ndarray, *,
                 bpm: float) -> PlayedPhrases:
    """A piano part from the library for a song (see the module docstring).

    Parameters
    ----------
    downbeats : np.ndarray
        Bar starts, steps; the song's 4/4 bars from the first are cut into two-bar segments (a last single bar
        takes the first bar of a phrase). Steps before the first bar line stay silent.
    chords : np.ndarray
        ``(T,)`` chord index per step.
    intensity : np.ndarray
        ``(B,)`` 0..1 per bar of `downbeats` (:mod:`wav2accomp.band.arc`).
    bpm : float

    Returns
    -------
    PlayedPhrases
    """
    n_steps = len(chords)
    starts = [int(b) for b in downbeats[::PHRASE_BARS] if b < n_steps]
    intensity = np.asarray(intensity, dtype=float)
    changes = np.array([chord_change_flags(np.pad(chords, (0, PHRASE_STEPS), mode="edge"), s) for s in starts])
    wanted = np.array([intensity[min(i * PHRASE_BARS, len(intensity) - 1)] for i in range(len(starts))]) \
        if len(intensity) else np.full(len(starts), 0.5)
    chosen = choose_phrases(library, changes.reshape(-1, PHRASE_BEATS), wanted, bpm)
    parts = {key: [] for key in ("steps", "lengths", "pitches", "velocity")}
    changes_at = next_change(chords)
    bar_ends = np.append(np.asarray(downbeats, dtype=int), n_steps)
    for start, phrase in zip(starts, chosen.tolist()):
        notes = slice(library.first_note[phrase], library.first_note[phrase + 1])
        local = library.note_step[notes].astype(int)
        at = start + local
        keep = at < n_steps
        target = chords[np.minimum(at, n_steps - 1)]
        pitches = to_chord_tones(revoice(library.note_pitch[notes], library.note_chord[notes], target), target)
        keep &= pitches >= 0
        velocity = library.note_velocity[notes].astype(float)
        parts["steps"].append(at[keep] + library.note_offset[notes][keep] / OFFSET_UNITS)
        next_bar = bar_ends[np.minimum(np.searchsorted(bar_ends, at, side="right"), len(bar_ends) - 1)]
        pedal = np.maximum(np.minimum(changes_at[np.minimum(at, n_steps - 1)], next_bar) - at, 1)
        played = np.minimum(np.maximum(library.note_length[notes].astype(int), 1), pedal)
        parts["lengths"].append(np.where(pitches < PEDAL_BELOW, pedal, played)[keep])
        parts["pitches"].append(pitches[keep])
        parts["velocity"].append(velocity[keep] - velocity.mean())
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    return PlayedPhrases(joined["steps"].astype(float), joined["lengths"].astype(int), joined["pitches"].astype(int),
                         joined["velocity"])


def save_phrases(library: PhraseLibrary, stem: str | os.PathLike) -> None:
    """``STEM.npz`` (compressed) + ``STEM.json``, together, atomically."""
    write_arrays(stem, {name: getattr(library, name) for name in PhraseLibrary.ARRAYS},
                 {"kind": "phrases", "info": library.info}, compressed=True)


def load_phrases(stem: str | os.PathLike) -> PhraseLibrary:
    """Read :func:`save_phrases`'s files (no pickle); a one-line error when they are broken or do not fit."""
    arrays, meta = read_arrays(stem, PhraseLibrary.ARRAYS, "phrase library")
    n_notes, n_phrases = len(arrays["note_phrase"]), len(arrays["density"])
    if (n_phrases == 0 or any(len(arrays[k]) != n_notes for k in PhraseLibrary.ARRAYS if k.startswith("note_"))
            or any(len(arrays[k]) != n_phrases for k in ("density", "register", "bpm", "source", "place"))
            or arrays["changes"].shape != (n_phrases, PHRASE_BEATS)
            or np.any(np.diff(arrays["note_phrase"]) < 0) or arrays["note_phrase"].min() < 0
            or arrays["note_phrase"].max() >= n_phrases or arrays["note_step"].max() >= PHRASE_STEPS
            or arrays["note_chord"].max() >= NO_CHORD or np.any(arrays["note_velocity"] < 1)
            or np.any(arrays["note_velocity"] > 127) or np.any(arrays["note_pitch"] > 127)
            or not np.all(np.isfinite(arrays["bpm"])) or np.any(arrays["bpm"] <= 0)):
        raise Wav2AccompError(f"the phrase library {Path(stem)} does not fit this version")
    return PhraseLibrary(**arrays, info=meta.get("info", {}))
