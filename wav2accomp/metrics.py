"""Evaluation metrics (GUIDE §4), pure functions on notes and rolls.

Where mir_eval has the metric, it is used.
"""
from __future__ import annotations

import numpy as np
from mir_eval.transcription import precision_recall_f1_overlap
from mir_eval.util import midi_to_hz

from .constants import STEPS_PER_BEAT
from .midi_io import Note


def grid_onset_f1(reference: list[Note], estimate: list[Note], *,
                  steps_per_beat: int = STEPS_PER_BEAT) -> tuple[float, float, float]:
    """Note precision, recall and F1 on the grid: pitch and onset step must match exactly.

    Onsets are quantised to steps (beats x `steps_per_beat`) and compared with
    ``mir_eval.transcription`` at a tolerance below half a step; offsets are
    ignored. Two empty lists score 1.0.
    """
    if not reference and not estimate:
        return 1.0, 1.0, 1.0
    step_seconds = 1.0  # a nominal clock: one step per second, tolerance 0.4 steps

    def arrays(notes):
        if not notes:
            return np.zeros((0, 2)), np.zeros(0)
        onsets = np.rint(np.array([n.start_beat for n in notes]) * steps_per_beat) * step_seconds
        return np.column_stack([onsets, onsets + step_seconds]), midi_to_hz(np.array([n.pitch for n in notes]))

    ref_intervals, ref_pitches = arrays(reference)
    est_intervals, est_pitches = arrays(estimate)
    precision, recall, f1, _ = precision_recall_f1_overlap(
        ref_intervals, ref_pitches, est_intervals, est_pitches,
        onset_tolerance=0.4 * step_seconds, pitch_tolerance=1.0, offset_ratio=None)
    return float(precision), float(recall), float(f1)
