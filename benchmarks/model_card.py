"""Write wav2accomp/pretrained/MODEL_CARD.md from the shipped models' JSON and an evaluation report.

Every figure in the card is read from files a run wrote: each model's
``.json`` (its config and training provenance) and the ``accompaniment.json``
of `wav2accomp evaluate accompaniment` (or benchmarks/accompaniment.py).

Usage::

    python benchmarks/model_card.py --evaluation EVAL_DIR/accompaniment.json
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from wav2accomp.constants import (ACCOMPANIMENT_CLASSES, BASSLINE_MODEL, COMPING_MODEL, DYNAMICS_MODEL, GROOVE_MODEL,
                                  GUITARLIKE, HARMONISER_MODEL, METRE_MODEL, PHRASES_MODEL, STRINGSLIKE,
                                  STYLE_MODEL)
from wav2accomp.evaluation.playing import FIGURES
from wav2accomp.models.generate import PRETRAINED_DIR

METRICS = ("frame_f1", "onset_f1", "chord_accuracy", "chord_tone_ratio", "polyphony", "empty_beat_rate",
           "groove_consistency", "kick_onset_f1", "snare_onset_f1", "hihat/cymbal_onset_f1", "backbeat_rate",
           "fill_rate", "exact_repeat_share", "root_agreement", "root_agreement_own_chords", "chord_majmin",
           "chord_root", "ctnctr", "pcs", "chord_changes_per_bar")

#: The "how it is played" figures (wav2accomp.evaluation.playing), shown for those sections.
PLAYED = (*FIGURES[:5], "phase_gap_max_ms", *FIGURES[5:], "classifier")

HEADER = """# Model card: wav2accomp's shipped accompaniment models

Six small networks, one per accompaniment class and architecture, stored as `<arch>-<part>.npz`
(float32 arrays, loaded with `numpy.load(allow_pickle=False)`) plus `<arch>-<part>.json` (config,
decoding threshold, provenance), and the groove drummer `groove-percussion.npz/.json` (bar patterns, edit
probabilities and a linear groove choice; `wav2accomp.models.groove`) and the comping models
`comping-guitarlike` / `comping-stringslike` (bar rhythms and chord voicings; `wav2accomp.models.comping`), and
the bassline model `bassline-bass` (bar figures of bass degrees; `wav2accomp.models.bassline`), and the harmoniser
`harmoniser-chords` (a chord per half bar for a melody; `wav2accomp.models.harmoniser`). Chords first: the
harmoniser chooses the chords from the melody (unless the user gives them), the comping models play piano and
strings and the bassline model the bass to them, and the groove drummer plays the drums; `accompany --harmony
network` lets the `aligned` networks play the pitched parts with their own chords instead, and `paper` is the
seed's configuration, kept for comparison.

- **Data**: POP909 (819 songs, MIT; PIANO track = guitarlike; chord annotations used as chord targets)
  and pop-multitrack (2175 arrangements; no licence stated, used for training only, never redistributed:
  these weights are statistics of it, not copies). Parts are classed by the rules of `wav2accomp inspect` (names, channel 10,
  GM programs); prepared with `wav2accomp prepare ../shared/data/pop909 ../shared/data/pop-multitrack -o cache/`.
- **Split**: by song, from a SHA-1 of the file name (≈ 80/10/10). Train = training windows; valid =
  early stopping and the aligned decoder's threshold (matched to the real parts' mean polyphony, or the
  drums' hit count); test = the figures below only.
- **Intended use**: generating accompaniment sketches for a melody on a 16th-note grid, in pop/rock
  idioms. Not a model of any one artist; chord choices are right a minority of the time (see below).
- **Hardware**: 2 CPU cores, no GPU.

## Training

