"""How the band plays, beside real players: the "how it is played" figures and a real-vs-generated classifier.

For every song of a split of a prepared cache (POP909 and the multi-track corpus), the real MIDI file is read
and its melody is given a band by ``accompany`` (the product's own call, a MIDI melody in); real and generated
parts are measured with the same code (:mod:`wav2accomp.evaluation.playing`) by role: the piano (POP909's
piano; the multi-track songs' guitar-like parts), the harmony parts (piano and strings; guitar-like and
string-like parts), the bass, the drums. Rows: the real parts, the band as shipped (``--feel natural``), the
band with ``--feel grid``, the models' parts before the band plays them (``sequencer``: one velocity per part,
every onset on the grid, block chords — how the band played before), and the seed's ``paper`` networks (the
reference row). The same sections are part of ``wav2accomp evaluate accompaniment``.

It also times the band for a 4-minute song (1920 steps at 120 BPM, a synthetic tune of quarter and eighth notes,
the shipped models, one thread, median of 7 after one warm-up): the parts from the models (``generate_parts``),
then the band playing them (``play_band``: arc, phrases, voicing, dynamics, timing).

With ``--picture SONG.mid OUT.png`` it draws one song instead: its real parts above the band's (and the
sequencer's) for the same melody, 16 bars from the melody's entry, velocity as colour.

Usage::

    python benchmarks/playing.py --data CACHE [--split test] [--limit N] [--jobs 2]
    python benchmarks/playing.py --picture SONG.mid OUT.png
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from wav2accomp.evaluation.accompaniment import song_files  # noqa: E402
from wav2accomp.evaluation.playing import evaluate_playing  # noqa: E402


def picture(song_path: str, out: str) -> None:
    """Real parts against the band's and the sequencer's for one song (see the module docstring)."""
    from wav2accomp.arrangement import accompany
    from wav2accomp.evaluation.playing import _sequencer
    from wav2accomp.plotting import plot_played
    from wav2accomp.symbolic.classify import classify_parts, is_bass
    from wav2accomp.symbolic.midi_io import on_tempo_map, read_midi
    from wav2accomp.symbolic.tempo_map import metre_grid

    band = accompany(song_path)
    real = on_tempo_map(read_midi(song_path), band.melody.tempo_map)   # on the bars the band plays to
    generated = band.to_song(with_melody=False)
    sequenced = _sequencer(band).to_song(with_melody=False)
    assignments = classify_parts(real.parts, real.end_beat)
    panels = {"melody": band.melody.notes}
    for label, part_class in (("piano", "guitarlike"), ("bass", "bass"), ("drums", "percussion")):
        real_notes = [n for p, a in zip(real.parts, assignments)
                      if (("bass" if is_bass(p, a) else a.part_class) == part_class) for n in p.notes]
        if real_notes:
            panels[f"real {label}"] = real_notes
        for name, song in (("band", generated), ("sequencer", sequenced)):
            notes = [n for p in song.parts if p.name == part_class for n in p.notes]
            if notes:
                panels[f"{name} {label}"] = notes
    bars = metre_grid(band.melody.time_signatures, real.end_beat)[1]
    entry = min(n.start_beat for n in band.melody.notes)
    first = max(b for b in bars if b <= entry + 1e-6) if any(b <= entry + 1e-6 for b in bars) else 0.0
    plot_played(panels, out, bar_starts=bars, beats=(first, first + 64.0),
                title=f"{os.path.basename(song_path)}: real parts, the band, the sequencer (16 bars of 4/4)")
    print(f"wrote {out}")


def band_speed() -> None:
    """Seconds to generate and to play a 4-minute song's band (see the module docstring)."""
    import numpy as np
    from fresh_process import median_seconds

    from wav2accomp.band.perform import load_band, play_band
    from wav2accomp.constants import N_PITCHES, ONSET, PITCH_LOW
    from wav2accomp.models.generate import choose_chords, generate_parts

    steps = 1920
    melody = np.zeros((steps, N_PITCHES), dtype=np.uint8)
    tune = [60, 62, 64, 65, 67, 65, 64, 62]
    onsets = [step for step in range(0, steps, 2) if (step // 16) % 2 == 0 or step % 4 == 0]   # eighths, quarters
    for n, step in enumerate(onsets):
        melody[step:step + 2, tune[n % len(tune)] - PITCH_LOW] = 1
        melody[step, tune[n % len(tune)] - PITCH_LOW] = ONSET
    downbeats = np.arange(0, steps, 16)
    chords = choose_chords(melody, downbeats)
    rolls = generate_parts(melody, downbeats, parts=("percussion", "guitarlike", "stringslike", "bass"),
                           chords=chords)
    models = load_band()
    generate = median_seconds(lambda: generate_parts(melody, downbeats, parts=tuple(rolls), chords=chords), 7)
    play = median_seconds(lambda: play_band(rolls, melody, downbeats, chords=chords, models=models), 7)
    print(f"\n4-minute song (1920 steps), one thread: parts from the models {generate:.3f} s, the band playing "
          f"them {play:.3f} s, together {generate + play:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a prepared cache (wav2accomp prepare)")
    parser.add_argument("--picture", nargs=2, metavar=("SONG", "OUT"), help="draw one song instead")
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None, help="songs per corpus at most")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if args.picture:
        picture(*args.picture)
        return
    if not args.data:
        parser.error("--data is required (or --picture)")
    band_speed()
    start = time.perf_counter()
    sections = evaluate_playing(song_files(args.data, args.split, args.limit), jobs=args.jobs)
    print(f"\n{args.split} split ({time.perf_counter() - start:.0f} s)")
    for section in sections:
        print(f"\n### {section.title}\n")
        print("| figure | " + " | ".join(section.systems) + " |")
        print("|---|" + "---|" * len(section.systems))
        for metric in section.metrics:
            print(f"| {metric} | " + " | ".join(f"{section.means[s][metric]:.3f}" for s in section.systems) + " |")
        if section.info["skipped"]:
            print(f"\n({len(section.info['skipped'])} songs left out, e.g. {section.info['skipped'][0]})")


if __name__ == "__main__":
    main()
