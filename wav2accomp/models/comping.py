"""Chords first: a pitched part that plays a given chord per step with a rhythm and voicing learned from real parts.

For the piano/guitar-like and string-like classes, a :class:`CompingModel` holds what the corpus's
players do, counted from parts whose chords are known (annotated, or recognised from the part):

- **rhythm**: bar patterns of the part's chord strokes (each step silent, held, or struck), the common ones
  (found in at least :data:`~wav2accomp.constants.GROOVE_MIN_SONGS` songs), and for each tempo bin and
  melody density bin the pattern real bars of that kind play most;
- **voicing**: the notes of a major and of a minor chord, as semitones above the chord's root in the octave
  from C3 (MIDI 48): each triad tone in the octave real parts sound it most, then the chord tones they sound
  most, as many notes as the part sounds at once;
- **register**: the part's mean pitch; each chord's voicing moves by octaves to sit nearest it.

:func:`comp` then plays a chord sequence: each bar its pattern, each stroke the chord sounding at that step,
a new stroke wherever the chord changes under a held one, silence where there is no chord. The chords
come from the user (lead-sheet mode) or from the harmoniser (:mod:`wav2accomp.models.harmoniser`).
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import (BAR_POSITIONS, COMPING_MODEL, GROOVE_MIN_SONGS, GUITARLIKE, N_PITCHES, ONSET, PITCH_LOW,
                         STRINGSLIKE, SUSTAIN)
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays
from ..symbolic.harmony import NO_CHORD, TRIADS, beat_spans
from ..symbolic.roll import onset_cells, roll_note_spans

#: Tempo bins of the rhythm choice, BPM (upper edges but the last).
COMPING_TEMPO_EDGES = (90.0, 120.0)
#: Melody density bins of the rhythm choice: melody onsets per bar (upper edges but the last).
COMPING_DENSITY_EDGES = (4.0, 8.0)
#: MIDI note of a voicing's root before it moves to the part's register.
VOICING_ANCHOR = 48


@dataclass
class CompingModel:
    """See the module docstring.

    Attributes
    ----------
    rhythms : np.ndarray
        ``(R, 16)`` uint8 bar patterns: 0 silent, 1 held, 2 struck.
    rhythm_table : np.ndarray
        ``(len(COMPING_TEMPO_EDGES) + 1, len(COMPING_DENSITY_EDGES) + 1)`` index into `rhythms` per tempo bin
        and melody density bin.
    voicing : np.ndarray
        ``(2, N)`` semitones above :data:`VOICING_ANCHOR` + root of the notes of a major and a minor chord.
    center : float
        Mean pitch of the part, MIDI number.
    info : dict
    """

    rhythms: np.ndarray
    rhythm_table: np.ndarray
    voicing: np.ndarray
    center: float
    info: dict = field(default_factory=dict)

    ARRAYS = ("rhythms", "rhythm_table", "voicing")


def _bin(value: float, edges: tuple) -> int:
    return int(np.searchsorted(edges, value, side="right"))


def bar_strokes(roll: np.ndarray) -> np.ndarray:
    """``(T,)`` uint8 of a part: 2 where any note starts, 1 where notes only sound, 0 where none does."""
    return np.where(onset_cells(roll).any(axis=1), 2, np.where((roll > 0).any(axis=1), 1, 0)).astype(np.uint8)


def melody_onsets_per_bar(melody: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Melody notes starting in each bar ``(B,)``."""
    _, starts, _ = roll_note_spans(melody)
    return np.array([np.count_nonzero((starts >= a) & (starts < b)) for a, b in spans])


def bars_with_pickup(downbeats: np.ndarray, n_steps: int) -> np.ndarray:
    """``(B, 2)`` [start, end) steps of each bar, with the steps before the first bar line as a bar of their own
    (at most a bar long; earlier steps are left out)."""
    spans = beat_spans(downbeats, n_steps)
    first = int(spans[0, 0]) if len(spans) else n_steps
    if first > 0:
        spans = np.vstack([[[max(first - BAR_POSITIONS, 0), first]], spans]).astype(int)
    return spans


