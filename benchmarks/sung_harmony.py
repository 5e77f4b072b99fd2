"""Chords from a sung melody: the harmony the band plays when the melody comes from a voice, not a MIDI file.

For POP909 test songs (annotated chords), SECONDS of the MELODY track from its first note are sung by the synthetic voice
of ``wav2accomp.testing.singer`` (vibrato, breath, the song's own timing) and transcribed by wav2accomp; the
harmoniser (what ``accompany`` plays) chooses a chord per half bar of the transcription's own grid (the default
tracker's, and YIN's), and so does
the aligned model's chord head per beat (the ``--harmony network`` path). Both on the clean MIDI melody, and the
key's tonic triad, are scored beside them. Every sequence is
compared with the annotations at the song's annotated beats, in seconds (``mir_eval.chord.majmin``; beats whose
annotation is outside the major/minor vocabulary left out).

Usage::

    python benchmarks/sung_harmony.py --data CACHE [--songs 30] [--seconds 60]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import mir_eval
import numpy as np

from wav2accomp.constants import STEPS_PER_BEAT
from wav2accomp.data.corpus import load_index, load_song
from wav2accomp.models.aligned import chord_head
from wav2accomp.models.generate import load_harmony, load_part_model, predict_probabilities
from wav2accomp.models.harmoniser import harmonise_melody
from wav2accomp.symbolic.harmony import CHORD_LABELS, estimate_key, pitch_class_histogram
from wav2accomp.symbolic.tempo_map import TempoMap
from wav2accomp.testing.singer import SungNote, VoiceStyle, sing

SR = 22050
VOICE = VoiceStyle(vibrato_cents=30, breath=0.02)


def chords_at(times: np.ndarray, chords: np.ndarray, tempo_map: TempoMap) -> list[str]:
    """The label of the chord sounding at each time (seconds), from a chord index per 16th step."""
    steps = np.floor(tempo_map.seconds_to_beats(times) * STEPS_PER_BEAT).astype(int)
    inside = (steps >= 0) & (steps < len(chords))
    return [CHORD_LABELS[int(chords[s])] if ok else "N" for s, ok in zip(steps, inside)]


def majmin(reference: list[str], estimate: list[str]) -> float:
    scores = mir_eval.chord.majmin(reference, estimate)
    counted = scores >= 0
    return float(scores[counted].mean()) if counted.any() else float("nan")


def main() -> None:
    from wav2accomp.audio.transcribe import transcribe
    from wav2accomp.symbolic.classify import classify_parts
    from wav2accomp.symbolic.midi_io import read_midi

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared cache with POP909 in it")
    parser.add_argument("--songs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    model, config = load_part_model("guitarlike")
    harmoniser = load_harmony()
    entries = [s for s in load_index(args.data)["songs"] if s["split"] == "test" and s.get("chords")][:args.songs]
    rows = []
    for entry in entries:
        arrays = load_song(args.data, entry["id"])
        midi_map = TempoMap.from_changes(arrays["tempo_beats"], arrays["tempo_us"])
        song = read_midi(entry["file"])
        melody = next(p for p, a in zip(song.parts, classify_parts(song.parts, song.end_beat))
                      if a.part_class == "melody")
        entry_s = min(n.start for n in melody.notes)
        end_s = entry_s + args.seconds             # the window: SECONDS from the melody's first note
        folder = Path(entry["file"]).parent
        beat_table = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
        times = beat_table[(beat_table[:, 0] >= entry_s) & (beat_table[:, 0] < end_s - 1.0), 0]
        starts, ends, labels = [], [], []
        for line in (folder / "chord_midi.txt").read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3:
                starts.append(float(fields[0]))
                ends.append(float(fields[1]))
                labels.append(fields[2])
        reference = [labels[int(np.searchsorted(starts, t, side="right")) - 1] if t >= starts[0] else "N"
                     for t in times]
        notes = [SungNote(n.start, min(n.end, end_s), n.pitch) for n in melody.notes if n.start < end_s]
        voice = sing(notes, SR, style=VOICE, seconds=end_s + 0.5)
        heard = transcribe(voice, SR)
        heard_by_yin = transcribe(voice, SR, tracker="yin")
        clean = arrays["melody"]
        tonic, mode = estimate_key(pitch_class_histogram(clean > 0))
        systems = {
            "tonic triad": chords_at(times, np.full(len(clean), tonic + (12 if mode == "min" else 0)), midi_map),
            "chord head, MIDI melody": chords_at(
                times, chord_head(predict_probabilities(model, config, clean, arrays["downbeats"]),
                                  config.steps_per_beat), midi_map),
            "chord head, sung and transcribed": chords_at(
                times, chord_head(predict_probabilities(model, config, heard.roll(), heard.downbeat_steps()),
                                  config.steps_per_beat), heard.tempo_map),
            "harmoniser, MIDI melody": chords_at(times, harmonise_melody(harmoniser, clean, arrays["downbeats"]),
                                                 midi_map),
            "harmoniser, sung and transcribed": chords_at(
                times, harmonise_melody(harmoniser, heard.roll(), heard.downbeat_steps()), heard.tempo_map),
            "harmoniser, sung and transcribed with --tracker yin": chords_at(
                times, harmonise_melody(harmoniser, heard_by_yin.roll(), heard_by_yin.downbeat_steps()),
                heard_by_yin.tempo_map),
        }
        rows.append({name: majmin(reference, estimate) for name, estimate in systems.items()})
        print(f"  {entry['id']}: " + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items()), flush=True)
    print(f"\n## {len(rows)} POP909 test songs, {args.seconds:g} s from the melody's entry (per-beat majmin against "
          "the annotations)\n")
    print("| chord sequence | majmin accuracy (mean over songs) |")
    print("|---|---:|")
    for name in rows[0]:
        print(f"| {name} | {np.nanmean([r[name] for r in rows]):.3f} |")


if __name__ == "__main__":
    main()
