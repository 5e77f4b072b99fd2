"""Where a melody's bars lie when its file does not say: a metrical template of melodies.

A MIDI file made in a sequencer puts its bar lines where the music has them. A file taken from a performance
(POP909's, a file aligned to audio) often does not: its tempo is the song's, but its beats need not fall on
the file's beats, nor its bars on the file's bars. Such a melody sits off the file's 16ths
(:func:`~wav2accomp.band.grid.grid_phase` is not near 0), and a band on the file's grid would play its
downbeats on the melody's off-beats.

:func:`bar_likelihoods` weighs where the bar lines could lie from the melody alone: each note is counted at its
position in the bar (16 sixteenths of a 4/4 bar), by how long it is held (:data:`DURATION_EDGES`) and whether a
rest comes before it (a phrase starting); a :class:`MetreTemplate` holds how often melodies put such notes at
each position (counted by :func:`count_positions` from melodies whose bar lines are known), and the rotation of
the bar under which the melody's notes are likeliest is where its bars lie.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import STEPS_PER_BEAT
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays

#: Classes of how long a note is held (up to its release or the next onset, whichever is first), beats.
DURATION_EDGES = (0.0, 0.3, 0.6, 1.1, 2.1)
#: A rest at least this long before a note makes it a phrase start, beats.
PHRASE_REST_BEATS = 0.5
#: Positions in a bar: the 16ths of 4/4.
BAR_STEPS = 4 * STEPS_PER_BEAT


@dataclass
class MetreTemplate:
    """How often melodies put a note at each 16th of a 4/4 bar.

    Attributes
    ----------
    counts : np.ndarray
        ``(len(DURATION_EDGES), 2, BAR_STEPS)`` notes by duration class, phrase start (0 no, 1 yes) and position
        (0 = the downbeat).
    info : dict
        Where the counts came from (files, split, command).
    """

    counts: np.ndarray
    info: dict = field(default_factory=dict)

    def log_shares(self) -> np.ndarray:
        """Log share of each position per (duration class, phrase start), add-one smoothed."""
        smoothed = self.counts + 1.0
        return np.log(smoothed / smoothed.sum(axis=2, keepdims=True))


def note_classes(start_beats, end_beats) -> tuple[np.ndarray, np.ndarray]:
    """Each note's duration class (:data:`DURATION_EDGES`) and whether it starts a phrase (a rest of at least
    :data:`PHRASE_REST_BEATS` before it, or first); onsets and releases in beats, sorted by onset."""
    starts, ends = np.asarray(start_beats, dtype=float), np.asarray(end_beats, dtype=float)
    held = np.minimum(ends - starts, np.r_[np.diff(starts), np.inf])
    duration = np.clip(np.searchsorted(DURATION_EDGES, held, side="right") - 1, 0, len(DURATION_EDGES) - 1)
    phrase = np.r_[True, starts[1:] - ends[:-1] >= PHRASE_REST_BEATS] if len(starts) else np.zeros(0, bool)
    return duration, phrase.astype(int)


def count_positions(start_beats, end_beats, bar_beats: float = 0.0) -> np.ndarray:
    """``(len(DURATION_EDGES), 2, BAR_STEPS)`` counts of a melody's notes by class and position in 4/4 bars
    whose lines lie at `bar_beats` + 4k beats (a fitting's observations)."""
    counts = np.zeros((len(DURATION_EDGES), 2, BAR_STEPS))
    if len(start_beats):
        duration, phrase = note_classes(start_beats, end_beats)
        positions = np.rint((np.asarray(start_beats) - bar_beats) * STEPS_PER_BEAT).astype(int) % BAR_STEPS
        np.add.at(counts, (duration, phrase, positions), 1.0)
    return counts


def bar_likelihoods(template: MetreTemplate, start_beats, end_beats, phase: float = 0.0) -> np.ndarray:
    """``(BAR_STEPS,)`` log-likelihood of a melody's notes (onsets and releases, beats) under bar lines at `phase`
    + k/4 + 4n beats for each k: element 0 is the file's own bars (shifted by `phase`, the melody's grid phase
    within a 16th)."""
    duration, phrase = note_classes(start_beats, end_beats)
    steps = np.rint((np.asarray(start_beats, dtype=float) - phase) * STEPS_PER_BEAT).astype(int)
    shares = template.log_shares()
    return np.array([shares[duration, phrase, (steps - shift) % BAR_STEPS].sum() for shift in range(BAR_STEPS)])


def save_template(template: MetreTemplate, stem: str | os.PathLike) -> None:
    """``STEM.npz`` + ``STEM.json``, together, atomically."""
    write_arrays(stem, {"counts": template.counts},
                 {"kind": "metre", "duration_edges": list(DURATION_EDGES), "info": template.info})


def load_template(stem: str | os.PathLike) -> MetreTemplate:
    """Read :func:`save_template`'s files (no pickle); a one-line error when they are broken or do not fit."""
    arrays, meta = read_arrays(stem, ("counts",), "metre template")
    counts = arrays["counts"]
    if (meta.get("duration_edges") != list(DURATION_EDGES) or counts.shape != (len(DURATION_EDGES), 2, BAR_STEPS)
            or not np.isfinite(counts).all() or np.any(counts < 0)):
        raise Wav2AccompError(f"the metre template {Path(stem)} does not fit this version")
    return MetreTemplate(counts.astype(float), meta.get("info", {}))
