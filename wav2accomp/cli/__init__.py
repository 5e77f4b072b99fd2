"""The ``wav2accomp`` command: parses arguments, calls the Python API, reports.

Every failure the user can act on ends with one line on stderr and exit
status 1 (2 for a usage error); set ``WAV2ACCOMP_DEBUG=1`` for a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import __version__
from ..constants import (ACCOMPANIMENT_CLASSES, ALIGNED_ARCH, MAX_AUDIO_SECONDS, MIN_NOTE_SECONDS, PAPER_ARCH,
                         STEMS_SAMPLE_RATE)
from ..errors import Wav2AccompError

ARCHS = (PAPER_ARCH, ALIGNED_ARCH)

DESCRIPTION = """\
Hum a tune, get a band: wav2accomp turns a melody (a recording or MIDI) into
multi-track MIDI with generated drums, piano/guitar-like and string-like parts.

Commands:
  accompany   a recording or MIDI melody -> MIDI with a band (+ audio, picture)
  transcribe  turn a sung, hummed or whistled recording into a MIDI melody
  prepare     turn folders of MIDI files into training-ready piano rolls
  inspect     show how a MIDI file's parts are classified (and draw them)
  train       train the model of one accompaniment class on a prepared cache
  evaluate    measure transcription on annotated recordings, generated
              accompaniment against held-out songs, or both routes on stems
  stems       render multitrack stems (one audio file per class) from MIDI
  baseline    the raw-amplitude baseline: train, generate, evaluate

Run `wav2accomp COMMAND --help` for the options and examples of each.
"""

ACCOMPANY_EPILOG = """\
examples:
  wav2accomp accompany hum.wav -o song.mid --render song.wav --plot song.png
  wav2accomp accompany hum.wav -o song.mid --parts drums piano --bpm 96 --key "A minor"
  wav2accomp accompany melody.mid -o song.mid --temperature 0.5 --seed 7
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/my-models/

IN is a recording (humming, singing or whistling; wav/flac/ogg, mp3 where
your libsndfile can) or a MIDI file whose melody part is used. The MIDI file
holds your melody (time = time in the recording) and one track per part:
drums on channel 10, piano (GM 1) and strings (GM 49). --key makes the
pitched parts choose their chords among the key's own; without it the key is
estimated and only written to the file. --temperature 0 (default) gives the
models' most likely parts; 0.3-1 samples more freely, and --seed picks the
variation (same input + seed + temperature = same output).

--render mixes your recording with the synthesised parts. With FluidSynth and
a General MIDI SoundFont it sounds like real instruments (pip install
pyfluidsynth; Debian/Ubuntu: apt install libfluidsynth3 fluid-soundfont-gm;
or --soundfont FILE.sf2); otherwise a small built-in synthesiser plays it.
"""

TRANSCRIBE_EPILOG = """\
examples:
  wav2accomp transcribe hum.wav -o melody.mid
  wav2accomp transcribe hum.wav -o melody.mid --plot hum.png
  wav2accomp transcribe song.flac -o melody.mid --bpm 96 --min-note 0.1

Reads wav/flac/ogg (mp3 where your libsndfile can), any sample rate, stereo
or mono. Tracks the pitch (a fast YIN tracker), finds the notes (tuning
offset removed, vibrato and glides kept in one note, repeated notes split at
re-attacks), estimates tempo and bar lines (or takes --bpm) and snaps the
notes to a 16th-note grid. In the MIDI file, time equals time in the
recording: the first bar is a pickup whose length makes the grid land on
your beats. --plot draws the spectrogram, the f0 track, the notes and the
bar lines.
"""

TRANSCRIBE_EVALUATE_EPILOG = """\
examples:
  wav2accomp evaluate transcription ../shared/data/singing/ssvd --out eval-transcription/
  wav2accomp evaluate transcription my_recordings/ --trackers yin --limit 5

