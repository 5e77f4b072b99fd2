"""How the band plays, beside real players: the "how it is played" figures and a real-vs-generated classifier.

For every song of a split (POP909 and pop-multitrack songs of a prepared cache), the real MIDI file is read and
its melody is given a band by ``accompany`` (the product's own call, a MIDI melody in); real and generated
parts are then measured with the same code (:mod:`wav2accomp.evaluation.playing`) by role: POP909's piano, the
harmony parts (piano and strings; pop-multitrack's guitar-like and string-like parts), the bass, the drums.
Rows: the real parts, the band as shipped (``--feel natural``), the band with ``--feel grid``, the same parts as
the models wrote them before the band plays them (``sequencer``: one velocity per part, every onset on the
grid, block chords; the last release's sound), and the seed's ``paper`` networks (the reference row). The classifier tells 4-bar windows of the real part from the generated
one (logistic regression, 5 folds by song; 0.5 = indistinguishable).

Usage::

    python benchmarks/playing.py --data CACHE [--split test] [--limit N] [--jobs 2]
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from wav2accomp.arrangement import accompany  # noqa: E402
from wav2accomp.band.grid import grid_phase  # noqa: E402
from wav2accomp.evaluation.playing import (FIGURES, ROLES, classifier_accuracy, role_figures,  # noqa: E402
                                           song_bar_starts, song_roles, window_features)
from wav2accomp.parallel import map_with_progress  # noqa: E402
from wav2accomp.symbolic.midi_io import read_midi  # noqa: E402

#: System name -> accompany keyword arguments (those accompany does not take are left out).
SYSTEMS = {"band": {}, "band, feel grid": {"feel": "grid"}, "sequencer": {"played": False},
           "paper": {"arch": "paper", "harmony": "network", "drummer": "network"}}
ACCEPTED = set(inspect.signature(accompany).parameters)


def sequencer(arrangement):
    """The arrangement's parts as the models wrote them, before the band plays them."""
    from dataclasses import replace

    from wav2accomp.models.generate import generate_parts
    from wav2accomp.options import DrumOptions

    melody = arrangement.melody
    rolls = generate_parts(melody.roll(), melody.downbeat_steps(), parts=list(arrangement.parts),
                           bpm=melody.bpm(), chords=arrangement.chords, seed=arrangement.seed, drums=DrumOptions())
    return replace(arrangement, parts=rolls, played={})


def measure(path: str):
    """(corpus, {system: {role: figures}}, {system: {role: window features}}) of one song, or None."""
    real = read_midi(path)
    results, windows = {}, {}
    for system, options in [("real", None)] + list(SYSTEMS.items()):
        try:
            if options is None:
                song = real
                arrangement = accompany(path, seed=0)
                melody = arrangement.melody
            else:
                arrangement = accompany(path, seed=0, **{k: v for k, v in options.items() if k in ACCEPTED})
                if options.get("played", True) is False:
                    arrangement = sequencer(arrangement)
                song = arrangement.to_song(with_melody=False)
        except Exception as exc:   # a song the product refuses is left out, with its reason
            return path, None, str(exc)
        phase = grid_phase([n.start_beat for n in melody.notes])
        bars = song_bar_starts(real)
        roles = song_roles(song, generated=options is not None)
        seconds_per_beat = 60.0 / max(melody.bpm(), 1e-6)
        results[system] = role_figures(roles, bars, phase=phase, seconds_per_beat=seconds_per_beat)
        windows[system] = {role: window_features(notes, bars, phase) for role, notes in roles.items()}
    corpus = "pop909" if "pop909" in path else "pop-multitrack"
    return path, (corpus, results, windows), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared cache (wav2accomp prepare)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None, help="songs per corpus at most")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", default=None, help="also write the tables as JSON here")
    args = parser.parse_args()
    index = json.load(open(os.path.join(args.data, "index.json")))
    entries = [e for e in (index["songs"] if isinstance(index, dict) else index) if e["split"] == args.split]
    files = {}
    for entry in entries:
        corpus = "pop909" if "pop909" in entry["file"] else "pop-multitrack"
        files.setdefault(corpus, []).append(entry["file"])
    tasks = [f for corpus in sorted(files) for f in sorted(files[corpus])[:args.limit]]
    start = time.perf_counter()
    outcomes = map_with_progress(measure, tasks, jobs=args.jobs, desc="songs", unit="song")
    outcomes.sort(key=lambda o: o[0])
    skipped = [(p, why) for p, r, why in outcomes if r is None]
    measured = [r for _, r, _ in outcomes if r is not None]
    systems = ["real"] + list(SYSTEMS)
    tables = {}
    for corpus in ("pop909", "pop-multitrack"):
        songs = [(res, win) for c, res, win in measured if c == corpus]
        for role in ROLES:
            having = [(res, win) for res, win in songs if role in res["real"]]
            if not having:
                continue
            table = {}
            for figure in FIGURES:
                row = {}
                for system in systems:
                    values = [res[system][role][figure] for res, _ in having
                              if role in res.get(system, {}) and figure in res[system][role]]
                    row[system] = float(np.mean(values)) if values else float("nan")
                if not all(np.isnan(v) for v in row.values()):
                    table[figure] = row
            table["classifier"] = {"real": 0.5, **{system: classifier_accuracy(
                [win["real"][role] for _, win in having],
                [win[system].get(role, np.zeros((0, 12))) for _, win in having]) for system in SYSTEMS}}
            tables[f"{corpus} {role} ({len(having)} songs)"] = table
    print(f"\n{args.split} split: {len(measured)} songs measured, {len(skipped)} left out "
          f"({time.perf_counter() - start:.0f} s)")
    for title, table in tables.items():
        print(f"\n### {title}\n")
        print("| figure | " + " | ".join(systems) + " |")
        print("|---|" + "---|" * len(systems))
        for figure, row in table.items():
            print(f"| {figure} | " + " | ".join(f"{row[s]:.3f}" for s in systems) + " |")
    if skipped:
        print("\nleft out:", "; ".join(f"{os.path.basename(p)}: {why}" for p, why in skipped[:10]), file=sys.stderr)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(tables, handle, indent=1)


if __name__ == "__main__":
    main()
