"""Chords first: a bass part that plays a chord sequence, with the figures real bass players play.

A :class:`BasslineModel` is counted from real bass parts (the bass view of a prepared cache) and the chords
their songs' harmony parts sound:

- **figures**: bar patterns of the bass, one token per 16th step: silent, held, or a note struck on one of
  :data:`DEGREES` of the chord sounding there (root, fifth, the root an octave up, third, or an approach note
  leading into the next chord's root); the common ones (found in at least
  :data:`~wav2accomp.constants.GROOVE_MIN_SONGS` songs) ranked for each tempo bin and melody density bin;
- **register**: the bass's mean pitch; roots sit in the octave around it;
- **approach**: the interval, semitones, by which approach notes lead into the root they approach.

:func:`play_bass` then plays a chord sequence: each bar the figure of its tempo and melody density (at
temperature 0 the most common one, else one drawn from the bin's figures for every two-bar phrase), each
stroke the degree of the chord sounding at that step, a new root wherever the chord changes under a held
note, silence where there is no chord.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from zlib import crc32

import numpy as np

from ..constants import BAR_POSITIONS, BASS, BASSLINE_MODEL, GROOVE_MIN_SONGS, N_PITCHES, ONSET, PITCH_LOW, SUSTAIN
from ..dsp import tempered_probabilities
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays
from ..symbolic.harmony import NO_CHORD, TRIADS
from ..symbolic.roll import onset_cells
from .comping import COMPING_DENSITY_EDGES, COMPING_TEMPO_EDGES, bar_bins

#: What a struck bass note plays, relative to the chord sounding at its step (tokens 2, 3, ... of a figure).
DEGREES = ("root", "fifth", "octave", "third", "approach")
SILENT, HELD = 0, 1
#: Figures kept per tempo and density bin, most common first.
FIGURES_PER_BIN = 8
#: Bars that share one drawn figure when the temperature is above 0.
FIGURE_PHRASE_BARS = 2


@dataclass
class BasslineModel:
    """See the module docstring.

    Attributes
    ----------
    figures : np.ndarray
        ``(F, 16)`` uint8 bar figures: 0 silent, 1 held, ``2 + d`` struck on ``DEGREES[d]``.
    figure_table : np.ndarray
        ``(tempo bins, density bins, FIGURES_PER_BIN)`` index into `figures` (-1: none), most common first.
    figure_counts : np.ndarray
        The same shape: bars of the corpus that played each.
    center : float
        Mean pitch of the bass, MIDI number.
    approach : int
        Semitones from an approach note up to the root it leads into (negative: from above).
    info : dict
    """

    figures: np.ndarray
    figure_table: np.ndarray
    figure_counts: np.ndarray
    center: float
    approach: int
    info: dict = field(default_factory=dict)

    ARRAYS = ("figures", "figure_table", "figure_counts")


def root_pitch(chord: int, center: float) -> int:
    """MIDI note of the chord's root in the octave around `center` (from ``center - 6`` up)."""
    root = chord % 12
    return int(root + 12 * np.ceil((center - 6 - root) / 12))


def degree_pitch(degree: str, chord: int, next_chord: int, center: float, approach: int) -> int:
    """MIDI note a bass plays for a degree of `chord` (`next_chord`: the chord an approach note leads into)."""
    root = root_pitch(chord, center)
    if degree == "fifth":
        return root + 7
    if degree == "octave":
        return root + 12
    if degree == "third":
        return root + TRIADS["min" if chord >= 12 else "maj"][1]
    if degree == "approach":
        return root_pitch(next_chord if next_chord != NO_CHORD else chord, center) - approach
    return root


def degree_of(pitch: int, chord: int, center: float) -> int:
    """Index into :data:`DEGREES` of a bass note `pitch` over `chord` (anything outside the chord is an approach)."""
    interval = (pitch - chord % 12) % 12
    if interval == 0:
        return DEGREES.index("octave" if pitch >= root_pitch(chord, center) + 12 else "root")
    if interval == 7:
        return DEGREES.index("fifth")
    if interval == TRIADS["min" if chord >= 12 else "maj"][1]:
        return DEGREES.index("third")
    return DEGREES.index("approach")


