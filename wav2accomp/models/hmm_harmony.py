"""The classic hidden Markov harmoniser: the standard baseline of the melody-harmonisation literature.

States are the chords of the vocabulary (24 major/minor triads and no chord), one per beat. Each beat
emits the pitch classes its melody sounds (a multinomial over the 12 pitch classes per chord, each pitch
class weighted by the share of the beat it sounds); chords follow each other by a bigram table. Both are
counted from training songs in all 12 transpositions (add-one smoothing; :func:`fit_hmm_from_cache`: the
annotated songs of a cache's train split), and :func:`harmonise` decodes the whole song by Viterbi. It is
a yardstick for the harmony models, not what the band plays.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..constants import MELODY, STEPS_PER_BEAT
from ..data.corpus import load_index, load_song
from ..errors import Wav2AccompError
from ..symbolic.harmony import NO_CHORD, beat_spans, fold_to_pitch_classes, song_chords, transpose_chords

N_STATES = NO_CHORD + 1


@dataclass
class HmmHarmoniser:
    """Log probabilities: ``emission`` ``(25, 12)`` of each pitch class under each chord, ``transition``
    ``(25, 25)`` of chord j following chord i, ``initial`` ``(25,)`` of the first beat's chord."""

    emission: np.ndarray
    transition: np.ndarray
    initial: np.ndarray


def beat_pitch_classes(melody: np.ndarray, beats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per beat of a ``(T, 78)`` melody roll, the share of the beat each pitch class sounds ``(B, 12)``, and the
    beat spans ``(B, 2)`` (steps)."""
    spans = beat_spans(beats, len(melody))
    cumulative = np.concatenate([np.zeros((1, 12)), np.cumsum(fold_to_pitch_classes(melody > 0), axis=0)])
    lengths = np.maximum(spans[:, 1] - spans[:, 0], 1)[:, None]
    return np.minimum((cumulative[spans[:, 1]] - cumulative[spans[:, 0]]) / lengths, 1.0), spans


def fit_hmm_harmoniser(melodies, chords, beats) -> HmmHarmoniser:
    """Count the model from songs: ``(T, 78)`` melody rolls, ``(T,)`` chord index per step, beat steps."""
    emission = np.ones((N_STATES, 12))
    transition = np.ones((N_STATES, N_STATES))
    initial = np.ones(N_STATES)
    for melody, per_step, song_beats in zip(melodies, chords, beats):
        profiles, spans = beat_pitch_classes(melody, song_beats)
        if not len(spans):
            continue
        beat_chords = np.asarray(per_step)[spans[:, 0]].astype(int)
        for shift in range(12):
            moved = transpose_chords(beat_chords, shift)
            np.add.at(emission, moved, np.roll(profiles, shift, axis=1))
            np.add.at(transition, (moved[:-1], moved[1:]), 1)
            initial[moved[0]] += 1
    return HmmHarmoniser(np.log(emission / emission.sum(axis=1, keepdims=True)),
                         np.log(transition / transition.sum(axis=1, keepdims=True)), np.log(initial / initial.sum()))


def fit_hmm_from_cache(cache: str | os.PathLike, split: str = "train") -> HmmHarmoniser:
    """:func:`fit_hmm_harmoniser` on the songs of `split` that have chord annotations (POP909's)."""
    melodies, chords, beats = [], [], []
    for entry in load_index(cache)["songs"]:
        if entry["split"] == split and entry.get("chords"):
            arrays = load_song(cache, entry["id"])
            melodies.append(arrays[MELODY])
            chords.append(song_chords(np.zeros_like(arrays[MELODY]), STEPS_PER_BEAT, arrays["chord_start"],
                                      arrays["chord_end"], arrays["chord_label"]))
            beats.append(arrays["beats"])
    if not melodies:
        raise Wav2AccompError(f"{cache} has no {split} songs with chord annotations to count the HMM harmoniser from")
    return fit_hmm_harmoniser(melodies, chords, beats)


def harmonise(model: HmmHarmoniser, melody: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """``(T,)`` the Viterbi chord sequence of a melody, a chord per beat (steps before the first beat: no chord)."""
    profiles, spans = beat_pitch_classes(melody, beats)
    per_step = np.full(len(melody), NO_CHORD, dtype=int)
    if not len(spans):
        return per_step
    emissions = profiles @ model.emission.T
    score, back = model.initial + emissions[0], np.zeros((len(spans), N_STATES), dtype=int)
    for beat in range(1, len(spans)):
        candidates = score[:, None] + model.transition
        back[beat] = np.argmax(candidates, axis=0)
        score = candidates[back[beat], np.arange(N_STATES)] + emissions[beat]
    path = [int(np.argmax(score))]
    for beat in range(len(spans) - 1, 0, -1):
        path.append(int(back[beat, path[-1]]))
    for chord, (start, end) in zip(path[::-1], spans):
        per_step[start:end] = chord
    return per_step
