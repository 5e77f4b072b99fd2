"""The arrangement's style: a piano's or a band's, heard in the melody.

Songs are arranged in different ways: a ballad for a pianist alone (POP909's piano arrangements) or a band's
song (guitars and keys, strings, a bass; the multi-track corpora). What a melody is like tells them apart more
often than not: its tempo, how dense and how long its notes are, its register, how legato it is and how far
its onsets lie off the 16ths (a melody played in against one sequenced on the grid). A :class:`StyleModel` is a
logistic regression on these :func:`melody_features`, fitted on the training songs of every corpus, the label
being whether the song's real arrangement has a bass part (a band's song) or not (a piano's).

The band plays by it (:mod:`wav2accomp.band.perform`): in a band's song the strings come in from the first
fuller section and the piano plays some of its strokes with the full chord, as the band's guitars and keys
would together; in a piano's song the strings join only at the song's climaxes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import STEPS_PER_BEAT
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays

#: The features of :func:`melody_features`, in order.
FEATURES = ("tempo (BPM)", "notes per beat", "mean pitch", "pitch spread", "log mean length (beats)",
            "share of onsets off the 16ths", "share of legato notes")
#: An onset this far from its 16th step (steps) is off the grid.
OFF_GRID_STEPS = 0.1
#: A note held for at least this share of the time to the next onset is legato.
LEGATO_SHARE = 0.9


def melody_features(pitches, starts, ends, *, bpm: float, phase: float = 0.0) -> np.ndarray:
    """``(7,)`` the features of a melody (:data:`FEATURES`).

    Parameters
    ----------
    pitches : array-like
        MIDI numbers.
    starts, ends : array-like
        Onsets and releases, quarter-note beats.
    bpm : float
        The song's tempo.
    phase : float
        Where the melody's 16th grid lies, beats.
    """
    pitches, starts, ends = (np.asarray(a, dtype=float) for a in (pitches, starts, ends))
    if len(pitches) == 0:
        raise Wav2AccompError("a melody needs a note to tell its style")
    order = np.argsort(starts, kind="stable")
    pitches, starts, ends = pitches[order], starts[order], ends[order]
    lengths = np.maximum(ends - starts, 1e-3)
    steps = (starts - phase) * STEPS_PER_BEAT
    gaps = np.diff(starts)
    legato = lengths[:-1] >= LEGATO_SHARE * np.maximum(gaps, 1e-3)
    return np.array([bpm, len(pitches) / max(starts[-1] - starts[0], 1.0), pitches.mean(), pitches.std(),
                     np.log(lengths.mean()), np.mean(np.abs(steps - np.rint(steps)) > OFF_GRID_STEPS),
                     legato[gaps > 1e-3].mean() if np.any(gaps > 1e-3) else 0.0])


def note_features(notes, *, bpm: float, phase: float = 0.0) -> np.ndarray:
    """:func:`melody_features` of a melody's :class:`~wav2accomp.symbolic.midi_io.Note` list."""
    return melody_features([n.pitch for n in notes], [n.start_beat for n in notes], [n.end_beat for n in notes],
                           bpm=bpm, phase=phase)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, iterations: int = 300) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression of 0/1 labels `y` on `x`, by Newton's
    method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weights = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -30, 30)))
        gradient = design.T @ (p - y) / len(y) + l2 * np.r_[weights[:-1], 0.0]
        ridge = l2 * np.diag(np.r_[np.ones(len(weights) - 1), 0.0])
        hessian = (design * (p * (1 - p))[:, None]).T @ design / len(y) + ridge
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(weights)), gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


@dataclass
class StyleModel:
    """See the module docstring.

    Attributes
    ----------
    mean, scale : np.ndarray
        ``(F,)`` standardisation of the features.
    weights : np.ndarray
        ``(F + 1,)`` logistic weights on the standardised features, the bias last (positive: a band's song).
    info : dict
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    info: dict = field(default_factory=dict)

    ARRAYS = ("mean", "scale", "weights")

    def band_probability(self, features: np.ndarray) -> float:
        """How likely a melody with these :func:`melody_features` comes from a band's song, 0..1."""
        score = (np.asarray(features, dtype=float) - self.mean) / self.scale @ self.weights[:-1] + self.weights[-1]
        return float(1.0 / (1.0 + np.exp(-np.clip(score, -30, 30))))


def fit_style(features: np.ndarray, band: np.ndarray) -> StyleModel:
    """A :class:`StyleModel` from ``(N, F)`` melody features and whether each song is a band's (bool)."""
    features, band = np.asarray(features, dtype=float), np.asarray(band, dtype=bool)
    if len(features) < 2 or band.all() or not band.any():
        raise Wav2AccompError("the style needs songs of both kinds (with a bass part and without) to learn from")
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    weights = fit_logistic((features - mean) / scale, band.astype(float))
    return StyleModel(mean, scale, weights, info={"songs": int(len(band)), "band songs": int(band.sum())})


def save_style(model: StyleModel, stem: str | os.PathLike) -> None:
    """``STEM.npz`` + ``STEM.json``, together, atomically."""
    write_arrays(stem, {name: getattr(model, name) for name in StyleModel.ARRAYS},
                 {"kind": "style", "features": list(FEATURES), "info": model.info})


def load_style(stem: str | os.PathLike) -> StyleModel:
    """Read :func:`save_style`'s files (no pickle); a one-line error when they are broken or do not fit."""
    arrays, meta = read_arrays(stem, StyleModel.ARRAYS, "style model")
    n = len(FEATURES)
    if (meta.get("features") != list(FEATURES) or arrays["mean"].shape != (n,) or arrays["scale"].shape != (n,)
            or arrays["weights"].shape != (n + 1,) or not all(np.isfinite(a).all() for a in arrays.values())
            or np.any(arrays["scale"] <= 0)):
        raise Wav2AccompError(f"the style model {Path(stem)} does not fit this version")
    return StyleModel(**{k: v.astype(float) for k, v in arrays.items()}, info=meta.get("info", {}))
