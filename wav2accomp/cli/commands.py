"""What each command does: turn the parsed arguments into a call of the Python API, and report.

Imports happen inside each command, so a command pays only for what it uses
(torch, matplotlib and FluidSynth load only where they are needed).
"""
from __future__ import annotations

import argparse
import os
from dataclasses import fields
from pathlib import Path

from ..errors import Wav2AccompError

#: Names the parser itself uses (which command to run), never options of the API.
_PARSER_NAMES = ("command", "target", "action", "run", "quiet")


def needs_torch(command: str) -> None:
    """A one-line error when torch is missing (the core install runs the shipped models without it)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise Wav2AccompError(f"{command} needs torch, which this install does not have: "
                              "pip install torch==2.13.0 && pip install -e \".[train]\"")


def options_from(options_class, args: argparse.Namespace, **given):
    """An options dataclass built from the parsed arguments of the same names, and `given`."""
    names = {item.name for item in fields(options_class)}
    values = {k: v for k, v in vars(args).items() if k in names and k not in _PARSER_NAMES}
    return options_class(**{**values, **given})


def _check_picture(path) -> None:
    """A --plot name whose suffix says a format the tool draws (before any work)."""
    if path is not None:
        from ..plotting import picture_format

        picture_format(path)


def _check_model_dir(path) -> None:
    """A --model-dir that is a folder (before any work)."""
    if path is not None and not Path(path).is_dir():
        raise Wav2AccompError(f"--model-dir {path} is not a folder"
                              + (" (it does not exist)" if not Path(path).exists() else ""))


def run_accompany(args: argparse.Namespace) -> None:
    from ..arrangement import STEM_NAMES, accompany, resolve_parts
    from ..constants import MELODY
    from ..fileio import OutputSet
    from ..synth.mix import audio_format
    from ..synth.render import choose_engine, engine_description

    classes = resolve_parts(args.parts)
    _check_model_dir(args.model_dir)
    stems = {}
    if args.stems:
        _make_folder(args.stems)
        stems = {f"--stems {name}": Path(args.stems) / f"{STEM_NAMES[name]}.wav" for name in (MELODY, *classes)}
    outputs = OutputSet({"-o": args.output, "--render": args.render, "--plot": args.plot,
                         "--lead-sheet": args.lead_sheet, **stems},
                        inputs=[args.source, args.soundfont, args.chords_file])
    _check_picture(args.plot)
    if args.lead_sheet and Path(args.lead_sheet).suffix.lower() not in (".musicxml", ".xml"):
        raise Wav2AccompError(f"cannot write a lead sheet to {args.lead_sheet}: name it .musicxml")
    if args.render or args.stems:
        if args.render:
            audio_format(args.render)
        engine = choose_engine(args.synth, args.soundfont)
    result = accompany(args.source, parts=args.parts, bpm=args.bpm, key=args.key, seed=args.seed,
                       temperature=args.temperature, model_dir=args.model_dir, min_note_seconds=args.min_note_seconds,
                       max_seconds=args.max_seconds, chords=args.chords, chords_file=args.chords_file,
                       drummer=args.drummer, drums_density=args.density, drum_style=args.style,
                       tracker=args.tracker, harmony=args.harmony, feel=args.feel)
    with outputs.writing() as staged:
        result.to_midi(staged["-o"])
        if args.render:
            result.render(staged["--render"], engine=engine, soundfont=args.soundfont)
        if args.plot:
            result.plot(staged["--plot"])
        if args.lead_sheet:
            result.lead_sheet(staged["--lead-sheet"])
        if stems:
            result.write_stems({label.split()[1]: staged[label] for label in stems}, engine=engine,
                               soundfont=args.soundfont)
    print(result.summary())
    print(f"wrote {args.output}")
    if args.render:
        print(f"wrote {args.render} ({engine_description(engine, args.soundfont)})")
    if args.plot:
        print(f"wrote {args.plot}")
    if args.lead_sheet:
        print(f"wrote {args.lead_sheet}")
    if stems:
        print(f"wrote {len(stems)} stems in {args.stems} ({', '.join(p.name for p in stems.values())}; "
              f"{engine_description(engine, args.soundfont)})")


def run_serve(args: argparse.Namespace) -> None:
    from ..web.app import serve

    try:
        serve(host=args.host, port=args.port, open_browser=args.open, workers=args.workers, queue=args.queue,
              max_bytes=int(args.max_mb * 1e6), max_seconds=args.max_seconds, job_seconds=60 * args.job_minutes,
              engine=args.synth)
    except KeyboardInterrupt:
        print("stopped")


def run_stems_render(args: argparse.Namespace) -> None:
    from ..data.stems import render_stems
    from ..synth.render import choose_engine

    engine = choose_engine(args.synth, args.soundfont)
    report = render_stems(args.midi, args.output, jobs=args.jobs, split=args.split, limit=args.limit,
                          sr=args.sample_rate, engine=engine, soundfont=args.soundfont,
                          max_seconds=args.max_seconds, progress=not args.quiet)
    for skipped in report["skipped"]:
        print(f"skipped {skipped['song']}: {skipped['reason']}")
    print(f"rendered {len(report['rendered'])} songs into {args.output} ({engine}); "
          f"{len(report['skipped'])} skipped")


def run_baseline_train(args: argparse.Namespace) -> None:
    needs_torch("wav2accomp baseline")
    from ..baselines.raw_amplitude import BaselineTrainOptions, train_baseline

    options = options_from(BaselineTrainOptions, args, progress=not args.quiet)
    log = train_baseline(options)
    print(f"best epoch {log['best_epoch']} (valid MSE {log['best_valid_mse']:.4f}, scaled); "
          f"{log['chunks_per_second']:.0f} chunks/s; wrote {args.out}")


def run_baseline_generate(args: argparse.Namespace) -> None:
    needs_torch("wav2accomp baseline")
    from ..audio.recording import load_audio
    from ..baselines.raw_amplitude import generate_accompaniment, load_baseline
    from ..fileio import OutputSet
    from ..synth.mix import audio_format, write_audio

    outputs = OutputSet({"-o": args.output}, inputs=[args.audio])
    audio_format(args.output)
    if not args.overlap < 1:
        raise Wav2AccompError(f"--overlap must be below 1, not {args.overlap:g}")
    network, config = load_baseline(args.model)
    melody, _ = load_audio(args.audio, sr=config.sr)
    with outputs.writing() as staged:
        write_audio(staged["-o"], generate_accompaniment(network, config, melody, overlap=args.overlap), config.sr)
    print(f"wrote {args.output} ({len(melody) / config.sr:.1f} s)")


def run_baseline_evaluate(args: argparse.Namespace) -> None:
    needs_torch("wav2accomp baseline")
    _make_folder(args.out)  # an unwritable output fails before the work, not after
    from ..baselines.raw_amplitude import evaluate_baseline

    report = evaluate_baseline(args.model, args.stems, split=args.split, overlap=args.overlap, limit=args.limit,
                               max_seconds=args.max_seconds, melody_keywords=args.melody_keywords,
                               progress=not args.quiet)
    _show(report, args.out)


def run_evaluate_stems(args: argparse.Namespace) -> None:
    if args.baseline is not None:
        needs_torch("evaluate stems --baseline")
    _check_model_dir(args.model_dir)
    _make_folder(args.out)  # an unwritable output fails before the work, not after
    from ..evaluation.stems import evaluate_stems

    baseline = None
    if args.baseline is not None:
        from ..baselines.raw_amplitude import BaselineScorer, load_baseline

        baseline = BaselineScorer(*load_baseline(args.baseline))
    report = evaluate_stems(args.stems, baseline=baseline, split=args.split,
                            limit=args.limit, max_seconds=args.max_seconds, model_dir=args.model_dir,
                            melody_keywords=args.melody_keywords, progress=not args.quiet)
    _show(report, args.out)


def run_transcribe(args: argparse.Namespace) -> None:
    from ..audio.transcribe import transcribe
    from ..fileio import OutputSet

    outputs = OutputSet({"-o": args.output, "--plot": args.plot}, inputs=[args.audio])
    _check_picture(args.plot)
    result = transcribe(args.audio, bpm=args.bpm, min_note_seconds=args.min_note_seconds, max_seconds=args.max_seconds,
                        tracker=args.tracker)
    with outputs.writing() as staged:
        result.to_midi(staged["-o"], quantize=args.quantize)
        if args.plot:
            result.plot(staged["--plot"])
    grid = "the sung timing" if args.quantize == "none" else f"the {args.quantize}-note grid"
    print(f"{args.audio}: {result.duration:.1f} s, {len(result.notes_at(args.quantize))} notes on {grid}, "
          f"{result.grid.bpm:.1f} BPM, tuning {100 * result.tuning:+.0f} cents; wrote {args.output}")
    if args.plot:
        print(f"wrote {args.plot}")


def run_evaluate_transcription(args: argparse.Namespace) -> None:
    _make_folder(args.out)  # an unwritable output fails before the work, not after
    from ..evaluation.transcription import evaluate_transcription

    report = evaluate_transcription(args.folder, trackers=tuple(args.trackers), limit=args.limit,
                                    progress=not args.quiet)
    _show(report, args.out)


def run_prepare(args: argparse.Namespace) -> None:
    from ..data.corpus import format_report, prepare_corpus

    report = prepare_corpus(args.corpus, args.output, jobs=args.jobs, steps_per_beat=args.steps_per_beat,
                            progress=not args.quiet)
    print(format_report(report))
    print(f"wrote {Path(args.output) / 'index.json'} and {Path(args.output) / 'report.json'}")


def run_train(args: argparse.Namespace) -> None:
    needs_torch("wav2accomp train")
    import numpy as np

    from ..models.training import train
    from ..options import TrainOptions

    options = options_from(TrainOptions, args, progress=not args.quiet)
    result = train(options)
    if result["skipped"]:
        print(f"skipped {len(result['skipped'])} unreadable songs of {args.data} (listed in log.json), "
              f"e.g. {result['skipped'][0]['reason']}")
    if result["history"] is not None and int(os.environ.get("RANK", "0")) == 0:
        best = min(result["history"], key=lambda row: row["valid_loss"])
        threshold = result["threshold"]
        threshold = f"{threshold:.3f}" if np.isscalar(threshold) else "one per drum"
        print(f"best valid loss {best['valid_loss']:.4f} at epoch {best['epoch']}; decoding threshold {threshold}; "
              f"wrote {Path(args.out) / f'{args.arch}-{args.part}'}.npz/.json, log.json, loss.png")


def run_train_grooves(args: argparse.Namespace) -> None:
    from ..models.groove_fit import train_grooves

    _make_folder(args.out)
    model, path = train_grooves(args.data, args.out, min_songs=args.min_songs, progress=not args.quiet)
    info = model.info
    print(f"{info['grooves'] - 1} grooves, {info['bar_edits']} bar edits and {info['beat_edits'] - 1} beat edits "
          f"from {info['songs']} songs "
          f"({info['sections']} sections); valid agreement {info['valid_agreement_chosen']:.3f} "
          f"(best single groove {info['valid_agreement_best_single']:.3f}); wrote {path}.npz/.json")


def run_train_comping(args: argparse.Namespace) -> None:
    from ..models.comping import train_comping

    _make_folder(args.out)
    for part, path in train_comping(args.data, args.out, min_songs=args.min_songs, progress=not args.quiet).items():
        print(f"{part}: wrote {path}.npz/.json")


def run_train_bassline(args: argparse.Namespace) -> None:
    from ..models.bassline import train_bassline

    _make_folder(args.out)
    path = train_bassline(args.data, args.out, min_songs=args.min_songs, progress=not args.quiet)
    print(f"bass: wrote {path}.npz/.json")


def run_train_band(args: argparse.Namespace) -> None:
    from ..band.fit import train_band

    _make_folder(args.out)
    written = train_band(args.folders, args.out, jobs=args.jobs, limit=args.limit, progress=not args.quiet)
    for what, path in written.items():
        print(f"{what}: wrote {path}.npz/.json")


def run_train_harmoniser(args: argparse.Namespace) -> None:
    needs_torch("wav2accomp train-harmoniser")
    from ..models.harmoniser_fit import train_harmoniser
    from ..options import HarmoniserOptions

    result = train_harmoniser(options_from(HarmoniserOptions, args, progress=not args.quiet))
    print(f"{result['train_songs']} train songs; valid accuracy {result['valid_accuracy']:.3f} (best epoch "
          f"{result['best_epoch']}); wrote {result['model']}.npz/.json, log.json, loss.png")


def run_evaluate_accompaniment(args: argparse.Namespace) -> None:
    _check_model_dir(args.model_dir)
    _make_folder(args.out)  # an unwritable output fails before the work, not after
    from ..evaluation.accompaniment import evaluate_accompaniment

    report = evaluate_accompaniment(args.data, split=args.split, parts=tuple(args.parts), model_dir=args.model_dir,
                                    limit=args.limit, plots_dir=args.out, n_plots=args.plots,
                                    progress=not args.quiet)
    _show(report, args.out, also=f" and piano rolls in {args.out}")


#: Longest song `inspect --plot` draws, beats (an hour at 160 BPM; its roll and picture stay small).
MAX_PLOT_BEATS = 9600


def run_inspect(args: argparse.Namespace) -> None:
    from ..fileio import OutputSet
    from ..symbolic.classify import classify_parts, program_family
    from ..symbolic.midi_io import read_midi

    outputs = OutputSet({"--plot": args.plot}, inputs=[args.midi])
    _check_picture(args.plot)
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
    if args.plot and not any(part.notes for part in song.parts):
        raise Wav2AccompError(f"nothing to draw: {args.midi} has no notes (--plot left out)")
    if args.plot and song.end_beat > MAX_PLOT_BEATS:
        raise Wav2AccompError(f"too long to draw: {args.midi} lasts {song.end_beat:.0f} beats (--plot draws at most "
                              f"{MAX_PLOT_BEATS}; its parts are listed above)")
    if args.plot:
        from ..constants import ACCOMPANIMENT_CLASSES, MELODY, STEPS_PER_BEAT
        from ..plotting import plot_rolls
        from ..symbolic.roll import n_steps_for, parts_to_roll
        from ..symbolic.tempo_map import metre_grid

        n_steps = n_steps_for(song.end_beat)
        grouped: dict[str, list] = {}
        for part, assignment in zip(song.parts, assignments):
            grouped.setdefault(assignment.part_class, []).append(part)
        order = [MELODY, *ACCOMPANIMENT_CLASSES]
        names = sorted(grouped, key=lambda c: order.index(c) if c in order else len(order))
        rolls = {name: parts_to_roll(grouped[name], n_steps) for name in names}
        _, downbeats = metre_grid(song.time_signatures, song.end_beat)
        with outputs.writing() as staged:
            plot_rolls(rolls, staged["--plot"], downbeats=downbeats * STEPS_PER_BEAT, title=Path(args.midi).name)
        print(f"wrote {args.plot}")


def _show(report, out: str | None, also: str = "") -> None:
    """Print an evaluation report's markdown; write its JSON and markdown into `out` when given."""
    from ..evaluation.report import write_report

    print(report.markdown())
    if out is not None:
        json_path, markdown_path = write_report(report, out)
        print(f"wrote {json_path} and {markdown_path}{also}")


def _make_folder(out: str | None) -> None:
    """Create an output folder (one line of error when it cannot be)."""
    if out is not None:
        try:
            Path(out).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Wav2AccompError(f"cannot create {out}: {exc.strerror or exc}") from exc
