"""How the band plays, beside real players: the "how it is played" figures and a real-vs-generated classifier.

For every song of a split of a prepared cache (POP909 and the multi-track corpus), the real MIDI file is read
and its melody is given a band by ``accompany`` (the product's own call, a MIDI melody in); real and generated
parts are measured with the same code (:mod:`wav2accomp.evaluation.playing`) by role: the piano (POP909's
piano; the multi-track songs' guitar-like parts), the harmony parts (piano and strings; guitar-like and
string-like parts), the bass, the drums. Rows: the real parts, the band as shipped (``--feel natural``), the
band with ``--feel grid``, the models' parts before the band plays them (``sequencer``: one velocity per part,
every onset on the grid, block chords — how the band played before), and the seed's ``paper`` networks (the
reference row). The same sections are part of ``wav2accomp evaluate accompaniment``.

Usage::

    python benchmarks/playing.py --data CACHE [--split test] [--limit N] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from wav2accomp.evaluation.accompaniment import song_files  # noqa: E402
from wav2accomp.evaluation.playing import evaluate_playing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared cache (wav2accomp prepare)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None, help="songs per corpus at most")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    sections = evaluate_playing(song_files(args.data, args.split, args.limit), jobs=args.jobs)
    print(f"\n{args.split} split ({time.perf_counter() - start:.0f} s)")
    for section in sections:
        print(f"\n### {section.title}\n")
        print("| figure | " + " | ".join(section.systems) + " |")
        print("|---|" + "---|" * len(section.systems))
        for metric in section.metrics:
            print(f"| {metric} | " + " | ".join(f"{section.means[s][metric]:.3f}" for s in section.systems) + " |")
        if section.info["skipped"]:
            print(f"\n({len(section.info['skipped'])} songs left out, e.g. {section.info['skipped'][0]})")


if __name__ == "__main__":
    main()
