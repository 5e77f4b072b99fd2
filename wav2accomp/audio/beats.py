"""Tempo, beat phase and bars of a sung melody, and the MIDI timing that keeps its real times.

The stage after :mod:`wav2accomp.audio.segmentation`: note onsets (seconds) -> a beat grid
(BPM, first downbeat) -> a tempo map whose 16th-note grid lands on the
recording's beats, so MIDI time equals recording time. The tempo is the peak
of a Fourier tempogram of the onsets (beat and eighth-note regularity, log-normal
priors on the tempo and on the median inter-onset interval in beats against
half/double tempo); the phase is the angle there;
the downbeat is the beat of the bar on which the longest notes (and the
first) start.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import (BEATS_PER_BAR, DEFAULT_TEMPO_US, EIGHTH_WEIGHT, STEPS_PER_BEAT, TEMPO_IOI_PRIOR_BEATS,
                         TEMPO_IOI_PRIOR_OCTAVES, TEMPO_PRIOR_BPM, TEMPO_PRIOR_OCTAVES, TEMPO_RANGE_BPM,
                         TEMPO_STEP_RATIO)
from ..symbolic.tempo_map import TempoMap, TimeSignature


@dataclass(frozen=True)
class BeatGrid:
    """A constant tempo anchored in a recording.

    Attributes
    ----------
    bpm : float
        Quarter notes per minute.
    downbeat : float
        A bar line, seconds from the start of the recording (the last one at or before the first note).
    """

    bpm: float
    downbeat: float

    @property
    def beat_seconds(self) -> float:
        """Length of a beat, seconds."""
        return 60.0 / self.bpm


def tempo_salience(onsets: np.ndarray, weights: np.ndarray, bpms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Regularity of weighted onsets (seconds) at each tempo (BPM), and the beat phase there.

    Returns
    -------
    salience : np.ndarray
        (|beat phasor| + EIGHTH_WEIGHT |eighth phasor|) / total weight, per tempo.
    phase : np.ndarray
        Time of a beat, seconds in ``[0, 60 / bpm)``, per tempo.
    """
    cycles = onsets[None, :] * (bpms[:, None] / 60.0)
    beat = (weights * np.exp(2j * np.pi * cycles)).sum(axis=1)
    eighth = (weights * np.exp(4j * np.pi * cycles)).sum(axis=1)
    salience = (np.abs(beat) + EIGHTH_WEIGHT * np.abs(eighth)) / max(weights.sum(), 1e-12)
    phase = (np.angle(beat) / (2 * np.pi)) % 1.0 * 60.0 / bpms
    return salience, phase


def estimate_tempo(onsets: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """Tempo (BPM) and the time of one beat (seconds) from note onsets.

    Parameters
    ----------
    onsets : np.ndarray
        Note onsets, seconds.
    weights : np.ndarray or None
        Salience of each onset (e.g. note durations); equal by default.
    """
    onsets = np.asarray(onsets, dtype=float)
    weights = np.ones_like(onsets) if weights is None else np.asarray(weights, dtype=float)
    if len(onsets) < 2:
        return 60e6 / DEFAULT_TEMPO_US, float(onsets[0]) if len(onsets) else 0.0
    low, high = TEMPO_RANGE_BPM
    bpms = low * TEMPO_STEP_RATIO ** np.arange(int(np.log(high / low) / np.log(TEMPO_STEP_RATIO)) + 1)
    salience, phase = tempo_salience(onsets, weights, bpms)
    prior = np.exp(-0.5 * (np.log2(bpms / TEMPO_PRIOR_BPM) / TEMPO_PRIOR_OCTAVES) ** 2)
    intervals = np.diff(np.sort(onsets))
    if np.any(intervals > 0):
        typical = float(np.median(intervals[intervals > 0]))
        prior = prior * np.exp(-0.5 * (np.log2(typical * bpms / 60.0 / TEMPO_IOI_PRIOR_BEATS)
                                      / TEMPO_IOI_PRIOR_OCTAVES) ** 2)
    best = int(np.argmax(salience * prior))
    return float(bpms[best]), float(phase[best])


def estimate_downbeat(onsets: np.ndarray, weights: np.ndarray, bpm: float, beat_time: float) -> float:
    """The bar line (seconds) at or before the first onset, for a beat grid through `beat_time`.

    Of the BEATS_PER_BAR ways to group beats into bars, the one whose bar
    lines collect the most onset weight wins; the first note counts as much
    as the heaviest (tunes more often start on a bar line than anywhere else).
    """
    period = 60.0 / bpm
    first = float(np.min(onsets))
    weights = np.where(onsets == first, weights + weights.max(), weights)
    beat_index = np.round((onsets - beat_time) / period).astype(int)
    first_index = int(np.round((first - beat_time) / period))
    scores = [weights[(beat_index - first_index - offset) % BEATS_PER_BAR == 0].sum() for offset in range(BEATS_PER_BAR)]
    offset = int(np.argmax(np.round(scores, 9)))
    downbeat = beat_time + (first_index + offset) * period
    bar = BEATS_PER_BAR * period
    return float(downbeat - np.ceil((downbeat - first - 0.5 * period / STEPS_PER_BEAT) / bar) * bar)


def beat_grid(onsets: np.ndarray, weights: np.ndarray | None = None, *, bpm: float | None = None) -> BeatGrid:
    """Tempo and bar phase of a melody from its onsets (seconds); `bpm` fixes the tempo when given."""
    onsets = np.asarray(onsets, dtype=float)
    weights = np.ones_like(onsets) if weights is None else np.asarray(weights, dtype=float)
    if len(onsets) == 0:
        return BeatGrid(bpm or 60e6 / DEFAULT_TEMPO_US, 0.0)
    if bpm is None:
        bpm, beat_time = estimate_tempo(onsets, weights)
    else:
        salience, phase = tempo_salience(onsets, weights, np.array([bpm]))
        beat_time = float(phase[0])
    return BeatGrid(bpm=float(bpm), downbeat=estimate_downbeat(onsets, weights, bpm, beat_time))


def midi_timing(grid: BeatGrid) -> tuple[TempoMap, list[TimeSignature]]:
    """A tempo map and metre whose grid falls on `grid`'s beats while MIDI time equals recording time.

    MIDI time 0 is the start of the recording. The stretch before the first
    bar line at or after 0 becomes a pickup bar of whole 16ths (time
    signature n/16) whose tempo is adjusted so that the bar line lands at
    its real time; from there on the tempo is `grid.bpm` in 4/4.
    """
    step = grid.beat_seconds / STEPS_PER_BEAT
    bar = BEATS_PER_BAR * grid.beat_seconds
    lead = grid.downbeat % bar
    pickup_steps = int(round(lead / step))
    if pickup_steps == 0:
        if lead < 1e-6:
            return TempoMap.constant(grid.bpm), [TimeSignature(0.0, BEATS_PER_BAR, 4)]
        lead, pickup_steps = lead + bar, int(round((lead + bar) / step))
    pickup_beats = pickup_steps / STEPS_PER_BEAT
    tempo_map = TempoMap.from_changes([0.0, pickup_beats], [lead / pickup_beats * 1e6, 60e6 / grid.bpm])
    signatures = [TimeSignature(0.0, pickup_steps, 16), TimeSignature(pickup_beats, BEATS_PER_BAR, 4)]
    if pickup_steps % STEPS_PER_BEAT == 0:
        signatures[0] = TimeSignature(0.0, pickup_steps // STEPS_PER_BEAT, 4)
    return tempo_map, signatures
