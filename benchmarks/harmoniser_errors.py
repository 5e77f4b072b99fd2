"""Where the harmoniser's chords go wrong, and how far copying could take the bars without melody.

On the songs of one split with chord annotations (POP909's), the shipped harmoniser (or ``--model``) chooses a
chord per half bar as ``accompany`` does; every beat with a major/minor or "no chord" annotation is scored
(per-beat majmin, the training's own measure). Three tables:

1. accuracy where the melody sounds in the beat's bar, and in bars without melody before and after its entry
   (their share of the beats), with top-2 and top-3 accuracy of the half bar's chord scores;
2. the most common errors, as the relation of the chosen chord to the annotated one;
3. for the beats of bars without melody, how often the *annotated* chord equals the annotated chord 4, 8 or 16
   bars away (the ceiling of any echo of other bars' chords), beside the harmoniser's accuracy there;
4. melodic repeats (:func:`~wav2accomp.models.harmoniser.melodic_repeats`: pairs of half bars whose melody,
   with the half bars either side, is alike) — how often the annotated chords of two such half bars agree, how
   often the harmoniser's do with and without sharing their scores (as it plays, and each half bar on its own),
   and the accuracy both ways;
5. the accuracy as it plays for other definitions of a repeat (how many half bars either side are compared, how
   alike they must be), the choice of the shipped one.

Usage::

    python benchmarks/harmoniser_errors.py --data CACHE [--split valid] [--model STEM]
"""
from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from wav2accomp.models.generate import load_harmony
from wav2accomp.models.harmoniser import (N_EXTRA, N_POSITION, PHRASE_BARS, REPEAT_LIKENESS, REPEAT_REACH, bar_sounds,
                                          chord_log_probabilities, half_bar_scores, load_harmoniser, played_scores)
from wav2accomp.models.harmoniser_fit import AnnotatedBeats
from wav2accomp.symbolic.harmony import NO_CHORD

#: Column of the "before the melody's first bar" flag in the extra inputs.
BEFORE_ENTRY = N_EXTRA - N_POSITION + PHRASE_BARS
#: The repeats' definitions table 5 compares: half bars either side, likeness (1: the same melody).
SWEEP_REACH, SWEEP_LIKENESS = (0, 1, 2, 3), (0.6, 0.7, 0.8, 0.9, 0.999)
#: Names of chord relations, "chosen for annotated" (annotated quality, chosen quality, root interval, semitones).
RELATIONS = {(0, 1, 9): "relative minor (Am for C)", (1, 0, 3): "relative major (C for Am)",
             (0, 0, 5): "major a fourth up (F for C)", (0, 0, 7): "major a fifth up (G for C)",
             (0, 1, 4): "minor a third up (Em for C)", (1, 0, 8): "major a sixth up (F for Am)",
             (0, 1, 2): "minor a tone up (Dm for C)", (1, 0, 10): "major a seventh up (G for Am)",
             (1, 1, 5): "minor a fourth up (Dm for Am)", (1, 1, 7): "minor a fifth up (Em for Am)",
             (0, 0, 10): "major a tone down (Bb for C)", (0, 0, 2): "major a tone up (D for C)"}


