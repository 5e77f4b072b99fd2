"""Evaluation of transcription (audio -> notes) on annotated recordings.

A folder holds recordings (wav/flac/ogg/mp3) with annotations beside them,
named after the recording:

- notes, ``NAME.txt`` / ``NAME.csv`` / ``NAME.notes.txt`` / ``NAME.notes.csv``:
  one note per line as ``onset offset midi_pitch`` (SSVD, MIR-ST500 style),
  ``onset offset Hz`` or ``onset Hz duration`` (seconds; tabs, spaces or commas;
  header lines are skipped), told apart by their values;
- f0, ``NAME.f0.txt`` / ``NAME.f0.csv`` (optional): ``time Hz`` per frame
  (0 or negative = unvoiced). Without one, the reference f0 is the annotated
  notes' pitch on a 10 ms grid (unvoiced between notes).

For each tracker (the default swift-f0 with its notes, the YIN tracker, and
librosa's pyin feeding YIN's note segmentation) and each recording: ``mir_eval.melody`` raw pitch, raw
chroma and overall accuracy (with voicing recall / false alarm),
``mir_eval.transcription`` note precision/recall/F1 onset-only and with
offsets, the seconds spent and the speed as a multiple of real time.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..audio.pitch import pyin_track
from ..audio.recording import load_audio, resample
from ..audio.transcribe import NoMelodyError, analyse
from ..constants import ANALYSIS_SAMPLE_RATE, EVALUATED_TRACKERS, PITCH_SAMPLE_RATE, TRACKERS
from ..dsp import midi_to_hz
from ..errors import Wav2AccompError
from .metrics import MELODY_METRICS, melody_accuracy, note_scores
from .report import Report, Section, means_over

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
NOTE_LABEL_SUFFIXES = (".notes.txt", ".notes.csv", ".txt", ".csv")
F0_LABEL_SUFFIXES = (".f0.txt", ".f0.csv")
#: A third column whose values all stay below this holds durations (seconds), not pitches.
DURATION_CEILING = 12.0
#: Hop of the reference f0 made from note annotations, seconds.
REFERENCE_HOP = 0.01
NOTE_METRICS = ("onset_precision", "onset_recall", "onset_f1", "offset_precision", "offset_recall", "offset_f1")


class AnnotationError(Wav2AccompError):
    """An annotation file that cannot be read; the message says which and why."""


def read_table(path: str | os.PathLike) -> np.ndarray:
    """Numeric rows of a text table (tabs, spaces or commas); lines that are not numbers are skipped."""
    rows = []
    for line in Path(path).read_text(errors="replace").splitlines():
        fields = [f for f in re.split(r"[\s,;]+", line.strip()) if f]
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            continue
    widths = {len(r) for r in rows}
    if not rows or len(widths) != 1:
        raise AnnotationError(f"{path}: expected a table of numbers with the same number of columns on every line")
    return np.array(rows)


def read_note_labels(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Annotated notes: ``(n, 2)`` onset/offset seconds and ``(n,)`` pitches in Hz.

    Columns ``onset Hz duration`` when every third value is below
    :data:`DURATION_CEILING` (a duration: no sung pitch is that low, in MIDI
    numbers or Hz); else ``onset offset pitch``, the pitch as MIDI when every
    value is at most 127, else Hz.
    """
    table = read_table(path)
    if table.shape[1] != 3:
        raise AnnotationError(f"{path}: expected 3 columns (onset, offset, pitch), found {table.shape[1]}")
    if np.all(table[:, 2] < DURATION_CEILING):
        intervals = np.stack([table[:, 0], table[:, 0] + table[:, 2]], axis=1)
        pitches = table[:, 1]
    else:
        intervals = table[:, :2]
        pitches = midi_to_hz(table[:, 2]) if np.all(table[:, 2] <= 127) else table[:, 2]
    usable = np.isfinite(intervals).all(axis=1) & np.isfinite(pitches)   # a note with a NaN field is left out
    intervals, pitches = intervals[usable], pitches[usable]
    if not len(pitches):
        raise AnnotationError(f"{path}: no note with a finite onset, offset and pitch")
    if np.any(intervals[:, 1] <= intervals[:, 0]) or np.any(pitches <= 0):
        raise AnnotationError(f"{path}: every note needs an offset after its onset and a positive pitch")
    return intervals, pitches


