"""Note events from an f0 track: tuning, octave cleaning, a semitone path, re-attacks.

The stage after :mod:`wav2accomp.audio.pitch` (audio -> f0 -> **notes** -> roll).
Per recording: the tuning offset (the circular mean of the voiced frames'
distance to the equal-tempered grid, since people rarely sing at A = 440 Hz).
Per voiced phrase: octave jumps shorter than ~0.1 s are folded back; a
Viterbi path over semitones (squared deviation, capped, plus a cost per
change) follows the tuned pitch, so vibrato and glides do not split notes;
a level dip inside a note (a re-attack: "la la") splits repeated notes of
the same pitch; each note starts at the steepest level rise near its
boundary (where listeners hear the onset). A note's pitch is the median of its middle frames, in cents;
notes shorter than the minimum are merged into a touching neighbour or dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..constants import (ATTACK_SEARCH_SECONDS, LEVEL_FRAME, MIN_NOTE_SECONDS, NOTE_EDGE_SHARE, OCTAVE_WINDOW_SECONDS,
                         REATTACK_DIP_DB, REATTACK_RISE_DB, REATTACK_RISE_SECONDS, REATTACK_SHALLOW_DIP_DB,
                         REATTACK_WINDOW_SECONDS, SEMITONE_DEVIATION_CAP, SEMITONE_SWITCH_COST, NOTE_LEVEL_DROP_DB,
                         LEGATO_LEAD_SECONDS, LEGATO_RISE_DB, VOICING_GAP_SECONDS)
from ..dsp import frame_signal, running_median
from .pitch import PitchTrack


@dataclass(frozen=True)
class NoteEvent:
    """A sung note.

    Attributes
    ----------
    onset, offset : float
        Seconds from the start of the recording.
    pitch : int
        MIDI note number, after removing the recording's tuning offset.
    sung_pitch : float
        Fractional MIDI number as sung (tuning offset included; 69 = 440 Hz).
    velocity : int
        1..127, from the note's level relative to the loudest frame.
    """

    onset: float
    offset: float
    pitch: int
    sung_pitch: float
    velocity: int


def level_envelope(samples: np.ndarray, hop_length: int, n_frames: int, frame_length: int = LEVEL_FRAME) -> np.ndarray:
    """Level per frame in dB relative to the loudest frame, short frames centred like the pitch frames.

    Parameters
    ----------
    samples : np.ndarray
        Mono signal at the pitch tracker's rate.
    hop_length : int
        Hop, samples; `n_frames` frames are returned.
    """
    frames = frame_signal(np.asarray(samples, dtype=np.float64), frame_length, hop_length)[:n_frames]
    level = 10 * np.log10(np.mean(np.square(frames), axis=1) + 1e-12)
    if len(level) < n_frames:
        level = np.pad(level, (0, n_frames - len(level)), constant_values=level.min(initial=-120.0))
    return level - level.max(initial=0.0)


def estimate_tuning(midi: np.ndarray, voiced: np.ndarray) -> float:
    """Tuning offset of a recording, semitones in [-0.5, 0.5) (+0.2 = 20 cents sharp of A = 440 Hz).

    The circular mean of the voiced frames' fractional MIDI numbers; 0 when nothing is voiced.
    """
    fractions = midi[voiced]
    if fractions.size == 0:
        return 0.0
    angle = np.angle(np.mean(np.exp(2j * np.pi * fractions)))
    return float(((angle / (2 * np.pi)) + 0.5) % 1.0 - 0.5)


def voiced_runs(voiced: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """``[start, end)`` frame ranges of voiced frames, bridging unvoiced gaps of at most `max_gap` frames."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    runs: list[tuple[int, int]] = []
    for start, end in zip(edges[::2], edges[1::2]):
        if runs and start - runs[-1][1] <= max_gap:
            runs[-1] = (runs[-1][0], int(end))
        else:
            runs.append((int(start), int(end)))
    return runs


def fold_octave_jumps(midi: np.ndarray, window: int) -> np.ndarray:
    """Fold frames lying ~an octave (or more) from the running median of `window` frames back by octaves."""
    if len(midi) < 3:
        return midi.copy()
    reference = running_median(midi, min(window, len(midi)) | 1)
    octaves = np.round((reference - midi) / 12.0)
    return midi + 12.0 * np.where(np.abs(reference - midi) > 9.0, octaves, 0.0)


def semitone_path(midi: np.ndarray, *, switch_cost: float = SEMITONE_SWITCH_COST,
                  cap: float = SEMITONE_DEVIATION_CAP) -> np.ndarray:
    """The cheapest piecewise-constant semitone sequence for a fractional MIDI contour (Viterbi).

    Cost: per frame min((x - s)^2, `cap`), plus `switch_cost` per change of semitone.
    Returns an int array, one MIDI number per frame.
    """
    states = np.arange(int(np.floor(midi.min())) - 1, int(np.ceil(midi.max())) + 2)
    emission = np.minimum((midi[:, None] - states[None, :]) ** 2, cap)
    cost = emission[0].copy()
    came_from_switch = np.zeros((len(midi), len(states)), dtype=bool)
    best_previous = np.zeros(len(midi), dtype=int)
    for t in range(1, len(midi)):
        best_previous[t] = int(np.argmin(cost))
        switch = cost[best_previous[t]] + switch_cost
        came_from_switch[t] = switch < cost
        cost = np.minimum(cost, switch) + emission[t]
    path = np.empty(len(midi), dtype=int)
    state = int(np.argmin(cost))
    for t in range(len(midi) - 1, -1, -1):
        path[t] = state
        if came_from_switch[t, state]:
            state = best_previous[t]
    return states[path]


