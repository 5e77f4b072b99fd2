"""Hum -> notes beside the best open transcriber, on the same files with the same metric code.

Systems, each on every annotated recording of FOLDER (``wav2accomp.evaluation.transcription.find_annotated``):

- ``wav2accomp``: :func:`wav2accomp.evaluation.transcription.run_tracker` with the default tracker (swift-f0's
  f0 and notes inside wav2accomp's front end: re-attacks, level trims, tuning, tempo, grid), scored with the
  notes' sung pitch (tuning offset kept) and as written (MIDI numbers, the singer's tuning removed);
- ``wav2accomp --tracker yin``: the project's own FFT tracker and segmentation;
- ``swift-f0 + segment_notes``: swift-f0 (MIT, an ONNX model in its pip package) and its own note
  segmentation, at their defaults;
- ``basic-pitch``: Spotify's basic-pitch 0.4.0 (Apache-2.0; its ONNX model from the pip package) at its defaults,
  where it is installed (``pip install "basic-pitch[onnx]==0.4.0"`` in a benchmark-only environment);
- ``wav2accomp (pyin)``: librosa's pyin through the YIN route's segmentation, with ``--pyin`` (slow: about 5×
  real time).

Metrics: ``wav2accomp.evaluation.metrics.note_scores`` (mir_eval: onsets within 50 ms, pitch within 50 cents;
COnPOff adds the 20 % offset rule), overlapping note pairs (a note starting before the previous one ends) and
warm speed (× real time, every system run once on the first file before timing).

basic-pitch is not a dependency of the project: for its row, run this in a benchmark-only environment::

    python -m venv .venv-anchors && .venv-anchors/bin/pip install -e . "basic-pitch[onnx]==0.4.0"
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


def tracker_notes(tracker: str, samples: np.ndarray, sr: int, label: str,
                  written: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """`tracker`'s notes as ``{label: (intervals, Hz)}``, with the sung pitch; `written` adds the MIDI numbers."""
    transcription, _ = run_tracker(tracker, samples, sr)
    notes = [] if transcription is None else transcription.notes
    intervals = np.array([[n.onset, n.offset] for n in notes]).reshape(-1, 2)
    found = {f"{label} (sung pitch)": (intervals, midi_to_hz(np.array([n.sung_pitch for n in notes])))}
    if written:
        found[f"{label} (as written)"] = (intervals, midi_to_hz(np.array([float(n.pitch) for n in notes])))
    return found


def swift_notes(detector, samples: np.ndarray, sr: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from swift_f0 import segment_notes

    notes = segment_notes(detector.detect(samples, sample_rate=sr))
    intervals = np.array([[n.start, n.end] for n in notes]).reshape(-1, 2)
    return {"swift-f0 + segment_notes": (intervals, np.array([n.pitch_hz for n in notes]))}


def basic_pitch_notes(model, path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from basic_pitch.inference import predict

    _, _, events = predict(str(path), model)
    intervals = np.array([[e[0], e[1]] for e in events]).reshape(-1, 2)
    return {"basic-pitch 0.4.0 (ONNX)": (intervals, midi_to_hz(np.array([float(e[2]) for e in events])))}


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
    parser.add_argument("--pyin", action="store_true", help="also librosa's pyin through wav2accomp's segmentation")
    args = parser.parse_args()
    recordings = find_annotated(args.folder)[:args.limit]
    detector = SwiftF0()
    runs = {"wav2accomp": lambda x, sr, path: tracker_notes("swift-f0", x, sr, "wav2accomp", written=True),
            "wav2accomp yin": lambda x, sr, path: tracker_notes("yin", x, sr, "wav2accomp --tracker yin"),
            "swift-f0": lambda x, sr, path: swift_notes(detector, x, sr)}
    try:
        from basic_pitch import ICASSP_2022_MODEL_PATH
        from basic_pitch.inference import Model

        onnx = Model(str(ICASSP_2022_MODEL_PATH) + ".onnx")
        runs["basic-pitch"] = lambda x, sr, path: basic_pitch_notes(onnx, path)
    except ImportError:
        print("basic-pitch is not installed: left out")
    if args.pyin:
        runs["pyin"] = lambda x, sr, path: tracker_notes("pyin", x, sr, "wav2accomp --tracker pyin")
    first, sr = load_audio(recordings[0][0], sr=ANALYSIS_SAMPLE_RATE)
    for run in runs.values():
        run(first, sr, recordings[0][0])                   # warm: models loaded, caches filled
    run_of: dict[str, str] = {}
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
            found = run(samples, sr, audio)
            seconds[run_name] += time.perf_counter() - began
            for system, (intervals, pitches) in found.items():
                run_of[system] = run_name
                row = {**note_scores(*reference, intervals, pitches, prefix="COnP"),
                       **note_scores(*reference, intervals, pitches, offset_ratio=0.2, prefix="COnPOff")}
                scores.setdefault(system, []).append(row)
                counts[system] = counts.get(system, 0) + overlaps(intervals)
    print(f"## {len(recordings)} recordings of {args.folder} ({audio_seconds:.0f} s)\n")
    print("| system | COnP F1 | COnP P | COnP R | COnPOff F1 | overlapping pairs | warm × real time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for system, rows in scores.items():
        run_name = run_of[system]
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        print(f"| {system} | {mean['COnP_f1']:.3f} | {mean['COnP_precision']:.3f} | {mean['COnP_recall']:.3f} | "
              f"{mean['COnPOff_f1']:.3f} | {counts[system]} | {audio_seconds / seconds[run_name]:.0f} |")


if __name__ == "__main__":
    main()