DIR holds recordings with their annotations beside them: NAME.txt or NAME.csv
with one note per line (onset offset midi_pitch; onset offset Hz; or onset
Hz duration; seconds), optionally NAME.f0.csv with time,Hz per frame (else
the reference f0 is each note's pitch over its span). For every tracker on
the same files: mir_eval.melody raw pitch / raw chroma / overall accuracy,
mir_eval.transcription note P/R/F1 (onset only, 50 ms; and with offsets) and
the speed as a multiple of real time. Writes OUT/report.json and report.md.
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

TRAIN_EPILOG = """\
examples:
  wav2accomp train --data cache/ --part guitarlike --arch aligned --out runs/guitarlike
  wav2accomp train --data cache/ --part percussion --arch paper --out runs/paper-drums --max-minutes 5
  wav2accomp train --data cache/ --part guitarlike --arch aligned --out runs/guitarlike --resume
  torchrun --nproc_per_node=4 -m wav2accomp train --data cache/ --part stringslike --out runs/strings

Architectures: `paper` is the seed's configuration (50-unit LSTM encoder and
decoder over windows of 100 steps, BCE, threshold 0.5); `aligned` (default) is
a time-aligned bidirectional LSTM with bar position and key inputs, onset and
sustain outputs, a calibrated threshold and a polyphony limit.

An epoch is --windows-per-epoch random windows of the train split (random
transpositions for augmentation); the valid split gives early stopping and the
decoding threshold; the test split is never read. OUT gets checkpoint.pt
(written atomically at every epoch end and every --checkpoint-seconds),
log.json, loss.png and the best model, <arch>-<part>.npz/.json, which
`--model-dir OUT` loads. Same data + same --seed = same weights, also after
an interruption and --resume. A run stopped by --max-minutes goes on when
resumed with a larger --max-minutes.
"""

EVALUATE_EPILOG = """\
examples:
  wav2accomp evaluate accompaniment --data cache/ --split test --out eval/
  wav2accomp evaluate accompaniment --data cache/ --parts guitarlike --limit 20 --model-dir runs/guitarlike

On the same songs in one run it compares the real accompaniment (the ceiling),
a trivial baseline (tonic triad on every beat; a rock beat for drums), the
real accompaniment of another song, the seed's `paper` model and the
`aligned` model: frame P/R/F1, note-onset F1, chord accuracy against POP909's
annotations, melody chord-tone ratio and consonance, polyphony, empty-beat
rate, pitch-class entropy, groove consistency (drums: onset F1 per family).
Writes OUT/accompaniment.json, OUT/accompaniment.md and a few piano-roll PNGs.
"""


STEMS_EPILOG = """\
examples:
  wav2accomp stems render ../shared/data/pop909 -o stems/pop909 --max-seconds 60
  wav2accomp stems render ../shared/data/pop-multitrack -o stems/multitrack --split test --limit 20

Each MIDI file becomes STEMS_DIR/<corpus>__<name>/ with one stem per class
(melody, percussion, guitarlike, stringslike: the class rules of `inspect`),
mix.flac and a copy of the MIDI file, all the same length, rendered with
FluidSynth and a General MIDI SoundFont (see `accompany --help`) or the
built-in synthesiser, in parallel. --split keeps the songs of one split of
the MIDI corpus (the same split `prepare` gives them). Files without a melody
or accompaniment are skipped with their reason.

A stems folder (rendered or recorded) is <root>/<song>/<stem>.wav|flac|ogg:
the stem whose name says vocal, voice, vox, lead, melody or sing is the
melody (--melody-stem WORD replaces that list in `baseline` and `evaluate
stems`); every other stem except mix/mixture is summed into the accompaniment.
"""

BASELINE_EPILOG = """\
examples:
  wav2accomp baseline train --stems stems/pop909 --out runs/raw --epochs 20
  wav2accomp baseline train --stems stems/pop909 --out runs/raw --epochs 40 --resume
  wav2accomp baseline generate --model runs/raw hum.wav -o accompaniment.wav --overlap 0.5
  wav2accomp baseline evaluate --model runs/raw --stems stems/pop909 --split test

The seed's experiment: a fully connected network maps each chunk of --chunk
melody samples (500 = 23 ms at 22050 Hz) to the same chunk of the summed
accompaniment stems, trained with an L2 loss on the train split (valid split
for the best epoch). Evaluation scores MSE, SNR and log-spectral distance
beside two trivial predictors: silence, and the melody scaled by its
least-squares gain.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wav2accomp", usage="%(prog)s [-h] [--version] COMMAND ...",
                                     description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wav2accomp {__version__}")
    # the commands are listed in DESCRIPTION, one line each; argparse's own list would repeat them
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)

    accompany = commands.add_parser("accompany",
                                    description="Give a melody a band: your melody plus generated drums, "
                                                "piano/guitar-like and string-like parts, as one MIDI file "
                                                "(optionally an audio mix to hear and a picture).",
                                    epilog=ACCOMPANY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    accompany.add_argument("source", metavar="IN", help="a recording or a MIDI melody")
    accompany.add_argument("-o", "--output", required=True, metavar="MID", help="MIDI file to write")
    accompany.add_argument("--parts", nargs="+", default=["drums", "piano", "strings"], metavar="PART",
                           help="parts to generate: drums, piano (or guitar), strings (default: all three)")
    accompany.add_argument("--bpm", type=tempo_bpm, default=None,
                           help="tempo, quarter notes per minute (default: estimated; a MIDI melody keeps its own)")
    accompany.add_argument("--key", default=None, help='key such as C, Am, "F# minor" (default: estimated)')
    accompany.add_argument("--seed", type=int, default=0, help="seed of the sampling (default: 0)")
    accompany.add_argument("--temperature", type=non_negative_float, default=0.0,
                           help="0 = most likely parts, 0.3-1 = freer (default: 0)")
    accompany.add_argument("--model-dir", metavar="DIR", default=None,
                           help="models you trained (default: the shipped ones)")
    accompany.add_argument("--render", metavar="AUDIO", help="also write a mix to hear (.wav, .flac or .ogg)")
    accompany.add_argument("--synth", default="auto", choices=("auto", "fluidsynth", "builtin"),
                           help="synthesiser for --render (default: FluidSynth when found, else built-in)")
    accompany.add_argument("--soundfont", metavar="SF2", default=None,
                           help="General MIDI SoundFont for FluidSynth (default: $WAV2ACCOMP_SOUNDFONT or the OS's)")
    accompany.add_argument("--plot", metavar="PNG", help="also draw the melody and every part to this PNG")
    accompany.add_argument("--min-note", type=positive_float, default=MIN_NOTE_SECONDS, metavar="SECONDS",
                           help="shortest sung note kept (default: %(default)s)")
    accompany.add_argument("--max-seconds", type=positive_float, default=MAX_AUDIO_SECONDS, metavar="SECONDS",
                           help="longest recording accepted (default: %(default)g)")
    accompany.set_defaults(run=run_accompany)

    transcribe = commands.add_parser("transcribe",
                                     description="Turn a sung, hummed or whistled recording into a MIDI melody.",
                                     epilog=TRANSCRIBE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    transcribe.add_argument("audio", metavar="IN", help="the recording")
    transcribe.add_argument("-o", "--output", required=True, metavar="MID", help="MIDI file to write")
    transcribe.add_argument("--bpm", type=tempo_bpm, default=None,
                            help="tempo in quarter notes per minute (default: estimated from the notes)")
    transcribe.add_argument("--min-note", type=positive_float, default=MIN_NOTE_SECONDS, metavar="SECONDS",
                            help="shortest note kept (default: %(default)s)")
    transcribe.add_argument("--max-seconds", type=positive_float, default=MAX_AUDIO_SECONDS, metavar="SECONDS",
                            help="longest recording accepted (default: %(default)g)")
    transcribe.add_argument("--plot", metavar="PNG", help="also draw spectrogram, f0 and notes to this PNG")
    transcribe.set_defaults(run=run_transcribe)

    prepare = commands.add_parser("prepare",
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

    inspect = commands.add_parser("inspect",
                                  description="Show the parts of a MIDI file, their classes and the rule "
                                              "that decided each.",
                                  epilog=INSPECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    inspect.add_argument("midi", metavar="FILE", help="a MIDI file")
    inspect.add_argument("--plot", metavar="PNG", help="also draw the rolls of every class to this PNG")
    inspect.add_argument("--ignore-names", action="store_true",
                         help="classify from channels, programs and note statistics only")
    inspect.set_defaults(run=run_inspect)

    train = commands.add_parser("train",
                                description="Train a melody -> accompaniment model for one class.",
                                epilog=TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    train.add_argument("--part", required=True, choices=ACCOMPANIMENT_CLASSES, help="class to generate")
    train.add_argument("--arch", default=ALIGNED_ARCH, choices=ARCHS, help="architecture (default: %(default)s)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder: checkpoint, log, plot, model")
    train.add_argument("--epochs", type=positive_int, default=60, help="most epochs (default: %(default)s)")
    train.add_argument("--windows-per-epoch", type=positive_int, default=8192, metavar="N",
                       help="training windows per epoch (default: %(default)s)")
    train.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="(default: %(default)s)")
    train.add_argument("--learning-rate", type=float, default=2e-3, metavar="LR", help="Adam (default: %(default)s)")
    train.add_argument("--patience", type=positive_int, default=6, metavar="EPOCHS",
                       help="stop after this many epochs without a better valid loss (default: %(default)s)")
    train.add_argument("--seed", type=int, default=0, help="seed of weights and window sampling (default: 0)")
    train.add_argument("--window", type=positive_int, default=None, metavar="STEPS",
                       help="training window l (default: 100 paper, 128 aligned)")
    train.add_argument("--units", type=positive_int, default=None, help="LSTM units (default: 50 paper, 128 aligned)")
    train.add_argument("--layers", type=positive_int, default=None, help="LSTM layers of aligned (default: 2)")
    train.add_argument("--no-augment", dest="augment", action="store_false", help="no random transposition")
    train.add_argument("--max-minutes", type=float, default=None, metavar="MIN",
                       help="stop after the epoch that passes this much training time")
    train.add_argument("--checkpoint-seconds", type=float, default=120.0, metavar="S",
                       help="checkpoint within an epoch at least this often (default: %(default)s)")
    train.add_argument("--limit-songs", type=positive_int, default=None, metavar="N",
                       help="use only the first N songs of each split (quick trials)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=run_train)

    evaluate = commands.add_parser("evaluate",
                                   description="Evaluate wav2accomp against annotated data.")
    targets = evaluate.add_subparsers(dest="target", metavar="WHAT", required=True)
    accompaniment = targets.add_parser("accompaniment", help="generated vs. real accompaniment of held-out songs",
                                       description="Compare generated accompaniment with the real parts of "
                                                   "held-out songs, beside the ceiling and baselines.",
                                       epilog=EVALUATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    accompaniment.add_argument("--data", required=True, metavar="CACHE", help="cache made by `wav2accomp prepare`")
    accompaniment.add_argument("--split", default="test", choices=("train", "valid", "test"),
                               help="songs to evaluate on (default: %(default)s)")
    accompaniment.add_argument("--parts", nargs="+", default=list(ACCOMPANIMENT_CLASSES),
                               choices=ACCOMPANIMENT_CLASSES, metavar="PART",
                               help="classes to evaluate (default: all three)")
    accompaniment.add_argument("--model-dir", metavar="DIR", default=None,
                               help="folder with paper-<part> and aligned-<part> models (default: shipped models)")
    accompaniment.add_argument("--limit", type=positive_int, default=None, metavar="N",
                               help="only the first N songs per class")
    accompaniment.add_argument("--out", default="evaluation", metavar="DIR",
                               help="where the JSON, markdown and PNGs go (default: %(default)s)")
    accompaniment.add_argument("--plots", type=int, default=3, metavar="N", help="piano rolls to draw per class")
    accompaniment.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    accompaniment.set_defaults(run=run_evaluate_accompaniment)

    transcription = targets.add_parser("transcription", help="transcribed vs. annotated notes of recordings",
                                       description="Evaluate pitch tracking and note transcription on annotated "
                                                   "recordings, the default tracker and pyin side by side.",
                                       epilog=TRANSCRIBE_EVALUATE_EPILOG,
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
    transcription.add_argument("folder", metavar="DIR", help="recordings with NAME.txt/NAME.csv note annotations")
    transcription.add_argument("--trackers", nargs="+", default=["yin", "pyin"], choices=("yin", "pyin"),
                               help="pitch trackers to compare (default: both)")
    transcription.add_argument("--limit", type=positive_int, default=None, metavar="N",
                               help="only the first N recordings")
    transcription.add_argument("--out", default="evaluation-transcription", metavar="DIR",
                               help="where report.json and report.md go (default: %(default)s)")
    transcription.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    transcription.set_defaults(run=run_evaluate_transcription)

    stems_eval = targets.add_parser("stems", help="both routes on the held-out songs of a stems folder",
                                    description="Transcribe each song's melody stem, generate an accompaniment "
                                                "and compare its harmony with the real one (the MIDI when the "
                                                "folder has it, else the stems' chroma); with --baseline also "
                                                "score the raw-amplitude network's waveform.",
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    stems_eval.add_argument("stems", metavar="STEMS_DIR", help="a stems folder (see `wav2accomp stems --help`)")
    stems_eval.add_argument("--baseline", metavar="RUN", default=None,
                            help="a raw-amplitude run folder (`wav2accomp baseline train`)")
    stems_eval.add_argument("--split", default="test", choices=("train", "valid", "test", "all"),
                            help="songs to evaluate (default: %(default)s)")
    stems_eval.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N songs")
    stems_eval.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                            help="only the first S seconds of each song")
    stems_eval.add_argument("--model-dir", metavar="DIR", default=None,
                            help="accompaniment models (default: the shipped ones)")
    stems_eval.add_argument("--out", default="evaluation-stems", metavar="DIR",
                            help="where stems.json and stems.md go (default: %(default)s)")
    stems_eval.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_melody_stem_option(stems_eval)
    stems_eval.set_defaults(run=run_evaluate_stems)

    stems = commands.add_parser("stems",
                                description="Multitrack stems: render them from MIDI corpora.", epilog=STEMS_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    stems_actions = stems.add_subparsers(dest="action", metavar="ACTION", required=True)
    render = stems_actions.add_parser("render", help="MIDI folders -> a stems folder", epilog=STEMS_EPILOG,
                                      description="Render each class of every MIDI file to its own stem.",
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
    render.add_argument("midi", nargs="+", metavar="MIDI_DIR", help="folders of MIDI files (searched recursively)")
    render.add_argument("-o", "--output", required=True, metavar="STEMS_DIR", help="folder to fill")
    render.add_argument("--split", default=None, choices=("train", "valid", "test"),
                        help="only the songs of this split (default: all)")
    render.add_argument("--limit", type=positive_int, default=None, metavar="N", help="at most N songs")
    render.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                        help="cut every song after S seconds")
    render.add_argument("--sample-rate", type=positive_int, default=STEMS_SAMPLE_RATE, metavar="HZ",
                        help="(default: %(default)s)")
    render.add_argument("--synth", default="auto", choices=("auto", "fluidsynth", "builtin"),
                        help="synthesiser (default: FluidSynth when found, else built-in)")
    render.add_argument("--soundfont", metavar="SF2", default=None, help="General MIDI SoundFont for FluidSynth")
    render.add_argument("-j", "--jobs", type=positive_int, default=None, help="worker processes (default: all CPUs)")
    render.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=run_stems_render)

    baseline = commands.add_parser("baseline",
                                   description="The raw-amplitude baseline on multitrack stems.",
                                   epilog=BASELINE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = baseline.add_subparsers(dest="action", metavar="ACTION", required=True)
    b_train = actions.add_parser("train", help="train on a stems folder", epilog=BASELINE_EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    b_train.add_argument("--stems", required=True, metavar="STEMS_DIR", help="a stems folder")
    b_train.add_argument("--out", required=True, metavar="RUN", help="run folder: checkpoint, log, loss.png, model")
    b_train.add_argument("--chunk", type=positive_int, default=500, help="samples per chunk (default: %(default)s)")
    b_train.add_argument("--hidden", type=positive_int, nargs="+", default=[1024, 1024], metavar="UNITS",
                         help="hidden layer widths (default: 1024 1024)")
    b_train.add_argument("--epochs", type=positive_int, default=20, help="(default: %(default)s)")
    b_train.add_argument("--chunks-per-epoch", type=positive_int, default=65536, metavar="N",
                         help="random chunks per epoch (default: %(default)s)")
    b_train.add_argument("--batch-size", type=positive_int, default=256, metavar="N", help="(default: %(default)s)")
    b_train.add_argument("--learning-rate", type=positive_float, default=1e-3, metavar="LR",
                         help="Adam (default: %(default)s)")
    b_train.add_argument("--seed", type=int, default=0, help="seed of weights and chunk sampling (default: 0)")
    b_train.add_argument("--max-seconds-per-song", type=positive_float, default=None, metavar="S",
                         help="use only the first S seconds of each song")
    b_train.add_argument("--limit-songs", type=positive_int, default=None, metavar="N",
                         help="at most N songs per split")
    b_train.add_argument("--max-minutes", type=positive_float, default=None, metavar="MIN",
                         help="stop after the epoch that passes this budget")
    b_train.add_argument("--checkpoint-seconds", type=positive_float, default=120.0, metavar="S",
                         help="also checkpoint this often inside an epoch (default: %(default)g)")
    b_train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    b_train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_melody_stem_option(b_train)
    b_train.set_defaults(run=run_baseline_train)
    b_generate = actions.add_parser("generate", help="a melody recording -> the network's accompaniment (audio)")
    b_generate.add_argument("audio", metavar="IN", help="a melody recording")
    b_generate.add_argument("--model", required=True, metavar="RUN", help="a run folder of `baseline train`")
    b_generate.add_argument("-o", "--output", required=True, metavar="AUDIO", help=".wav, .flac or .ogg to write")
    b_generate.add_argument("--overlap", type=non_negative_float, default=0.5,
                            help="share of each chunk overlapping the next, cross-faded (default: %(default)s)")
    b_generate.set_defaults(run=run_baseline_generate)
    b_evaluate = actions.add_parser("evaluate", help="MSE / SNR / log-spectral distance on held-out songs")
    b_evaluate.add_argument("--model", required=True, metavar="RUN", help="a run folder of `baseline train`")
    b_evaluate.add_argument("--stems", required=True, metavar="STEMS_DIR", help="a stems folder")
    b_evaluate.add_argument("--split", default="test", choices=("train", "valid", "test"),
                            help="(default: %(default)s)")
    b_evaluate.add_argument("--overlap", type=non_negative_float, default=0.5, help="(default: %(default)s)")
    b_evaluate.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N songs")
    b_evaluate.add_argument("--max-seconds", type=positive_float, default=None, metavar="S",
                            help="only the first S seconds of each song")
    b_evaluate.add_argument("--out", default=None, metavar="DIR", help="also write baseline.json there")
    b_evaluate.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_melody_stem_option(b_evaluate)
    b_evaluate.set_defaults(run=run_baseline_evaluate)
    return parser


def add_melody_stem_option(parser: argparse.ArgumentParser) -> None:
    """``--melody-stem WORD`` (repeatable): the words that name the melody stem, instead of the default list."""
    parser.add_argument("--melody-stem", action="append", default=None, metavar="WORD",
                        help="a word in the melody stem's file name, replacing the default list "
                             "(vocal voice vox lead melody sing); repeat for several")


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
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


def tempo_bpm(text: str) -> float:
    """argparse type: a tempo between 20 and 400 quarter notes per minute."""
    value = positive_float(text)
    if not 20 <= value <= 400:
        raise argparse.ArgumentTypeError(f"a tempo between 20 and 400 BPM, got {text}")
    return value


def run_accompany(args: argparse.Namespace) -> None:
    from ..arrangement import accompany, resolve_parts
    from ..fileio import check_writable
    from ..synth.render import FLUIDSYNTH_HINT, audio_format, choose_engine, find_soundfont

    resolve_parts(args.parts)
    for path in (args.output, args.render, args.plot):
        if path:
            check_writable(path)
    if args.render:
        audio_format(args.render)
        engine = choose_engine(args.synth, args.soundfont)
    result = accompany(args.source, parts=args.parts, bpm=args.bpm, key=args.key, seed=args.seed,
                       temperature=args.temperature, model_dir=args.model_dir, min_note_seconds=args.min_note,
                       max_seconds=args.max_seconds)
    result.to_midi(args.output)
    print(result.summary())
    print(f"wrote {args.output}")
    if args.render:
        result.render(args.render, engine=engine, soundfont=args.soundfont)
        how = (f"FluidSynth, {find_soundfont(args.soundfont)}" if engine == "fluidsynth" else
               f"built-in synthesiser; for real instruments: {FLUIDSYNTH_HINT}")
        print(f"wrote {args.render} ({how})")
    if args.plot:
        result.plot(args.plot)
        print(f"wrote {args.plot}")


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
    from ..baselines.raw_amplitude import BaselineTrainOptions, train_baseline

    options = BaselineTrainOptions(stems=args.stems, out=args.out, chunk=args.chunk, hidden=args.hidden,
                                   epochs=args.epochs, chunks_per_epoch=args.chunks_per_epoch,
                                   batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed,
                                   max_seconds_per_song=args.max_seconds_per_song, limit_songs=args.limit_songs,
                                   melody_keywords=args.melody_stem, max_minutes=args.max_minutes,
                                   checkpoint_seconds=args.checkpoint_seconds,
                                   resume=args.resume, progress=not args.quiet)
    log = train_baseline(options)
    print(f"best epoch {log['best_epoch']} (valid MSE {log['best_valid_mse']:.4f}, scaled); "
          f"{log['chunks_per_second']:.0f} chunks/s; wrote {args.out}")


def run_baseline_generate(args: argparse.Namespace) -> None:
    from ..audio.recording import load_audio
    from ..baselines.raw_amplitude import generate_accompaniment, load_baseline
    from ..fileio import check_writable
    from ..synth.render import audio_format, write_audio

    check_writable(args.output)
    audio_format(args.output)
    if not args.overlap < 1:
        raise Wav2AccompError(f"--overlap must be below 1, not {args.overlap:g}")
    network, config = load_baseline(args.model)
    melody, _ = load_audio(args.audio, sr=config.sr)
    write_audio(args.output, generate_accompaniment(network, config, melody, overlap=args.overlap), config.sr)
    print(f"wrote {args.output} ({len(melody) / config.sr:.1f} s)")


def run_baseline_evaluate(args: argparse.Namespace) -> None:
    from ..baselines.raw_amplitude import evaluate_baseline, format_baseline_report
    from ..fileio import write_json

    report = evaluate_baseline(args.model, args.stems, split=args.split, overlap=args.overlap, limit=args.limit,
                               max_seconds=args.max_seconds, melody_keywords=args.melody_stem,
                               progress=not args.quiet)
    print(format_baseline_report(report))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_json(Path(args.out) / "baseline.json", report)
        print(f"wrote {Path(args.out) / 'baseline.json'}")


def run_evaluate_stems(args: argparse.Namespace) -> None:
    from ..evaluation.stems import evaluate_stems, format_stems_report
    from ..fileio import atomic_write, write_json

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Wav2AccompError(f"cannot create {out}: {exc.strerror or exc}") from exc
    report = evaluate_stems(args.stems, baseline_dir=args.baseline, split=None if args.split == "all" else args.split,
                            limit=args.limit, max_seconds=args.max_seconds, model_dir=args.model_dir,
                            melody_keywords=args.melody_stem, progress=not args.quiet)
    text = format_stems_report(report)
    print(text)
    write_json(out / "stems.json", report)
    with atomic_write(out / "stems.md", "w") as handle:
        handle.write(text + "\n")
    print(f"wrote {out / 'stems.json'} and {out / 'stems.md'}")


def run_transcribe(args: argparse.Namespace) -> None:
    from ..audio.transcribe import transcribe
    from ..fileio import check_writable

    check_writable(args.output)
    if args.plot:
        check_writable(args.plot)
    result = transcribe(args.audio, bpm=args.bpm, min_note_seconds=args.min_note, max_seconds=args.max_seconds)
    result.to_midi(args.output)
    print(f"{args.audio}: {result.duration:.1f} s, {len(result.melody)} notes, {result.grid.bpm:.1f} BPM, "
          f"tuning {100 * result.tuning:+.0f} cents; wrote {args.output}")
    if args.plot:
        result.plot(args.plot)
        print(f"wrote {args.plot}")


def run_evaluate_transcription(args: argparse.Namespace) -> None:
    from ..evaluation.transcription import evaluate_transcription, format_markdown, write_report

    report = evaluate_transcription(args.folder, trackers=tuple(args.trackers), limit=args.limit,
                                    progress=not args.quiet)
    print(format_markdown(report))
    json_path, markdown_path = write_report(report, args.out)
    print(f"wrote {json_path} and {markdown_path}")


def run_prepare(args: argparse.Namespace) -> None:
    from ..data.corpus import format_report, prepare_corpus

    if args.steps_per_beat < 1:
        raise Wav2AccompError("--steps-per-beat must be at least 1")
    report = prepare_corpus(args.corpus, args.output, jobs=args.jobs, steps_per_beat=args.steps_per_beat,
                            progress=not args.quiet)
    print(format_report(report))
    print(f"wrote {Path(args.output) / 'index.json'} and {Path(args.output) / 'report.json'}")


def run_train(args: argparse.Namespace) -> None:
    import numpy as np

    from ..models.training import TrainOptions, train

    options = TrainOptions(data=args.data, part=args.part, arch=args.arch, out=args.out, epochs=args.epochs,
                           windows_per_epoch=args.windows_per_epoch, batch_size=args.batch_size,
                           learning_rate=args.learning_rate, patience=args.patience, seed=args.seed,
                           window=args.window, units=args.units, layers=args.layers, augment=args.augment,
                           max_minutes=args.max_minutes, checkpoint_seconds=args.checkpoint_seconds,
                           limit_songs=args.limit_songs, resume=args.resume, progress=not args.quiet)
    result = train(options)
    if result["history"] is not None and int(os.environ.get("RANK", "0")) == 0:
        best = min(result["history"], key=lambda row: row["valid_loss"])
        threshold = result["threshold"]
        threshold = f"{threshold:.3f}" if np.isscalar(threshold) else "one per drum"
        print(f"best valid loss {best['valid_loss']:.4f} at epoch {best['epoch']}; decoding threshold {threshold}; "
              f"wrote {Path(args.out) / f'{args.arch}-{args.part}'}.npz/.json, log.json, loss.png")


def run_evaluate_accompaniment(args: argparse.Namespace) -> None:
    from ..evaluation.accompaniment import evaluate_accompaniment, format_markdown, write_report

    report = evaluate_accompaniment(args.data, split=args.split, parts=tuple(args.parts), model_dir=args.model_dir,
                                    limit=args.limit, plots_dir=args.out, n_plots=args.plots,
                                    progress=not args.quiet)
    print(format_markdown(report))
    json_path, markdown_path = write_report(report, args.out)
    print(f"wrote {json_path}, {markdown_path} and piano rolls in {args.out}")


def run_inspect(args: argparse.Namespace) -> None:
    from ..symbolic.classify import classify_parts, program_family
    from ..symbolic.midi_io import read_midi

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
    except KeyboardInterrupt as exc:   # a training loop's TrainingInterrupted says where its checkpoint is
        print(f"wav2accomp: interrupted{': ' + str(exc) if str(exc) else ''}", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("WAV2ACCOMP_DEBUG"):
            raise
        print(f"wav2accomp: internal error: {type(exc).__name__}: {exc} "
              "(set WAV2ACCOMP_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1
    return 0


def entry() -> None:
    """The console command: :func:`main`, then exit without the interpreter's teardown.

    Every output is complete by then (written atomically and synced), so only the
    standard streams need flushing; skipping the teardown of torch and matplotlib
    saves about half a second per command (benchmarks/RESULTS.md, issue 5).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # output piped into `head`, or a stream already closed
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
