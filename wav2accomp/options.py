"""Every option a user sets, with its default and its range: one dataclass per job, one check per kind of value.

The command line takes its defaults from these dataclasses (a test compares
them) and the Python API validates with the same checks, before any file is
read. Pure Python: importing it costs nothing at start-up.

Training options mark the fields that may change when a run is resumed
(:data:`FREE_ON_RESUME` in the field's metadata); every other field defines
the run, and :func:`run_defining` lists them.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, fields

from .constants import (DRUM_DENSITY_RANGE, DRUM_STYLES, DRUMMERS, HARMONISER_LOSSES, HARMONY_SOURCES, MAX_AUDIO_SECONDS, MAX_TEMPERATURE,
                        MIN_NOTE_SECONDS, TRACKERS, USER_BPM_RANGE)
from .errors import Wav2AccompError

#: Field metadata of an option that may differ between a run and its ``--resume``.
FREE_ON_RESUME = {"free_on_resume": True}


def check_harmony(harmony: str) -> str:
    """Who chooses the chords when none are given (:data:`~wav2accomp.constants.HARMONY_SOURCES`); a one-line
    error for another name."""
    if harmony not in HARMONY_SOURCES:
        raise Wav2AccompError(f"unknown harmony source {harmony!r}: choose from {', '.join(HARMONY_SOURCES)}")
    return harmony


def check_bpm(bpm: float | None) -> float | None:
    """A tempo a user gave, quarter notes per minute (None: estimate it); a one-line error outside
    :data:`~wav2accomp.constants.USER_BPM_RANGE`."""
    if bpm is None:
        return None
    low, high = USER_BPM_RANGE
    if not (isinstance(bpm, (int, float)) and low <= bpm <= high):
        raise Wav2AccompError(f"bpm must be between {low:g} and {high:g}, not {bpm}")
    return float(bpm)


def check_finite(name: str, value, *, minimum: float | None = None, above: float | None = None) -> float:
    """`value` as a finite float, at least `minimum` / strictly above `above` when given; else a one-line error."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Wav2AccompError(f"{name} must be a finite number, not {value!r}")
    if minimum is not None and value < minimum:
        raise Wav2AccompError(f"{name} must be {minimum:g} or more, not {value:g}")
    if above is not None and not value > above:
        raise Wav2AccompError(f"{name} must be above {above:g}, not {value:g}")
    return float(value)


def check_drum_density(density) -> float:
    """The groove drummer's density (1 = as the melody suggests); a one-line error outside
    :data:`~wav2accomp.constants.DRUM_DENSITY_RANGE`."""
    low, high = DRUM_DENSITY_RANGE
    check_finite("drum density", density)
    if not low <= density <= high:
        raise Wav2AccompError(f"drum density must be between {low:g} and {high:g}, not {density:g}")
    return float(density)


