"""The ``wav2accomp`` argument parser: one function per command, defaults read from the option dataclasses.

Every default that an option dataclass (:mod:`wav2accomp.options`,
:mod:`wav2accomp.baselines.options`) owns is taken from it by :func:`add_field`,
never restated; number types share the checks of the Python API.
"""
from __future__ import annotations

import argparse
from dataclasses import MISSING, fields

from .. import __version__
from ..baselines.options import DEFAULT_HIDDEN, BaselineTrainOptions
from ..constants import (ACCOMPANIMENT_CLASSES, FEELS, ALIGNED_ARCH, BAND_PARTS, EVALUATED_TRACKERS, DRUM_DENSITY_RANGE,
                         DRUM_STYLES, DRUMMERS, GROOVE_MIN_SONGS, HARMONISER_LOSSES, HARMONY_SOURCES, MAX_TEMPERATURE,
                         MELODY_STEM_KEYWORDS, QUANTIZE_GRIDS, STEMS_SAMPLE_RATE, SERVE_HOST, SERVE_JOB_SECONDS,
                         SERVE_MAX_BYTES, SERVE_MAX_SECONDS, SERVE_PORT, SERVE_QUEUE, SERVE_WORKERS, SYNTH_ENGINES,
                         TRACKERS)
from ..errors import Wav2AccompError
from ..models.registry import ARCHITECTURES, architecture_names
from ..options import DecodingOptions, DrumOptions, HarmoniserOptions, TrainOptions, TranscriptionOptions, check_bpm, check_drum_density
from . import commands
from .help import (TRAIN_BAND_EPILOG, ACCOMPANY_EPILOG, BASELINE_EPILOG, DESCRIPTION, EVALUATE_EPILOG, INSPECT_EPILOG,
                   PREPARE_EPILOG, SERVE_EPILOG, STEMS_EPILOG, TRAIN_BASSLINE_EPILOG, TRAIN_COMPING_EPILOG,
                   TRAIN_GROOVES_EPILOG, TRAIN_HARMONISER_EPILOG, TRANSCRIBE_EPILOG, TRANSCRIBE_EVALUATE_EPILOG,
                   train_epilog)

SPLITS = ("train", "valid", "test")
DEFAULT_PARTS = ["drums", "piano", "strings", "bass"]


# --- Number types: argparse errors (exit 2) from the same checks as the API ---------------------------

