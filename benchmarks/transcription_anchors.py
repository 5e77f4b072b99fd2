"""Hum -> notes beside the best open transcriber, on the same files with the same metric code.

Systems, each on every annotated recording of FOLDER (``wav2accomp.evaluation.transcription.find_annotated``):

- ``wav2accomp``: :func:`wav2accomp.evaluation.transcription.run_tracker` with the YIN tracker, scored with the
  notes' sung pitch (tuning offset kept) and as written (MIDI numbers, the singer's tuning removed);
- ``swift-f0 + segment_notes``: swift-f0 (MIT, an ONNX model in its pip package) and its own note
  segmentation, at their defaults.

Metrics: ``wav2accomp.evaluation.metrics.note_scores`` (mir_eval: onsets within 50 ms, pitch within 50 cents;
COnPOff adds the 20 % offset rule), overlapping note pairs (a note starting before the previous one ends) and
warm speed (× real time, every system run once on the first file before timing).

swift-f0 is not a dependency of the project: run this in a benchmark-only environment::

    python -m venv .venv-anchors && .venv-anchors/bin/pip install -e . swift-f0==0.3.0
    .venv-anchors/bin/python benchmarks/transcription_anchors.py ../shared/data/singing/ssvd
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from wav2accomp.audio.recording import load_audio
from wav2accomp.dsp import midi_to_hz
from wav2accomp.evaluation.metrics import note_scores
from wav2accomp.constants import ANALYSIS_SAMPLE_RATE
from wav2accomp.evaluation.transcription import find_annotated, read_note_labels, run_tracker


def wav2accomp_notes(samples: np.ndarray, sr: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    transcription, _ = run_tracker("yin", samples, sr)
    notes = [] if transcription is None else transcription.notes
    intervals = np.array([[n.onset, n.offset] for n in notes]).reshape(-1, 2)
    return {"wav2accomp (sung pitch)": (intervals, midi_to_hz(np.array([n.sung_pitch for n in notes]))),
            "wav2accomp (as written)": (intervals, midi_to_hz(np.array([float(n.pitch) for n in notes])))}


def swift_notes(detector, samples: np.ndarray, sr: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from swift_f0 import segment_notes

    notes = segment_notes(detector.detect(samples, sample_rate=sr))
    intervals = np.array([[n.start, n.end] for n in notes]).reshape(-1, 2)
    return {"swift-f0 + segment_notes": (intervals, np.array([n.pitch_hz for n in notes]))}


def overlaps(intervals: np.ndarray) -> int:
    """Consecutive note pairs of a (monophonic) transcription that overlap in time."""
    order = np.argsort(intervals[:, 0])
    starts, ends = intervals[order, 0], intervals[order, 1]
    return int(np.sum(starts[1:] < ends[:-1] - 1e-9))


def main() -> None:
    from swift_f0 import SwiftF0

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="recordings with note annotations beside them")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    recordings = find_annotated(args.folder)[:args.limit]
    detector = SwiftF0()
    runs = {"wav2accomp": lambda x, sr: wav2accomp_notes(x, sr), "swift-f0": lambda x, sr: swift_notes(detector, x, sr)}
    first, sr = load_audio(recordings[0][0], sr=ANALYSIS_SAMPLE_RATE)
    for run in runs.values():
        run(first, sr)                                     # warm: models loaded, caches filled
    scores: dict[str, list] = {}
    counts: dict[str, int] = {}
    seconds = {name: 0.0 for name in runs}
    audio_seconds = 0.0
    for audio, labels, _ in recordings:
        samples, sr = load_audio(audio, sr=ANALYSIS_SAMPLE_RATE)
        audio_seconds += len(samples) / sr
        reference = read_note_labels(labels)
        for run_name, run in runs.items():
            began = time.perf_counter()
            found = run(samples, sr)
            seconds[run_name] += time.perf_counter() - began
            for system, (intervals, pitches) in found.items():
                row = {**note_scores(*reference, intervals, pitches, prefix="COnP"),
                       **note_scores(*reference, intervals, pitches, offset_ratio=0.2, prefix="COnPOff")}
                scores.setdefault(system, []).append(row)
                counts[system] = counts.get(system, 0) + overlaps(intervals)
    print(f"## {len(recordings)} recordings of {args.folder} ({audio_seconds:.0f} s)\n")
    print("| system | COnP F1 | COnP P | COnP R | COnPOff F1 | overlapping pairs | warm × real time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for system, rows in scores.items():
        run_name = "swift-f0" if system.startswith("swift") else "wav2accomp"
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        print(f"| {system} | {mean['COnP_f1']:.3f} | {mean['COnP_precision']:.3f} | {mean['COnP_recall']:.3f} | "
              f"{mean['COnPOff_f1']:.3f} | {counts[system]} | {audio_seconds / seconds[run_name]:.0f} |")


if __name__ == "__main__":
    main()
