"""Where a part's 16th grid lies: its phase, from the onsets themselves.

A MIDI melody need not start its beat grid at tick 0 (a recording's first note, a pickup, a file aligned to
audio): its notes then sit a fraction of a step away from the file's 16ths, and a band placed on the file's
own 16ths plays out of step with it. :func:`grid_phase` finds that fraction, so the band can play on the
melody's grid.
"""
from __future__ import annotations

import numpy as np

from ..constants import STEPS_PER_BEAT


def grid_phase(start_beats, steps_per_beat: int = STEPS_PER_BEAT) -> float:
    """The phase of onsets against the grid: the circular mean of their offsets from the nearest step.

    Parameters
    ----------
    start_beats : array-like
        Onsets, quarter-note beats.
    steps_per_beat : int
        Grid steps per beat.

    Returns
    -------
    float
        Offset of the onsets' grid from the beat-0 grid, beats, in ``[-0.5, 0.5)`` steps
        (``[-0.125, 0.125)`` beats at 16ths); 0 without onsets.

    Examples
    --------
    >>> round(grid_phase([0.0833, 1.0833, 1.3333, 2.5833]), 4)
    0.0833
    """
    steps = np.asarray(start_beats, dtype=float) * steps_per_beat
    if steps.size == 0:
        return 0.0
    angle = np.angle(np.exp(2j * np.pi * steps).mean())
    if not np.isfinite(angle):
        return 0.0
    phase_steps = angle / (2 * np.pi)   # in [-0.5, 0.5]
    if phase_steps >= 0.5:
        phase_steps -= 1.0
    return float(phase_steps / steps_per_beat)


def phase_gap_seconds(part_beats, reference_beats, seconds_per_beat: float,
                      steps_per_beat: int = STEPS_PER_BEAT) -> float:
    """How far a part's grid lies from a reference's (e.g. the melody's), seconds, signed, within half a step."""
    step = 1.0 / steps_per_beat
    gap = grid_phase(part_beats, steps_per_beat) - grid_phase(reference_beats, steps_per_beat)
    gap = (gap + step / 2) % step - step / 2
    return float(gap * seconds_per_beat)


#: Onsets of a melody in the middle of a beat (fraction of the beat) that tell where its off-beat eighths fall.
SWING_WINDOW = (0.42, 0.72)
#: Fewest such onsets that tell it, and the median position from which the melody swings (straight: 0.5).
SWING_MIN_NOTES, SWING_FROM = 8, 0.58


def swing_ratio(start_beats, phase: float = 0.0) -> float:
    """Where a melody's off-beat eighths fall in the beat: 0.5 when straight, up to 2/3 for a triplet shuffle.

    The median position in the beat of its onsets in :data:`SWING_WINDOW` (after the grid `phase`, beats); a
    melody with fewer than :data:`SWING_MIN_NOTES` of them, or whose median lies below :data:`SWING_FROM`, is
    straight.
    """
    within = (np.asarray(start_beats, dtype=float) - phase) % 1.0
    middle = within[(within > SWING_WINDOW[0]) & (within < SWING_WINDOW[1])]
    if len(middle) < SWING_MIN_NOTES:
        return 0.5
    ratio = float(np.median(middle))
    return min(ratio, 2 / 3) if ratio >= SWING_FROM else 0.5
