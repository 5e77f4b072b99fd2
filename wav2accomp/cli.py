"""The ``wav2accomp`` command: parses arguments, calls the Python API, reports.

Every failure the user can act on ends with one line on stderr and exit
status 1 (2 for a usage error); set ``WAV2ACCOMP_DEBUG=1`` for a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import Wav2AccompError

DESCRIPTION = """\
Hum a tune, get a band: wav2accomp turns a melody (a recording or MIDI) into
multi-track MIDI with generated drums, piano/guitar-like and string-like parts.

Commands:
  prepare   turn folders of MIDI files into training-ready piano rolls
  inspect   show how a MIDI file's parts are classified (and draw them)

Run `wav2accomp COMMAND --help` for the options and examples of each.
"""

PREPARE_EPILOG = """\
examples:
  wav2accomp prepare ../shared/data/pop909 ../shared/data/pop-multitrack -o cache/
  wav2accomp prepare my_midi_folder/ -o cache/ --jobs 4

Each song becomes CACHE/songs/<corpus>/<name>.npz holding a 78-note roll
(MIDI 24-101, 16th-note grid) for the melody and for each accompaniment class
present (percussion, guitarlike, stringslike), beat and downbeat steps and,
for POP909, chord labels. CACHE/index.json lists the songs with their split
(train/valid/test ~ 80/10/10, stable per file name); CACHE/report.json says
what was read, what was skipped and why, and which rule classified the parts.
"""

INSPECT_EPILOG = """\
examples:
  wav2accomp inspect song.mid
  wav2accomp inspect song.mid --plot song.png
  wav2accomp inspect song.mid --ignore-names     # classify as if track names were junk
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wav2accomp", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wav2accomp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    prepare = commands.add_parser("prepare", help="MIDI folders -> training-ready rolls",
                                  description="Turn folders of MIDI files into training-ready piano rolls.",
                                  epilog=PREPARE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    prepare.add_argument("corpus", nargs="+", metavar="CORPUS_DIR",
                         help="folder of MIDI files (searched recursively; POP909's layout is recognised)")
    prepare.add_argument("-o", "--output", required=True, metavar="CACHE", help="cache folder to write")
    prepare.add_argument("-j", "--jobs", type=int, default=None,
                         help="worker processes (default: one per CPU core)")
    prepare.add_argument("--steps-per-beat", type=int, default=4, metavar="N",
                         help="grid steps per quarter note (default: 4, i.e. 16th notes)")
    prepare.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    prepare.set_defaults(run=run_prepare)

    inspect = commands.add_parser("inspect", help="show a MIDI file's parts and their classes",
                                  description="Show the parts of a MIDI file, their classes and the rule "
                                              "that decided each.",
                                  epilog=INSPECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    inspect.add_argument("midi", metavar="FILE", help="a MIDI file")
    inspect.add_argument("--plot", metavar="PNG", help="also draw the rolls of every class to this PNG")
    inspect.add_argument("--ignore-names", action="store_true",
                         help="classify from channels, programs and note statistics only")
    inspect.set_defaults(run=run_inspect)
    return parser


def run_prepare(args: argparse.Namespace) -> None:
    from .corpus import format_report, prepare_corpus

    if args.steps_per_beat < 1:
        raise Wav2AccompError("--steps-per-beat must be at least 1")
    report = prepare_corpus(args.corpus, args.output, jobs=args.jobs, steps_per_beat=args.steps_per_beat,
                            progress=not args.quiet)
    print(format_report(report))
    print(f"wrote {Path(args.output) / 'index.json'} and {Path(args.output) / 'report.json'}")


def run_inspect(args: argparse.Namespace) -> None:
    from .classify import classify_parts, program_family
    from .midi_io import read_midi

    song = read_midi(args.midi)
    assignments = classify_parts(song.parts, song.end_beat, use_names=not args.ignore_names)
    sigs = ", ".join(f"{s.numerator}/{s.denominator}@{s.beat:g}" for s in song.time_signatures) or "none (4/4)"
    print(f"{args.midi}: {len(song.parts)} parts, {song.end:.1f} s, {song.end_beat:.1f} beats, "
          f"{song.tempo_map.bpm_at(0):.1f} BPM at start ({len(song.tempo_map.beats)} tempo segments), "
          f"time signatures {sigs}")
    for warning in song.warnings:
        print(f"warning: {warning}")
    print(f"{'track':>5} {'ch':>3} {'program':<26} {'notes':>6} {'pitch':>7}  {'class':<12} {'rule':<20} name")
    for part, assignment in zip(song.parts, assignments):
        pitches = [n.pitch for n in part.notes]
        span = f"{min(pitches)}-{max(pitches)}" if pitches else "-"
        program = "drum kit" if part.is_drum else f"{part.program} ({program_family(part.program)[0]})"
        print(f"{part.track:>5} {part.channel + 1:>3} {program:<26} {len(part.notes):>6} {span:>7}  "
              f"{assignment.part_class:<12} {assignment.rule:<20} {part.track_name}")
    if args.plot:
        from .constants import ACCOMPANIMENT_CLASSES, MELODY, STEPS_PER_BEAT
        from .plotting import plot_rolls
        from .roll import n_steps_for, parts_to_roll
        from .timing import metre_grid

        n_steps = n_steps_for(song.end_beat)
        grouped: dict[str, list] = {}
        for part, assignment in zip(song.parts, assignments):
            grouped.setdefault(assignment.part_class, []).append(part)
        order = [MELODY, *ACCOMPANIMENT_CLASSES]
        names = sorted(grouped, key=lambda c: order.index(c) if c in order else len(order))
        rolls = {name: parts_to_roll(grouped[name], n_steps) for name in names}
        _, downbeats = metre_grid(song.time_signatures, song.end_beat)
        plot_rolls(rolls, args.plot, downbeats=downbeats * STEPS_PER_BEAT, title=Path(args.midi).name)
        print(f"wrote {args.plot}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        args.run(args)
    except Wav2AccompError as exc:
        print(f"wav2accomp: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("wav2accomp: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("WAV2ACCOMP_DEBUG"):
            raise
        print(f"wav2accomp: internal error: {type(exc).__name__}: {exc} "
              "(set WAV2ACCOMP_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