def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    """argparse type: an integer of at least 0 (a seed)."""
    return _whole(text, 0)


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def finite_float(text: str) -> float:
    """argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not abs(value) < float("inf"):
        raise argparse.ArgumentTypeError(f"not a finite number: {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number above 0."""
    value = finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number of at least 0."""
    value = finite_float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def temperature(text: str) -> float:
    """argparse type: a sampling temperature, 0 to :data:`~wav2accomp.constants.MAX_TEMPERATURE`."""
    value = non_negative_float(text)
    if value > MAX_TEMPERATURE:
        raise argparse.ArgumentTypeError(f"at most {MAX_TEMPERATURE:g}, got {text}")
    return value


def tempo_bpm(text: str) -> float:
    """argparse type: a tempo in the range :func:`wav2accomp.options.check_bpm` accepts."""
    return _checked(check_bpm, text)


def drum_density(text: str) -> float:
    """argparse type: a density :func:`wav2accomp.options.check_drum_density` accepts."""
    return _checked(check_drum_density, text)


def _checked(check, text: str) -> float:
    try:
        return check(positive_float(text))
    except Wav2AccompError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- Options taken from the dataclasses ------------------------------------------------------------------

def field_default(options_class, name: str):
    """The default of field `name` of an options dataclass."""
    for item in fields(options_class):
        if item.name == name:
            if item.default is not MISSING:
                return item.default
            if item.default_factory is not MISSING:
                return item.default_factory()
            raise KeyError(f"{options_class.__name__}.{name} has no default")
    raise KeyError(f"{options_class.__name__} has no field {name}")


def add_field(parser: argparse.ArgumentParser, flag: str, options_class, name: str, **settings) -> None:
    """``parser.add_argument(flag, dest=name, default=<the dataclass's default>, ...)``."""
    parser.add_argument(flag, dest=name, default=field_default(options_class, name), **settings)


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_melody_stem(parser: argparse.ArgumentParser) -> None:
    """``--melody-stem WORD`` (repeatable): the words that name the melody stem, instead of the default list."""
    parser.add_argument("--melody-stem", dest="melody_keywords", action="append", default=None, metavar="WORD",
                        help="a word in the melody stem's file name, replacing the default list "
                             f"({' '.join(MELODY_STEM_KEYWORDS)}); repeat for several")


def add_evaluated_split(parser: argparse.ArgumentParser) -> None:
    """``--split`` of the evaluators of a stems folder: auto = the test split of a rendered corpus, else all."""
    parser.add_argument("--split", default="auto", choices=SPLITS + ("all", "auto"),
                        help="songs to evaluate (default: auto = the test split of a folder `stems render` made, "
                             "every song of any other folder)")


def add_synth(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--synth", default="auto", choices=SYNTH_ENGINES,
                        help=f"synthesiser{what}: sampled = General MIDI instruments from pip alone, fluidsynth "
                             "= FluidSynth with a larger SoundFont, builtin = the small numpy synthesiser "
                             "(default: auto = fluidsynth when --soundfont is given and FluidSynth is here, else "
                             "sampled)")


def add_note_limits(parser: argparse.ArgumentParser, note_help: str) -> None:
    """--min-note, --max-seconds and --tracker: :class:`~wav2accomp.options.TranscriptionOptions`."""
    add_field(parser, "--min-note", TranscriptionOptions, "min_note_seconds", type=positive_float,
              metavar="SECONDS", help=f"{note_help} (default: %(default)s)")
    add_field(parser, "--max-seconds", TranscriptionOptions, "max_seconds", type=positive_float, metavar="SECONDS",
              help="longest recording accepted (default: %(default)g)")
    add_field(parser, "--tracker", TranscriptionOptions, "tracker", choices=TRACKERS,
              help="pitch tracker: swift-f0 (learned, with its own notes; default), yin (the FFT tracker, pure "
                   "numpy) or pyin (librosa's; a few times real time)")


def add_run_options(parser: argparse.ArgumentParser, options_class, *, sampled: str) -> None:
    """The options of every training run (budget, batches, learning rate, seed, checkpoints, resume, quiet),
    from `options_class`; `sampled` names what an epoch draws at random ("window", "chunk")."""
    add_field(parser, "--epochs", options_class, "epochs", type=positive_int, help="most epochs (default: %(default)s)")
    add_field(parser, "--batch-size", options_class, "batch_size", type=positive_int, metavar="N",
              help="(default: %(default)s)")
    add_field(parser, "--learning-rate", options_class, "learning_rate", type=non_negative_float, metavar="LR",
              help="Adam (default: %(default)s)")
    add_field(parser, "--seed", options_class, "seed", type=non_negative_int,
              help=f"seed of the weights and of the {sampled} sampling (default: %(default)s)")
    add_field(parser, "--limit-songs", options_class, "limit_songs", type=positive_int, metavar="N",
              help="use only the first N songs of each split (quick trials)")
    add_field(parser, "--max-minutes", options_class, "max_minutes", type=non_negative_float, metavar="MIN",
              help="stop after the epoch that passes this much training time")
    add_field(parser, "--checkpoint-seconds", options_class, "checkpoint_seconds", type=non_negative_float,
              metavar="S", help="also checkpoint within an epoch at least this often (default: %(default)g)")
    add_field(parser, "--resume", options_class, "resume", action="store_true",
              help="continue the run in --out from its checkpoint")
    add_quiet(parser)


def _command(commands_, name: str, description: str, epilog: str | None = None, **settings):
    return commands_.add_parser(name, description=description, epilog=epilog,
                                formatter_class=argparse.RawDescriptionHelpFormatter, **settings)


# --- The commands ----------------------------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line (the command, what is wrong, where help is), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="wav2accomp", usage="%(prog)s [-h] [--version] COMMAND ...",
                                     description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wav2accomp {__version__}")
    # the commands are listed in DESCRIPTION, one line each; argparse's own list would repeat them
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS, prog="wav2accomp")
    for add in (_accompany, _transcribe, _prepare, _inspect, _train, _train_grooves, _train_comping, _train_bassline,
                _train_harmoniser, _train_band, _evaluate, _stems, _baseline, _serve):
        add(subcommands)
    return parser