def reattack_frames(level_db: np.ndarray, hop_seconds: float) -> np.ndarray:
    """:func:`reattacks` of a level envelope whose frames lie `hop_seconds` apart, with the window and the
    rise time of :data:`~wav2accomp.constants.REATTACK_WINDOW_SECONDS` and
    :data:`~wav2accomp.constants.REATTACK_RISE_SECONDS`."""
    return reattacks(level_db, max(int(round(REATTACK_RISE_SECONDS / hop_seconds)), 1),
                     max(int(round(REATTACK_WINDOW_SECONDS / hop_seconds)), 1))


def reattacks(level_db: np.ndarray, rise_frames: int, window_frames: int) -> np.ndarray:
    """Frames where a note is sung again: level dips (minima of the level envelope, dB).

    A dip counts when it lies :data:`~wav2accomp.constants.REATTACK_DIP_DB` below
    the loudest level within `window_frames` on both sides, or at least
    :data:`~wav2accomp.constants.REATTACK_SHALLOW_DIP_DB` below them with a rise
    of :data:`~wav2accomp.constants.REATTACK_RISE_DB` within `rise_frames` after
    it (an attack whose dip a room or legato singing has filled).
    """
    depth = dip_depths(level_db, window_frames)
    dips = np.flatnonzero(depth >= REATTACK_SHALLOW_DIP_DB)
    rise = level_db[np.minimum(dips + rise_frames, len(level_db) - 1)] - level_db[dips]
    return dips[(depth[dips] >= REATTACK_DIP_DB) | (rise >= REATTACK_RISE_DB)]


def dip_depths(level_db: np.ndarray, window: int) -> np.ndarray:
    """How far each local minimum of `level_db` lies below the louder of its two sides, dB (0 elsewhere).

    A side's level is its loudest frame within `window` frames; a flat
    bottom counts once, at its first frame.
    """
    n = len(level_db)
    depth = np.zeros(n)
    if n < 3:
        return depth
    padded = np.pad(level_db, window, mode="edge")
    views = np.lib.stride_tricks.sliding_window_view(padded, window)
    left_peak = views[:n].max(axis=1)              # frames i-window .. i-1
    right_peak = views[window + 1:window + 1 + n].max(axis=1)  # frames i+1 .. i+window
    previous = np.concatenate([[np.inf], level_db[:-1]])
    following = np.concatenate([level_db[1:], [np.inf]])
    # the first frame of a flat bottom: strictly below the frame before, and not above the frame after
    bottoms = (level_db < previous) & (level_db <= following)
    depth[bottoms] = np.minimum(left_peak, right_peak)[bottoms] - level_db[bottoms]
    return np.maximum(depth, 0.0)


def segment_notes(track: PitchTrack, level_db: np.ndarray, *, min_note_seconds: float = MIN_NOTE_SECONDS,
                  tuning: float | None = None) -> tuple[list[NoteEvent], float]:
    """Notes of a monophonic recording.

    Parameters
    ----------
    track : PitchTrack
        From :func:`wav2accomp.audio.pitch.track_pitch`.
    level_db : np.ndarray
        Level per track frame, dB (:func:`level_envelope`).
    min_note_seconds : float
        Shortest note kept, seconds.
    tuning : float or None
        Tuning offset in semitones; None estimates it (:func:`estimate_tuning`).

    Returns
    -------
    notes : list of NoteEvent
        Sorted by onset, not overlapping.
    tuning : float
        The tuning offset used, semitones.
    """
    hop = track.hop_seconds
    midi = track.midi()
    if tuning is None:
        tuning = estimate_tuning(midi, track.voiced)
    min_frames = max(int(round(min_note_seconds / hop)), 1)
    octave_window = max(int(round(OCTAVE_WINDOW_SECONDS / hop)), 3)
    search = (int(round(ATTACK_SEARCH_SECONDS[0] / hop)), int(round(ATTACK_SEARCH_SECONDS[1] / hop)))
    legato_lead = int(round(LEGATO_LEAD_SECONDS / hop))
    notes: list[NoteEvent] = []
    for start, end in voiced_runs(track.voiced, int(round(VOICING_GAP_SECONDS / hop))):
        if end - start < min_frames:
            continue
        tuned = fold_octave_jumps(midi[start:end], octave_window) - tuning
        cuts = reattack_frames(level_db[start:end], hop) + 1
        spans = _split_at(_constant_spans(semitone_path(tuned)), cuts)
        spans = _merge_repeats(_merge_short(spans, tuned, min_frames), tuned, cuts)
        for a, b in spans:
            sung = _robust_pitch(tuned[a:b])
            loudness = float(np.max(level_db[start + a:start + b]))
            attack, rise = attack_frame(level_db, start + a, start + b, search)
            if a > 0 and rise < LEGATO_RISE_DB:   # legato: the pitch changed with no attack to find the onset by
                attack = max(start + a - legato_lead, start)
            first, last = _audible_frames(level_db, attack, start + b)
            if a == 0:   # the voice begins: the tracker's long frames (and a consonant) hear it before it sounds
                attack = first
            offset = float(track.times[last] + hop)
            notes.append(NoteEvent(onset=float(track.times[attack]), offset=offset,
                                   pitch=int(np.round(sung)), sung_pitch=sung + tuning,
                                   velocity=int(np.clip(round(110 + 1.5 * loudness), 20, 127))))
    return without_overlaps(notes), tuning