def bass_tokens(bass: np.ndarray, chords: np.ndarray, center: float) -> tuple[np.ndarray, list[int]]:
    """``(T,)`` figure tokens of a real bass part (struck tokens from its lowest starting note; a note over no
    chord is 255), and the intervals by which its approach notes lead into the next note."""
    starts = onset_cells(bass)
    sounding = (bass > 0).any(axis=1)
    tokens = np.where(sounding, HELD, SILENT).astype(np.uint8)
    struck = np.flatnonzero(starts.any(axis=1))
    pitches = [PITCH_LOW + int(np.flatnonzero(starts[step])[0]) for step in struck]
    steps_to_next = []
    for n, (step, pitch) in enumerate(zip(struck, pitches)):
        chord = int(chords[step])
        if chord == NO_CHORD:
            tokens[step] = 255
            continue
        degree = degree_of(pitch, chord, center)
        tokens[step] = 2 + degree
        if DEGREES[degree] == "approach" and n + 1 < len(pitches):
            steps_to_next.append(pitches[n + 1] - pitch)
    return tokens, steps_to_next


def fit_bassline(songs, *, min_songs: int = GROOVE_MIN_SONGS) -> BasslineModel:
    """Count a :class:`BasslineModel` from bass songs (:class:`~wav2accomp.models.dataset.PartSongs`, chords
    from the songs' harmony parts)."""
    pitches = np.concatenate([np.nonzero(onset_cells(target))[1] for target in songs.target]) + PITCH_LOW
    if not len(pitches):
        raise Wav2AccompError("these songs have no bass notes")
    center = float(pitches.mean())
    figure_songs: dict[bytes, set] = defaultdict(set)
    per_bin: dict[tuple[int, int], Counter] = defaultdict(Counter)
    approaches = Counter()
    for i in range(len(songs)):
        tokens, steps = bass_tokens(songs.target[i], np.asarray(songs.chords[i]), center)
        approaches.update(s for s in steps if 0 < abs(s) <= 2)
        spans, tempo_bin, density_bins = bar_bins(songs.melody[i], songs.downbeats[i], songs.bpm[i])
        for (start, end), density_bin in zip(spans, density_bins):
            figure = tokens[start:end]
            if end - start == BAR_POSITIONS and (figure >= 2).any() and not (figure == 255).any():
                key = figure.tobytes()
                figure_songs[key].add(i)
                per_bin[tempo_bin, density_bin][key] += 1
    common = [k for k, s in figure_songs.items() if len(s) >= min_songs]
    if not common:
        raise Wav2AccompError(f"no bass figure is played in {min_songs} or more of these songs")
    index = {k: n for n, k in enumerate(common)}
    overall = sum(per_bin.values(), Counter())
    shape = (len(COMPING_TEMPO_EDGES) + 1, len(COMPING_DENSITY_EDGES) + 1, FIGURES_PER_BIN)
    table, counts = np.full(shape, -1, dtype=int), np.zeros(shape, dtype=int)
    for tempo_bin in range(shape[0]):
        for density_bin in range(shape[1]):
            found = Counter({k: c for k, c in per_bin[tempo_bin, density_bin].items() if k in index}) or \
                Counter({k: c for k, c in overall.items() if k in index})
            for rank, (key, count) in enumerate(found.most_common(FIGURES_PER_BIN)):
                table[tempo_bin, density_bin, rank], counts[tempo_bin, density_bin, rank] = index[key], count
    approach = approaches.most_common(1)[0][0] if approaches else 1
    info = {"songs": len(songs), "bars": int(sum(overall.values())), "figures": len(common), "min_songs": min_songs,
            "center": center, "approach": approach}
    return BasslineModel(np.array([np.frombuffer(k, dtype=np.uint8) for k in common]), table, counts, center,
                         int(approach), info)