def _accompany(subcommands) -> None:
    accompany = _command(subcommands, "accompany",
                         "Give a melody a band: your melody plus generated drums, piano/guitar-like and string-like "
                         "parts, as one MIDI file (optionally an audio mix to hear and a picture).", ACCOMPANY_EPILOG)
    accompany.add_argument("source", metavar="IN", help="a recording or a MIDI melody")
    accompany.add_argument("-o", "--output", required=True, metavar="MID", help="MIDI file to write")
    accompany.add_argument("--parts", nargs="+", default=DEFAULT_PARTS, metavar="PART",
                           help="parts to generate: drums, piano (or guitar), strings, bass (default: all four)")
    add_field(accompany, "--bpm", TranscriptionOptions, "bpm", type=tempo_bpm,
              help="tempo, quarter notes per minute (default: estimated; a MIDI melody keeps its own)")
    accompany.add_argument("--key", default=None, help='key such as C, Am, "F# minor" (default: estimated)')
    chords = accompany.add_mutually_exclusive_group()
    chords.add_argument("--chords", metavar="TEXT", default=None,
                        help='the chords to play, one a bar, repeated: "C G Am F"; "C | G Am | F" puts two in bar 2')
    chords.add_argument("--chords-file", metavar="FILE", default=None,
                        help="the chords to play from a file: START LABEL per line (seconds, or bar N), or "
                             "START END LABEL (POP909's chord_midi.txt)")
    accompany.add_argument("--harmony", choices=HARMONY_SOURCES, default=HARMONY_SOURCES[0],
                           help="without --chords, who chooses them: harmoniser = a chord per half bar for the "
                                "melody, which piano, strings and bass play; network = the parts' networks choose "
                                "as they play (default: %(default)s)")
    add_field(accompany, "--seed", DecodingOptions, "seed", type=non_negative_int,
              help="seed of the sampling (default: %(default)s)")
    add_field(accompany, "--temperature", DecodingOptions, "temperature", type=temperature,
              help=f"0 = most likely parts, 0.3-1 = freer, at most {MAX_TEMPERATURE:g} (default: %(default)g)")
    add_field(accompany, "--drummer", DrumOptions, "drummer", choices=DRUMMERS,
              help="groove: grooves, variations, fills and an ending learned from real drummers; network: the "
                   "step-by-step percussion network (default: %(default)s)")
    low, high = DRUM_DENSITY_RANGE
    add_field(accompany, "--drums-density", DrumOptions, "density", type=drum_density, metavar="X",
              help=f"1 = as the melody suggests, 0.5 sparser, 2 busier ({low:g} to {high:g}; default: %(default)g)")
    add_field(accompany, "--style", DrumOptions, "style", choices=DRUM_STYLES, metavar="STYLE",
              help=f"keep the drums to one groove family: {', '.join(DRUM_STYLES)} (default: chosen for the melody)")
    accompany.add_argument("--feel", choices=FEELS, default=FEELS[0],
                           help="how the band plays against the 16th grid: natural = with the timing of real "
                                "players, grid = every onset exactly on its 16th (to edit in a DAW), loose = twice "
                                "as free (default: %(default)s)")
    accompany.add_argument("--model-dir", metavar="DIR", default=None,
                           help="models you trained (default: the shipped ones)")
    accompany.add_argument("--render", metavar="AUDIO", help="also write a mix to hear (.wav, .flac or .ogg)")
    add_synth(accompany, " for --render")
    accompany.add_argument("--soundfont", metavar="SF2", default=None,
                           help="General MIDI SoundFont (default: $WAV2ACCOMP_SOUNDFONT, else TimGM6mb from "
                                "pretty_midi for the sampled instruments, or the OS's for FluidSynth)")
    accompany.add_argument("--plot", metavar="PNG", help="also draw the melody and every part to this PNG")
    accompany.add_argument("--stems", metavar="DIR", help="also write one stereo WAV per part and the voice (same "
                           "length, sample-aligned) into this folder, for a DAW")
    accompany.add_argument("--lead-sheet", metavar="FILE", help="also write a lead sheet (.musicxml: the melody, "
                           "the chord symbols the band plays, key, tempo, metre) for notation programs")
    add_note_limits(accompany, "shortest sung note kept")
    accompany.set_defaults(run=commands.run_accompany)


