"""The harmoniser: a chord sequence for a melody (chords first: the band then plays them).

For each beat of the melody and each of the 12 possible chord roots, the
melody's pitch classes around that beat are read *relative to the root*
(:func:`beat_context`: the beat itself, on the downbeat and on the bar's
middle beat, the notes starting in it, its half bar, its bar, the beats
either side, each of the eight bars before and after it, the whole song's
pitch-class histogram), beside what needs no root: where the beat stands in
its bar and in the 8-bar phrase counted from the melody's first bar
(:func:`phrase_position`; cadences close phrases) and whether melody sounds. A small network
(one hidden layer shared by all roots) scores a major and a minor triad on
that root from those inputs, and a linear score of the root-free ones
scores "no chord": the chord of a beat is a softmax over the 25
(:data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`). Reading the melody
relative to each root makes the model exactly transposition-equivariant — a
melody moved up a tone gets its chords moved up a tone — and lets every
training song teach every key at once. The song's histogram, read from the
root, is what the model knows of the key (a chord on the key's fourth degree
sees another histogram than one on its second).

Chords change mostly on bar lines and half bars, so a chord is chosen per half
bar (:func:`harmonise_melody`: the summed log-probabilities of its beats), the
most probable one, or at a positive temperature one drawn from them. The
context blocks already span eight bars either side; a chord-bigram Viterbi on
top of the per-beat probabilities was measured to lower the accuracy, so the
sequence is decoded by half bars. Where the melody is silent for a whole bar
(an intro, an interlude, a long breath) the beats have little to go on, and a
band plays there the progression it plays a phrase on: such a half bar also
weighs the scores of the half bars :data:`ECHO_HALF_BARS` before and after it
(:func:`half_bar_scores`). A melody that comes back — much the same notes over
two bars and a half, later in the song — is harmonised alike: each half bar
takes the mean scores of itself and of the half bars whose melody it repeats or
that repeat it, and drawn at a temperature it plays the chord drawn where that
melody was first heard (:func:`melodic_repeats`; annotated POP909
chords agree on 0.93 of exact repeats, the scores of each repeat alone on 0.82).

The shipped model is two such networks trained apart (256 and 384 hidden
units) whose scores are averaged (:func:`averaged_harmonisers`: one layer of
640). Everything here is numpy: a model is its weight matrices saved as
``.npz`` + ``.json`` (:func:`save_harmoniser`, :func:`load_harmoniser`); it is
learned with torch by :mod:`wav2accomp.models.harmoniser_fit`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..constants import BAR_POSITIONS, STEPS_PER_BEAT
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays
from ..symbolic.harmony import NO_CHORD, beat_spans, fold_to_pitch_classes
from ..symbolic.roll import onset_cells
from .conditioning import bar_positions

#: Bars either side of a beat's own whose pitch classes the harmoniser reads (one block each).
CONTEXT_BARS = 8
#: The 12-pitch-class blocks of :func:`beat_context`, in order.
BLOCKS = ("beat", "beat on the downbeat", "beat on the middle beat", "onsets", "half bar", "bar",
          "beat before", "beat after", "2 beats before", "2 beats after", "3 beats before", "3 beats after",
          "onsets of the beat before", "onsets of the beat after", "bar before", "bar after",
          "2 bars before", "2 bars after", "song") + tuple(
    f"{n} bars {side}" for n in range(3, CONTEXT_BARS + 1) for side in ("before", "after"))
#: Bars of a phrase for :func:`phrase_position`.
PHRASE_BARS = 8
#: Width of :func:`phrase_position`: the bar of the phrase one-hot, before the melody's first bar, the beat of the
#: bar one-hot.
N_POSITION = PHRASE_BARS + 1 + BAR_POSITIONS // STEPS_PER_BEAT
#: The root-free inputs (of the hidden layer and of the "no chord" score): a constant, melody sounding in the
#: beat, in its bar, downbeat, middle beat, then :func:`phrase_position`.
N_EXTRA = 5 + N_POSITION
#: Steps of half a bar (where chords change, with the bar lines).
HALF_BAR = BAR_POSITIONS // 2
#: Rotation indices: ``ROTATIONS[r, k]`` is the pitch class ``k`` semitones above root ``r``.
ROTATIONS = (np.arange(12)[:, None] + np.arange(12)[None, :]) % 12


@dataclass
class HarmonyModel:
    """The harmoniser's weights (see the module docstring).

    Attributes
    ----------
    hidden_weight, hidden_bias : np.ndarray
        ``(len(BLOCKS) * 12, H)``, ``(H,)``: the hidden layer over one root's context blocks (block-major).
    extra_weight : np.ndarray
        ``(N_EXTRA, H)``: the hidden layer over the root-free inputs.
    triad_weight, triad_bias : np.ndarray
        ``(H, 2)``, ``(2,)``: the major and minor triad scores on that root.
    none_weight : np.ndarray
        ``(N_EXTRA,)``: the score of "no chord".
    info : dict
        Provenance: corpus, songs, training command, accuracy per epoch.
    """

    hidden_weight: np.ndarray
    hidden_bias: np.ndarray
    extra_weight: np.ndarray
    triad_weight: np.ndarray
    triad_bias: np.ndarray
    none_weight: np.ndarray
    info: dict = field(default_factory=dict)

    ARRAYS = ("hidden_weight", "hidden_bias", "extra_weight", "triad_weight", "triad_bias", "none_weight")


def melody_beats(n_steps: int, downbeats: np.ndarray) -> np.ndarray:
    """Beat steps of a melody on the 16th grid: every :data:`~wav2accomp.constants.STEPS_PER_BEAT` steps of its
    bars (:func:`~wav2accomp.models.conditioning.bar_positions`), ``(B,)`` int."""
    return np.flatnonzero(bar_positions(n_steps, downbeats) % STEPS_PER_BEAT == 0)


def _span_shares(cumulative: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Share of each span ``[start, end)`` that each pitch class sounds, from cumulative counts."""
    n_steps = len(cumulative) - 1
    starts, ends = np.clip(starts, 0, n_steps), np.clip(ends, 0, n_steps)
    return (cumulative[ends] - cumulative[starts]) / np.maximum(ends - starts, 1)[:, None]