def reference_f0_from_notes(intervals: np.ndarray, pitches_hz: np.ndarray, duration: float,
                            hop: float = REFERENCE_HOP) -> tuple[np.ndarray, np.ndarray]:
    """A frame-level reference (times s, Hz; 0 = unvoiced) holding each note's pitch through its span."""
    times = np.arange(0.0, duration, hop)
    f0 = np.zeros_like(times)
    for (onset, offset), hz in zip(intervals, pitches_hz):
        f0[(times >= onset) & (times < offset)] = hz
    return times, f0


def find_annotated(folder: str | os.PathLike) -> list[tuple[Path, Path, Path | None]]:
    """(recording, note labels, f0 labels or None) for every recording in `folder` that has note labels."""
    folder = Path(folder)
    if not folder.is_dir():
        raise Wav2AccompError(f"not a folder: {folder}")
    found = []
    for audio in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
        stem = audio.with_suffix("")
        notes = next((Path(f"{stem}{s}") for s in NOTE_LABEL_SUFFIXES if Path(f"{stem}{s}").is_file()), None)
        f0 = next((Path(f"{stem}{s}") for s in F0_LABEL_SUFFIXES if Path(f"{stem}{s}").is_file()), None)
        if notes is not None:
            found.append((audio, notes, f0))
    if not found:
        raise Wav2AccompError(f"no annotated recordings in {folder} (a recording needs NAME.txt or NAME.csv "
                              "with onset, offset, pitch per line beside it)")
    return found


def warm_up_pyin() -> float:
    """Run pyin once on a second of noise; returns the seconds it took (its one-off compilation, mostly)."""
    start = time.perf_counter()
    pyin_track(np.random.default_rng(0).standard_normal(ANALYSIS_SAMPLE_RATE).astype(np.float32) * 0.1,
               ANALYSIS_SAMPLE_RATE)
    return time.perf_counter() - start


def run_tracker(tracker: str, samples: np.ndarray, sr: int):
    """Transcribe `samples` (at 22050 Hz) with `tracker`; returns the Transcription (None when no note) and seconds."""
    start = time.perf_counter()
    at_pitch_rate = resample(samples, sr, PITCH_SAMPLE_RATE)
    track = pyin_track(samples, sr) if tracker == "pyin" else None
    notes = tuning = None
    if tracker == "swift-f0":
        from ..audio.swift import swift_notes

        track, notes, tuning = swift_notes(samples, sr, at_pitch_rate)
    try:
        transcription = analyse(at_pitch_rate, PITCH_SAMPLE_RATE, track=track, notes=notes, tuning=tuning,
                                tracker=tracker)
    except NoMelodyError:
        transcription = None
    return transcription, time.perf_counter() - start


def score_transcription(transcription, ref_times, ref_f0, ref_intervals, ref_pitches) -> dict[str, float]:
    """Melody and note metrics (:mod:`wav2accomp.evaluation.metrics`) of one transcription (None = nothing
    found) against references: notes onset-only, and with the 20 % offset rule."""
    if transcription is None:
        est_times, est_f0 = ref_times, np.zeros_like(ref_f0)
        est_intervals, est_pitches = np.zeros((0, 2)), np.zeros(0)
    else:
        est_times, est_f0 = transcription.track.times, transcription.track.signed_f0()
        est_intervals = np.array([[n.onset, n.offset] for n in transcription.notes])
        est_pitches = midi_to_hz([n.sung_pitch for n in transcription.notes])
    scores = melody_accuracy(ref_times, ref_f0, est_times, est_f0)
    for label, ratio in (("onset", None), ("offset", 0.2)):
        scores.update(note_scores(ref_intervals, ref_pitches, est_intervals, est_pitches, offset_ratio=ratio,
                                  prefix=label))
    return scores


