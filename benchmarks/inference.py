"""Hum -> band without torch: start-up and per-song generation, numpy against torch, in one run.

1. Fresh processes, median of --repeats: ``python -c "import torch"`` (what the
   product no longer pays), ``wav2accomp accompany`` of a 30 s recording to MIDI,
   the same with --render --plot, ``wav2accomp transcribe`` of it.
2. The warm API: ``accompany()`` of the 30 s recording to MIDI, median of 5 calls after one.
3. Generating one part for a 4-minute song (1920 steps = 480 beats at 120 BPM) with each shipped model:
   the numpy forward pass the product uses against the torch network on one thread (decoding the same),
   median of --repeats; and the largest difference of their probabilities; then the harmoniser alone and the
   whole default band (``generate_parts``: the harmoniser, the groove drummer, the comping piano and strings, the
   bassline model), and the band with ``harmony="network"`` (the aligned piano and strings).

Usage::

    python benchmarks/inference.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from accompany import make_hum_30s
from fresh_process import fresh_seconds, median_seconds

from wav2accomp.constants import ACCOMPANIMENT_CLASSES
from wav2accomp.models.registry import architecture_names, get_architecture

SONG_STEPS = 1920


def warm_seconds(path: Path, out: Path) -> float:
    from wav2accomp.arrangement import accompany

    accompany(path).to_midi(out)
    times = []
    for _ in range(5):
        began = time.perf_counter()
        accompany(path).to_midi(out)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def generation_rows(repeats: int) -> list[str]:
    import torch

    from wav2accomp.models.architecture import build_model
    from wav2accomp.models.conditioning import bar_positions, key_profile
    from wav2accomp.models.generate import load_part_model

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    melody = np.zeros((SONG_STEPS, 78), dtype=np.uint8)
    melody[np.arange(SONG_STEPS), rng.integers(36, 60, SONG_STEPS)] = 2
    downbeats = np.arange(0, SONG_STEPS, 16)
    rows = []
    for arch in architecture_names():
        architecture = get_architecture(arch)
        for part in ACCOMPANIMENT_CLASSES:
            model, config = load_part_model(part, arch)
            network = build_model(config)
            network.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
            network.eval()

            def with_numpy():
                return architecture.predict(model, melody, downbeats)

            def with_torch():
                original = architecture.logits
                architecture.logits = lambda weights, cfg, inputs: network(torch.from_numpy(inputs)).numpy()
                try:
                    with torch.no_grad():
                        return architecture.predict(model, melody, downbeats)
                finally:
                    architecture.logits = original

            timings = {}
            for label, run in (("numpy", with_numpy), ("torch", with_torch)):
                probabilities = run()
                spent = []
                for _ in range(repeats):
                    began = time.perf_counter()
                    architecture.decode(config, run())
                    spent.append(time.perf_counter() - began)
                timings[label] = (statistics.median(spent), probabilities)
            difference = float(np.abs(timings["numpy"][1] - timings["torch"][1]).max())
            rows.append(f"| {arch}-{part} | {1000 * timings['numpy'][0]:.1f} | {1000 * timings['torch'][0]:.1f} | "
                        f"{difference:.1e} |")
    models = [load_part_model(part, "aligned")[0] for part in ACCOMPANIMENT_CLASSES]
    networks = []
    for model in models:
        network = build_model(model.config)
        network.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
        networks.append(network.eval())
    aligned = get_architecture("aligned")

    def torch_parts():
        inputs = aligned.inputs(melody, bar_positions(SONG_STEPS, downbeats), key_profile(melody))[None]
        with torch.no_grad():
            return [aligned.probabilities(network(torch.from_numpy(inputs))[0].numpy()) for network in networks]

    spent = {}
    for label, run in (("numpy", lambda: aligned.predict_many(models, melody, downbeats)), ("torch", torch_parts)):
        run()
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            for model, probabilities in zip(models, run()):
                aligned.decode(model.config, probabilities)
            times.append(time.perf_counter() - began)
        spent[label] = statistics.median(times)
    rows.append(f"| the song's three aligned parts (numpy: stepped together) | {1000 * spent['numpy']:.1f} | "
                f"{1000 * spent['torch']:.1f} | |")
    from wav2accomp.constants import BAND_PARTS
    from wav2accomp.models.generate import generate_parts

    from wav2accomp.models.generate import load_harmony
    from wav2accomp.models.harmoniser import harmonise_melody

    harmoniser = load_harmony()
    bands = {"the harmoniser's chords alone (`harmonise_melody`)":
             lambda: harmonise_melody(harmoniser, melody, downbeats),
             "the default band: harmoniser, groove drums, comping piano and strings, bassline bass (`generate_parts`)":
             lambda: generate_parts(melody, downbeats, parts=BAND_PARTS, bpm=120.0),
             "the same with `harmony=\"network\"`: aligned piano and strings, bass on their chord head":
             lambda: generate_parts(melody, downbeats, parts=BAND_PARTS, bpm=120.0, harmony="network")}
    for label, run in bands.items():
        rows.append(f"| {label} | {1000 * median_seconds(run, repeats):.1f} | | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hum = Path(tmp) / "hum30.wav"
        make_hum_30s(hum)
        command = [sys.executable, "-m", "wav2accomp"]
        fresh = {
            'python -c "import torch"': [sys.executable, "-c", "import torch"],
            "accompany 30 s -> MIDI": command + ["accompany", str(hum), "-o", f"{tmp}/a.mid"],
            "accompany 30 s -> MIDI --render --plot": command + ["accompany", str(hum), "-o", f"{tmp}/b.mid",
                                                                "--render", f"{tmp}/b.wav", "--plot", f"{tmp}/b.png"],
            "transcribe 30 s -> MIDI": command + ["transcribe", str(hum), "-o", f"{tmp}/t.mid"],
        }
        print(f"## Fresh processes (median of {args.repeats})\n")
        print("| command | seconds |\n|---|---:|")
        measured = {}
        for label, argv in fresh.items():
            measured[label] = fresh_seconds(argv, args.repeats)
            print(f"| {label} | {measured[label]:.2f} |")
        ratio = measured["accompany 30 s -> MIDI"] / measured['python -c "import torch"']
        print(f"\naccompany to MIDI takes {ratio:.2f} x the torch import alone")
        print(f"\n## Warm API call\n\naccompany(30 s recording) -> MIDI: {warm_seconds(hum, Path(tmp) / 'w.mid'):.3f} s "
              "(median of 5 after one)")
    print(f"\n## One part of a 4-minute song ({SONG_STEPS} steps), forward pass + decoding, one thread "
          f"(median of {args.repeats})\n")
    print("| model | numpy ms | torch ms | max probability difference |\n|---|---:|---:|---:|")
    print("\n".join(generation_rows(args.repeats)))


if __name__ == "__main__":
    main()
