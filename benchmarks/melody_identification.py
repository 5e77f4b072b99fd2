"""How often do the classification rules find the melody? Truth: pop-multitrack's track named "Melody".

Rows (every file with one track named "Melody", same files for every row):

- random pitched part: the expected accuracy of picking any non-drum part;
- highest mean pitch: the non-drum part (8+ notes) with the highest mean pitch;
- keywords only, names as written: the first part whose name matches a melody
  keyword (the class keyword table of wav2accomp.constants) -- the baseline; it only works because the truth is a name
  (with the "Melody" name hidden it finds nothing: 0 by construction);
- all rules, names as written: keywords, channel 10, programs, then the fitted
  melody score among the parts whose names say melody;
- all rules, "Melody" name hidden: keywords on the other names, channel 10,
  programs, then the fitted melody score;
- all rules, every name hidden: channels, programs and note statistics only.

Usage::

    python benchmarks/melody_identification.py [--data ../shared/data/pop-multitrack] [--jobs 2]
    python benchmarks/melody_identification.py --fit     # refit MELODY_WEIGHTS on the train split first
"""
from __future__ import annotations

import argparse
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from wav2accomp.constants import MELODY, MELODY_MIN_NOTES, MELODY_WEIGHTS
from wav2accomp.data.corpus import split_for
from wav2accomp.symbolic.classify import class_from_name, classify_parts, melody_features, part_statistics
from wav2accomp.symbolic.midi_io import read_midi

TRUTH_NAME = "melody"
METHODS = ("random pitched part", "highest mean pitch (names hidden)", "keywords only, names as written",
           "all rules, names as written", "all rules, 'Melody' name hidden", "all rules, every name hidden")


def _truth(part) -> bool:
    return part.track_name.strip().lower() == TRUTH_NAME


def _hide_truth_name(parts) -> None:
    for part in parts:
        if _truth(part):
            part.name = ""


def evaluate_file(task):
    """Per method: 1.0/0.0 whether the melody was found (expected value for random)."""
    path, weights = task
    song = read_midi(path)
    parts = [p for p in song.parts if p.notes]
    if sum(_truth(p) for p in parts) == 0:
        return None
    pitched = [p for p in parts if not p.is_drum]
    scores = {METHODS[0]: sum(_truth(p) for p in pitched) / max(len(pitched), 1)}
    eligible = [p for p in pitched if len(p.notes) >= MELODY_MIN_NOTES]
    highest = max(eligible, key=lambda p: np.mean([n.pitch for n in p.notes]), default=None)
    scores[METHODS[1]] = float(highest is not None and _truth(highest))
    keyword = next((p for p in pitched if class_from_name(p.name) == MELODY), None)
    scores[METHODS[2]] = float(keyword is not None and _truth(keyword))
    for method, use_names in ((METHODS[3], True), (METHODS[4], True), (METHODS[5], False)):
        if method == METHODS[4]:
            _hide_truth_name(parts)
        assignments = classify_parts(parts, song.end_beat, use_names=use_names, melody_weights=weights)
        chosen = [p for p, a in zip(parts, assignments) if a.part_class == MELODY]
        scores[method] = float(bool(chosen) and _truth(chosen[0]))
    return path, split_for(Path(path).name), scores


def file_features(path):
    """(split, features of the melody candidates, truth flags) of one file, or None."""
    song = read_midi(path)
    parts = [p for p in song.parts if not p.is_drum and len(p.notes) >= MELODY_MIN_NOTES]
    truth = np.array([_truth(p) for p in parts], dtype=float)
    if not truth.any():
        return None
    stats = [part_statistics(p, song.end_beat) for p in parts]
    return split_for(Path(path).name), melody_features(stats, [p.program for p in parts]), truth


def fit_weights(groups, l2: float = 1e-2) -> np.ndarray:
    """Conditional logit: maximise the softmax probability of the true melody within each song."""
    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for features, truth in groups:
            s = features @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            hit = (p * truth).sum()
            total -= np.log(hit + 1e-12)
            grad -= features.T @ (p * truth / (hit + 1e-12) - p)
        return total / len(groups) + l2 * w @ w, grad / len(groups) + 2 * l2 * w

    width = groups[0][0].shape[1]
    return minimize(loss, np.zeros(width), jac=True, method="L-BFGS-B").x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/pop-multitrack"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fit", action="store_true", help="refit the melody weights on the train split")
    parser.add_argument("--limit", type=int, default=None, help="use the first N files only")
    args = parser.parse_args()
    files = sorted(str(p) for p in Path(args.data).glob("*.mid"))[:args.limit]
    began = time.perf_counter()
    weights = np.asarray(MELODY_WEIGHTS, dtype=float)
    with Pool(args.jobs) as pool:
        if args.fit:
            rows = [r for r in pool.map(file_features, files, chunksize=8) if r]
            weights = fit_weights([(f, t) for split, f, t in rows if split == "train"])
            print("MELODY_WEIGHTS = (\n    " + ", ".join(f"{w:.3f}" for w in weights[:9]) + ",\n    "
                  + ", ".join(f"{w:.3f}" for w in weights[9:]) + ",\n)")
        results = [r for r in pool.map(evaluate_file, [(f, weights) for f in files], chunksize=8) if r]
    print(f"\nMelody identification on {args.data}: {len(results)} files with a track named 'Melody' "
          f"({time.perf_counter() - began:.0f} s)\n")
    splits = ("all", "train", "test")
    print("| method | " + " | ".join(f"accuracy ({s}, n={sum(1 for r in results if s in ('all', r[1]))})"
                                     for s in splits) + " |")
    print("|---|" + "---:|" * len(splits))
    for method in METHODS:
        cells = []
        for split in splits:
            chosen = [r[2][method] for r in results if split in ("all", r[1])]
            cells.append(f"{np.mean(chosen):.3f}")
        print(f"| {method} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
