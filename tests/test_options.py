"""Option dataclasses: defaults, one-line errors for values out of range, the fields that define a run."""
import math

import pytest

from wav2accomp.errors import Wav2AccompError
from wav2accomp.options import (DecodingOptions, TrainOptions, TranscriptionOptions, check_bpm, run_defining)


def test_defaults_are_valid_and_bad_values_are_one_sentence():
    TranscriptionOptions(), DecodingOptions()
    for bad in (dict(bpm=10), dict(bpm=math.nan), dict(min_note_seconds=0), dict(max_seconds=-1)):
        with pytest.raises(Wav2AccompError):
            TranscriptionOptions(**bad)
    for bad in (dict(seed=-1), dict(seed=1.5), dict(temperature=-0.1), dict(temperature=math.inf)):
        with pytest.raises(Wav2AccompError, match="seed|temperature"):
            DecodingOptions(**bad)
    assert check_bpm(None) is None and check_bpm(96) == 96.0


def test_training_options_are_checked():
    base = dict(data="cache", part="guitarlike", arch="aligned", out="run")
    for bad in (dict(learning_rate=math.nan), dict(seed=-1), dict(units=0), dict(batch_size=1.5),
                dict(max_minutes=-1)):
        with pytest.raises(Wav2AccompError):
            TrainOptions(**base, **bad)


def test_run_defining_leaves_out_what_may_change_on_resume():
    defining = run_defining(TrainOptions(data="cache", part="guitarlike", arch="aligned", out="run"))
    assert {"data", "seed", "learning_rate", "window"} <= defining.keys()
    assert not {"out", "epochs", "max_minutes", "checkpoint_seconds", "resume", "progress", "command"} & defining.keys()
