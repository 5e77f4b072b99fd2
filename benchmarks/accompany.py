"""Hum -> band (`wav2accomp accompany`): speed in fresh processes and warm, by stage, and melody timing.

1. Fresh processes on a 30 s synthesised hum (44.1 kHz wav), median of
   --repeats runs, side by side: the interpreter alone, `wav2accomp transcribe`
   (the melody only: the front end this command builds on), `accompany` to
   MIDI only, + --render (FluidSynth when present, and the built-in
   synthesiser), + --render --plot (the target: <= 3 s on 2 cores).
2. The same path by stage in a fresh process (imports, melody, generate,
   midi, render, plot), median of --repeats.
3. The warm API: `accompany()` and each output, median of 5 calls after one.
4. Melody timing: MIDI onsets (through the file's tempo map) against the
   onsets that were sung, on the shipped sample and the 30 s hum.

Usage::

    python benchmarks/accompany.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mido
import numpy as np
import soundfile
from fresh_process import fresh_seconds

from wav2accomp.arrangement import accompany
from wav2accomp.synth.fluidsynth import fluidsynth_problem
from wav2accomp.testing.singer import VoiceStyle, sing, tune_notes

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "hum_ode_to_joy.flac"
SAMPLE_NOTES = dict(bpm=104, start=0.7, legato=0.93, transpose=-5)   # as samples/make_samples.py sings it
STYLE = VoiceStyle(tuning_cents=20, vibrato_cents=35, glide_seconds=0.04, breath=0.02, reverb_seconds=0.25)
STAGES = """
import json, sys, time
start = time.perf_counter()
from wav2accomp.arrangement import accompany
imported = time.perf_counter()
result = accompany(sys.argv[1])
result.to_midi(sys.argv[2] + ".mid"); result.render(sys.argv[2] + ".wav"); result.plot(sys.argv[2] + ".png")
print(json.dumps({"imports": imported - start, **result.timings, "total": time.perf_counter() - start}))
"""


def make_hum_30s(path: Path) -> list[float]:
    """Ode to Joy sung twice at 110 BPM, cut at 30 s; returns the onsets (seconds) sung before the cut."""
    first = tune_notes("ode_to_joy", bpm=110, start=0.7, legato=0.93)
    second = tune_notes("ode_to_joy", bpm=110, start=first[-1].offset + 0.6, legato=0.93)
    notes = [n for n in first + second if n.offset < 29.8]
    soundfile.write(path, sing(notes, 44100, style=STYLE, seconds=30.0, seed=7), 44100)
    return [n.onset for n in notes]


def melody_onsets(midi_path: Path) -> list[float]:
    """Note-on times of channel 1 (the melody), seconds through the file's tempo map."""
    now, onsets = 0.0, []
    for message in mido.MidiFile(midi_path):
        now += message.time
        if message.type == "note_on" and message.velocity > 0 and message.channel == 0:
            onsets.append(now)
    return onsets


def onset_errors(found: list[float], sung: list[float]) -> np.ndarray:
    """Distance from each MIDI onset to the nearest sung onset, seconds."""
    return np.array([min(abs(f - s) for s in sung) for f in found])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tool = [sys.executable, "-m", "wav2accomp"]
    fluid = fluidsynth_problem() is None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        hum = tmp / "hum30.wav"
        sung_30 = make_hum_30s(hum)
        out = [str(tmp / "song.mid")]
        rows = [("interpreter alone (`python -c pass`)", [sys.executable, "-c", "pass"]),
                ("`transcribe` (melody only)", tool + ["transcribe", str(hum), "-o", out[0]]),
                ("`accompany` -> MIDI", tool + ["accompany", str(hum), "-o", out[0]]),
                ("`accompany` -> MIDI + render (built-in synth)",
                 tool + ["accompany", str(hum), "-o", out[0], "--render", str(tmp / "a.wav"), "--synth", "builtin"]),
                ("`accompany` -> MIDI + render (auto: " + ("FluidSynth" if fluid else "built-in") + ")",
                 tool + ["accompany", str(hum), "-o", out[0], "--render", str(tmp / "a.wav")]),
                ("`accompany` -> MIDI + render + plot (the target)",
                 tool + ["accompany", str(hum), "-o", out[0], "--render", str(tmp / "a.wav"), "--plot",
                         str(tmp / "a.png")])]
        print(f"## Fresh processes, 30 s hum, median of {args.repeats} (2 cores)\n")
        print("| command | seconds |\n|---|---:|")
        for label, command in rows:
            print(f"| {label} | {fresh_seconds(command, args.repeats):.2f} |")

        runs = [json.loads(subprocess.run([sys.executable, "-c", STAGES, str(hum), str(tmp / "stages")], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(args.repeats)]
        print(f"\n## By stage in a fresh process (render: {'FluidSynth' if fluid else 'built-in'}), "
              f"median of {args.repeats}\n")
        print("| stage | seconds |\n|---|---:|")
        for stage in runs[0]:
            print(f"| {stage} | {statistics.median(r[stage] for r in runs):.3f} |")

        print("\n## Warm API (same process, median of 5 after one call)\n")
        accompany(hum).to_midi(tmp / "warm.mid")
        calls = {"accompany(path)": lambda a: None, "to_midi": lambda a: a.to_midi(tmp / "w.mid"),
                 "render (built-in)": lambda a: a.render(tmp / "w.wav", engine="builtin"),
                 "plot": lambda a: a.plot(tmp / "w.png")}
        if fluid:
            calls["render (FluidSynth)"] = lambda a: a.render(tmp / "w.wav", engine="fluidsynth")
        seconds: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(6):
            began = time.perf_counter()
            arrangement = accompany(hum)
            seconds["accompany(path)"].append(time.perf_counter() - began)
            for name, call in list(calls.items())[1:]:
                began = time.perf_counter()
                call(arrangement)
                seconds[name].append(time.perf_counter() - began)
        print("| call | seconds |\n|---|---:|")
        for name, values in seconds.items():
            print(f"| {name} | {statistics.median(values[1:]):.3f} |")

        print("\n## Melody timing: MIDI onsets vs sung onsets\n")
        print("| recording | notes sung | MIDI notes | median error (ms) | 90th pct (ms) | max (ms) | "
              "notes per part |\n|---|---:|---:|---:|---:|---:|---|")
        sung_sample = [n.onset for n in tune_notes("ode_to_joy", **SAMPLE_NOTES)]
        for label, path, sung in (("samples/hum_ode_to_joy.flac", SAMPLE, sung_sample), ("30 s hum", hum, sung_30)):
            arrangement = accompany(path)
            arrangement.to_midi(tmp / "timing.mid")
            errors = 1000 * onset_errors(melody_onsets(tmp / "timing.mid"), sung)
            parts = ", ".join(f"{p} {int((r == 2).sum())}" for p, r in arrangement.parts.items())
            print(f"| {label} | {len(sung)} | {len(errors)} | {np.median(errors):.1f} | "
                  f"{np.percentile(errors, 90):.1f} | {errors.max():.1f} | {parts} |")


if __name__ == "__main__":
    main()
