"""Hum -> notes on real tunes: POP909 melodies sung by the synthetic voice, each tracker beside swift-f0's own notes.

The MELODY track of the first SONGS annotated test songs of a prepared cache, SECONDS from its first note, is sung
by the voice of ``wav2accomp.testing.singer`` (vibrato, breath; touching notes of different pitch sung legato on
one breath, a repeated pitch re-attacked after a consonant's dip; notes that overlap in the MIDI end where the
next begins), so the notes are known exactly. Scored with the same metric code as the real-singing tables
(``wav2accomp.evaluation.metrics.note_scores``: onsets within 50 ms, pitch within 50 cents; with offsets, the
20 % rule): every tracker of ``transcribe`` and swift-f0 with its own ``segment_notes`` at its defaults.

Usage::

    python benchmarks/sung_melodies.py --data CACHE [--songs 20] [--seconds 60]
"""
from __future__ import annotations

import argparse

import numpy as np

from wav2accomp.audio.transcribe import transcribe
from wav2accomp.constants import TRACKERS
from wav2accomp.data.corpus import load_index
from wav2accomp.dsp import midi_to_hz
from wav2accomp.evaluation.metrics import note_scores
from wav2accomp.symbolic.classify import classify_parts
from wav2accomp.symbolic.midi_io import read_midi
from wav2accomp.testing.singer import SungNote, VoiceStyle, sing

SR = 22050
VOICE = VoiceStyle(vibrato_cents=30, breath=0.02)


def sung_melody(path: str, seconds: float) -> list[SungNote]:
    """The melody part of a MIDI file, `seconds` from its first note, as sorted non-overlapping sung notes."""
    song = read_midi(path)
    melody = next(p for p, a in zip(song.parts, classify_parts(song.parts, song.end_beat)) if a.part_class == "melody")
    first = min(n.start for n in melody.notes)
    notes: list[SungNote] = []
    for note in sorted(melody.notes, key=lambda n: n.start):
        if note.start >= first + seconds:
            break
        if notes and note.start < notes[-1].offset:
            notes[-1] = SungNote(notes[-1].onset, note.start, notes[-1].pitch)
        notes.append(SungNote(note.start, min(note.end, first + seconds), note.pitch))
    return [n for n in notes if n.offset > n.onset]


def main() -> None:
    import swift_f0

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared cache with POP909 in it")
    parser.add_argument("--songs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    detector = swift_f0.SwiftF0()
    entries = [s for s in load_index(args.data)["songs"] if s["split"] == "test" and s.get("chords")][:args.songs]
    scores: dict[str, list[tuple[float, float]]] = {}
    n_notes = 0
    for entry in entries:
        notes = sung_melody(entry["file"], args.seconds)
        n_notes += len(notes)
        voice = sing(notes, SR, style=VOICE, seconds=notes[-1].offset + 0.5)
        reference = (np.array([[n.onset, n.offset] for n in notes]), midi_to_hz([n.pitch for n in notes]))
        found = {}
        for tracker in TRACKERS:
            heard = transcribe(voice, SR, tracker=tracker).notes
            found[f"wav2accomp --tracker {tracker}"] = (np.array([[n.onset, n.offset] for n in heard]).reshape(-1, 2),
                                                        midi_to_hz(np.array([n.sung_pitch for n in heard])))
        own = swift_f0.segment_notes(detector.detect(voice, sample_rate=SR))
        found["swift-f0 + segment_notes"] = (np.array([[n.start, n.end] for n in own]).reshape(-1, 2),
                                             np.array([n.pitch_hz for n in own]))
        for system, estimate in found.items():
            scores.setdefault(system, []).append((note_scores(*reference, *estimate)["note_f1"],
                                                  note_scores(*reference, *estimate, offset_ratio=0.2)["note_f1"]))
        print(f"  {entry['id']}: " + ", ".join(f"{k} {v[-1][0]:.3f}" for k, v in scores.items()), flush=True)
    print(f"\n## {len(entries)} POP909 test melodies sung by the synthetic voice ({args.seconds:g} s each, "
          f"{n_notes} notes)\n")
    print("| system | note F1 (COnP) | note F1 with offsets (COnPOff) |")
    print("|---|---:|---:|")
    for system, rows in scores.items():
        mean = np.mean(rows, axis=0)
        print(f"| {system} | {mean[0]:.3f} | {mean[1]:.3f} |")


if __name__ == "__main__":
    main()
