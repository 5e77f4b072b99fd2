"""Round trip of the representation on POP909: MIDI -> roll -> MIDI -> roll.

For every song and every part (MELODY, BRIDGE, PIANO) the notes are put on the
16th-note grid, written back as a multi-track MIDI file (format 1, tempo map,
programs), read again and put on the grid again. Reference: the original notes
(pitch folded into 24..101, onset quantised to its step); estimate: the notes
read back. Note-onset F1 (pitch + onset step, mir_eval) per part, pooled over
all notes and averaged over songs. Notes lost are explained by kind.

Usage::

    python benchmarks/roundtrip.py [--data ../shared/data/pop909] [--jobs 2]
"""
from __future__ import annotations

import argparse
import io
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from wav2accomp.evaluation.metrics import grid_onset_f1
from wav2accomp.symbolic.classify import classify_parts
from wav2accomp.symbolic.midi_io import Note, read_midi_bytes, song_to_midi
from wav2accomp.symbolic.roll import fold_pitch, n_steps_for, notes_to_roll, rolls_to_song


def roundtrip(path: str) -> dict:
    """Counts of reference notes, read-back notes and matches, and loss causes, for one song."""
    song = read_midi_bytes(Path(path).read_bytes(), source=path)
    assignments = classify_parts(song.parts, song.end_beat)
    n_steps = n_steps_for(song.end_beat)
    rolls = {a.part_class: notes_to_roll(p.notes, n_steps) for p, a in zip(song.parts, assignments)}
    buffer = io.BytesIO()
    song_to_midi(rolls_to_song(rolls, song.tempo_map, song.time_signatures)).save(file=buffer)
    again = read_midi_bytes(buffer.getvalue())
    back = {p.name: p.notes for p in again.parts}
    totals = Counter()
    f1s = []
    for part, assignment in zip(song.parts, assignments):
        reference = [Note(int(p), n.velocity, n.start_beat, n.end_beat, n.start, n.end)
                     for n, p in zip(part.notes, fold_pitch([n.pitch for n in part.notes]))]
        estimate = back.get(assignment.part_class, [])
        precision, recall, f1 = grid_onset_f1(reference, estimate)
        f1s.append(f1)
        keys = Counter((round(n.start_beat * 4), n.pitch) for n in reference)
        totals["reference"] += len(reference)
        totals["estimate"] += len(estimate)
        totals["matched"] += round(recall * len(reference))
        totals["same pitch, same onset step"] += sum(c - 1 for c in keys.values())
        totals["folded into range"] += sum(1 for n in part.notes if not 24 <= n.pitch <= 101)
    totals["song_f1"] = float(np.mean(f1s))
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/pop909"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = sorted(str(p) for p in Path(args.data).glob("*/*.mid"))
    began = time.perf_counter()
    with Pool(args.jobs) as pool:
        results = pool.map(roundtrip, files, chunksize=8)
    total = Counter()
    for r in results:
        total.update({k: v for k, v in r.items() if k != "song_f1"})
    precision = total["matched"] / max(total["estimate"], 1)
    recall = total["matched"] / max(total["reference"], 1)
    song_f1 = np.array([r["song_f1"] for r in results])
    print(f"POP909 round trip, {len(results)} songs ({time.perf_counter() - began:.0f} s)\n")
    print("| notes (reference) | notes (read back) | precision | recall | F1 (pooled) | F1 (mean per song) | F1 (worst song) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {total['reference']} | {total['estimate']} | {precision:.4f} | {recall:.4f} | "
          f"{2 * precision * recall / max(precision + recall, 1e-12):.4f} | {song_f1.mean():.4f} | {song_f1.min():.4f} |")
    print(f"\nnotes sharing pitch and onset step with another note of their part (merged by the grid): "
          f"{total['same pitch, same onset step']}; notes folded into 24..101: {total['folded into range']}")


if __name__ == "__main__":
    main()
