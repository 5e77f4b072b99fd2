"""Voice leading for a part that plays block chords: each chord voiced as near the last one as it can be.

A comping part strikes one voicing of each chord (:mod:`wav2accomp.models.comping`), so every chord change
moves all its voices by one interval, in parallel. :func:`lead_voices` keeps each chord's pitch classes and
number of notes and chooses, among its inversions in every octave near the part's register, the voicing
whose voices (in pitch order) move least from the chord before, as string players and pianists do.
"""
from __future__ import annotations

import numpy as np

from ..constants import N_PITCHES, ONSET, PITCH_HIGH, PITCH_LOW, SUSTAIN
from ..symbolic.roll import roll_note_spans

#: How far a voicing's mean pitch may stray from the part's register, semitones.
REGISTER_REACH = 7.0
#: Cost of a semitone between a voicing's mean pitch and the register, beside one per semitone of voice movement.
REGISTER_PULL = 0.3


def voicings(pitch_classes: list[int], size: int, center: float) -> list[np.ndarray]:
    """Every closed-position voicing of the pitch classes (each inversion, tones stacked upwards, doubled from
    the bottom up to `size` notes) whose mean lies within :data:`REGISTER_REACH` of `center`."""
    found = []
    for rotation in range(len(pitch_classes)):
        order = pitch_classes[rotation:] + pitch_classes[:rotation]
        stacked = [order[0]]
        while len(stacked) < size:
            pc = order[len(stacked) % len(order)]
            stacked.append(stacked[-1] + (pc - stacked[-1]) % 12 or 12)
        stacked = np.array(stacked)
        for octave in range(-1, 9):
            candidate = stacked + 12 * octave
            if abs(candidate.mean() - center) <= REGISTER_REACH and candidate.min() >= PITCH_LOW \
                    and candidate.max() <= PITCH_HIGH:
                found.append(candidate)
    return found


def lead_voices(roll: np.ndarray, center: float) -> np.ndarray:
    """The part's chords re-voiced for the least movement (see the module docstring): ``(T, 78)`` encoded roll.

    Parameters
    ----------
    roll : np.ndarray
        ``(T, 78)`` encoded roll of a chord part.
    center : float
        The part's register, MIDI number.
    """
    pitches, starts, ends = roll_note_spans(roll)
    out = np.zeros_like(roll)
    previous = None
    for start in np.unique(starts).tolist():
        members = starts == start
        group, group_ends = pitches[members], ends[members]
        pcs = sorted(set((group % 12).tolist()))
        choices = voicings(pcs, len(group), center) if len(pcs) > 1 else []
        if choices:
            def cost(candidate):
                pull = REGISTER_PULL * abs(candidate.mean() - center)
                if previous is None or len(previous) != len(candidate):
                    return pull
                return float(np.abs(candidate - previous).sum()) + pull
            voiced = min(choices, key=cost)
        else:
            voiced = np.sort(group)
        previous = voiced
        for pitch, end in zip(voiced.tolist(), np.sort(group_ends).tolist()):
            row = pitch - PITCH_LOW
            if 0 <= row < N_PITCHES:
                out[start:end, row] = np.maximum(out[start:end, row], SUSTAIN)
                out[start, row] = ONSET
    return out
