"""Sort the parts of a song into classes: melody, percussion, guitarlike, stringslike.

The rules, in order:

1. ``name``: the part's name against the keyword table
   (:data:`~wav2accomp.constants.NAME_KEYWORDS`), case-insensitive substrings.
   A name written on :data:`~wav2accomp.constants.TITLE_NAME_TRACKS` or more
   tracks (typically the song's title on every track) says nothing about any
   one of them and is ignored.
2. ``channel10``: a part on MIDI channel 10 is percussion.
3. ``program``: the General MIDI program family
   (:data:`~wav2accomp.constants.GM_FAMILIES`); synth leads are labelled
   melody but compete like every other pitched part (measured: preferring
   them as a tier of their own finds fewer melodies).
4. ``nothing``: a part without notes is ``other``.

Then exactly one part becomes the melody (see :func:`choose_melody`):
among the pitched parts whose names say melody if there are any, else among
all pitched parts, the one with the highest :func:`melody_scores` (a linear
score on pitch, monophony, coverage, note counts, note lengths, intervals and
program family, fitted on data). Other melody candidates fall back to the
class of their program family (rule ``melody-demoted``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import (BASS, BASS_PROGRAMS, DRUM_CHANNEL, GM_FAMILIES, GUITARLIKE, MELODY, MELODY_MIN_NOTES,
                         MELODY_WEIGHTS, NAME_KEYWORDS, OTHER, PERCUSSION, STRINGSLIKE, TITLE_NAME_TRACKS)
from .midi_io import Part

#: Rule names, as counted in corpus reports.
RULE_NAME, RULE_CHANNEL10, RULE_PROGRAM, RULE_EMPTY = "name", "channel10", "program", "nothing"
RULE_MELODY_NAME, RULE_MELODY_STATISTICS = "melody-by-name", "melody-by-statistics"
RULE_DEMOTED = "melody-demoted"


@dataclass(frozen=True)
class Assignment:
    """The class of one part and the rule that gave it."""

    part_class: str
    rule: str


def class_from_name(name: str) -> str | None:
    """The class whose keyword occurs in `name` (first row of the table wins), or None."""
    lowered = name.lower()
    for part_class, keywords in NAME_KEYWORDS:
        if any(keyword in lowered for keyword in keywords):
            return part_class
    return None


def program_family(program: int) -> tuple[str, str]:
    """(family name, class) of a zero-based General MIDI program."""
    for first, last, family, part_class in GM_FAMILIES:
        if first <= program <= last:
            return family, part_class
    raise ValueError(f"GM program must be 0..127, got {program}")


def class_from_program(program: int, channel: int) -> tuple[str, str]:
    """(class, rule) from the channel and GM program alone."""
    if channel == DRUM_CHANNEL:
        return PERCUSSION, RULE_CHANNEL10
    return program_family(program)[1], RULE_PROGRAM


def is_bass(part: Part, assignment: Assignment) -> bool:
    """Whether a guitarlike part is a bass: its name says ``bass``, or, where its name did not decide its
    class, it plays a GM bass program (:data:`~wav2accomp.constants.BASS_PROGRAMS`)."""
    if assignment.part_class != GUITARLIKE or part.is_drum:
        return False
    if assignment.rule == RULE_NAME:
        return BASS in part.name.lower()
    return part.program in BASS_PROGRAMS


@dataclass(frozen=True)
class PartStatistics:
    """Note statistics of a part that tell a melody from an accompaniment.

    Attributes
    ----------
    n_notes : int
    mean_pitch : float
        MIDI number.
    monophony : float
        Share of onsets at which no other note of the part sounds (0..1).
    coverage : float
        Share of the song's length during which the part sounds (0..1).
    pitch_spread : float
        Standard deviation of the pitches, semitones.
    mean_step : float
        Median absolute interval between consecutive onsets, semitones.
    mean_duration : float
        Median note length, quarter-note beats.
    """

    n_notes: int
    mean_pitch: float
    monophony: float
    coverage: float
    pitch_spread: float
    mean_step: float
    mean_duration: float


def part_statistics(part: Part, song_end_beat: float) -> PartStatistics:
    """Compute :class:`PartStatistics` from the notes' beat positions."""
    if not part.notes:
        return PartStatistics(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    starts = np.array([n.start_beat for n in part.notes])
    ends = np.maximum(np.array([n.end_beat for n in part.notes]), starts + 1e-6)
    pitches = np.array([n.pitch for n in part.notes], dtype=float)
    sorted_ends = np.sort(ends)
    onset_times = np.sort(starts)
    sounding = np.searchsorted(onset_times, starts, "right") - np.searchsorted(sorted_ends, starts, "right")
    # Union of note spans: merge sorted intervals.
    order = np.argsort(starts)
    running_end = np.maximum.accumulate(ends[order])
    gaps = np.maximum(starts[order][1:] - running_end[:-1], 0.0)
    covered = running_end[-1] - starts[order][0] - gaps.sum()
    steps = np.abs(np.diff(pitches[order])) if len(order) > 1 else np.zeros(1)
    return PartStatistics(len(part.notes), float(pitches.mean()), float(np.mean(sounding <= 1)),
                          float(min(covered / max(song_end_beat, 1e-6), 1.0)), float(pitches.std()),
                          float(np.median(steps)), float(np.median(ends - starts)))


def melody_features(stats: list[PartStatistics], programs: list[int]) -> np.ndarray:
    """Feature matrix (n_parts, len(MELODY_FEATURES)) for :func:`melody_scores`.

    Pitch and note count enter both as they are and relative to the highest
    among the parts compared, so the score ranks parts within a song.
    """
    mean_pitch = np.array([s.mean_pitch for s in stats])
    log_notes = np.log(np.maximum([s.n_notes for s in stats], 1))
    families = np.zeros((len(stats), 16))
    families[np.arange(len(stats)), np.asarray(programs, dtype=int) // 8] = 1.0
    columns = [
        (mean_pitch - 60.0) / 12.0,
        (mean_pitch - mean_pitch.max()) / 12.0,
        np.array([s.pitch_spread for s in stats]) / 12.0,
        np.array([s.monophony for s in stats]),
        np.array([s.coverage for s in stats]),
        log_notes - 7.0,
        log_notes - log_notes.max(),
        np.log2(np.array([s.mean_duration for s in stats]) + 1e-3) / 4.0,
        np.minimum([s.mean_step for s in stats], 12.0) / 12.0,
    ]
    return np.column_stack(columns + [families])


def melody_scores(stats: list[PartStatistics], programs: list[int], weights=MELODY_WEIGHTS) -> np.ndarray:
    """How melody-like each part is, compared with the others given.

    A linear score (a conditional logit: softmax over a song's parts gives the
    chance that each is the melody) with weights
    :data:`~wav2accomp.constants.MELODY_WEIGHTS`, fitted on the training split
    of pop-multitrack by ``benchmarks/melody_identification.py --fit``.
    """
    if not stats:
        return np.zeros(0)
    return melody_features(stats, programs) @ np.asarray(weights, dtype=float)


def choose_melody(candidates: list[int], parts: list[Part], stats: list[PartStatistics],
                  weights=MELODY_WEIGHTS) -> int | None:
    """Index of the most melody-like part among `candidates`, or None.

    Only parts with at least :data:`~wav2accomp.constants.MELODY_MIN_NOTES`
    notes qualify.
    """
    candidates = [i for i in candidates if stats[i].n_notes >= MELODY_MIN_NOTES]
    if not candidates:
        return None
    scores = melody_scores([stats[i] for i in candidates], [parts[i].program for i in candidates], weights)
    return candidates[int(np.argmax(scores))]


def classify_parts(parts: list[Part], song_end_beat: float, *, use_names: bool = True,
                   melody_weights=MELODY_WEIGHTS) -> list[Assignment]:
    """Give every part a class and the rule that decided it.

    Parameters
    ----------
    parts : list of Part
    song_end_beat : float
        Length of the song in quarter-note beats (for the coverage statistic).
    use_names : bool
        False ignores the names (rule 1), as for files whose names are junk.
    melody_weights : sequence of float
        Weights of :func:`melody_scores`.

    Returns
    -------
    list of Assignment
        One per part; at most one part is ``melody``.
    """
    tracks_per_name: dict[str, set[int]] = {}
    for part in parts:
        tracks_per_name.setdefault(part.name.strip().lower(), set()).add(part.track)
    by_name = [class_from_name(p.name)
               if use_names and len(tracks_per_name[p.name.strip().lower()]) < TITLE_NAME_TRACKS else None
               for p in parts]
    fallback = [class_from_program(p.program, p.channel) for p in parts]
    result = []
    for part, named, (program_class, program_rule) in zip(parts, by_name, fallback):
        if not part.notes:
            result.append(Assignment(OTHER, RULE_EMPTY))
        elif named is not None:
            result.append(Assignment(named, RULE_NAME))
        else:
            result.append(Assignment(program_class, program_rule))

    stats = [part_statistics(p, song_end_beat) for p in parts]
    pitched = [i for i, p in enumerate(parts) if p.notes and not p.is_drum]
    named_candidates = [i for i in pitched if result[i] == Assignment(MELODY, RULE_NAME)]
    chosen, rule = None, None
    for candidates, candidate_rule in ((named_candidates, RULE_MELODY_NAME),
                                       (pitched, RULE_MELODY_STATISTICS)):
        chosen = choose_melody(candidates, parts, stats, melody_weights)
        if chosen is not None:
            rule = candidate_rule
            break

    for i, assignment in enumerate(result):
        if i == chosen:
            result[i] = Assignment(MELODY, rule)
        elif assignment.part_class == MELODY:
            demoted = fallback[i][0]
            result[i] = Assignment(STRINGSLIKE if demoted == MELODY else demoted, RULE_DEMOTED)
    return result
