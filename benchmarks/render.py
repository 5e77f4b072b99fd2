"""Rendering: speed of each synthesiser for a 30-second song, what the mix measures, and how big each engine is.

One process, warm (each engine run once before timing), one thread: a 30-second hum's arrangement (drums,
piano, strings, bass; the sample hum looped) rendered by the built-in synthesiser (the old default), the sampled
instruments (the default: midirenderer with pretty_midi's TimGM6mb) and FluidSynth (with the OS's TimGM6mb,
where the library is installed): the band's synthesis alone (median of --repeats), the whole ``render`` (the
recording laid in, the master bus, the file written), the stems ``serve`` plays (one synthesis per part at
22050 Hz) and, of the written mix, integrated loudness (ITU-R BS.1770), true peak and the peak sample.

Usage::

    python benchmarks/render.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
from fresh_process import median_seconds  # noqa: E402

from wav2accomp.arrangement import accompany  # noqa: E402
from wav2accomp.synth.mix import integrated_loudness, true_peak_db  # noqa: E402
from wav2accomp.synth.render import choose_engine, synthesize  # noqa: E402
from wav2accomp.synth.sampled import bundled_soundfont  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    hum, sr = soundfile.read(SAMPLES / "hum_ode_to_joy.flac", dtype="float32")
    take = np.tile(hum, 2)[:30 * sr]
    arrangement = accompany(take, sr)
    song = arrangement.to_song(with_melody=False)
    engines = ["builtin", "sampled"]
    try:
        choose_engine("fluidsynth", "/usr/share/sounds/sf2/TimGM6mb.sf2")
        engines.append("fluidsynth")
    except Exception as exc:   # no FluidSynth here: its row says why
        print(f"FluidSynth left out: {exc}")
    print(f"a {arrangement.duration:.1f} s arrangement ({', '.join(arrangement.parts)}), one thread, "
          f"median of {args.repeats}\n")
    print("| engine | SoundFont | band synthesis (s) | render: mix + master + file (s) | stems at 22050 Hz (s) | "
          "loudness (LUFS) | true peak (dBTP) | peak sample |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for engine in engines:
            font = "/usr/share/sounds/sf2/TimGM6mb.sf2" if engine == "fluidsynth" else None
            name = {"builtin": "none (wavetables)", "sampled": f"{bundled_soundfont().name} (pretty_midi, "
                    f"{bundled_soundfont().stat().st_size / 1e6:.1f} MB)", "fluidsynth": "TimGM6mb (OS)"}[engine]
            synthesis = median_seconds(lambda: synthesize(song, engine=engine, soundfont=font), args.repeats)
            path = Path(folder) / f"{engine}.wav"
            render = median_seconds(lambda: arrangement.render(path, engine=engine, soundfont=font), args.repeats)
            stems = median_seconds(lambda: arrangement.stems(engine=engine, soundfont=font, sr=22050), args.repeats)
            mix, rate = soundfile.read(path, dtype="float32")
            print(f"| {engine} | {name} | {synthesis:.3f} | {render:.3f} | {stems:.3f} | "
                  f"{integrated_loudness(mix, rate):.2f} | {true_peak_db(mix):.2f} | {np.abs(mix).max():.3f} |")


if __name__ == "__main__":
    main()