def bar_bins(melody: np.ndarray, downbeats: np.ndarray, bpm: float) -> tuple[np.ndarray, int, np.ndarray]:
    """The bars of a song (:func:`bars_with_pickup`), its tempo bin (:data:`COMPING_TEMPO_EDGES`, from `bpm`) and
    each bar's melody density bin (:data:`COMPING_DENSITY_EDGES`)."""
    spans = bars_with_pickup(downbeats, len(melody))
    density = melody_onsets_per_bar(melody, spans)
    return (spans, _bin(bpm, COMPING_TEMPO_EDGES),
            np.array([_bin(onsets, COMPING_DENSITY_EDGES) for onsets in density], dtype=int))


def chord_notes(model: CompingModel, chord: int) -> np.ndarray:
    """MIDI notes of one chord in the model's voicing and register (empty for no chord)."""
    if chord == NO_CHORD:
        return np.zeros(0, dtype=int)
    notes = VOICING_ANCHOR + chord % 12 + model.voicing[chord // 12]
    shift = 12 * np.round((model.center - notes.mean()) / 12)
    return np.clip(notes + int(shift), PITCH_LOW, PITCH_LOW + N_PITCHES - 1).astype(int)


def comp(model: CompingModel, melody: np.ndarray, downbeats: np.ndarray, chords: np.ndarray, *,
         bpm: float) -> np.ndarray:
    """A part playing `chords` (``(T,)`` chord index per step) for a melody: ``(T, 78)`` encoded roll.

    Each bar takes the pattern of its tempo and melody density (:attr:`CompingModel.rhythm_table`); a held
    step whose chord differs from the stroke before it is struck anew; steps before the first bar line
    follow the first bar's pattern from its end.
    """
    n_steps = len(melody)
    spans, tempo_bin, density_bins = bar_bins(melody, downbeats, bpm)
    strokes = np.zeros(n_steps, dtype=np.uint8)
    for (start, end), density_bin in zip(spans, density_bins):
        pattern = model.rhythms[model.rhythm_table[tempo_bin, density_bin]]
        length = end - start
        strokes[start:end] = pattern[-length:] if start == 0 and end < BAR_POSITIONS else np.resize(pattern, length)
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    sounding = NO_CHORD
    for step in range(n_steps):
        chord = int(chords[step])
        if strokes[step] == 0 or chord == NO_CHORD:
            sounding = NO_CHORD
            continue
        struck = strokes[step] == 2 or chord != sounding
        rows = chord_notes(model, chord) - PITCH_LOW
        roll[step, rows] = ONSET if struck else SUSTAIN
        sounding = chord
    return roll


def fit_comping(songs, *, min_songs: int = GROOVE_MIN_SONGS) -> CompingModel:
    """Count a :class:`CompingModel` from songs of one pitched class (:class:`~wav2accomp.models.dataset.PartSongs`)."""
    pattern_songs: dict[bytes, set] = defaultdict(set)
    bars: list[tuple[int, int, bytes]] = []
    offsets = {0: Counter(), 1: Counter()}
    pitches, polyphony = [], []
    for i in range(len(songs)):
        target, chords = songs.target[i], np.asarray(songs.chords[i])
        strokes = bar_strokes(target)
        spans, tempo_bin, density_bins = bar_bins(songs.melody[i], songs.downbeats[i], songs.bpm[i])
        for (start, end), density_bin in zip(spans, density_bins):
            if end - start == BAR_POSITIONS and strokes[start:end].any():
                key = strokes[start:end].tobytes()
                pattern_songs[key].add(i)
                bars.append((tempo_bin, density_bin, key))
        notes, starts, _ = roll_note_spans(target)
        for pitch, start in zip(notes.tolist(), starts.tolist()):
            chord = int(chords[start])
            if chord != NO_CHORD:
                offsets[chord // 12][pitch - VOICING_ANCHOR - chord % 12] += 1
        pitches.extend(notes.tolist())
        counts = (target > 0).sum(axis=1)
        polyphony.extend(counts[counts > 0].tolist())
    common = [k for k, s in pattern_songs.items() if len(s) >= min_songs]
    if not common:
        raise Wav2AccompError(f"no bar pattern is played in {min_songs} or more of these songs")
    index = {k: n for n, k in enumerate(common)}
    table = np.zeros((len(COMPING_TEMPO_EDGES) + 1, len(COMPING_DENSITY_EDGES) + 1), dtype=int)
    overall = Counter(key for _, _, key in bars if key in index).most_common(1)[0][0]
    for tempo_bin in range(table.shape[0]):
        for density_bin in range(table.shape[1]):
            found = Counter(k for t, d, k in bars if t == tempo_bin and d == density_bin and k in index)
            table[tempo_bin, density_bin] = index[found.most_common(1)[0][0] if found else overall]
    size = max(1, int(round(np.mean(polyphony)))) if polyphony else 3
    voicing = []
    for quality, intervals in enumerate(TRIADS.values()):
        ranked = [o for o, _ in offsets[quality].most_common() if o % 12 in intervals]
        # every tone of the triad once (its most played octave), then the most played others
        chosen = [next((o for o in ranked if o % 12 == tone), tone) for tone in intervals]
        chosen += [o for o in ranked if o not in chosen][:max(size - len(chosen), 0)]
        voicing.append(sorted(chosen)[:max(size, len(intervals))])
    width = max(len(v) for v in voicing)
    voicing = [v + v[-1:] * (width - len(v)) for v in voicing]
    info = {"songs": len(songs), "bars": len(bars), "rhythms": len(common), "min_songs": min_songs,
            "mean_polyphony": float(np.mean(polyphony)) if polyphony else 0.0}
    return CompingModel(np.array([np.frombuffer(k, dtype=np.uint8) for k in common]), table,
                        np.array(voicing, dtype=int), float(np.mean(pitches)) if pitches else 60.0, info)


def train_comping(cache: str | os.PathLike, out: str | os.PathLike, *, min_songs: int = GROOVE_MIN_SONGS,
                  progress: bool = True) -> dict[str, Path]:
    """Count a comping model for each pitched class from a cache's train split; write
    ``OUT/comping-<class>.npz/.json``. Returns class -> path stem written."""
    from .dataset import load_part_songs

    written = {}
    for part in (GUITARLIKE, STRINGSLIKE):
        songs = load_part_songs(cache, part, "train", progress=progress)
        model = fit_comping(songs, min_songs=min_songs)
        model.info.update({"data": str(cache), "split": "train", "part": part, "skipped": len(songs.skipped),
                           "command": f"wav2accomp train-comping --data {cache} --out {out} --min-songs {min_songs}"})
        written[part] = Path(out) / f"{COMPING_MODEL}-{part}"
        save_comping(model, written[part])
    return written


def save_comping(model: CompingModel, stem: str | os.PathLike) -> None:
    """``STEM.npz`` + ``STEM.json`` (register, provenance), together, atomically."""
    write_arrays(stem, {name: getattr(model, name) for name in CompingModel.ARRAYS},
                 {"kind": "comping", "center": model.center, "info": model.info})


def load_comping(stem: str | os.PathLike) -> CompingModel:
    """Read :func:`save_comping`'s files (no pickle); a one-line error when they are broken."""
    arrays, meta = read_arrays(stem, CompingModel.ARRAYS, "comping model")
    try:
        center = float(meta["center"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Wav2AccompError(f"cannot read the comping model {stem}: {exc}") from None
    rhythms, table, voicing = arrays["rhythms"], arrays["rhythm_table"], arrays["voicing"]
    if (rhythms.ndim != 2 or rhythms.shape[1] != BAR_POSITIONS or rhythms.max(initial=0) > 2
            or table.shape != (len(COMPING_TEMPO_EDGES) + 1, len(COMPING_DENSITY_EDGES) + 1)
            or table.min() < 0 or table.max() >= len(rhythms) or voicing.ndim != 2 or voicing.shape[0] != 2
            or not np.isfinite(center)):
        raise Wav2AccompError(f"the comping model {stem} does not fit this version")
    return CompingModel(rhythms.astype(np.uint8), table.astype(int), voicing.astype(int), center,
                        meta.get("info", {}))