def without_overlaps(notes: list[NoteEvent]) -> list[NoteEvent]:
    """A monophonic line: each note ended at the latest where the next one begins (an attack found before the
    previous note's last voiced frame), notes left with no length dropped."""
    kept: list[NoteEvent] = []
    for note, following in zip(notes, notes[1:] + [None]):
        if following is not None and following.onset < note.offset:
            note = replace(note, offset=following.onset)
        if note.offset > note.onset:
            kept.append(note)
    return kept


def _audible_frames(level_db: np.ndarray, attack: int, end: int) -> tuple[int, int]:
    """The first and last frames of a note (frames ``attack..end - 1``) whose level is within
    :data:`~wav2accomp.constants.NOTE_LEVEL_DROP_DB` of the note's peak: where the voice sounds, not where the
    tracker's long frames begin and stop hearing it."""
    levels = level_db[attack:end]
    if not len(levels):
        return attack, max(end - 1, attack)
    loud = np.flatnonzero(levels >= levels.max() - NOTE_LEVEL_DROP_DB)
    return attack + int(loud[0]), attack + int(loud[-1])


def attack_frame(level_db: np.ndarray, start: int, end: int, search: tuple[int, int]) -> tuple[int, float]:
    """The frame of steepest level rise from `search` frames before a note's start to after it, and that rise
    (dB over two frames).

    The voicing decision (long frames), a level dip's minimum and a change
    of pitch all lead the onset a listener hears (and annotators mark).
    """
    lo, hi = max(start - search[0], 1), min(start + search[1], end - 1, len(level_db) - 1)
    if hi <= lo:
        return start, 0.0
    rise = level_db[lo + 1:hi + 1] - level_db[lo - 1:hi - 1]
    return lo + int(np.argmax(rise)), float(np.max(rise))


def _constant_spans(path: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` runs of equal values in `path`."""
    changes = np.flatnonzero(np.diff(path)) + 1
    bounds = np.concatenate([[0], changes, [len(path)]])
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def _split_at(spans: list[tuple[int, int]], cuts: np.ndarray) -> list[tuple[int, int]]:
    """Split spans at the frames in `cuts` (a cut at a span's edge changes nothing)."""
    result = []
    for a, b in spans:
        inner = [int(c) for c in cuts if a < c < b]
        bounds = [a, *inner, b]
        result.extend(zip(bounds[:-1], bounds[1:]))
    return result


def _merge_short(spans: list[tuple[int, int]], tuned: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    """Merge spans shorter than `min_frames` into the touching neighbour nearer in pitch; drop what stays short.

    Spans of one phrase touch, so a short span (a glide's passing semitone, a
    blip) always has a neighbour unless it is the whole phrase.
    """
    spans = list(spans)
    while len(spans) > 1:
        lengths = [b - a for a, b in spans]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_frames:
            break
        a, b = spans[i]
        here = float(np.median(tuned[a:b]))
        candidates = [j for j in (i - 1, i + 1) if 0 <= j < len(spans)]
        j = min(candidates, key=lambda k: abs(float(np.median(tuned[spans[k][0]:spans[k][1]])) - here))
        lo, hi = min(i, j), max(i, j)
        spans[lo:hi + 1] = [(spans[lo][0], spans[hi][1])]
    return [(a, b) for a, b in spans if b - a >= min_frames]


def _merge_repeats(spans: list[tuple[int, int]], tuned: np.ndarray, cuts: np.ndarray) -> list[tuple[int, int]]:
    """Join touching spans whose robust pitches round to the same semitone, unless a re-attack parts them."""
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if (merged and merged[-1][1] == a and a not in cuts
                and round(_robust_pitch(tuned[merged[-1][0]:merged[-1][1]])) == round(_robust_pitch(tuned[a:b]))):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _robust_pitch(tuned: np.ndarray) -> float:
    """A note's pitch: the median of its middle frames (glides in and out left out), fractional MIDI."""
    edge = int(len(tuned) * NOTE_EDGE_SHARE)
    middle = tuned[edge:len(tuned) - edge] if len(tuned) - 2 * edge >= 3 else tuned
    return float(np.median(middle))
