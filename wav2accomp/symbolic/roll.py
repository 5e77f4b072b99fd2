"""Notes <-> the 78-note piano roll on the 16th-note grid.

A roll is a ``(T, 78)`` uint8 array: row ``t`` is grid step ``t`` (a 16th note
at the default 4 steps per beat, following the tempo map), column ``p`` is MIDI
note ``24 + p``. Cells hold :data:`~wav2accomp.constants.SILENT`,
:data:`~wav2accomp.constants.SUSTAIN` or :data:`~wav2accomp.constants.ONSET`,
so the sounding roll is ``roll > 0`` and the onset roll ``roll == ONSET``;
repeated notes of one pitch stay distinct.
"""
from __future__ import annotations

import math

import numpy as np

from ..constants import (CLASS_PROGRAMS, CLASS_VELOCITIES, DRUM_CHANNEL, N_PITCHES, ONSET, PERCUSSION, PITCH_HIGH,
                         PITCH_LOW, STEPS_PER_BEAT, SUSTAIN)
from .midi_io import Note, Part, Song
from .tempo_map import TempoMap, TimeSignature


def n_steps_for(end_beat: float, steps_per_beat: int = STEPS_PER_BEAT) -> int:
    """Number of grid steps that hold a song ending at `end_beat` (quarter-note beats)."""
    return max(int(math.ceil(end_beat * steps_per_beat - 1e-6)), 1)


