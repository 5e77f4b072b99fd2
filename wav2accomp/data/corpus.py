"""Corpus preparation: folders of MIDI files -> training-ready rolls in a cache.

Layout of a cache folder::

    CACHE/index.json            one entry per song: id, split, length, classes
    CACHE/report.json           what was read, skipped (and why), hours per class, rules fired
    CACHE/songs/<id>.npz        arrays of one song (see :func:`prepare_song`)

Songs are split into train/valid/test (about 80/10/10) by a hash of the file
name, so a song keeps its split whatever else is added to the corpus.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import (ACCOMPANIMENT_CLASSES, BAND_PARTS, BASS, MELODY, N_PITCHES, ONSET, SPLIT_PERCENT,
                         STEPS_PER_BEAT)
from ..errors import MidiReadError, Wav2AccompError
from ..fileio import atomic_write, write_json
from ..parallel import map_with_progress
from ..symbolic.classify import classify_parts, is_bass
from ..symbolic.midi_io import read_midi
from ..symbolic.roll import n_steps_for, parts_to_roll
from ..symbolic.tempo_map import TempoMap, metre_grid

MIDI_SUFFIXES = (".mid", ".midi", ".kar")


class SkippedSong(Exception):
    """A file that yields no training song; the message says why."""


def split_for(file_name: str) -> str:
    """Stable split ("train", "valid" or "test") of a song from its file name."""
    bucket = int(hashlib.sha1(Path(file_name).name.encode("utf-8")).hexdigest(), 16) % 100
    for split, percent in SPLIT_PERCENT:
        if bucket < percent:
            return split
        bucket -= percent
    raise AssertionError("SPLIT_PERCENT must add up to 100")


def find_midi_files(folders: list[str | os.PathLike]) -> list[tuple[Path, Path]]:
    """(corpus folder, file) for every MIDI file below the folders, sorted.

    Raises
    ------
    Wav2AccompError
        When a folder does not exist.
    """
    found = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise Wav2AccompError(f"corpus folder not found: {folder}")
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
        found.extend((folder, path) for path in files)
    return found


def song_id(corpus: Path, path: Path) -> str:
    """Identifier of a song in the cache: corpus folder name / path without suffix."""
    return (Path(corpus.resolve().name) / path.relative_to(corpus).with_suffix("")).as_posix()


@dataclass(frozen=True)
class Pop909Annotations:
    """Beat and chord annotations of a POP909 song, on the grid (steps)."""

    beats: np.ndarray
    downbeats: np.ndarray
    chord_start: np.ndarray
    chord_end: np.ndarray
    chord_label: np.ndarray


def read_pop909_annotations(folder: Path, tempo_map: TempoMap,
                            steps_per_beat: int = STEPS_PER_BEAT) -> Pop909Annotations | None:
    """Read ``beat_midi.txt`` and ``chord_midi.txt`` beside a POP909 MIDI file.

    Times in seconds are placed on the grid through the song's tempo map.
    ``beat_midi.txt`` columns: time (s), 2/4-downbeat flag, 4/4-downbeat flag.
    Returns None when the files are absent.
    """
    beat_file, chord_file = folder / "beat_midi.txt", folder / "chord_midi.txt"
    if not (beat_file.is_file() and chord_file.is_file()):
        return None

    def to_steps(seconds) -> np.ndarray:
        return np.rint(tempo_map.seconds_to_beats(seconds) * steps_per_beat).astype(np.int32)

    beat_table = np.loadtxt(beat_file, ndmin=2)
    starts, ends, labels = [], [], []
    for line in chord_file.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 3:
            starts.append(float(fields[0]))
            ends.append(float(fields[1]))
            labels.append(fields[2])
    return Pop909Annotations(beats=to_steps(beat_table[:, 0]),
                             downbeats=to_steps(beat_table[beat_table[:, 2] > 0, 0]),
                             chord_start=to_steps(starts), chord_end=to_steps(ends),
                             chord_label=np.array(labels, dtype=str))


def prepare_song(path: Path, corpus: Path, out_dir: Path, steps_per_beat: int = STEPS_PER_BEAT) -> dict:
    """Turn one MIDI file into ``out_dir/songs/<id>.npz`` and describe it.

    The npz holds uint8 encoded rolls (:mod:`wav2accomp.symbolic.roll`) ``melody`` and
    one per accompaniment class present (``percussion``, ``guitarlike``,
    ``stringslike``), and ``bass`` (the bass parts among the guitarlike ones,
    :func:`~wav2accomp.symbolic.classify.is_bass`, which the guitarlike roll keeps
    too); ``beats`` and ``downbeats`` (steps); ``tempo_beats`` and ``tempo_us``
    (the tempo map); with POP909 annotations also
    ``chord_start``, ``chord_end`` (steps) and ``chord_label`` (e.g. ``C:maj``).

    Returns
    -------
    dict
        The song's index entry.

    Raises
    ------
    SkippedSong
        When the file holds no melody or no accompaniment.
    MidiReadError
        When the file is not readable MIDI.
    """
    song = read_midi(path)
    assignments = classify_parts(song.parts, song.end_beat)
    if not any(p.notes for p in song.parts):
        raise SkippedSong("no notes")
    by_class: dict[str, list] = {}
    for part, assignment in zip(song.parts, assignments):
        by_class.setdefault(assignment.part_class, []).append(part)
    if MELODY not in by_class:
        raise SkippedSong("no melody part (no pitched part with 8 or more notes)")
    present = [c for c in ACCOMPANIMENT_CLASSES if c in by_class]
    if not present:
        raise SkippedSong("no accompaniment part")

    basses = [part for part, assignment in zip(song.parts, assignments) if is_bass(part, assignment)]
    if basses:
        by_class[BASS] = basses
        present.append(BASS)
    n_steps = n_steps_for(song.end_beat, steps_per_beat)
    arrays = {c: parts_to_roll(by_class[c], n_steps, steps_per_beat=steps_per_beat) for c in [MELODY] + present}
    annotations = read_pop909_annotations(path.parent, song.tempo_map, steps_per_beat)
    if annotations is not None:
        arrays.update(vars(annotations))
    else:
        pulses, downbeats = metre_grid(song.time_signatures, song.end_beat)
        arrays["beats"] = np.rint(pulses * steps_per_beat).astype(np.int32)
        arrays["downbeats"] = np.rint(downbeats * steps_per_beat).astype(np.int32)
    arrays["tempo_beats"] = song.tempo_map.beats
    arrays["tempo_us"] = song.tempo_map.tempos_us

    identifier = song_id(corpus, path)
    target = out_dir / "songs" / f"{identifier}.npz"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    with atomic_write(target) as handle:
        handle.write(buffer.getvalue())
    return {
        "id": identifier,
        "file": str(path),
        "split": split_for(path.name),
        "n_steps": n_steps,
        "seconds": round(song.end, 3),
        "steps_per_beat": steps_per_beat,
        "classes": {c: sum(len(p.notes) for p in by_class[c]) for c in [MELODY] + present},
        "chords": annotations is not None,
        "rules": dict(Counter(a.rule for a in assignments)),
        "warnings": song.warnings,
    }


def _prepare_task(task: tuple[Path, Path, Path, int]) -> tuple[str, dict | None, str | None, bool]:
    """(file, index entry or None, reason for skipping or None, whether the MIDI was readable)."""
    path, corpus, out_dir, steps_per_beat = task
    try:
        return str(path), prepare_song(path, corpus, out_dir, steps_per_beat), None, True
    except SkippedSong as exc:
        return str(path), None, str(exc), True
    except MidiReadError as exc:
        return str(path), None, str(exc), False
    except Exception as exc:  # one broken file must never abort a corpus job
        return str(path), None, f"failed: {type(exc).__name__}: {exc}", False


def prepare_corpus(folders: list[str | os.PathLike], out_dir: str | os.PathLike, *, jobs: int | None = None,
                   steps_per_beat: int = STEPS_PER_BEAT, progress: bool = True) -> dict:
    """Prepare every MIDI file below `folders` into the cache `out_dir`.

    Parameters
    ----------
    folders : list of path-like
        Corpus folders: POP909's layout (annotations beside each file) or any
        folder of MIDI files, searched recursively.
    out_dir : path-like
        The cache folder; created if needed.
    jobs : int, optional
        Worker processes (default: the number of CPUs).
    steps_per_beat : int
        Grid resolution.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    dict
        The report, also written to ``out_dir/report.json``.
    """
    began = time.perf_counter()
    files = find_midi_files(folders)
    if not files:
        raise Wav2AccompError("no MIDI files (.mid, .midi, .kar) found in " + ", ".join(map(str, folders)))
    out_dir = Path(out_dir)
    try:
        (out_dir / "songs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Wav2AccompError(f"cannot create cache folder {out_dir}: {exc.strerror or exc}") from exc
    tasks = [(path, corpus, out_dir, steps_per_beat) for corpus, path in files]
    jobs = max(1, jobs or os.cpu_count() or 1)
    results = map_with_progress(_prepare_task, tasks, jobs=jobs, desc="prepare", unit="file", progress=progress,
                                chunksize=4)

    songs = sorted((entry for _, entry, _, _ in results if entry), key=lambda e: e["id"])
    skipped = sorted(({"file": path, "reason": reason} for path, _, reason, _ in results if reason),
                     key=lambda s: s["file"])
    report = summarize(songs, skipped, files_found=len(files), files_read=sum(ok for *_, ok in results),
                       seconds=time.perf_counter() - began)
    write_json(out_dir / "index.json", {"steps_per_beat": steps_per_beat, "songs": songs})
    write_json(out_dir / "report.json", report)
    return report


def summarize(songs: list[dict], skipped: list[dict], *, files_found: int, files_read: int, seconds: float) -> dict:
    """The corpus report: counts, hours per class, rules fired, skips and warnings."""
    per_class = {}
    for part_class in (MELODY,) + BAND_PARTS:
        having = [s for s in songs if part_class in s["classes"]]
        per_class[part_class] = {"songs": len(having),
                                 "hours": round(sum(s["seconds"] for s in having) / 3600, 2)}
    rules = Counter()
    for s in songs:
        rules.update(s["rules"])
    return {
        "files_found": files_found,
        "files_read": files_read,
        "songs": len(songs),
        "songs_per_split": dict(Counter(s["split"] for s in songs)),
        "classes": per_class,
        "rules": dict(sorted(rules.items())),
        "skipped": skipped,
        "files_with_warnings": [{"file": s["file"], "warnings": s["warnings"]} for s in songs if s["warnings"]],
        "seconds": round(seconds, 1),
    }


def format_report(report: dict) -> str:
    """The report as a few lines of plain text for the terminal."""
    lines = [f"files: {report['files_found']} found, {report['files_read']} read, "
             f"{len(report['skipped'])} skipped; {report['songs']} songs "
             f"({', '.join(f'{k} {v}' for k, v in sorted(report['songs_per_split'].items()))}) "
             f"in {report['seconds']} s",
             f"{'class':<12}{'songs':>8}{'hours':>9}"]
    lines += [f"{name:<12}{row['songs']:>8}{row['hours']:>9.2f}" for name, row in report["classes"].items()]
    lines.append("rules fired (parts): " + ", ".join(f"{k} {v}" for k, v in report["rules"].items()))
    reasons = Counter(s["reason"].split(":")[0] if s["reason"].startswith("failed") else s["reason"]
                      for s in report["skipped"])
    for reason, count in reasons.most_common():
        lines.append(f"skipped {count}: {reason}")
    if report["files_with_warnings"]:
        lines.append(f"{len(report['files_with_warnings'])} files read with warnings (see report.json)")
    return "\n".join(lines)


def load_index(cache: str | os.PathLike) -> dict:
    """The cache's ``index.json``; raises :class:`Wav2AccompError` if there is none."""
    path = Path(cache) / "index.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise Wav2AccompError(f"{cache} is not a prepared cache (cannot read {path}); "
                              "run `wav2accomp prepare` first") from exc


