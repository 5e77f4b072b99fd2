"""What a model sees at each grid step: the melody, the metre and the key.

Pure numpy functions from a melody roll and the song's downbeats to the
model inputs of each architecture (see :mod:`wav2accomp.models.paper` and :mod:`wav2accomp.models.aligned`).
"""
from __future__ import annotations

import numpy as np

from ..constants import BAR_POSITIONS, N_PITCHES, ONSET
from ..symbolic.harmony import fold_to_pitch_classes, pitch_class_histogram


def bar_positions(n_steps: int, downbeats: np.ndarray) -> np.ndarray:
    """Steps since the latest downbeat at each of `n_steps` steps, ``(T,)`` int.

    Before the first downbeat (or with none) the bar is taken to be
    :data:`~wav2accomp.constants.BAR_POSITIONS` steps long, counted back
    from the first downbeat. Values are clipped to ``BAR_POSITIONS - 1``.
    """
    steps = np.arange(n_steps)
    downbeats = np.unique(np.asarray(downbeats, dtype=int))
    downbeats = downbeats[(downbeats >= 0) & (downbeats < n_steps)]
    if downbeats.size == 0:
        return steps % BAR_POSITIONS
    latest = np.searchsorted(downbeats, steps, side="right") - 1
    since = np.where(latest >= 0, steps - downbeats[np.maximum(latest, 0)], (steps - downbeats[0]) % BAR_POSITIONS)
    return np.minimum(since, BAR_POSITIONS - 1)


def key_profile(melody_roll: np.ndarray) -> np.ndarray:
    """The melody's pitch-class histogram scaled to a maximum of 1, ``(12,)`` float32: its sense of key."""
    histogram = pitch_class_histogram(melody_roll > 0)
    peak = histogram.max()
    return (histogram / peak if peak > 0 else histogram).astype(np.float32)


def paper_inputs(melody: np.ndarray) -> np.ndarray:
    """The seed's input: the melody's sounding roll, ``(..., T, 78)`` float32."""
    return (melody > 0).astype(np.float32)


#: Width of :func:`aligned_inputs` rows.
ALIGNED_FEATURES = N_PITCHES + 1 + 12 + BAR_POSITIONS + 12
#: Columns of the aligned inputs a beat is summarised by: pitch classes (averaged over the beat),
#: then bar position and key profile (of its first step).
PITCH_CLASS_COLUMNS = slice(N_PITCHES + 1, N_PITCHES + 13)
BAR_KEY_COLUMNS = slice(N_PITCHES + 13, ALIGNED_FEATURES)
BEAT_FEATURES = ALIGNED_FEATURES - N_PITCHES - 1


def aligned_inputs(melody: np.ndarray, positions: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Inputs of the ``aligned`` architecture, ``(..., T, ALIGNED_FEATURES)`` float32.

    Parameters
    ----------
    melody : np.ndarray
        ``(..., T, 78)`` encoded melody roll.
    positions : np.ndarray
        ``(..., T)`` steps since the downbeat (:func:`bar_positions`).
    profile : np.ndarray
        ``(..., 12)`` key profile of the whole melody (:func:`key_profile`).

    Returns
    -------
    np.ndarray
        Per step: sounding notes (78), a melody onset flag (1), sounding pitch
        classes (12), the position in the bar one-hot (16), the key profile (12).
    """
    sounding = (melody > 0).astype(np.float32)
    onset = (melody == ONSET).any(axis=-1, keepdims=True).astype(np.float32)
    classes = np.minimum(fold_to_pitch_classes(sounding), 1.0)
    bar = np.eye(BAR_POSITIONS, dtype=np.float32)[positions]
    key = np.broadcast_to(np.asarray(profile, dtype=np.float32)[..., None, :], sounding.shape[:-1] + (12,))
    return np.concatenate([sounding, onset, classes, bar, key], axis=-1)