def _shifted(rows: np.ndarray, by: int) -> np.ndarray:
    """`rows` moved `by` places later (positive) or earlier (negative), zeros coming in."""
    moved = np.zeros_like(rows)
    if by > 0:
        moved[by:] = rows[:-by]
    elif by < 0:
        moved[:by] = rows[-by:]
    return moved


def phrase_position(melody: np.ndarray, downbeats: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``(B, N_POSITION)`` float32: where each beat starting at `starts` (steps) stands — its bar's place in the
    :data:`PHRASE_BARS`-bar phrase counted from the bar of the melody's first note (one-hot), or before that bar
    (one flag), and its beat in the bar (one-hot). Bars before the first downbeat count back in 16-step bars."""
    downbeats = np.unique(np.asarray(downbeats, dtype=int))
    starts = np.asarray(starts, dtype=int)

    def bar_index(steps):
        if not len(downbeats):
            return steps // BAR_POSITIONS
        latest = np.searchsorted(downbeats, steps, side="right") - 1
        return np.where(latest >= 0, latest, -((downbeats[0] - steps + BAR_POSITIONS - 1) // BAR_POSITIONS))

    onsets = np.flatnonzero(onset_cells(melody).any(axis=1))
    relative = bar_index(starts) - (bar_index(onsets[:1])[0] if len(onsets) else 0)
    beat = np.minimum(bar_positions(len(melody), downbeats)[starts] // STEPS_PER_BEAT, BAR_POSITIONS // STEPS_PER_BEAT - 1)
    position = np.zeros((len(starts), N_POSITION), dtype=np.float32)
    rows = np.arange(len(starts))
    position[rows, np.where(relative >= 0, relative % PHRASE_BARS, PHRASE_BARS)] = 1.0
    position[rows, PHRASE_BARS + 1 + beat] = 1.0
    return position


def beat_context(melody: np.ndarray, downbeats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the harmoniser hears around each beat of a ``(T, 78)`` melody roll.

    Returns
    -------
    blocks : np.ndarray
        ``(B, len(BLOCKS), 12)`` float32: per beat, the share of each span (:data:`BLOCKS`) that each pitch
        class sounds (the "onsets" blocks: 1 where a note of that pitch class starts in the beat; "song": the
        song's pitch-class histogram, summing to 1).
    extra : np.ndarray
        ``(B, N_EXTRA)`` float32: the root-free inputs.
    spans : np.ndarray
        ``(B, 2)`` [start, end) steps of each beat (:func:`melody_beats`).
    """
    n_steps = len(melody)
    spans = beat_spans(melody_beats(n_steps, downbeats), n_steps)
    positions = bar_positions(n_steps, downbeats)
    sounding = fold_to_pitch_classes(melody > 0).astype(np.float64)
    cumulative = np.concatenate([np.zeros((1, 12)), np.cumsum(sounding, axis=0)])
    onsets = np.concatenate([np.zeros((1, 12)), np.cumsum(fold_to_pitch_classes(onset_cells(melody)), axis=0)])
    starts, ends = spans[:, 0], spans[:, 1]
    beat = _span_shares(cumulative, starts, ends)
    onset = np.minimum(onsets[ends] - onsets[starts], 1.0)
    position = positions[starts] // STEPS_PER_BEAT
    bar_start = starts - positions[starts]
    bar_end = bar_start + BAR_POSITIONS
    half_start = np.where(positions[starts] >= HALF_BAR, bar_start + HALF_BAR, bar_start)
    downbeat, middle = (position == 0)[:, None], (position == HALF_BAR // STEPS_PER_BEAT)[:, None]

    def bar(offset):
        return _span_shares(cumulative, bar_start + offset * BAR_POSITIONS, bar_end + offset * BAR_POSITIONS)

    song = cumulative[-1] / max(cumulative[-1].sum(), 1.0)
    blocks = [beat, beat * downbeat, beat * middle, onset, _span_shares(cumulative, half_start, half_start + HALF_BAR),
              bar(0), _shifted(beat, 1), _shifted(beat, -1), _shifted(beat, 2), _shifted(beat, -2),
              _shifted(beat, 3), _shifted(beat, -3), _shifted(onset, 1), _shifted(onset, -1),
              bar(-1), bar(1), bar(-2), bar(2), np.broadcast_to(song, beat.shape)]
    blocks += [bar(sign * n) for n in range(3, CONTEXT_BARS + 1) for sign in (-1, 1)]
    extra = np.column_stack([np.ones(len(spans)), beat.sum(axis=1) > 0, bar(0).sum(axis=1) > 0, downbeat[:, 0],
                             middle[:, 0], phrase_position(melody, downbeats, starts)])
    return np.stack(blocks, axis=1).astype(np.float32), extra.astype(np.float32), spans


def root_relative(blocks: np.ndarray) -> np.ndarray:
    """``(B, K, 12)`` blocks -> ``(B, 12, K * 12)``: for each root, every block read from that root up."""
    rotated = blocks[:, :, ROTATIONS]                     # (B, K, root, interval)
    return rotated.transpose(0, 2, 1, 3).reshape(len(blocks), 12, -1)


def chord_log_probabilities(model: HarmonyModel, blocks: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """``(B, 25)`` log-probabilities of each beat's chord (:data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`
    order: 12 major triads, 12 minor, no chord) from :func:`beat_context`'s blocks and extra inputs."""
    hidden = np.maximum(root_relative(blocks) @ model.hidden_weight + (extra @ model.extra_weight)[:, None, :]
                        + model.hidden_bias, 0.0)
    triads = hidden @ model.triad_weight + model.triad_bias           # (B, root, quality)
    logits = np.concatenate([triads[:, :, 0], triads[:, :, 1], extra @ model.none_weight[:, None]], axis=1)
    logits = logits - logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


#: A half bar whose bar has no melody adds ECHO_WEIGHT times the chord scores of the half bars this many half bars
#: (8 bars in 4/4) before and after it that have melody. Chosen on the valid split among echoes of 4 or 8 bars,
#: one side or both, at weights 0.5 to 4 (majmin 0.446 -> 0.452 here; without melody a bar scores 0.250).
ECHO_HALF_BARS = 16
ECHO_WEIGHT = 0.5


def half_bar_scores(log_probabilities: np.ndarray, groups: np.ndarray, sounding: np.ndarray,
                    songs: np.ndarray | None = None) -> np.ndarray:
    """``(H, 25)`` chord scores of the half bars: the summed log-probabilities of their beats, a half bar none of
    whose beats' bars has melody (`sounding`: ``(B,)`` bool per beat) echoing those :data:`ECHO_HALF_BARS`
    before and after it that have (:data:`ECHO_WEIGHT`). `groups` is the half bar of each beat; `songs`, the song
    of each half bar where they come from several (echoes stay inside a song)."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    scores = np.zeros((n_groups, log_probabilities.shape[1]))
    np.add.at(scores, groups, log_probabilities)
    heard = np.zeros(n_groups, dtype=bool)
    np.logical_or.at(heard, groups, sounding)
    songs = np.zeros(n_groups, dtype=int) if songs is None else songs
    echoed = scores.copy()
    for silent in np.flatnonzero(~heard):
        for other in (silent - ECHO_HALF_BARS, silent + ECHO_HALF_BARS):
            if 0 <= other < n_groups and heard[other] and songs[other] == songs[silent]:
                echoed[silent] += ECHO_WEIGHT * scores[other]
    return echoed


#: Half bars either side of a half bar over which :func:`melodic_repeats` compares melodies.
REPEAT_REACH = 2
#: Likeness (cosine, 0-1) of two such stretches of melody from which the second counts as the first coming back.
REPEAT_LIKENESS = 0.7
#: Farthest apart two half bars of a melodic repeat lie (512 half bars: 256 bars, longer than POP909's songs).
REPEAT_WINDOW = 512
#: What a half bar's melody is, for :func:`melodic_repeats`: these blocks of its first REPEAT_BEATS beats.
REPEAT_BLOCKS, REPEAT_BEATS = (BLOCKS.index("beat"), BLOCKS.index("onsets")), 2


def melodic_repeats(blocks: np.ndarray, groups: np.ndarray, sounding: np.ndarray, songs: np.ndarray | None = None,
                    *, reach: int = REPEAT_REACH, likeness: float = REPEAT_LIKENESS) -> tuple[np.ndarray, np.ndarray]:
    """Half bars whose melody comes back: ``(later, earlier)`` half-bar indices of every pair of half bars of one
    song whose melodies, each with the `reach` half bars either side, are alike (cosine likeness at least
    `likeness`; per beat of a half bar's first :data:`REPEAT_BEATS`, the share of it each pitch
    class sounds and the pitch classes starting in it, :data:`REPEAT_BLOCKS`), at most :data:`REPEAT_WINDOW` half
    bars apart (so that time and memory grow with the song's length, not with its square). Half bars none of whose
    beats' bars has melody (`sounding`, per beat) repeat nothing. `groups` is the half bar of each beat
    (ascending); `songs`, the song of each half bar where they come from several."""
    none = (np.zeros(0, dtype=int), np.zeros(0, dtype=int))
    if not len(groups):
        return none
    n_groups = int(groups.max()) + 1
    present, firsts = np.unique(groups, return_index=True)
    beat_of_group = np.arange(len(groups)) - firsts[np.searchsorted(present, groups)]
    kept = beat_of_group < REPEAT_BEATS
    melody = np.zeros((n_groups, REPEAT_BEATS, len(REPEAT_BLOCKS), 12))
    melody[groups[kept], beat_of_group[kept]] = blocks[kept][:, REPEAT_BLOCKS]
    melody = melody.reshape(n_groups, -1)
    heard = np.zeros(n_groups, dtype=bool)
    np.logical_or.at(heard, groups, sounding)
    songs = np.zeros(n_groups, dtype=int) if songs is None else np.asarray(songs)
    later, earlier = [], []
    for song in np.unique(songs):
        members = np.flatnonzero(songs == song)
        edge = np.zeros((reach, melody.shape[1]))
        padded = np.concatenate([edge, melody[members], edge])
        stretch = np.concatenate([padded[k:k + len(members)] for k in range(2 * reach + 1)], axis=1)
        stretch /= np.maximum(np.linalg.norm(stretch, axis=1, keepdims=True), 1e-12)
        listened = heard[members]
        for first in range(0, len(members), REPEAT_WINDOW):   # by blocks of rows: memory grows with the song
            last = min(first + REPEAT_WINDOW, len(members))
            back = max(first - REPEAT_WINDOW, 0)
            alike = stretch[first:last] @ stretch[back:last].T >= likeness
            rows, columns = np.nonzero(alike & listened[first:last, None] & listened[None, back:last])
            rows, columns = rows + first, columns + back
            keep = (columns < rows) & (rows - columns <= REPEAT_WINDOW)
            later.append(members[rows[keep]])
            earlier.append(members[columns[keep]])
    return (np.concatenate(later), np.concatenate(earlier)) if later else none


def played_scores(log_probabilities: np.ndarray, blocks: np.ndarray, groups: np.ndarray,
                  songs: np.ndarray | None = None, **repeats_options) -> tuple[np.ndarray, tuple]:
    """The half bars' chord scores as the harmoniser plays them, ``(H, 25)``, and their :func:`melodic_repeats`:
    :func:`half_bar_scores` of the beats' log-probabilities, each half bar then taking the mean scores of itself
    and of the half bars whose melody it repeats or that repeat it (`repeats_options`: `reach` and `likeness` of
    :func:`melodic_repeats`)."""
    sounding = bar_sounds(blocks)
    scores = half_bar_scores(log_probabilities, groups, sounding, songs)
    later, earlier = repeats = melodic_repeats(blocks, groups, sounding, songs, **repeats_options)
    total, count = scores.copy(), np.ones(len(scores))
    np.add.at(total, later, scores[earlier])
    np.add.at(total, earlier, scores[later])
    np.add.at(count, np.concatenate([later, earlier]), 1.0)
    return total / count[:, None], repeats


def bar_sounds(blocks: np.ndarray) -> np.ndarray:
    """``(B,)`` bool: the melody sounds somewhere in each beat's bar (from :func:`beat_context`'s blocks)."""
    return blocks[:, BLOCKS.index("bar")].sum(axis=1) > 0


def half_bar_groups(spans: np.ndarray, downbeats: np.ndarray, n_steps: int) -> np.ndarray:
    """``(B,)`` the half bar each beat belongs to (0, 1, ...): a new group at every bar line and mid-bar beat."""
    if not len(spans):
        return np.zeros(0, dtype=int)
    starts = bar_positions(n_steps, downbeats)[spans[:, 0]] % HALF_BAR == 0
    starts[0] = True
    return np.cumsum(starts) - 1


def harmonise_melody(model: HarmonyModel, melody: np.ndarray, downbeats: np.ndarray, *, temperature: float = 0.0,
                     rng: np.random.Generator | None = None, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """A chord sequence for a melody: ``(T,)`` the chord index of every step, one chord per half bar.

    Parameters
    ----------
    melody, downbeats : np.ndarray
        The ``(T, 78)`` encoded melody roll on the 16th grid and the steps where its bars begin.
    temperature : float
        0 chooses the most probable chord of each half bar; higher values draw from the probabilities
        sharpened (below 1) or flattened (above 1).
    rng : np.random.Generator, optional
        The random stream of the draws (default: seeded 0).
    chord_prior : np.ndarray, optional
        ``(25,)`` weights over the chords (e.g. a key's diatonic triads), multiplying the probabilities.
    """
    n_steps = len(melody)
    per_step = np.full(n_steps, NO_CHORD, dtype=int)
    blocks, extra, spans = beat_context(melody, downbeats)
    if not len(spans):
        return per_step
    groups = half_bar_groups(spans, downbeats, n_steps)
    scores, repeats = played_scores(chord_log_probabilities(model, blocks, extra), blocks, groups)
    if chord_prior is not None:
        scores = scores + np.log(np.maximum(np.asarray(chord_prior, dtype=float), 1e-12))
    if temperature > 0:
        rng = rng or np.random.default_rng(0)
        scaled = (scores - scores.max(axis=1, keepdims=True)) / temperature
        weights = np.exp(scaled)
        weights /= weights.sum(axis=1, keepdims=True)
        chosen = np.array([rng.choice(len(row), p=row) for row in weights])
        first_heard = np.arange(len(chosen))                  # a melody that comes back plays the chord drawn first
        np.minimum.at(first_heard, repeats[0], repeats[1])
        chosen = chosen[first_heard]
    else:
        chosen = np.argmax(scores, axis=1)
    for chord, (start, end) in zip(chosen[groups], spans):
        per_step[start:end] = chord
    return per_step


def averaged_harmonisers(models: list[HarmonyModel], info: dict | None = None,
                         weights: list[float] | None = None) -> HarmonyModel:
    """One harmoniser whose chord scores (logits) are the mean of `models`' (weighted by `weights`, default
    equal) — an ensemble in the format of one model: their hidden layers side by side, each one's output weights
    scaled by its share."""
    weights = np.ones(len(models)) if weights is None else np.asarray(weights, dtype=float)
    shares = weights / weights.sum()
    return HarmonyModel(np.concatenate([m.hidden_weight for m in models], axis=1),
                        np.concatenate([m.hidden_bias for m in models]),
                        np.concatenate([m.extra_weight for m in models], axis=1),
                        np.concatenate([share * m.triad_weight for share, m in zip(shares, models)], axis=0),
                        sum(share * m.triad_bias for share, m in zip(shares, models)),
                        sum(share * m.none_weight for share, m in zip(shares, models)), info or {})


def averaged_runs(stem: str | os.PathLike, model: HarmonyModel) -> list[dict]:
    """The training runs a harmoniser's scores average, itself first and then those it was averaged with (from
    its provenance): stem, command, hidden units, training loss (``beat`` for runs from before the half-bar
    loss), valid accuracy alone, seconds."""
    info = model.info
    own = {"stem": str(stem), "command": info.get("command"), "hidden": info.get("hidden"),
           "loss": info.get("loss", "beat"),
           "valid_accuracy": info.get("valid_accuracy_alone", info.get("valid_accuracy")),
           "seconds": info.get("seconds")}
    return [own, *info.get("averaged_with", [])]


# --- Files ------------------------------------------------------------------------------------------------

def save_harmoniser(model: HarmonyModel, stem: str | os.PathLike) -> None:
    """Write ``STEM.npz`` (the weights) and ``STEM.json`` (blocks and provenance) together, atomically."""
    meta = {"kind": "harmoniser", "blocks": list(BLOCKS), "n_extra": N_EXTRA, "info": model.info}
    write_arrays(stem, {name: getattr(model, name).astype(np.float32) for name in HarmonyModel.ARRAYS}, meta)


def load_harmoniser(stem: str | os.PathLike) -> HarmonyModel:
    """Read a model written by :func:`save_harmoniser` (no pickle); a one-line error when it does not fit this
    version's context blocks."""
    arrays, meta = read_arrays(stem, HarmonyModel.ARRAYS, "harmoniser")
    hidden = arrays["hidden_bias"].shape[0] if arrays["hidden_bias"].ndim == 1 else -1
    expected = {"hidden_weight": (len(BLOCKS) * 12, hidden), "hidden_bias": (hidden,), "extra_weight": (N_EXTRA, hidden),
                "triad_weight": (hidden, 2), "triad_bias": (2,), "none_weight": (N_EXTRA,)}
    if (meta.get("blocks") != list(BLOCKS) or meta.get("n_extra") != N_EXTRA
            or any(arrays[n].shape != s for n, s in expected.items())):
        raise Wav2AccompError(f"the harmoniser {stem} does not fit this version's context blocks")
    if not all(np.isfinite(arrays[n]).all() for n in HarmonyModel.ARRAYS):
        raise Wav2AccompError(f"the harmoniser {stem} has weights that are not finite numbers")
    return HarmonyModel(**{n: arrays[n].astype(np.float32) for n in HarmonyModel.ARRAYS}, info=meta.get("info", {}))
