"""The arrangement's arc: how intense each bar is, from the song's form as the melody shows it.

The song is cut into sections as the drummer cuts it (:func:`~wav2accomp.models.groove.section_bounds`: eight
bars from the melody's entry). Each section's intensity (0..1) grows with its place in the song, its register
and its note density against the song's, and a section that repeats an earlier one (the same pitch classes,
cosine at least :data:`REPEAT_LIKENESS`) plays at least as intensely as that one did. The bars before the
melody enters play as an intro (:data:`INTRO_INTENSITY`), the first section stays at most
:data:`FIRST_SECTION_INTENSITY`, the last bar of a section leans into the next (a build), and where the next
section is much fuller, the parts but the drums drop out for the second half of that bar (a break).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.groove import bar_plan, section_bounds

#: Intensity of the bars before the melody enters.
INTRO_INTENSITY = 0.2
#: Highest intensity of the first section from the melody's entry (a first verse).
FIRST_SECTION_INTENSITY = 0.35
#: Range the sections' intensities are spread over.
SECTION_RANGE = (0.3, 0.95)
#: Weights of a section's place in the song, register and note density in its intensity.
ARC_WEIGHTS = (0.5, 0.25, 0.25)
#: A section repeats an earlier one when their pitch-class histograms are at least this alike (cosine).
REPEAT_LIKENESS = 0.9
#: Added to the last bar of a section before a fuller one (a build).
BUILD = 0.1
#: A rise of at least this much into the next section drops the parts out for the second half of the bar before.
BREAK_RISE = 0.25


@dataclass(frozen=True)
class Arc:
    """Per bar of the song (:func:`~wav2accomp.models.groove.bar_plan`'s bars).

    Attributes
    ----------
    spans : np.ndarray
        ``(B, 2)`` [start, end) steps of each bar.
    intensity : np.ndarray
        ``(B,)`` 0..1.
    breaks : np.ndarray
        ``(B,)`` bool: the parts but the drums rest in the second half of the bar.
    """

    spans: np.ndarray
    intensity: np.ndarray
    breaks: np.ndarray

    def bar_of(self, steps) -> np.ndarray:
        """The bar (index into `spans`) of each step; steps before the first bar take bar 0."""
        if not len(self.spans):
            return np.zeros(np.shape(steps), dtype=int)
        return np.clip(np.searchsorted(self.spans[:, 0], np.asarray(steps), side="right") - 1, 0, len(self.spans) - 1)

    def resting(self, steps) -> np.ndarray:
        """Bool per step: inside the second half of a break bar."""
        steps = np.asarray(steps)
        if not len(self.spans):
            return np.zeros(steps.shape, dtype=bool)
        bar = self.bar_of(steps)
        start, end = self.spans[bar, 0], self.spans[bar, 1]
        return self.breaks[bar] & (steps >= start + (end - start) // 2) & (steps < end)


def _spread(values: np.ndarray) -> np.ndarray:
    """Values scaled to 0..1 over their range (all 0.5 when equal)."""
    values = np.asarray(values, dtype=float)
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 1e-9 else np.full(len(values), 0.5)


def song_arc(melody: np.ndarray, downbeats: np.ndarray) -> Arc:
    """The :class:`Arc` of a melody roll ``(T, 78)`` and its downbeat steps (see the module docstring)."""
    plan = bar_plan(melody, downbeats)
    n_bars = len(plan.spans)
    intensity = np.full(n_bars, INTRO_INTENSITY)
    breaks = np.zeros(n_bars, dtype=bool)
    sections = [(a, b) for a, b in section_bounds(plan) if b > plan.entry]
    if not sections:
        return Arc(plan.spans, intensity, breaks)
    sounding = melody > 0
    rows = np.arange(melody.shape[1])
    heights, densities, histograms = [], [], []
    for first, last in sections:
        start, end = plan.spans[max(first, plan.entry), 0], plan.spans[last - 1, 1]
        stretch = sounding[start:end]
        weights = stretch.sum(axis=0)
        heights.append(float(rows @ weights / weights.sum()) if weights.sum() else 0.0)
        onsets = (np.diff(stretch.any(axis=1).astype(int), prepend=0) > 0).sum()
        densities.append(onsets / max(last - max(first, plan.entry), 1))
        histogram = np.bincount(rows % 12, weights, 12)
        histograms.append(histogram / (np.linalg.norm(histogram) + 1e-9))
    place = np.linspace(0.0, 1.0, len(sections))
    score = (ARC_WEIGHTS[0] * place + ARC_WEIGHTS[1] * _spread(heights) + ARC_WEIGHTS[2] * _spread(densities))
    levels = SECTION_RANGE[0] + (SECTION_RANGE[1] - SECTION_RANGE[0]) * _spread(score)
    for k in range(1, len(sections)):
        likeness = [float(histograms[k] @ histograms[j]) for j in range(k)]
        best = int(np.argmax(likeness))
        if likeness[best] >= REPEAT_LIKENESS:
            levels[k] = max(levels[k], levels[best])
    levels[0] = min(levels[0], FIRST_SECTION_INTENSITY)
    for (first, last), level in zip(sections, levels):
        intensity[max(first, plan.entry):last] = level
    for k in range(len(sections) - 1):
        last_bar = sections[k][1] - 1
        rise = levels[k + 1] - levels[k]
        if rise > 0:
            intensity[last_bar] = min(1.0, intensity[last_bar] + BUILD)
        breaks[last_bar] = rise >= BREAK_RISE
    return Arc(plan.spans, np.clip(intensity, 0.0, 1.0), breaks)
