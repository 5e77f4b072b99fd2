"""The parser takes every default from the option dataclasses, and its number types refuse bad values."""
import argparse
from dataclasses import MISSING, fields

import pytest

from wav2accomp.baselines.options import BaselineTrainOptions
from wav2accomp.cli.parser import build_parser, field_default, tempo_bpm
from wav2accomp.options import DecodingOptions, DrumOptions, TrainOptions, TranscriptionOptions


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def subcommand(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    for name in path:
        parser = subcommands(parser)[name]
    return parser


#: (command, options dataclass, fields that are not command-line options of it)
SOURCES = [
    (("accompany",), TranscriptionOptions, ()),
    (("accompany",), DecodingOptions, ()),
    (("accompany",), DrumOptions, ()),
    (("transcribe",), TranscriptionOptions, ()),
    (("train",), TrainOptions, ("data", "part", "arch", "out", "valid_windows", "calibration_songs", "progress",
                                "command")),
    (("baseline", "train"), BaselineTrainOptions, ("stems", "out", "progress")),
]


@pytest.mark.parametrize("path,options_class,not_options", SOURCES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_default_comes_from_its_dataclass(path, options_class, not_options):
    actions = {a.dest: a for a in subcommand(build_parser(), *path)._actions}
    for item in fields(options_class):
        if item.name in not_options:
            continue
        assert item.name in actions, f"{options_class.__name__}.{item.name} is not an option of {' '.join(path)}"
        if item.default is not MISSING or item.default_factory is not MISSING:
            assert actions[item.name].default == field_default(options_class, item.name), item.name


def test_help_states_the_architectures_own_defaults():
    from wav2accomp.models.registry import ARCHITECTURES

    train = subcommand(build_parser(), "train")
    window = next(a for a in train._actions if a.dest == "window")
    for name, entry in ARCHITECTURES.items():
        assert f"{entry.window} {name}" in window.help


def test_tempo_is_checked_by_the_apis_rule():
    assert tempo_bpm("96") == 96.0
    for bad in ("10", "500", "nan", "fast"):
        with pytest.raises(argparse.ArgumentTypeError):
            tempo_bpm(bad)


def test_bad_numbers_are_usage_errors(capsys):
    parser = build_parser()
    for argv in (["accompany", "x.wav", "-o", "o.mid", "--seed", "-1"],
                 ["train", "--data", "c", "--part", "guitarlike", "--out", "r", "--learning-rate", "nan"]):
        with pytest.raises(SystemExit) as stopped:
            parser.parse_args(argv)
        assert stopped.value.code == 2
    assert "error" in capsys.readouterr().err


def test_every_epilog_is_wrapped_for_a_terminal():
    """The epilogs are printed as written (raw formatting): their prose lines fit 80 columns (indented example
    commands may run longer)."""
    for name, command in subcommands(build_parser()).items():
        for line in (command.epilog or "").splitlines():
            assert line.startswith("  ") or len(line) <= 80, f"{name}: {line[:40]}... is {len(line)} columns"