def fold_pitch(pitches) -> np.ndarray:
    """Move MIDI numbers outside 24..101 into range by whole octaves."""
    pitches = np.asarray(pitches, dtype=int)
    below = np.maximum(PITCH_LOW - pitches, 0)
    above = np.maximum(pitches - PITCH_HIGH, 0)
    return pitches + 12 * (-(-below // 12)) - 12 * (-(-above // 12))


def notes_to_roll(notes: list[Note], n_steps: int, *, steps_per_beat: int = STEPS_PER_BEAT,
                  drums: bool = False) -> np.ndarray:
    """Quantise notes onto the grid.

    Parameters
    ----------
    notes : list of Note
        Times are read from ``start_beat`` / ``end_beat``.
    n_steps : int
        Length of the roll in steps; notes beyond it are cut.
    steps_per_beat : int
        Grid steps per quarter note.
    drums : bool
        GM drum sounds keep their number; those outside 24..101 (no GM drum
        lies there) are dropped. Pitched notes fold by octaves instead.

    Returns
    -------
    np.ndarray
        ``(n_steps, 78)`` uint8 encoded roll. Every note sounds for at least
        one step; its onset step wins over another note's sustain.
    """
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    if not notes:
        return roll
    pitches = np.array([n.pitch for n in notes])
    starts = np.rint(np.array([n.start_beat for n in notes]) * steps_per_beat).astype(int)
    ends = np.rint(np.array([n.end_beat for n in notes]) * steps_per_beat).astype(int)
    ends = np.maximum(ends, starts + 1)
    if drums:
        keep = (pitches >= PITCH_LOW) & (pitches <= PITCH_HIGH)
    else:
        keep = np.ones(len(notes), dtype=bool)
        pitches = fold_pitch(pitches)
    keep &= starts < n_steps
    rows = pitches[keep] - PITCH_LOW
    for row, start, end in zip(rows.tolist(), starts[keep].tolist(), np.minimum(ends[keep], n_steps).tolist()):
        roll[start:end, row] = np.maximum(roll[start:end, row], SUSTAIN)
    roll[starts[keep], rows] = ONSET
    return roll


def parts_to_roll(parts: list[Part], n_steps: int, *, steps_per_beat: int = STEPS_PER_BEAT) -> np.ndarray:
    """One roll of several parts (an onset in any part is an onset)."""
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    for part in parts:
        np.maximum(roll, notes_to_roll(part.notes, n_steps, steps_per_beat=steps_per_beat, drums=part.is_drum),
                   out=roll)
    return roll


def onset_cells(roll: np.ndarray) -> np.ndarray:
    """``(T, 78)`` bool: where a note of the encoded roll starts (as :func:`roll_note_spans` reads it)."""
    sounding = roll > 0
    previous = np.vstack([np.zeros((1, roll.shape[1]), dtype=bool), sounding[:-1]])
    return sounding & (~previous | (roll == ONSET))


def roll_note_spans(roll: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notes of an encoded roll as arrays: MIDI pitches, start steps, end steps (exclusive).

    A note starts where a pitch begins to sound or has an onset, and lasts
    until silence or the next onset of the same pitch. Sorted by start, then pitch.
    """
    roll = np.asarray(roll)
    padded = np.zeros((N_PITCHES, roll.shape[0] + 2), dtype=np.uint8)
    padded[:, 1:-1] = roll.T
    sounding = padded > 0
    onset = padded == ONSET
    begins = sounding[:, 1:] & (~sounding[:, :-1] | onset[:, 1:])  # note starts at step t
    finishes = sounding[:, :-1] & (~sounding[:, 1:] | onset[:, 1:])  # note ends before step t
    rows, start_steps = np.nonzero(begins)
    _, end_steps = np.nonzero(finishes)
    order = np.lexsort((rows, start_steps))
    return rows[order] + PITCH_LOW, start_steps[order], end_steps[order]


def roll_to_notes(roll: np.ndarray, tempo_map: TempoMap, *, steps_per_beat: int = STEPS_PER_BEAT,
                  velocity: int = 80) -> list[Note]:
    """Read notes back from an encoded roll.

    A note starts where a pitch begins to sound or has an onset, and lasts
    until silence or the next onset of the same pitch.

    Parameters
    ----------
    roll : np.ndarray
        ``(T, 78)`` encoded roll (or a boolean sounding roll: then repeated
        notes merge).
    tempo_map : TempoMap
        Gives the notes' times in seconds.
    steps_per_beat : int
    velocity : int
        Velocity of every note.

    Returns
    -------
    list of Note
        Sorted by onset, then pitch.
    """
    pitches, start_steps, end_steps = roll_note_spans(roll)
    start_beats = start_steps / steps_per_beat
    end_beats = end_steps / steps_per_beat
    starts_s = tempo_map.beats_to_seconds(start_beats)
    ends_s = tempo_map.beats_to_seconds(end_beats)
    return [Note(int(p), int(velocity), float(b0), float(b1), float(s0), float(s1))
            for p, b0, b1, s0, s1 in zip(pitches.tolist(), start_beats.tolist(), end_beats.tolist(),
                                         starts_s.tolist(), ends_s.tolist())]


def rolls_to_song(rolls: dict[str, np.ndarray], tempo_map: TempoMap,
                  time_signatures: list[TimeSignature] | None = None, *,
                  steps_per_beat: int = STEPS_PER_BEAT) -> Song:
    """A multi-track song from one roll per class.

    Each class becomes a part named after it, with the class's GM program and
    velocity (:data:`~wav2accomp.constants.CLASS_PROGRAMS`); percussion goes
    on channel 10, the others on channels 1, 2, ... in the order given.
    """
    parts = []
    channels = (c for c in range(16) if c != DRUM_CHANNEL)
    n_steps = 0
    for part_class, roll in rolls.items():
        n_steps = max(n_steps, len(roll))
        channel = DRUM_CHANNEL if part_class == PERCUSSION else next(channels)
        notes = roll_to_notes(roll, tempo_map, steps_per_beat=steps_per_beat,
                              velocity=CLASS_VELOCITIES[part_class])
        parts.append(Part(name=part_class, program=CLASS_PROGRAMS[part_class], channel=channel,
                          track=len(parts) + 1, notes=notes, track_name=part_class))
    return Song(parts, tempo_map, list(time_signatures or []), n_steps / steps_per_beat)