Commands as run (`/tmp/cacheall` is the cache the `prepare` command above wrote; 2407 / 300 / 287
songs in train / valid / test; `/tmp/cachebass` is the same command run again once the cache kept its bass view:
the same songs, splits and rolls, plus `bass`). Each run stopped on its `--max-minutes` budget or on early stopping
(patience 6); the best valid epoch's weights are shipped. `aligned-percussion`'s per-drum thresholds
were calibrated after its run by the same calibration (`Architecture.calibrate`) that `train` now ends with (the run
itself predates per-drum thresholds); its weights are the run's.
"""

GROOVE_TEXT = """
The groove drummer is counted, not trained by gradient: the train split's percussion parts, reduced to a
13-voice kit, cut into 8-bar sections from the melody's entry; each section's most frequent bar is its
groove, every other bar an edit of it. Only grooves and edits found in at least {min_songs} songs are kept
(what drummers commonly play, never one song's own part); the groove choice is a ridge regression from
the melody's rhythm and tempo to each groove's agreement with the real drums (mean onset F1 of kick, snare,
hi-hat/cymbal and frame F1), its figures measured on the valid split. The percussion layer is the main
grooves' most common doubling of the snare by a tambourine or shaker (found in {doubling_songs} songs). Deterministic:
the same cache gives the same file.

| model | train songs | sections | grooves | bar edits | beat edits | valid agreement: chosen / best single groove | command |
|---|---:|---:|---:|---:|---:|---:|---|
| {name} | {songs} | {sections} | {grooves} | {bar_edits} | {beat_edits} | {chosen:.3f} / {single:.3f} | `{command}` |
"""


def fmt(value) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def threshold(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "one per drum"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluation", required=True, help="accompaniment.json of an evaluation run")
    parser.add_argument("--out", default=str(PRETRAINED_DIR / "MODEL_CARD.md"))
    args = parser.parse_args()
    report = json.loads(Path(args.evaluation).read_text())
    lines = [HEADER, "| model | parameters | train songs | epochs (best) | minutes | windows/s | "
             "best valid loss | threshold | command |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for part in ACCOMPANIMENT_CLASSES:
        for arch in ("paper", "aligned"):
            config = json.loads((PRETRAINED_DIR / f"{arch}-{part}.json").read_text())
            t = config["training"]
            lines.append(f"| {arch}-{part} | {t['parameters']} | {t['train_songs']} | {t['epochs']} "
                         f"({t['best_epoch']}) | {t['seconds'] / 60:.1f} | {t['windows_per_second']:.0f} | "
                         f"{t['best_valid_loss']:.3f} | {threshold(config['threshold'])} | `{t['command']}` |")
    groove = json.loads((PRETRAINED_DIR / f"{GROOVE_MODEL}.json").read_text())["info"]
    lines.append(GROOVE_TEXT.format(name=GROOVE_MODEL, min_songs=groove["min_songs"], songs=groove["songs"],
                                    sections=groove["sections"], grooves=groove["grooves"] - 1,
                                    bar_edits=groove["bar_edits"], beat_edits=groove["beat_edits"] - 1,
                                    chosen=groove["valid_agreement_chosen"],
                                    single=groove["valid_agreement_best_single"], command=groove["command"],
                                    doubling_songs=groove["doubling_songs"]))
    lines += ["", "The comping models are counted from the train split's parts with their chords (POP909's "
              "annotations, else the chords recognised in the part): the bar rhythms of chord strokes found in at "
              "least that many songs, the one real bars play most per tempo and melody density bin, and the "
              "voicing of a major and a minor chord (semitones above the root from C3) in the part's register.", "",
              "| model | train songs | bars | rhythms | voicing (major; minor) | register (mean MIDI) | command |",
              "|---|---:|---:|---:|---|---:|---|"]
    for part in (GUITARLIKE, STRINGSLIKE):
        meta = json.loads((PRETRAINED_DIR / f"{COMPING_MODEL}-{part}.json").read_text())
        info = meta["info"]
        voicing = np.load(PRETRAINED_DIR / f"{COMPING_MODEL}-{part}.npz")["voicing"]
        lines.append(f"| {COMPING_MODEL}-{part} | {info['songs']} | {info['bars']} | {info['rhythms']} | "
                     f"{' '.join(map(str, voicing[0]))}; {' '.join(map(str, voicing[1]))} | {meta['center']:.1f} | "
                     f"`{info['command']}` |")
    bass = json.loads((PRETRAINED_DIR / f"{BASSLINE_MODEL}.json").read_text())
    lines += ["", "The bassline model is counted from the train split's bass parts (GM bass programs, or `bass` in "
              "the track name; the cache keeps them inside guitarlike too) with the chords recognised in their "
              "songs' other harmony parts: bar figures (per 16th: silent, held, or a note on the chord's root, "
              "fifth, octave, third, or an approach note into the next root) found in at least that many songs, "
              "ranked per tempo and melody density bin; roots sit in the octave around the bass's mean pitch.", "",
              "| model | train songs | bars | figures | register (mean MIDI) | approach (semitones) | command |",
              "|---|---:|---:|---:|---:|---:|---|",
              f"| {BASSLINE_MODEL} | {bass['info']['songs']} | {bass['info']['bars']} | {bass['info']['figures']} | "
              f"{bass['center']:.1f} | {bass['approach']} | `{bass['info']['command']}` |"]
    harmoniser = json.loads((PRETRAINED_DIR / f"{HARMONISER_MODEL}.json").read_text())["info"]
    lines += ["", "The harmoniser is trained (torch, Adam, dropout; cross-entropy of each beat's chord alone — `--loss "
              "beat`, the default and every run before that option — or under the softmax of its half bar's summed "
              "log-probabilities, as it is decoded — `--loss half-bar`) on the beats of the train split's "
              "songs with chord annotations (POP909's, reduced to the 24 major/minor triads and no chord) and, with "
              "`--misheard-weight`, on each of those songs once more as a transcription may mishear its grid (bar "
              "lines a beat or more off, double or half time; those beats weigh that much, and are counted in the "
              "train beats); the valid split picks the epoch of lowest loss and gives the accuracy (per beat, chords "
              "chosen per half bar). Where it was trained with `--average-with`, the shipped model averages the "
              "chord scores of that run and of the runs listed below it (one hidden layer holding theirs side by "
              "side): each run's own valid accuracy in its row, the average's in the last.", "",
              "| model | train songs | train beats | hidden units | loss | epochs (best) | minutes | valid accuracy | "
              "command |",
              "|---|---:|---:|---:|---|---:|---:|---:|---|",
              f"| {HARMONISER_MODEL} | {harmoniser['train_songs']} | {harmoniser['train_beats']} | "
              f"{harmoniser['hidden']} | {harmoniser.get('loss', 'beat')} | {harmoniser['epochs']} "
              f"({harmoniser['best_epoch']}) | "
              f"{harmoniser['seconds'] / 60:.1f} | {harmoniser.get('valid_accuracy_alone', harmoniser['valid_accuracy']):.3f}"
              f" | `{harmoniser['command']}` |"]
    for partner in harmoniser.get("averaged_with", []):
        lines.append(f"| averaged with | | | {partner['hidden']} | {partner.get('loss', 'beat')} | | "
                     f"{partner['seconds'] / 60:.1f} | "
                     f"{partner['valid_accuracy']:.3f} | `{partner['command']}` |")
    if "averaged_with" in harmoniser:
        units = harmoniser["hidden"] + sum(p["hidden"] for p in harmoniser["averaged_with"])
        lines.append(f"| the average (shipped) | | | {units} | | | | {harmoniser['valid_accuracy']:.3f} | |")
    if "valid_accuracy_as_played" in harmoniser:
        lines.append(f"| the same weights as it now plays (melodic repeats share their scores) | | | | | | | "
                     f"{harmoniser['valid_accuracy_as_played']:.3f} | `{harmoniser['as_played_command']}` |")
    dynamics = json.loads((PRETRAINED_DIR / f"{DYNAMICS_MODEL}.json").read_text())["info"]
    phrases = json.loads((PRETRAINED_DIR / f"{PHRASES_MODEL}.json").read_text())["info"]
    metre = json.loads((PRETRAINED_DIR / f"{METRE_MODEL}.json").read_text())["info"]
    style = json.loads((PRETRAINED_DIR / f"{STYLE_MODEL}.json").read_text())["info"]
    lines += ["", "The band's players (`wav2accomp.band`) are counted from the train split (by file name) of the MIDI "
              "folders, every part placed on its song's grid from the melody's phase (from the onsets a swung "
              "melody's swing leaves straight). The dynamics model "
              f"`{DYNAMICS_MODEL}` keeps statistics only, per player: the piano from POP909's performed piano parts "
              "and the other corpus's guitar-like parts; "
              "strings, bass and each drum family (kick, snare, hi-hat/cymbal, the rest) from pop-multitrack's "
              "string-like, bass and percussion parts: quantiles of a part's mean velocity, the mean velocity of "
              "each 16th of the bar against the part's, the bar-to-bar swell (spread and carry), the touch and the "
              "timing offsets (each song scaled to unit spread, and the quantiles of that spread), and of how many "
              "velocities a part uses, apart for the songs whose melody is sequenced (three velocities or fewer) "
              f"and the others. The phrase library `{PHRASES_MODEL}` keeps POP909's (MIT) two-bar 4/4 piano "
              "phrases under its chord annotations note by note as played (onset, offset from the 16th, length, "
              "pitch, velocity, chord), with each phrase's chord changes, density, register and tempo. The metre "
              f"template `{METRE_MODEL}` keeps counts only: how many melody notes of each held length, phrase start "
              "or not, fall on each 16th of a 4/4 bar, from the melodies of 4/4 songs on their bar lines (POP909's "
              "annotated ones, the other corpus's written ones); it finds the bars of a MIDI melody whose file's bars "
              f"are not its own. The style model `{STYLE_MODEL}` is a logistic regression (eight numbers and the "
              "features' means and spreads) of whether a song's arrangement has a bass part (a band's song) on its "
              "melody's tempo, notes per beat, mean pitch and spread, mean length, share of onsets off the 16ths "
              f"and share of legato notes: {style['songs']} train songs ({style['band songs']} a band's); on the "
              f"{style['valid_songs']} valid songs it tells them apart at {style['valid_accuracy']:.3f}.", "",
              "| model | train files | parts per player / phrases (notes) | command |", "|---|---:|---|---|",
              f"| {DYNAMICS_MODEL} | {dynamics['files']} | "
              + ", ".join(f"{player} {count}" for player, count in dynamics["parts"].items())
              + f" | `{dynamics['command']}` |",
              f"| {PHRASES_MODEL} | {phrases['songs']} POP909 songs | {phrases['phrases']} ({phrases['notes']}) | "
              f"`{phrases['command']}` |",
              f"| {METRE_MODEL} | {metre['files']} | {metre['melodies']} melodies | `{metre['command']}` |",
              f"| {STYLE_MODEL} | {style['files']} | {style['songs']} melodies | `{style['command']}` |"]
    lines += ["", f"## Test-split figures ({report['metadata']['split']} split, `{report['metadata']['cache']}`)", "",
              "Means over the test songs having the class; `real` is the songs' own part (ceiling), `trivial` "
              "the key's tonic triad on every beat (drums: a rock beat), `other song` another song's real part. "
              "Full tables: benchmarks/RESULTS.md.", ""]
    for part, result in report["sections"].items():
        means = result["means"]
        if not means:   # a part the corpus lacks
            lines += [f"### {part}", "", *result.get("notes", []), ""]
            continue
        shown = [m for m in (*METRICS, *PLAYED) if m in means["real"]]
        lines += [f"### {part} ({result['info']['songs']} songs)", "",
                  "| system | " + " | ".join(m.replace("_", " ") for m in shown) + " |",
                  "|---|" + "---:|" * len(shown)]
        lines += [f"| {s} | " + " | ".join(fmt(means[s][m]) for m in shown) + " |" for s in result["systems"]]
        lines.append("")
    lines += ["## Limitations", "",
              "- Harmony is inferred from the melody alone; the harmoniser's chord is right on fewer than half "
              "of the beats (chord majmin above), often a related chord (relative minor, dominant). The piano's "
              "phrases are re-voiced onto the chords, so their passing tones may clash where a source phrase "
              "leaned on its own chord's colour (sevenths, suspensions).",
              "- The bass draws one of its bin's common figures per two-bar phrase: no fills, no walking lines, and "
              "it follows the chords it is given, so from the melody alone it inherits the harmoniser's mistakes.",
              "- 4/4 pop/rock idioms dominate the data; the piano's phrases play only in 4/4 (a MIDI melody whose "
              "file says 1/4 or 2/4, or whose notes lie off its file's bars, gets 4/4 bars of its own, the bar line "
              "right on about half of held-out POP909 songs and the beat on four in five); other metres get "
              "voice-led block chords.",
              "- A real-vs-generated classifier still tells the band's parts from real ones in most 4-bar windows "
              "(RESULTS, \"How the band plays\"). The groove drummer plays a backbeat in nearly every bar (real "
              "parts: 70% of bars); it sees the melody's rhythm and tempo, not its words or its mood.", ""]
    Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