def _transcribe(subcommands) -> None:
    transcribe = _command(subcommands, "transcribe", "Turn a sung, hummed or whistled recording into a MIDI melody.",
                          TRANSCRIBE_EPILOG)
    transcribe.add_argument("audio", metavar="IN", help="the recording")
    transcribe.add_argument("-o", "--output", required=True, metavar="MID", help="MIDI file to write")
    add_field(transcribe, "--bpm", TranscriptionOptions, "bpm", type=tempo_bpm,
              help="tempo in quarter notes per minute (default: estimated from the notes)")
    add_note_limits(transcribe, "shortest note kept, seconds (notes shorter than a 16th at the tempo found go too)")
    transcribe.add_argument("--quantize", choices=QUANTIZE_GRIDS, default=QUANTIZE_GRIDS[0],
                            help="grid of the written notes: 16th, 8th, or none to keep the sung timing "
                                 "(default: %(default)s)")
    transcribe.add_argument("--plot", metavar="PNG", help="also draw spectrogram, f0 and notes to this PNG")
    transcribe.set_defaults(run=commands.run_transcribe)


def _prepare(subcommands) -> None:
    prepare = _command(subcommands, "prepare", "Turn folders of MIDI files into training-ready piano rolls.",
                       PREPARE_EPILOG)
    prepare.add_argument("corpus", nargs="+", metavar="CORPUS_DIR",
                         help="folder of MIDI files (searched recursively; POP909's layout is recognised)")
    prepare.add_argument("-o", "--output", required=True, metavar="CACHE", help="cache folder to write")
    prepare.add_argument("-j", "--jobs", type=positive_int, default=None,
                         help="worker processes (default: one per CPU core)")
    prepare.add_argument("--steps-per-beat", type=positive_int, default=4, metavar="N",
                         help="grid steps per quarter note (default: %(default)s, i.e. 16th notes)")
    add_quiet(prepare)
    prepare.set_defaults(run=commands.run_prepare)


def _inspect(subcommands) -> None:
    inspect = _command(subcommands, "inspect",
                       "Show the parts of a MIDI file, their classes and the rule that decided each.", INSPECT_EPILOG)
    inspect.add_argument("midi", metavar="FILE", help="a MIDI file")
    inspect.add_argument("--plot", metavar="PNG", help="also draw the rolls of every class to this PNG")
    inspect.add_argument("--ignore-names", action="store_true",
                         help="classify from channels, programs and note statistics only")
    inspect.set_defaults(run=commands.run_inspect)


def _per_architecture(attribute: str) -> str:
    return ", ".join(f"{getattr(entry, attribute)} {name}" for name, entry in ARCHITECTURES.items())


def _train(subcommands) -> None:
    train = _command(subcommands, "train", "Train a melody -> accompaniment model for one class.", train_epilog())
    train.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    train.add_argument("--part", required=True, choices=ACCOMPANIMENT_CLASSES, help="class to generate")
    train.add_argument("--arch", default=ALIGNED_ARCH, choices=architecture_names(),
                       help="architecture (default: %(default)s)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder: checkpoint, log, plot, model")
    add_field(train, "--windows-per-epoch", TrainOptions, "windows_per_epoch", type=positive_int, metavar="N",
              help="training windows per epoch (default: %(default)s)")
    add_field(train, "--patience", TrainOptions, "patience", type=positive_int, metavar="EPOCHS",
              help="stop after this many epochs without a better valid loss (default: %(default)s)")
    add_field(train, "--window", TrainOptions, "window", type=positive_int, metavar="STEPS",
              help=f"training window l (default: {_per_architecture('window')})")
    add_field(train, "--units", TrainOptions, "units", type=positive_int,
              help=f"LSTM units (default: {_per_architecture('units')})")
    add_field(train, "--layers", TrainOptions, "layers", type=positive_int,
              help=f"LSTM layers (default: {_per_architecture('layers')})")
    add_field(train, "--no-augment", TrainOptions, "augment", action="store_false", help="no random transposition")
    add_run_options(train, TrainOptions, sampled="window")
    train.set_defaults(run=commands.run_train)


def _counted_model(subcommands, name: str, description: str, epilog: str, *, writes: str, counted: str, run) -> None:
    """A command that counts a model from a prepared cache (numpy): --data, --out, --min-songs, -q."""
    command = _command(subcommands, name, description, epilog)
    command.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    command.add_argument("--out", required=True, metavar="DIR", help=f"folder for {writes}")
    command.add_argument("--min-songs", type=positive_int, default=GROOVE_MIN_SONGS, metavar="N",
                         help=f"fewest songs {counted} must be found in (default: %(default)s)")
    add_quiet(command)
    command.set_defaults(run=run)


