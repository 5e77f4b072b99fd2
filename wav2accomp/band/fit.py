"""Learning the band's players from MIDI corpora: the dynamics model, the piano phrase library and where
melodies put their notes in the bar (:mod:`wav2accomp.symbolic.metre`, from the melodies of 4/4 songs on their
annotated or written bar lines).

One pass over the train split (by file name, :func:`~wav2accomp.data.corpus.split_for`) of MIDI folders:
every part is classed (:func:`~wav2accomp.symbolic.classify.classify_parts`), put on its song's grid (the
melody's phase, :func:`~wav2accomp.band.grid.melody_grid`) and measured
(:func:`~wav2accomp.band.dynamics.part_observations`): the piano from POP909's performed piano parts and the other
corpora's guitar-like parts (pianos, guitars), the strings, bass and drum families from the other corpora's
string-like, bass and percussion parts. POP909's
piano parts under its chord annotations also give the phrase library (:mod:`wav2accomp.band.phrases`); every
song's melody, and whether its arrangement has a bass part, the style model (:mod:`wav2accomp.band.style`). Only
statistics are kept of corpora without a licence to share; POP909's phrases (MIT) are kept as played.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..constants import (DYNAMICS_MODEL, GUITARLIKE, MELODY, METRE_MODEL, PERCUSSION, PHRASES_MODEL, STEPS_PER_BEAT,
                         STRINGSLIKE, STYLE_MODEL)
from ..data.corpus import find_midi_files, read_pop909_annotations, split_for
from ..errors import MidiReadError, Wav2AccompError
from ..parallel import map_with_progress
from ..symbolic.classify import classify_parts, is_bass
from ..symbolic.harmony import NO_CHORD, label_index
from ..symbolic.metre import BAR_STEPS, MetreTemplate, count_positions, save_template
from ..symbolic.midi_io import read_midi
from ..symbolic.tempo_map import metre_grid
from .dynamics import drum_player, fit_dynamics, part_observations, save_dynamics
from .grid import beats_in_bar, melody_grid
from .phrases import build_library, phrases_of_song, save_phrases
from .style import FEATURES, fit_style, note_features, save_style


def _annotated_chords(annotations, n_steps: int) -> np.ndarray:
    chords = np.full(n_steps, NO_CHORD, dtype=int)
    for start, end, label in zip(annotations.chord_start, annotations.chord_end, annotations.chord_label):
        index = label_index(str(label))
        chords[max(int(start), 0):max(int(end), 0)] = index if index >= 0 else NO_CHORD
    return chords


def song_material(path: str) -> tuple[str, dict | None, str | None]:
    """(file, {"observations": {player: [...]}, "phrases": [...], "bpm": float, "metre": counts or None,
    "style": (melody features, whether a bass plays)} or None, why it was left out)."""
    try:
        song = read_midi(path)
        assignments = classify_parts(song.parts, song.end_beat)
    except (MidiReadError, Wav2AccompError, ValueError) as exc:
        return path, None, str(exc)
    melodies = [p for p, a in zip(song.parts, assignments) if a.part_class == MELODY and p.notes]
    if not melodies:
        return path, None, "no melody"
    annotations = read_pop909_annotations(Path(path).parent, song.tempo_map, STEPS_PER_BEAT)
    if annotations is not None:
        downbeats = np.asarray(annotations.downbeats, dtype=int)
    else:
        downbeats = np.rint(metre_grid(song.time_signatures, song.end_beat)[1] * STEPS_PER_BEAT).astype(int)
    phase = melody_grid(beats_in_bar([n.start_beat for n in melodies[0].notes], downbeats / STEPS_PER_BEAT))[0]
    melody_palette = len({n.velocity for n in melodies[0].notes})
    observations: dict[str, list] = {}
    phrases = []
    bpm = float(song.tempo_map.bpm_at(0.0))
    for part, assignment in zip(song.parts, assignments):
        if len(part.notes) < 8:
            continue
        steps = (np.array([n.start_beat for n in part.notes]) - phase) * STEPS_PER_BEAT
        velocities = np.array([n.velocity for n in part.notes])
        pitches = np.array([n.pitch for n in part.notes])
        if assignment.part_class == PERCUSSION:
            players = np.array([drum_player(p) for p in pitches.tolist()])
            for player in np.unique(players).tolist():
                keep = players == player
                if keep.sum() >= 8:
                    observations.setdefault(player, []).append(
                        dict(part_observations(velocities[keep], steps[keep], downbeats),
                             melody_palette=melody_palette))
            continue
        if annotations is not None:   # POP909: its piano is the piano player, and a source of phrases
            if part.name.lower() != "piano":
                continue
            player = "piano"
            lengths = (np.array([n.end_beat - n.start_beat for n in part.notes])) * STEPS_PER_BEAT
            n_steps = int(np.ceil(steps.max())) + 64
            phrases = phrases_of_song(steps, lengths, pitches, velocities, _annotated_chords(annotations, n_steps),
                                      downbeats)
        elif is_bass(part, assignment):
            player = "bass"
        elif assignment.part_class == STRINGSLIKE:
            player = "strings"
        elif assignment.part_class == GUITARLIKE:   # other corpora's pianos and guitars: the piano player too
            player = "piano"
        else:
            continue
        observations.setdefault(player, []).append(dict(part_observations(velocities, steps, downbeats),
                                                        melody_palette=melody_palette))
    metre = None
    if len(downbeats) > 1 and np.all(np.diff(downbeats) == BAR_STEPS):   # 4/4 throughout: where its melody's notes lie
        metre = count_positions([n.start_beat for n in melodies[0].notes], [n.end_beat for n in melodies[0].notes],
                                downbeats[0] / STEPS_PER_BEAT + phase)
    notes = melodies[0].notes
    style = None
    if len(notes) >= 2:
        style = (note_features(notes, bpm=bpm, phase=phase),
                 any(is_bass(p, a) for p, a in zip(song.parts, assignments) if p.notes))
    return path, {"observations": observations, "phrases": phrases, "bpm": bpm, "metre": metre, "style": style}, None


def train_band(folders, out: str | os.PathLike, *, jobs: int = 2, limit: int | None = None,
               progress: bool = True) -> dict[str, Path]:
    """Fit the dynamics model, the piano phrase library, the melodies' metre template and the style model from
    the train split of MIDI folders; write ``OUT/dynamics-band.npz/.json``, ``OUT/phrases-piano.npz/.json``,
    ``OUT/metre-melody.npz/.json`` and ``OUT/style-melody.npz/.json``. Returns what was written.

    Parameters
    ----------
    folders : list of path-like
        Corpora (POP909 for the piano and its phrases; multi-track corpora for strings, bass and drums).
    out : path-like
    jobs : int
        Worker processes.
    limit : int, optional
        At most this many train files per folder (for quick tries).
    """
    by_folder: dict[str, list] = {}
    held_out: dict[str, list] = {}
    for folder, path in find_midi_files(list(folders)):
        split = split_for(path.name)
        if split in ("train", "valid"):
            (by_folder if split == "train" else held_out).setdefault(str(folder), []).append(str(path))
    files = [f for group in by_folder.values() for f in group[:limit]]
    results = sorted(map_with_progress(song_material, files, jobs=jobs, desc="players", unit="file",
                                       progress=progress), key=lambda r: r[0])
    observations: dict[str, list] = {}
    songs, metre, styles = [], MetreTemplate(count_positions([], [])), []
    for _, material, _ in results:
        if material is None:
            continue
        if material["metre"] is not None:
            metre.counts += material["metre"]
        if material["style"] is not None:
            styles.append(material["style"])
        for player, parts in material["observations"].items():
            observations.setdefault(player, []).extend(parts)
        if material["phrases"]:
            songs.append((material["phrases"], material["bpm"]))
    command = (f"wav2accomp train-band {' '.join(str(f) for f in folders)} --out {out}"
               + (f" --limit {limit}" if limit else ""))
    info = {"files": len(files), "skipped": sum(1 for r in results if r[1] is None), "split": "train",
            "command": command}
    dynamics = fit_dynamics(observations)
    dynamics.info.update(info)
    library = build_library(songs, dict(info, songs=len(songs)))
    style = fit_style(np.array([f for f, _ in styles]).reshape(-1, len(FEATURES)),
                      np.array([b for _, b in styles], dtype=bool))
    valid = [material["style"] for _, material, _ in map_with_progress(
        song_material, [f for group in held_out.values() for f in group[:limit]], jobs=jobs, desc="style (valid)",
        unit="file", progress=progress) if material is not None and material["style"] is not None]
    style.info.update(info, valid_songs=len(valid), valid_accuracy=float(np.mean(
        [(style.band_probability(features) > 0.5) == band for features, band in valid])) if valid else None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_dynamics(dynamics, out / DYNAMICS_MODEL)
    save_phrases(library, out / PHRASES_MODEL)
    metre.info.update(info, melodies=int(sum(material is not None and material["metre"] is not None
                                             for _, material, _ in results)))
    save_template(metre, out / METRE_MODEL)
    save_style(style, out / STYLE_MODEL)
    return {"dynamics": out / DYNAMICS_MODEL, "phrases": out / PHRASES_MODEL, "metre": out / METRE_MODEL,
            "style": out / STYLE_MODEL}
