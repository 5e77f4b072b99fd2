"""Where a part's 16th grid lies: its phase, from the onsets themselves, and whether it swings.

A MIDI melody need not start its beat grid at tick 0 (a recording's first note, a pickup, a file aligned to
audio): its notes then sit a fraction of a step away from the file's 16ths, and a band placed on the file's
own 16ths plays out of step with it. :func:`grid_phase` finds that fraction, so the band can play on the
melody's grid. A swung melody's off-beat eighths lie late, off the straight 16ths by design: its grid is
found from its other onsets (:func:`melody_grid`), and the band swings its own off-beat eighths alike
(:func:`swing_ratio`). Beats are counted from the bar lines (:func:`beats_in_bar`): after a pickup bar of an
odd length (6/16), the music's beats lie between the file's.
"""
from __future__ import annotations

import numpy as np

from ..constants import STEPS_PER_BEAT


def beats_in_bar(start_beats, bar_starts) -> np.ndarray:
    """Onsets counted from the start of their bar, beats (before the first bar: from the first bar's start).

    Examples
    --------
    >>> beats_in_bar([0.5, 1.5, 2.0, 6.25], [0.0, 1.5, 5.5]).tolist()
    [0.5, 0.0, 0.5, 0.75]
    """
    starts = np.asarray(start_beats, dtype=float)
    bars = np.asarray(bar_starts, dtype=float)
    if not bars.size:
        return starts
    return starts - bars[np.clip(np.searchsorted(bars, starts, side="right") - 1, 0, None)]


def grid_phase(start_beats, steps_per_beat: int = STEPS_PER_BEAT, swing: float = 0.5) -> float:
    """The phase of onsets against the grid: the circular mean of their offsets from the nearest step.

    Parameters
    ----------
    start_beats : array-like
        Onsets, quarter-note beats.
    steps_per_beat : int
        Grid steps per beat.
    swing : float
        Where the song's off-beat eighths fall in the beat (:func:`swing_ratio`); when it swings (above 0.5),
        the onsets in the middle of a beat (:data:`SWING_WINDOW`, from the phase of every onset) are left out,
        since swing puts them off the straight grid on purpose.

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
    beats = np.asarray(start_beats, dtype=float)
    if swing > 0.5 and beats.size:
        within = (beats - grid_phase(beats, steps_per_beat)) % 1.0
        straight = beats[(within <= SWING_WINDOW[0]) | (within >= SWING_WINDOW[1])]
        beats = straight if straight.size else beats
    steps = beats * steps_per_beat
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


def melody_grid(start_beats) -> tuple[float, float]:
    """A melody's grid: its phase (:func:`grid_phase`, beats), from the onsets its swing leaves on the straight
    grid, and its swing (:func:`swing_ratio`, from that phase).

    Examples
    --------
    >>> shuffle = [b + x for b in range(8) for x in (0.05, 0.05 + 2 / 3)]
    >>> [round(v, 3) for v in melody_grid(shuffle)]
    [0.05, 0.667]
    """
    phase = grid_phase(start_beats)
    phase = grid_phase(start_beats, swing=swing_ratio(start_beats, phase))
    return phase, swing_ratio(start_beats, phase)