def _train_grooves(subcommands) -> None:
    _counted_model(subcommands, "train-grooves", "Learn the groove drummer from the drum parts of a prepared cache.",
                   TRAIN_GROOVES_EPILOG, writes="groove-percussion.npz/.json", counted="a groove or bar edit",
                   run=commands.run_train_grooves)


def _train_comping(subcommands) -> None:
    _counted_model(subcommands, "train-comping", "Learn the comping models (piano and strings playing given chords) "
                   "from the pitched parts of a prepared cache.", TRAIN_COMPING_EPILOG,
                   writes="comping-<class>.npz/.json", counted="a bar rhythm", run=commands.run_train_comping)


def _train_bassline(subcommands) -> None:
    _counted_model(subcommands, "train-bassline", "Learn the bassline model (a bass playing given chords) from the "
                   "bass parts of a prepared cache.", TRAIN_BASSLINE_EPILOG, writes="bassline-bass.npz/.json",
                   counted="a bar figure", run=commands.run_train_bassline)


def _train_band(subcommands) -> None:
    command = _command(subcommands, "train-band", "Learn how the band plays (velocities, timing, the piano's "
                       "phrases, the melodies' bars, a piano's song or a band's) from folders of MIDI "
                       "files.", TRAIN_BAND_EPILOG)
    command.add_argument("folders", nargs="+", metavar="FOLDER", help="MIDI corpora (POP909 with its annotations "
                         "for the piano; multi-track corpora for strings, bass and drums)")
    command.add_argument("--out", required=True, metavar="DIR",
                         help="folder for dynamics-band, phrases-piano, metre-melody and style-melody "
                         "(.npz + .json each)")
    command.add_argument("--jobs", type=positive_int, default=2, metavar="N",
                         help="worker processes (default: %(default)s)")
    command.add_argument("--limit", type=positive_int, default=None, metavar="N",
                         help="at most N train files per folder (a quick try)")
    add_quiet(command)
    command.set_defaults(run=commands.run_train_band)


def _train_harmoniser(subcommands) -> None:
    command = _command(subcommands, "train-harmoniser", "Learn the harmoniser (a chord sequence for a melody) from the "
                       "songs of a prepared cache that have chord annotations.", TRAIN_HARMONISER_EPILOG)
    command.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    command.add_argument("--out", required=True, metavar="DIR", help="run folder: checkpoint, log, plot, model")
    add_field(command, "--hidden", HarmoniserOptions, "hidden", type=positive_int, metavar="N",
              help="units of the hidden layer (default: %(default)s)")
    add_field(command, "--recognised-weight", HarmoniserOptions, "recognised_weight", type=non_negative_float,
              metavar="W", help="also learn from the songs without chord annotations, with the chords their "
                                "harmony parts sound, each beat weighing W (default: %(default)g: annotated only)")
    add_field(command, "--misheard-weight", HarmoniserOptions, "misheard_weight", type=non_negative_float,
              metavar="W", help="also learn from every song as a transcription may mishear its grid (bar lines a "
                                "beat or more off, double or half time), each beat weighing W (default: %(default)g)")
    add_field(command, "--loss", HarmoniserOptions, "loss", choices=HARMONISER_LOSSES,
              help="beat: each beat's chord on its own; half-bar: under the softmax of its half bar's summed "
                   "log-probabilities, as the harmoniser decodes it (better in short runs, not in the shipped "
                   "configuration; default: %(default)s)")
    add_field(command, "--average-with", HarmoniserOptions, "average_with", nargs="+", metavar="STEM",
              help="write a model that averages this run's chord scores with those of these harmonisers "
                   "(path stems, e.g. runs/a/harmoniser-chords; free on --resume: a finished run can be averaged)")
    add_run_options(command, HarmoniserOptions, sampled="batch")
    command.set_defaults(run=commands.run_train_harmoniser)


