"""The groove drummer: generation time for a 4-minute song, and what its controls do.

1. ``play_drums`` for a 4-minute melody (1920 steps = 480 beats at 120 BPM, a
   synthetic tune of quarter and eighth notes), shipped model, one thread,
   median of --repeats, beside the aligned percussion network (forward pass +
   decoding) on the same melody.
2. ``--drums-density``: drum hits per bar, mean over 8 seeds, per density.
3. ``--style``: the grooves each style plays for the same melody (hits per bar, hi-hat steps per bar).
4. With ``--data CACHE``: what the variation costs in agreement with real drums on the test split — the
   shipped drummer against the same grooves and random stream with each part of its variation left out
   (fills, bar edits, crash and ending), beside the real drums and the rock beat, with what the other targets
   ask of the variation (groove consistency, backbeat, exact repeats, fills at phrase ends);
   and how well the melody tells whether a section's real drums play a backbeat (the main groove of each
   8-bar section with snare, clap or side stick on 2 and 4): a ridge regression from the groove choice's
   section features, fitted on the train split, ranked on the test split (ROC AUC; 0.5 = no better than chance);
   and how much of a section's groove the melody tells (``groove_fit.choice_agreement``): the agreement with the
   real drums (the groove choice's own measure, before bar edits) of the one groove best on average, of the
   groove the melody's features prefer, and of the best groove for each section (the ceiling of any choice from
   the groove vocabulary).

Usage::

    python benchmarks/drums.py [--repeats 7] [--data CACHE]
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from fresh_process import median_seconds  # noqa: E402

from wav2accomp.constants import BAR_POSITIONS, N_PITCHES, ONSET, PERCUSSION, PHRASE_BARS, PITCH_LOW  # noqa: E402
from wav2accomp.evaluation.accompaniment import rock_beat_part  # noqa: E402
from wav2accomp.evaluation.metrics import (drum_bar_metrics, drum_family_onset_f1, frame_scores,  # noqa: E402
                                          groove_consistency)
from wav2accomp.models import groove  # noqa: E402
from wav2accomp.models.dataset import load_part_songs  # noqa: E402
from wav2accomp.models.generate import generate_part, load_drummer, load_part_model  # noqa: E402
from wav2accomp.models.groove import BAR_EDIT, BEAT_EDITS, KEEP, STYLES, VOICE, play_drums  # noqa: E402
from wav2accomp.models.groove_fit import RIDGE, _section_mains, _song_bars, choice_agreement  # noqa: E402
from wav2accomp.symbolic.roll import onset_cells  # noqa: E402

SONG_STEPS = 1920


def tune(n_steps: int, seed: int = 0) -> np.ndarray:
    """A melody roll of quarter and eighth notes in C major, `n_steps` long."""
    rng = np.random.default_rng(seed)
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    step = 0
    while step < n_steps:
        length = int(rng.choice([2, 4, 4, 8]))
        pitch = int(rng.choice([60, 62, 64, 65, 67, 69, 71, 72])) - PITCH_LOW
        roll[step:step + length, pitch] = 1
        roll[step, pitch] = ONSET
        step += length
    return roll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data", default=None, help="a prepared cache: also measure what the variation costs")
    args = parser.parse_args()
    drummer = load_drummer()
    melody = tune(SONG_STEPS)
    bars = np.arange(0, SONG_STEPS, BAR_POSITIONS)
    network, config = load_part_model(PERCUSSION, "aligned")

    print(f"## One drum part for a 4-minute song ({SONG_STEPS} steps), one thread, median of {args.repeats}\n")
    print("| drummer | seconds |\n|---|---:|")
    print(f"| groove | {median_seconds(lambda: play_drums(drummer, melody, bars, bpm=120), args.repeats):.4f} |")
    seconds = median_seconds(lambda: generate_part(network, config, melody, bars), args.repeats)
    print(f"| aligned network | {seconds:.4f} |")

    print("\n## --drums-density: drum hits per bar (mean of 8 seeds)\n")
    print("| density | hits per bar |\n|---:|---:|")
    for density in (0.25, 0.5, 1.0, 2.0, 4.0):
        hits = [onset_cells(play_drums(drummer, melody, bars, bpm=120, density=density, seed=s)).sum()
                for s in range(8)]
        print(f"| {density:g} | {np.mean(hits) / len(bars):.1f} |")

    print("\n## --style: what each style plays for the same melody\n")
    print("| style | hits per bar | hi-hat/ride steps per bar | snare on 2 and 4 |\n|---|---:|---:|---:|")
    hat_rows = [drummer.drums[VOICE[v]] - PITCH_LOW for v in ("closed hi-hat", "open hi-hat", "ride")]
    snare_rows = [drummer.drums[VOICE[v]] - PITCH_LOW for v in ("snare", "clap", "side stick")]
    for style in (None, *STYLES):
        onsets = onset_cells(play_drums(drummer, melody, bars, bpm=120, style=style))
        per_bar = onsets[:len(bars) * BAR_POSITIONS].reshape(len(bars), BAR_POSITIONS, N_PITCHES)
        backbeat = per_bar[:, [4, 12]][:, :, snare_rows].any(axis=2).all(axis=1).mean()
        print(f"| {style or '(chosen for the melody)'} | {onsets.sum() / len(bars):.1f} | "
              f"{per_bar[:, :, hat_rows].any(axis=2).sum(axis=1).mean():.1f} | {backbeat:.2f} |")
    if args.data:
        variation_cost(args.data, drummer)
        backbeat_predictability(args.data)
        choice_ceiling(args.data, drummer)


def drums_without(drummer, melody, downbeats, bpm, *, bar_edits=True, beat_edits=True, form=True):
    """``play_drums`` (same grooves, same random stream) with parts of the variation left out: bars drawn to
    play a common bar edit (`bar_edits`) or to vary beat by beat (`beat_edits`, the fills) keep the groove
    instead; without `form`, no crash on section starts and no ending."""
    plan = groove.bar_plan(melody, downbeats)
    if not form:
        plan = dataclasses.replace(plan, ending=-1, section_start=plan.section_start & False)
    model = copy.deepcopy(drummer)
    for kind, kept in ((BAR_EDIT, bar_edits), (BEAT_EDITS, beat_edits)):
        if not kept:
            model.vary[:, KEEP] += model.vary[:, kind]
            model.vary[:, kind] = 0.0
    rng = groove.song_rng(melody)   # the stream play_drums draws
    grooves = groove.choose_grooves(model, groove.section_features(melody, downbeats, bpm, plan), rng=rng)
    patterns = groove.bar_patterns(model, grooves, plan, rng)
    return groove.patterns_to_roll(model, patterns, plan.spans, len(melody))


#: The rows of :func:`variation_cost`: name -> what :func:`drums_without` leaves out.
VARIANTS = {"groove, bars never varied, no crash, no ending": {"bar_edits": False, "beat_edits": False, "form": False},
            "groove, bars never varied (crash and ending kept)": {"bar_edits": False, "beat_edits": False},
            "groove without the bars varied beat by beat (fills)": {"beat_edits": False},
            "groove without the common bar edits": {"bar_edits": False},
            "groove without crash and ending": {"form": False},
            "groove (shipped)": {}}
#: The columns of :func:`variation_cost` beyond the F1s: what the other targets ask of the variation.
BAR_COLUMNS = ("groove_consistency", "backbeat_rate", "exact_repeat_share", "fill_rate")


def variation_cost(cache: str, drummer) -> None:
    songs = load_part_songs(cache, PERCUSSION, "test")
    systems = {"real": lambda i: songs.target[i],
               "rock beat": lambda i: rock_beat_part(len(songs.melody[i]), songs.downbeats[i])}
    systems.update({name: (lambda i, leave=leave: drums_without(drummer, songs.melody[i], songs.downbeats[i],
                                                                 songs.bpm[i], **leave))
                    for name, leave in VARIANTS.items()})
    entries = [groove.bar_plan(melody, downbeats).entry for melody, downbeats in zip(songs.melody, songs.downbeats)]
    print(f"\n## What the variation costs: test split of {cache} ({len(songs)} songs)\n")
    print("| system | kick onset F1 | snare onset F1 | hi-hat/cymbal onset F1 | frame F1 | groove consistency "
          "| backbeat rate | exact repeat share | fill rate |\n|---|" + "---:|" * 8)
    for name, play in systems.items():
        scores = {key: [] for key in ("kick", "snare", "hihat/cymbal", "frame", *BAR_COLUMNS)}
        for i in range(len(songs)):
            estimate = play(i)
            for family, f1 in drum_family_onset_f1(songs.target[i], estimate).items():
                scores[family].append(f1)
            scores["frame"].append(frame_scores(songs.target[i], estimate)[2])
            bars = drum_bar_metrics(estimate, songs.downbeats[i], entries[i])
            scores["groove_consistency"].append(groove_consistency(estimate, songs.downbeats[i]))
            for key in BAR_COLUMNS[1:]:
                scores[key].append(bars[key])
        print(f"| {name} | " + " | ".join(f"{np.nanmean(v):.3f}" for v in scores.values()) + " |")


def section_backbeats(songs) -> tuple[np.ndarray, np.ndarray]:
    """Per section with drums: its features (``groove.section_features``) and whether its main groove (most
    frequent bar) has a snare-family hit on both 2 and 4."""
    features, backbeats = [], []
    snare = list(groove.FAMILY_VOICES["snare"])
    for i in range(len(songs)):
        _, plan, bars = _song_bars(songs.melody[i], songs.target[i], songs.downbeats[i])
        mains = _section_mains(plan, bars)
        rows = groove.section_features(songs.melody[i], songs.downbeats[i], songs.bpm[i], plan)
        for row, (first, _) in zip(rows, groove.section_bounds(plan)):
            main = mains.get((first - plan.entry) // PHRASE_BARS)
            if main is not None:
                pattern = np.frombuffer(main, dtype=bool).reshape(BAR_POSITIONS, len(groove.VOICES))
                features.append(row)
                backbeats.append(bool(pattern[[4, 12]][:, snare].any(axis=1).all()))
    return np.array(features), np.array(backbeats)


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a positive scores above a negative (ties count half)."""
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="stable")
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):                       # ties share their mean rank
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def backbeat_predictability(cache: str) -> None:
    x_train, y_train = section_backbeats(load_part_songs(cache, PERCUSSION, "train"))
    x_test, y_test = section_backbeats(load_part_songs(cache, PERCUSSION, "test"))
    penalty = RIDGE * np.eye(x_train.shape[1])
    weights = np.linalg.solve(x_train.T @ x_train + penalty, x_train.T @ y_train.astype(float))
    print(f"\n## Does the melody tell a backbeat section? {len(y_train)} train / {len(y_test)} test sections\n")
    print("| sections with a backbeat (train / test) | ROC AUC of the melody's features (test) |\n|---:|---:|")
    print(f"| {y_train.mean():.3f} / {y_test.mean():.3f} | {roc_auc(x_test @ weights, y_test):.3f} |")


def choice_ceiling(cache: str, drummer) -> None:
    songs = load_part_songs(cache, PERCUSSION, "test")
    measured = choice_agreement(drummer, songs)
    print(f"\n## How much of a section's groove the melody tells: test split ({len(songs)} songs), agreement of "
          "each section's groove with its real drums (mean of kick, snare, hi-hat/cymbal onset F1 and frame F1), "
          "bars unvaried\n")
    print("| the one groove best on average | the groove the melody prefers | the best groove of each section "
          "(ceiling) |\n|---:|---:|---:|")
    print(f"| {measured['best_single']:.3f} | {measured['chosen']:.3f} | {measured['ceiling']:.3f} |")


if __name__ == "__main__":
    main()
