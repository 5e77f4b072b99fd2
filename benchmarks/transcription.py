"""Hum -> notes, the trackers (swift-f0, the default; the FFT tracker YIN; librosa's pyin) side by side, in one run.

1. Real singing: `evaluate_transcription` on an annotated folder (SSVD by
   default): mir_eval.melody raw pitch / raw chroma / overall accuracy, note
   F1 onset-only and with offsets, speed (x real time, warm).
2. The synthetic set (`wav2accomp.testing.singer.synthetic_set`): the same
   metrics on hum-like recordings with known notes.
3. Fresh processes on a 30 s synthesised hum (median of --repeats runs):
   `wav2accomp transcribe` (imports, reading, tracking, notes, tempo, MIDI),
   with --plot, the YIN tracker alone, and pyin alone (imports and numba
   compilation included: what a user of pyin waits for).

Usage::

    python benchmarks/transcription.py [--folder ../shared/data/singing/ssvd] [--repeats 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile
from fresh_process import fresh_seconds

from wav2accomp.constants import ANALYSIS_SAMPLE_RATE, TRACKERS
from wav2accomp.dsp import midi_to_hz
from wav2accomp.evaluation.metrics import MELODY_METRICS
from wav2accomp.evaluation.transcription import (evaluate_transcription, reference_f0_from_notes, run_tracker,
                                                 score_transcription, warm_up_pyin)
from wav2accomp.testing.singer import VoiceStyle, sing, synthetic_set, tune_notes

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "singing" / "ssvd"
TRACK_ONLY = """
import sys, time
start = time.perf_counter()
from wav2accomp.audio.recording import load_audio
from wav2accomp.audio.pitch import track_pitch
samples, sr = load_audio(sys.argv[1], sr=11025)
track_pitch(samples, sr)
"""
PYIN_ONLY = """
import sys
import librosa
from wav2accomp.audio.recording import load_audio
samples, sr = load_audio(sys.argv[1], sr=22050)
librosa.pyin(samples, fmin=65, fmax=1050, sr=sr, frame_length=2048, hop_length=256)
"""


def synthetic_table() -> list[str]:
    """Metrics of every tracker on every synthetic case, as markdown rows."""
    warm_up_pyin()
    lines = ["| case | tracker | RPA | OA | note F1 (onset) | note F1 (w/ offset) | notes found / sung |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    totals: dict[str, list[float]] = {tracker: [] for tracker in TRACKERS}
    for name, (notes, style) in synthetic_set().items():
        samples = sing(notes, ANALYSIS_SAMPLE_RATE, style=style)
        intervals = np.array([[n.onset, n.offset] for n in notes])
        pitches = midi_to_hz([n.pitch + style.tuning_cents / 100 for n in notes])
        ref_times, ref_f0 = reference_f0_from_notes(intervals, pitches, len(samples) / ANALYSIS_SAMPLE_RATE)
        for tracker in TRACKERS:
            transcription, _ = run_tracker(tracker, samples, ANALYSIS_SAMPLE_RATE)
            s = score_transcription(transcription, ref_times, ref_f0, intervals, pitches)
            totals[tracker].append(s["onset_f1"])
            found = 0 if transcription is None else len(transcription.notes)
            lines.append(f"| {name} | {tracker} | {s['Raw Pitch Accuracy']:.3f} | {s['Overall Accuracy']:.3f} | "
                         f"{s['onset_f1']:.3f} | {s['offset_f1']:.3f} | {found} / {len(notes)} |")
    for tracker, scores in totals.items():
        lines.append(f"| **mean** | {tracker} | | | {np.mean(scores):.3f} | | |")
    return lines


def cold_start_table(repeats: int) -> list[str]:
    """Fresh-process timings on a 30 s hum, as markdown rows."""
    with tempfile.TemporaryDirectory() as tmp:
        hum = Path(tmp) / "hum30.wav"
        notes = tune_notes("ode_to_joy", bpm=125)
        soundfile.write(hum, sing(notes, 44100, style=VoiceStyle(vibrato_cents=40, breath=0.02), seconds=30.0), 44100)
        cli = [sys.executable, "-m", "wav2accomp", "transcribe", str(hum), "-o", str(Path(tmp) / "hum.mid")]
        rows = {
            "python -c pass (interpreter start)": fresh_seconds([sys.executable, "-c", "pass"], repeats),
            "wav2accomp transcribe (MIDI; swift-f0)": fresh_seconds(cli, repeats),
            "wav2accomp transcribe --tracker yin": fresh_seconds(cli + ["--tracker", "yin"], repeats),
            "wav2accomp transcribe --plot": fresh_seconds(cli + ["--plot", str(Path(tmp) / "hum.png")], repeats),
            "YIN tracker alone (read + f0)": fresh_seconds([sys.executable, "-c", TRACK_ONLY, str(hum)], repeats),
            "pyin alone (read + f0)": fresh_seconds([sys.executable, "-c", PYIN_ONLY, str(hum)], repeats),
        }
    lines = ["| fresh process, 30 s recording (44.1 kHz wav) | seconds |", "| --- | --- |"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in rows.items()]
    ratio = rows["pyin alone (read + f0)"] / rows["YIN tracker alone (read + f0)"]
    lines.append(f"| pyin / YIN, fresh process | {ratio:.0f}x |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="annotated recordings (SSVD layout)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process runs per timing (median)")
    args = parser.parse_args()
    print("## Fresh-process timings\n")
    print("\n".join(cold_start_table(args.repeats)))
    print("\n## Synthetic set (known notes)\n")
    print("\n".join(synthetic_table()))
    if args.folder.is_dir():
        print(f"\n## Real singing: {args.folder.name}\n")
        report = evaluate_transcription(args.folder, progress=False)
        print(report.markdown().split("\nPer recording:")[0])
        means = report.sections["trackers"].means
        for tracker in report.metadata["trackers"]:
            print(f"{tracker}: " + ", ".join(f"{m} {means[tracker][m]:.3f}" for m in MELODY_METRICS))
    else:
        print(f"\n(no annotated folder at {args.folder}: real-singing table skipped)")


if __name__ == "__main__":
    main()