def relation(annotated: int, chosen: int) -> str:
    """How the chosen chord relates to the annotated one (both :data:`CHORD_LABELS` indices)."""
    if annotated == NO_CHORD or chosen == NO_CHORD:
        return "no chord annotated" if annotated == NO_CHORD else "no chord chosen"
    key = (annotated // 12, chosen // 12, (chosen - annotated) % 12)
    if key[2] == 0:
        return "same root, other quality"
    quality = ("major", "minor")
    interval = key[2] if key[2] <= 6 else key[2] - 12
    return RELATIONS.get(key, f"{quality[key[1]]} for {quality[key[0]]}, root {interval:+d} semitones")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared cache with POP909 in it")
    parser.add_argument("--split", default="valid", choices=("train", "valid", "test"))
    parser.add_argument("--model", help="a harmoniser's path stem (default: the shipped one)")
    args = parser.parse_args()
    model = load_harmoniser(args.model) if args.model else load_harmony()
    beats = AnnotatedBeats(args.data, args.split)
    blocks, extra = beats.blocks.numpy(), beats.extra.numpy()
    labels, groups = beats.labels.numpy(), beats.groups
    sounding = bar_sounds(blocks)
    log_probabilities = chord_log_probabilities(model, blocks, extra)
    scores, repeats = played_scores(log_probabilities, blocks, groups, beats.group_songs)
    ranked = np.argsort(-scores, axis=1)[groups]
    chosen = ranked[:, 0]
    counted = labels >= 0
    hit = chosen == labels
    before = extra[:, BEFORE_ENTRY] > 0
    print(f"\n## {len(beats.songs)} {args.split} songs, {counted.sum()} scored beats\n")
    print("| beats | share | majmin | top-2 | top-3 |")
    print("|---|---:|---:|---:|---:|")
    for name, mask in (("all", np.ones_like(counted)), ("melody in the bar", sounding),
                       ("no melody in the bar, before its entry", ~sounding & before),
                       ("no melody in the bar, after its entry", ~sounding & ~before)):
        rows = mask & counted
        top = [(ranked[rows, :k] == labels[rows, None]).any(axis=1).mean() for k in (2, 3)]
        print(f"| {name} | {rows.sum() / counted.sum():.3f} | {hit[rows].mean():.3f} | {top[0]:.3f} | {top[1]:.3f} |")

    wrong = counted & ~hit
    errors = Counter(relation(int(a), int(c)) for a, c in zip(labels[wrong], chosen[wrong]))
    print("\n| the chosen chord, against the annotated one | share of the scored beats |")
    print("|---|---:|")
    for name, count in errors.most_common(10):
        print(f"| {name} | {count / counted.sum():.3f} |")

    song = beats.group_songs[groups]
    silent = np.flatnonzero(~sounding & counted)
    print("\n| beats of bars without melody | annotated chord equal to it | the harmoniser's accuracy there |")
    print("|---|---:|---:|")
    print(f"| the beat itself (the harmoniser) | – | {hit[silent].mean():.3f} |")
    for bars in (-16, -8, -4, 4, 8, 16):
        other = silent + 4 * bars      # 4 beats a bar
        inside = (other >= 0) & (other < len(labels))
        rows, other = silent[inside], other[inside]
        same = (song[rows] == song[other]) & (labels[other] >= 0)
        rows, other = rows[same], other[same]
        print(f"| the annotated chord {abs(bars)} bars {'before' if bars < 0 else 'after'} "
              f"({len(rows)} beats) | {np.mean(labels[rows] == labels[other]):.3f} | {hit[rows].mean():.3f} |")

    alone = half_bar_scores(log_probabilities, groups, sounding, beats.group_songs)
    votes = np.zeros((len(scores), scores.shape[1]), dtype=int)
    np.add.at(votes, (groups[counted], labels[counted]), 1)
    annotated = np.where(votes.sum(axis=1) > 0, votes.argmax(axis=1), -1)
    later, earlier = repeats
    scored = (annotated[later] >= 0) & (annotated[earlier] >= 0)
    later, earlier = later[scored], earlier[scored]
    in_repeats = counted & np.isin(groups, np.concatenate([later, earlier]))
    print(f"\n| melodic repeats (likeness ≥ {REPEAT_LIKENESS:g} over {2 * REPEAT_REACH + 1} half bars): {len(later)} "
          f"pairs, {in_repeats.sum() / counted.sum():.3f} of the scored beats | repeats agree | majmin there | "
          "majmin, all |")
    print("|---|---:|---:|---:|")
    print(f"| the annotated chords | {np.mean(annotated[later] == annotated[earlier]):.3f} | – | – |")
    for name, table in (("the harmoniser, each half bar on its own", alone), ("the harmoniser as it plays", scores)):
        best = np.argmax(table, axis=1)
        right = best[groups] == labels
        print(f"| {name} | {np.mean(best[later] == best[earlier]):.3f} | {right[in_repeats].mean():.3f} | "
              f"{right[counted].mean():.3f} |")

    print("\n| majmin as it plays, by the half bars either side compared (rows) and the likeness (columns) | "
          + " | ".join(f"{likeness:g}" for likeness in SWEEP_LIKENESS) + " |")
    print("|---|" + "---:|" * len(SWEEP_LIKENESS))
    for reach in SWEEP_REACH:
        right = [np.mean(np.argmax(played_scores(log_probabilities, blocks, groups, beats.group_songs, reach=reach,
                                                 likeness=likeness)[0], axis=1)[groups][counted] == labels[counted])
                 for likeness in SWEEP_LIKENESS]
        print(f"| {reach} | " + " | ".join(f"{value:.4f}" for value in right) + " |")


if __name__ == "__main__":
    main()