def evaluate_transcription(folder: str | os.PathLike, *, trackers: tuple[str, ...] = EVALUATED_TRACKERS,
                           limit: int | None = None, progress: bool = True) -> Report:
    """Evaluate every tracker on every annotated recording of `folder` (see the module docstring).

    Returns
    -------
    Report
        ``report`` (its files: report.json, report.md): one section, the trackers x metrics, means over the
        recordings (``seconds`` spent in all and ``x_realtime`` overall); items per recording with each
        tracker's metrics, seconds, speed and notes; ``metadata``: recordings, seconds of audio, the skipped
        files with their reasons, pyin's first call (its compilation) when it ran.
    """
    unknown = set(trackers) - set(TRACKERS)
    if unknown:
        raise Wav2AccompError(f"unknown tracker {sorted(unknown)[0]!r}; choose from {', '.join(TRACKERS)}")
    recordings = find_annotated(folder)[:limit]
    metadata: dict = {"folder": str(folder), "trackers": list(trackers), "skipped": []}
    if "pyin" in trackers:
        metadata["pyin_first_call_seconds"] = warm_up_pyin()
    rows = []
    for audio, notes_path, f0_path in tqdm(recordings, desc="transcribing", unit="file", disable=not progress):
        try:
            rows.append(_score_recording(audio, notes_path, f0_path, trackers))
        except Wav2AccompError as exc:  # unreadable audio or annotations: listed, and the others go on
            metadata["skipped"].append({"id": audio.name, "reason": str(exc)})
    if not rows:
        reasons = "; ".join(f"{item['id']}: {item['reason']}" for item in metadata["skipped"][:3])
        raise Wav2AccompError(f"no recording in {folder} could be scored"
                              + (f" ({len(metadata['skipped'])} skipped: {reasons})" if reasons else ""))
    audio_seconds = sum(row["seconds_of_audio"] for row in rows)
    means = means_over(rows, trackers, (*MELODY_METRICS, *NOTE_METRICS))
    for tracker in trackers:
        spent = sum(row[tracker]["seconds"] for row in rows)
        means[tracker].update(seconds=spent, x_realtime=audio_seconds / max(spent, 1e-9))
    metadata.update(recordings=len(rows), seconds_of_audio=audio_seconds)
    section = Section("", list(trackers), [key for _, key in COLUMNS], means, rows,
                      labels={key: name for name, key in COLUMNS}, formats={"x_realtime": ".0f"}, row_label="tracker")
    if "pyin_first_call_seconds" in metadata:
        section.notes = [f"pyin's first call (compilation, not counted above): "
                         f"{metadata['pyin_first_call_seconds']:.1f} s"]
    section.notes += ["", "Per recording:", ""] + _per_recording_lines(section, metadata["skipped"])
    return Report("report", f"Transcription of {len(rows)} recordings ({audio_seconds:.0f} s) in {folder}", metadata,
                  {"trackers": section})


def _score_recording(audio: Path, notes_path: Path, f0_path: Path | None, trackers) -> dict:
    """One recording's item: every tracker's metrics, seconds, speed and notes."""
    samples, sr = load_audio(audio, sr=ANALYSIS_SAMPLE_RATE)
    duration = len(samples) / sr
    intervals, pitches = read_note_labels(notes_path)
    if f0_path is not None:
        table = read_table(f0_path)
        ref_times, ref_f0 = table[:, 0], np.maximum(table[:, 1], 0.0)
    else:
        ref_times, ref_f0 = reference_f0_from_notes(intervals, pitches, duration)
    row: dict = {"id": audio.name, "seconds_of_audio": duration,
                 "reference_f0": "annotated f0" if f0_path else "from notes"}
    for tracker in trackers:
        transcription, seconds = run_tracker(tracker, samples, sr)
        scores = score_transcription(transcription, ref_times, ref_f0, intervals, pitches)
        row[tracker] = {**scores, "seconds": seconds, "x_realtime": duration / max(seconds, 1e-9),
                        "notes": 0 if transcription is None else len(transcription.notes)}
    return row


COLUMNS = (("RPA", "Raw Pitch Accuracy"), ("RCA", "Raw Chroma Accuracy"), ("OA", "Overall Accuracy"),
           ("VR", "Voicing Recall"), ("VFA", "Voicing False Alarm"), ("note F1 (onset)", "onset_f1"),
           ("P", "onset_precision"), ("R", "onset_recall"), ("note F1 (w/ offset)", "offset_f1"),
           ("x realtime", "x_realtime"))


def _per_recording_lines(section: Section, skipped: list[dict]) -> list[str]:
    """A markdown table: one row per recording and tracker, then the skipped files."""
    lines = ["| file | tracker | " + " | ".join(name for name, _ in COLUMNS) + " |",
             "|---|---|" + "---:|" * len(COLUMNS)]
    for row in section.items:
        for tracker in section.systems:
            cells = " | ".join(section.cell(key, row[tracker][key]) for _, key in COLUMNS)
            lines.append(f"| {row['id']} | {tracker} | {cells} |")
    lines += [f"| {item['id']} | skipped: {item['reason']} |" for item in skipped]
    return lines
