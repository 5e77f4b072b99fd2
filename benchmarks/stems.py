"""Both routes on rendered multitrack stems, with the trivial predictors, in one run per corpus.

For each (stems folder, baseline run) pair: the run's training figures (songs,
epochs, best valid MSE, chunks per second), then `evaluate_stems` on the test
split — the symbolic route (melody note F1 against the MIDI, harmony of the
generated parts vs the real ones, beside the tonic triad) and the raw-amplitude
route (MSE / SNR / log-spectral distance beside silence and the
least-squares-scaled melody) — and, with --render-from, the speed of
`stems render` on a few songs.

Usage::

    python benchmarks/stems.py --pair /tmp/stems/pop909 /tmp/runs/raw-pop909 \\
        --pair /tmp/stems/pop-multitrack /tmp/runs/raw-pop-multitrack \\
        [--render-from ../shared/data/pop909 --render-songs 10] [--control]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
import torch

from wav2accomp.data.stems import render_stems
from wav2accomp.baselines.raw_amplitude import BaselineScorer, load_baseline
from wav2accomp.evaluation.stems import evaluate_stems


def training_row(run: Path) -> str:
    log = json.loads((run / "log.json").read_text())
    options = log["options"]
    return (f"| {run.name} | {log['train_songs']} / {log['valid_songs']} | {options['chunk']} | "
            f"{'x'.join(map(str, options['hidden']))} | {log['parameters']} | {len(log['history'])} "
            f"({log['best_epoch']}) | {log['best_valid_mse']:.4f} | {log['history'][0]['valid_loss']:.4f} | "
            f"{log['chunks_per_second']:.0f} | {log['elapsed'] / 60:.1f} |")


def control_stems(root: Path, *, songs: int = 24, seconds: float = 20.0, sr: int = 22050) -> Path:
    """Stems whose accompaniment is learnable from the melody chunk: -0.6 x the melody 20 samples later.

    The melody is a random tune of vowel-like tones; the folder names give all three splits.
    """
    rng = np.random.default_rng(0)
    for index in range(songs):
        t = np.arange(int(seconds * sr)) / sr
        pitches = rng.choice([57, 60, 62, 64, 65, 67, 69, 72], size=int(seconds * 3))
        hz = 440.0 * 2 ** ((np.repeat(pitches, len(t) // len(pitches) + 1)[:len(t)] - 69) / 12)
        phase = 2 * np.pi * np.cumsum(hz) / sr
        melody = 0.2 * (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase))
        folder = root / f"control{index:02d}"
        folder.mkdir(parents=True)
        soundfile.write(folder / "vocals.wav", melody.astype(np.float32), sr)
        soundfile.write(folder / "filter.wav", (-0.6 * np.roll(melody, 20)).astype(np.float32), sr)
    return root


def control_table() -> str:
    """Train briefly on :func:`control_stems` and score the test songs (markdown)."""
    from wav2accomp.baselines.raw_amplitude import BaselineTrainOptions, evaluate_baseline, train_baseline

    with tempfile.TemporaryDirectory() as tmp:
        stems = control_stems(Path(tmp) / "stems")
        log = train_baseline(BaselineTrainOptions(stems=str(stems), out=str(Path(tmp) / "run"), epochs=6,
                                                  chunks_per_epoch=32768, progress=False))
        report = evaluate_baseline(Path(tmp) / "run", stems, split="test", progress=False)
    return (f"accompaniment = -0.6 x melody delayed by 20 samples; {log['train_songs']} train songs, 6 epochs "
            f"(best {log['best_epoch']}, valid MSE {log['best_valid_mse']:.4f})\n\n" + report.markdown())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", nargs=2, action="append", required=True, metavar=("STEMS_DIR", "RUN"))
    parser.add_argument("--render-from", default=None, metavar="MIDI_DIR")
    parser.add_argument("--render-songs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="test songs per corpus (default: all)")
    parser.add_argument("--throughput", action="store_true",
                        help="also time one training epoch on the first stems folder")
    parser.add_argument("--control", action="store_true",
                        help="also train on stems whose accompaniment is a linear filter of the melody")
    args = parser.parse_args()

    print("## Raw-amplitude training (MSE of scaled waveforms: 1.0 = as large as the accompaniment itself)\n")
    print("| run | train / valid songs | chunk | hidden | parameters | epochs (best) | best valid MSE | "
          "valid MSE after epoch 1 | chunks/s | minutes |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for _, run in args.pair:
        print(training_row(Path(run)))

    for stems, run in args.pair:
        began = time.perf_counter()
        report = evaluate_stems(stems, baseline=BaselineScorer(*load_baseline(run)), split="test", limit=args.limit,
                                progress=False)
        print("\n" + report.markdown().replace("# Stems evaluation", "## Stems evaluation"))
        print(f"\n({report.metadata['songs']} songs, {time.perf_counter() - began:.0f} s for both routes)")

    if args.throughput:
        stems = args.pair[0][0]
        with tempfile.TemporaryDirectory() as tmp:
            from wav2accomp.baselines.raw_amplitude import BaselineTrainOptions, train_baseline

            log = train_baseline(BaselineTrainOptions(stems=stems, out=tmp, epochs=1, chunks_per_epoch=65536,
                                                      limit_songs=20, progress=False))
        print(f"\n## Training throughput (nothing else running)\n\n{log['chunks_per_second']:.0f} chunks/s "
              f"({log['chunks_per_second'] * 500 / 22050:.0f} s of audio per second; chunk 500, hidden 1024x1024, "
              f"batch 256, {log['parameters']} parameters, torch threads {torch.get_num_threads()})")

    if args.control:
        print("\n## Control: can the network learn where there is something to learn?\n")
        print(control_table())

    if args.render_from:
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            result = render_stems([args.render_from], tmp, limit=args.render_songs, max_seconds=60, progress=False)
            seconds = time.perf_counter() - began
        print(f"\n## stems render speed\n\n{len(result['rendered'])} songs of {args.render_from} (60 s each, every "
              f"class + mix, 22050 Hz flac, all CPUs): {seconds:.1f} s = "
              f"{60 * len(result['rendered']) / seconds:.0f} s of song per second")


if __name__ == "__main__":
    main()