def _evaluate(subcommands) -> None:
    evaluate = subcommands.add_parser("evaluate", description="Evaluate wav2accomp against annotated data.")
    targets = evaluate.add_subparsers(dest="target", metavar="WHAT", required=True, prog="wav2accomp evaluate")

    accompaniment = _command(targets, "accompaniment", "Compare generated accompaniment with the real parts of "
                             "held-out songs, beside the ceiling and baselines.", EVALUATE_EPILOG,
                             help="generated vs. real accompaniment of held-out songs")
    accompaniment.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    accompaniment.add_argument("--split", default="test", choices=SPLITS + ("all",),
                               help="songs to evaluate on (default: %(default)s)")
    accompaniment.add_argument("--parts", nargs="+", default=list(BAND_PARTS), choices=BAND_PARTS,
                               metavar="PART", help="classes to evaluate, and bass (default: all four)")
    accompaniment.add_argument("--model-dir", metavar="DIR", default=None,
                               help="folder with paper-<part> and aligned-<part> models (default: shipped models)")
    accompaniment.add_argument("--limit", type=positive_int, default=None, metavar="N",
                               help="only the first N songs per class")
    accompaniment.add_argument("--out", default="evaluation", metavar="DIR",
                               help="where the JSON, markdown and PNGs go (default: %(default)s)")
    accompaniment.add_argument("--plots", type=non_negative_int, default=3, metavar="N",
                               help="piano rolls to draw per class")
    add_quiet(accompaniment)
    accompaniment.set_defaults(run=commands.run_evaluate_accompaniment)

    transcription = _command(targets, "transcription", "Evaluate pitch tracking and note transcription on annotated "
                             "recordings, the trackers side by side.", TRANSCRIBE_EVALUATE_EPILOG,
                             help="transcribed vs. annotated notes of recordings")
    transcription.add_argument("folder", metavar="DIR", help="recordings with NAME.txt/NAME.csv note annotations")
    transcription.add_argument("--trackers", nargs="+", default=list(EVALUATED_TRACKERS), choices=TRACKERS,
                               help="pitch trackers to compare (default: all three)")
    transcription.add_argument("--limit", type=positive_int, default=None, metavar="N",
                               help="only the first N recordings")
    transcription.add_argument("--out", default="evaluation-transcription", metavar="DIR",
                               help="where report.json and report.md go (default: %(default)s)")
    add_quiet(transcription)
    transcription.set_defaults(run=commands.run_evaluate_transcription)

    stems = _command(targets, "stems", "Transcribe each song's melody stem, generate an accompaniment and compare "
                     "its harmony with the real one (the MIDI when the folder has it, else the stems' chroma); with "
                     "--baseline also score the raw-amplitude network's waveform.",
                     help="both routes on the held-out songs of a stems folder")
    stems.add_argument("stems", metavar="STEMS_DIR", help="a stems folder (see `wav2accomp stems --help`)")
    stems.add_argument("--baseline", metavar="RUN", default=None,
                       help="a raw-amplitude run folder (`wav2accomp baseline train`)")
    add_evaluated_split(stems)
    stems.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N songs")
    stems.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                       help="only the first S seconds of each song")
    stems.add_argument("--model-dir", metavar="DIR", default=None,
                       help="accompaniment models (default: the shipped ones)")
    stems.add_argument("--out", default="evaluation-stems", metavar="DIR",
                       help="where stems.json and stems.md go (default: %(default)s)")
    add_quiet(stems)
    add_melody_stem(stems)
    stems.set_defaults(run=commands.run_evaluate_stems)


def _stems(subcommands) -> None:
    stems = _command(subcommands, "stems", "Multitrack stems: render them from MIDI corpora.", STEMS_EPILOG)
    actions = stems.add_subparsers(dest="action", metavar="ACTION", required=True, prog="wav2accomp stems")
    render = _command(actions, "render", "Render each class of every MIDI file to its own stem.", STEMS_EPILOG,
                      help="MIDI folders -> a stems folder")
    render.add_argument("midi", nargs="+", metavar="MIDI_DIR", help="folders of MIDI files (searched recursively)")
    render.add_argument("-o", "--output", required=True, metavar="STEMS_DIR", help="folder to fill")
    render.add_argument("--split", default=None, choices=SPLITS, help="only the songs of this split (default: all)")
    render.add_argument("--limit", type=positive_int, default=None, metavar="N", help="at most N songs")
    render.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                        help="cut every song after S seconds")
    render.add_argument("--sample-rate", type=positive_int, default=STEMS_SAMPLE_RATE, metavar="HZ",
                        help="(default: %(default)s)")
    add_synth(render, "")
    render.add_argument("--soundfont", metavar="SF2", default=None, help="General MIDI SoundFont for FluidSynth")
    render.add_argument("-j", "--jobs", type=positive_int, default=None, help="worker processes (default: all CPUs)")
    add_quiet(render)
    render.set_defaults(run=commands.run_stems_render)