def play_bass(model: BasslineModel, melody: np.ndarray, downbeats: np.ndarray, chords: np.ndarray, *,
              bpm: float, temperature: float = 0.0, seed: int = 0,
              phrase_bars: int = FIGURE_PHRASE_BARS) -> np.ndarray:
    """A bass part playing `chords` (``(T,)`` chord index per step) for a melody: ``(T, 78)`` encoded roll.

    Temperature 0 plays each bin's most common figure; above 0 each phrase of `phrase_bars` bars draws one of its
    bin's figures (weights: corpus counts to the power ``1 / temperature``), seeded by `seed` and the melody.
    """
    n_steps = len(melody)
    spans, tempo_bin, density_bins = bar_bins(melody, downbeats, bpm)
    rng = np.random.default_rng([seed, crc32(np.ascontiguousarray(melody > 0).tobytes())])
    tokens = np.zeros(n_steps, dtype=np.uint8)
    drawn: dict[tuple[int, int], int] = {}
    for bar, ((start, end), density_bin) in enumerate(zip(spans, density_bins)):
        ranked, weights = model.figure_table[tempo_bin, density_bin], model.figure_counts[tempo_bin, density_bin]
        choice = 0
        if temperature > 0:
            key = (bar // max(int(phrase_bars), 1), density_bin)
            if key not in drawn:
                p = tempered_probabilities(weights[ranked >= 0], temperature)
                drawn[key] = int(rng.choice(len(p), p=p))
            choice = drawn[key]
        figure = model.figures[ranked[choice]]
        length = end - start
        tokens[start:end] = figure[-length:] if start == 0 and end < BAR_POSITIONS else np.resize(figure, length)
    next_change = _next_chord(chords, tokens)
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    sounding, pitch = NO_CHORD, None
    for step in range(n_steps):
        chord, token = int(chords[step]), int(tokens[step])
        if token == SILENT or chord == NO_CHORD or (token == HELD and pitch is None):
            sounding, pitch = NO_CHORD, None
            continue
        if token == HELD and chord == sounding:
            roll[step, pitch - PITCH_LOW] = SUSTAIN
            continue
        degree = DEGREES[token - 2] if token >= 2 else "root"
        pitch = int(np.clip(degree_pitch(degree, chord, next_change[step], model.center, model.approach),
                            PITCH_LOW, PITCH_LOW + N_PITCHES - 1))
        roll[step, pitch - PITCH_LOW] = ONSET
        sounding = chord
    return roll


def _next_chord(chords: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """``(T,)`` the chord at the next struck step after each step (its own where none follows)."""
    chords = np.asarray(chords, dtype=int)
    struck = np.flatnonzero(tokens >= 2)
    following = np.searchsorted(struck, np.arange(len(tokens)), side="right")
    return np.where(following < len(struck), chords[struck[np.minimum(following, len(struck) - 1)]], chords)


def train_bassline(cache: str | os.PathLike, out: str | os.PathLike, *, min_songs: int = GROOVE_MIN_SONGS,
                   progress: bool = True) -> Path:
    """Count the bassline model from a cache's train split; write ``OUT/bassline-bass.npz/.json``."""
    from .dataset import load_part_songs

    songs = load_part_songs(cache, BASS, "train", progress=progress)
    model = fit_bassline(songs, min_songs=min_songs)
    model.info.update({"data": str(cache), "split": "train", "part": BASS, "skipped": len(songs.skipped),
                       "command": f"wav2accomp train-bassline --data {cache} --out {out} --min-songs {min_songs}"})
    stem = Path(out) / BASSLINE_MODEL
    save_bassline(model, stem)
    return stem


def save_bassline(model: BasslineModel, stem: str | os.PathLike) -> None:
    """``STEM.npz`` + ``STEM.json`` (register, approach, provenance), together, atomically."""
    write_arrays(stem, {name: getattr(model, name) for name in BasslineModel.ARRAYS},
                 {"kind": "bassline", "center": model.center, "approach": model.approach, "info": model.info})


def load_bassline(stem: str | os.PathLike) -> BasslineModel:
    """Read :func:`save_bassline`'s files (no pickle); a one-line error when they are broken."""
    arrays, meta = read_arrays(stem, BasslineModel.ARRAYS, "bassline model")
    try:
        center, approach = float(meta["center"]), int(meta["approach"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Wav2AccompError(f"cannot read the bassline model {stem}: {exc}") from None
    figures, table, counts = arrays["figures"], arrays["figure_table"], arrays["figure_counts"]
    shape = (len(COMPING_TEMPO_EDGES) + 1, len(COMPING_DENSITY_EDGES) + 1, FIGURES_PER_BIN)
    if (figures.ndim != 2 or figures.shape[1] != BAR_POSITIONS or figures.max(initial=0) >= 2 + len(DEGREES)
            or table.shape != shape or counts.shape != shape or (table[..., 0] < 0).any()
            or table.max() >= len(figures) or not np.isfinite(center) or (counts < 0).any()
            or (counts[..., 0] <= 0).any()):
        raise Wav2AccompError(f"the bassline model {stem} does not fit this version")
    return BasslineModel(figures.astype(np.uint8), table.astype(int), counts.astype(int), center, approach,
                         meta.get("info", {}))