def check_count(name: str, value, *, minimum: int = 1) -> int:
    """`value` as a whole number of at least `minimum`; else a one-line error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Wav2AccompError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value


def check_optional_count(name: str, value, *, minimum: int = 1) -> int | None:
    """:func:`check_count` for an option whose None means "no limit" or "the default"."""
    return None if value is None else check_count(name, value, minimum=minimum)


def check_optional_finite(name: str, value, **limits) -> float | None:
    """:func:`check_finite` for an option whose None means "no limit"."""
    return None if value is None else check_finite(name, value, **limits)


def run_defining(options) -> dict:
    """The fields of a training-options dataclass that a resumed run must share with its checkpoint."""
    return {f.name: getattr(options, f.name) for f in fields(options) if not f.metadata.get("free_on_resume")}


@dataclass(frozen=True)
class TranscriptionOptions:
    """How a recording becomes notes.

    Attributes
    ----------
    bpm : float or None
        Tempo, quarter notes per minute; None estimates it from the notes.
    min_note_seconds : float
        Shortest note kept, seconds.
    max_seconds : float
        Longest recording accepted, seconds.
    tracker : str
        Pitch tracker: ``"yin"`` (the vectorised YIN, default) or ``"pyin"`` (librosa's; slower).
    """

    bpm: float | None = None
    min_note_seconds: float = MIN_NOTE_SECONDS
    max_seconds: float = MAX_AUDIO_SECONDS
    tracker: str = TRACKERS[0]

    def __post_init__(self):
        if self.tracker not in TRACKERS:
            raise Wav2AccompError(f"unknown pitch tracker {self.tracker!r}: choose {' or '.join(TRACKERS)}")
        check_bpm(self.bpm)
        check_finite("the shortest note (min_note_seconds)", self.min_note_seconds, above=0)
        check_finite("the longest recording (max_seconds)", self.max_seconds, above=0)


@dataclass(frozen=True)
class DecodingOptions:
    """How the accompaniment models' probabilities become notes.

    Attributes
    ----------
    temperature : float
        0 decodes the most likely parts; higher values (0.3–1) sample more freely.
    seed : int
        Seed of the sampling (0 or more): the same input, seed and temperature give the same parts.
    """

    temperature: float = 0.0
    seed: int = 0

    def __post_init__(self):
        check_finite("temperature", self.temperature, minimum=0)
        if self.temperature > MAX_TEMPERATURE:
            raise Wav2AccompError(f"temperature must be at most {MAX_TEMPERATURE:g}, not {self.temperature:g}")
        check_count("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class DrumOptions:
    """How the drums are played.

    Attributes
    ----------
    drummer : str
        ``"groove"``: the bar-level groove model (grooves, variations, fills, crashes, an ending);
        ``"network"``: the chosen architecture's percussion network, decoded step by step.
    density : float
        1 plays as the melody suggests; below 1 sparser grooves, above 1 busier ones (groove drummer).
    style : str or None
        Keep the grooves to one family (groove drummer; see :data:`~wav2accomp.constants.DRUM_STYLES`).
    """

    drummer: str = DRUMMERS[0]
    density: float = 1.0
    style: str | None = None

    def __post_init__(self):
        if self.drummer not in DRUMMERS:
            raise Wav2AccompError(f"unknown drummer {self.drummer!r}: choose {' or '.join(DRUMMERS)}")
        check_drum_density(self.density)
        if self.style is not None and self.style not in DRUM_STYLES:
            raise Wav2AccompError(f"unknown drum style {self.style!r}: choose from {', '.join(DRUM_STYLES)}")


@dataclass(frozen=True)
class HarmoniserOptions:
    """Options of one training run of the harmoniser (the ``train-harmoniser`` command's flags)."""

    data: str
    out: str = field(metadata=FREE_ON_RESUME)
    epochs: int = field(default=24, metadata=FREE_ON_RESUME)
    batch_size: int = 1024
    learning_rate: float = 3e-3
    hidden: int = 256
    recognised_weight: float = 0.0
    misheard_weight: float = 0.5
    loss: str = "beat"
    seed: int = 0
    limit_songs: int | None = None
    average_with: tuple[str, ...] = field(default=(), metadata=FREE_ON_RESUME)
    max_minutes: float | None = field(default=None, metadata=FREE_ON_RESUME)
    checkpoint_seconds: float = field(default=120.0, metadata=FREE_ON_RESUME)
    resume: bool = field(default=False, metadata=FREE_ON_RESUME)
    progress: bool = field(default=True, metadata=FREE_ON_RESUME)
    command: str = field(default_factory=lambda: " ".join(["wav2accomp"] + sys.argv[1:]), metadata=FREE_ON_RESUME)

    def __post_init__(self):
        object.__setattr__(self, "average_with", tuple(str(stem) for stem in self.average_with))
        check_finite("recognised weight", self.recognised_weight, minimum=0)
        check_finite("misheard weight", self.misheard_weight, minimum=0)
        if self.loss not in HARMONISER_LOSSES:
            raise Wav2AccompError(f"unknown loss {self.loss!r}: choose from {', '.join(HARMONISER_LOSSES)}")
        for name in ("epochs", "batch_size", "hidden"):
            check_count(name.replace("_", " "), getattr(self, name))
        check_optional_count("limit songs", self.limit_songs)
        check_finite("the learning rate", self.learning_rate, minimum=0)
        check_count("seed", self.seed, minimum=0)
        check_optional_finite("max minutes", self.max_minutes, minimum=0)
        check_finite("checkpoint seconds", self.checkpoint_seconds, minimum=0)


@dataclass
class TrainOptions:
    """Options of one training run of an accompaniment model (the ``train`` command's flags).

    ``window``, ``units`` and ``layers`` None take the architecture's defaults
    (:func:`wav2accomp.models.registry.training_config`).
    """

    data: str
    part: str
    arch: str
    out: str = field(metadata=FREE_ON_RESUME)
    epochs: int = field(default=60, metadata=FREE_ON_RESUME)
    windows_per_epoch: int = 8192
    batch_size: int = 64
    learning_rate: float = 2e-3
    patience: int = field(default=6, metadata=FREE_ON_RESUME)
    seed: int = 0
    window: int | None = None
    units: int | None = None
    layers: int | None = None
    augment: bool = True
    valid_windows: int = 1024
    calibration_songs: int = field(default=60, metadata=FREE_ON_RESUME)
    max_minutes: float | None = field(default=None, metadata=FREE_ON_RESUME)
    checkpoint_seconds: float = field(default=120.0, metadata=FREE_ON_RESUME)
    limit_songs: int | None = None
    resume: bool = field(default=False, metadata=FREE_ON_RESUME)
    progress: bool = field(default=True, metadata=FREE_ON_RESUME)
    command: str = field(default_factory=lambda: " ".join(["wav2accomp"] + sys.argv[1:]), metadata=FREE_ON_RESUME)

    def __post_init__(self):
        for name in ("epochs", "windows_per_epoch", "batch_size", "patience", "valid_windows", "calibration_songs"):
            check_count(name.replace("_", " "), getattr(self, name))
        for name in ("window", "units", "layers", "limit_songs"):
            check_optional_count(name.replace("_", " "), getattr(self, name))
        check_finite("the learning rate", self.learning_rate, minimum=0)
        check_count("seed", self.seed, minimum=0)
        check_optional_finite("max minutes", self.max_minutes, minimum=0)
        check_finite("checkpoint seconds", self.checkpoint_seconds, minimum=0)