def _serve(subcommands) -> None:
    serve = _command(subcommands, "serve", "A local web page: record or drop a melody, hear and download your band.",
                     SERVE_EPILOG)
    serve.add_argument("--host", default=SERVE_HOST, help="address to listen on (default: %(default)s, this "
                       "computer only)")
    serve.add_argument("--port", type=positive_int, default=SERVE_PORT, help="(default: %(default)s)")
    serve.add_argument("--open", action="store_true", help="open the page in the default browser")
    serve.add_argument("--workers", type=positive_int, default=SERVE_WORKERS, metavar="N",
                       help="arrangements at once (default: %(default)s)")
    serve.add_argument("--queue", type=positive_int, default=SERVE_QUEUE, metavar="N",
                       help="arrangements waiting beyond those; more are told to retry (default: %(default)s)")
    serve.add_argument("--max-mb", type=positive_float, default=SERVE_MAX_BYTES / 1e6, metavar="MB",
                       help="largest upload (default: %(default)g)")
    serve.add_argument("--max-seconds", type=positive_float, default=SERVE_MAX_SECONDS, metavar="S",
                       help="longest recording or melody (default: %(default)g)")
    serve.add_argument("--job-minutes", type=positive_float, default=SERVE_JOB_SECONDS / 60, metavar="MIN",
                       help="remove a job this long after its last use (default: %(default)g)")
    serve.add_argument("--synth", default="auto", choices=SYNTH_ENGINES,
                       help="synthesiser of the page's audio (default: %(default)s = the sampled General MIDI "
                            "instruments; builtin is quicker and plainer)")
    serve.set_defaults(run=commands.run_serve)


def _baseline(subcommands) -> None:
    baseline = _command(subcommands, "baseline", "The raw-amplitude baseline on multitrack stems.", BASELINE_EPILOG)
    actions = baseline.add_subparsers(dest="action", metavar="ACTION", required=True, prog="wav2accomp baseline")
    options = BaselineTrainOptions
    train = actions.add_parser("train", help="train on a stems folder", epilog=BASELINE_EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--stems", required=True, metavar="STEMS_DIR", help="a stems folder")
    train.add_argument("--out", required=True, metavar="RUN", help="run folder: checkpoint, log, loss.png, model")
    add_field(train, "--chunk", options, "chunk", type=positive_int, help="samples per chunk (default: %(default)s)")
    add_field(train, "--hidden", options, "hidden", type=positive_int, nargs="+", metavar="UNITS",
              help=f"hidden layer widths (default: {' '.join(map(str, DEFAULT_HIDDEN))})")
    add_field(train, "--chunks-per-epoch", options, "chunks_per_epoch", type=positive_int, metavar="N",
              help="random chunks per epoch (default: %(default)s)")
    add_field(train, "--max-seconds-per-song", options, "max_seconds_per_song", type=positive_float, metavar="S",
              help="use only the first S seconds of each song")
    add_run_options(train, options, sampled="chunk")
    add_melody_stem(train)
    train.set_defaults(run=commands.run_baseline_train)

    generate = actions.add_parser("generate", help="a melody recording -> the network's accompaniment (audio)")
    generate.add_argument("audio", metavar="IN", help="a melody recording")
    generate.add_argument("--model", required=True, metavar="RUN", help="a run folder of `baseline train`")
    generate.add_argument("-o", "--output", required=True, metavar="AUDIO", help=".wav, .flac or .ogg to write")
    generate.add_argument("--overlap", type=non_negative_float, default=0.5,
                          help="share of each chunk overlapping the next, cross-faded (default: %(default)s)")
    generate.set_defaults(run=commands.run_baseline_generate)

    evaluate = actions.add_parser("evaluate", help="MSE / SNR / log-spectral distance on held-out songs")
    evaluate.add_argument("--model", required=True, metavar="RUN", help="a run folder of `baseline train`")
    evaluate.add_argument("--stems", required=True, metavar="STEMS_DIR", help="a stems folder")
    add_evaluated_split(evaluate)
    evaluate.add_argument("--overlap", type=non_negative_float, default=0.5, help="(default: %(default)s)")
    evaluate.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N songs")
    evaluate.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                          help="only the first S seconds of each song")
    evaluate.add_argument("--out", default=None, metavar="DIR", help="also write baseline.json and baseline.md there")
    add_quiet(evaluate)
    add_melody_stem(evaluate)
    evaluate.set_defaults(run=commands.run_baseline_evaluate)
