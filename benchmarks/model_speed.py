"""Training throughput and inference time of each architecture, measured side by side.

Training: windows per second of a full optimisation step (batch building from
the cache included) on real training windows of each class, and the minutes a
default run (60 epochs of 8192 windows, at most) would take at that rate.
Inference: generating one part for a 4-minute song (1920 steps = 480 beats at
120 BPM), model and decoder, on one thread.

Usage::

    python benchmarks/model_speed.py --data CACHE [--batches 30]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from wav2accomp.constants import ACCOMPANIMENT_CLASSES
from wav2accomp.models.dataset import load_part_songs, make_batch, sample_windows
from wav2accomp.models.generate import generate_part
from wav2accomp.models.architecture import build_model, n_parameters
from wav2accomp.models.config import ModelConfig
from wav2accomp.models.registry import architecture_names, default_config, get_architecture

SONG_STEPS = 1920


def training_rate(config: ModelConfig, songs, batches: int, batch_size: int = 64) -> float:
    torch.manual_seed(0)
    architecture = get_architecture(config.arch)
    model = architecture.build(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    began = None
    for batch in range(batches + 3):
        if batch == 3:
            began = time.perf_counter()
        picks = sample_windows(songs.n_steps, batch_size, config.window, rng, align=config.steps_per_beat)
        inputs, targets = make_batch(songs, picks, config.window, architecture, config.part,
                                     rng.integers(-5, 7, size=batch_size))
        loss = architecture.loss(model(torch.from_numpy(inputs)), torch.from_numpy(targets))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return batches * batch_size / (time.perf_counter() - began)


def inference_seconds(config: ModelConfig, repeats: int = 5) -> float:
    torch.manual_seed(0)
    model = build_model(config).eval()
    rng = np.random.default_rng(0)
    melody = np.zeros((SONG_STEPS, 78), dtype=np.uint8)
    melody[np.arange(SONG_STEPS), rng.integers(36, 60, SONG_STEPS)] = 1
    downbeats = np.arange(0, SONG_STEPS, 16)
    generate_part(model, config, melody, downbeats)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        generate_part(model, config, melody, downbeats)
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared cache")
    parser.add_argument("--batches", type=int, default=30)
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"{'class':<12} {'arch':<8} {'params':>8} {'window':>6} {'windows/s':>10} {'min/run':>8} "
          f"{'4-min song (s)':>15}")
    for part in ACCOMPANIMENT_CLASSES:
        songs = load_part_songs(args.data, part, "train", limit=200)
        for arch in architecture_names():
            config = default_config(arch, part)
            rate = training_rate(config, songs, args.batches)
            print(f"{part:<12} {arch:<8} {n_parameters(build_model(config)):>8} {config.window:>6} {rate:>10.0f} "
                  f"{60 * 8192 / rate / 60:>8.1f} {inference_seconds(config):>15.3f}", flush=True)


if __name__ == "__main__":
    main()