def song_bpm(arrays: dict[str, np.ndarray]) -> float:
    """Tempo of a prepared song at its first downbeat, quarter notes per minute (the file's default
    tempo when the cache holds no tempo map)."""
    if "tempo_us" not in arrays or not len(arrays["tempo_us"]):
        return float(TempoMap.constant().bpm_at(0.0))
    first_bar = float(arrays["downbeats"][0]) / STEPS_PER_BEAT if len(arrays["downbeats"]) else 0.0
    return float(TempoMap.from_changes(arrays["tempo_beats"], arrays["tempo_us"]).bpm_at(first_bar))


def load_song(cache: str | os.PathLike, song: str) -> dict[str, np.ndarray]:
    """The arrays of one prepared song (see :func:`prepare_song`).

    Raises
    ------
    Wav2AccompError
        The song's file is missing, damaged or lacks the melody, beats or downbeats.
    """
    path = Path(cache) / "songs" / f"{song}.npz"
    if Path(song).is_absolute() or ".." in Path(song).parts:
        raise Wav2AccompError(f"the cache's index names a song outside its folder: {song!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        raise Wav2AccompError(f"cannot read the cached song {path}: {reason}") from exc
    missing = [key for key in ("melody", "beats", "downbeats") if key not in arrays]
    if missing:
        raise Wav2AccompError(f"cannot read the cached song {path}: it has no {', '.join(missing)}")
    for key in (k for k in (MELODY, *BAND_PARTS) if k in arrays):
        roll = arrays[key]
        if roll.ndim != 2 or roll.shape[1] != N_PITCHES or (roll.size and (roll.min() < 0 or roll.max() > ONSET)):
            raise Wav2AccompError(f"cannot read the cached song {path}: its {key} roll is not a (steps, "
                                  f"{N_PITCHES}) roll of 0, 1 and 2")
    return arrays
