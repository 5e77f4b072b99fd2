"""Speed of `wav2accomp prepare` on POP909 + pop-multitrack (target: < 5 minutes on 2 cores).

Beside it, in the same run and on the same files, the baseline: only parsing
every file with `mido.MidiFile` (what a naive pipeline spends before it has
done any work), in the same number of processes.

Usage::

    python benchmarks/prepare_speed.py [--data ../shared/data] [--jobs 2]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import mido

from wav2accomp.data.corpus import find_midi_files, prepare_corpus


def parse_with_mido(path) -> int:
    try:
        return sum(len(track) for track in mido.MidiFile(path).tracks)
    except Exception:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    folders = [Path(args.data) / "pop909", Path(args.data) / "pop-multitrack"]
    files = [path for _, path in find_midi_files(folders)]

    began = time.perf_counter()
    with Pool(args.jobs) as pool:
        pool.map(parse_with_mido, files, chunksize=8)
    mido_seconds = time.perf_counter() - began

    with tempfile.TemporaryDirectory() as cache:
        began = time.perf_counter()
        report = prepare_corpus(folders, cache, jobs=args.jobs, progress=False)
        prepare_seconds = time.perf_counter() - began

    print(f"{len(files)} MIDI files in {', '.join(str(f) for f in folders)}; {args.jobs} processes\n")
    print("| job | files | songs | seconds | files/s |")
    print("|---|---:|---:|---:|---:|")
    print(f"| baseline: mido.MidiFile parse only | {len(files)} | - | {mido_seconds:.1f} | {len(files) / mido_seconds:.1f} |")
    print(f"| wav2accomp prepare (read, classify, rolls, annotations, npz) | {report['files_found']} | "
          f"{report['songs']} | {prepare_seconds:.1f} | {len(files) / prepare_seconds:.1f} |")


if __name__ == "__main__":
    main()
