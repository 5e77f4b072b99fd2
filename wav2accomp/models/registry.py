"""The architectures, looked up by name: one entry each, and the object that does their work.

An architecture is a module that defines ``ARCHITECTURE``, an instance of
:class:`wav2accomp.models.architecture.Architecture` (the network, its inputs,
targets, loss, probabilities, decoding, calibration and weight files). Its
entry here names that module and the sizes a model of it gets by default; the
module is imported on first use (it imports torch), so listing the names and
defaults — the command line does — costs nothing. Adding an architecture is a
new module plus a line in :data:`ARCHITECTURES`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..constants import (ALIGNED_ARCH, ALIGNED_LAYERS, ALIGNED_UNITS, ALIGNED_WINDOW_STEPS, MAX_POLYPHONY, N_PITCHES,
                         PAPER_ARCH, PAPER_UNITS, WINDOW_STEPS)
from ..errors import Wav2AccompError
from .config import ModelConfig


@dataclass(frozen=True)
class ArchitectureEntry:
    """How to find an architecture and what a model of it gets by default.

    Attributes
    ----------
    module : str
        Dotted name of the module that defines ``ARCHITECTURE``.
    units, layers : int
        Default LSTM size and depth.
    window : int
        Default training window, steps.
    max_polyphony : dict of str to int
        Most notes the decoder lets sound at once, per class (a class not
        listed: no limit).
    summary : str
        One line for people (``train --help``).
    """

    module: str
    units: int
    layers: int
    window: int
    max_polyphony: dict = field(default_factory=dict)
    summary: str = ""


#: Every architecture, by name: the seed's configuration first, then the default.
ARCHITECTURES: dict[str, ArchitectureEntry] = {
    PAPER_ARCH: ArchitectureEntry("wav2accomp.models.paper", units=PAPER_UNITS, layers=1, window=WINDOW_STEPS,
                                  summary="the seed's configuration: LSTM encoder -> LSTM decoder over windows, "
                                          "BCE, threshold 0.5"),
    ALIGNED_ARCH: ArchitectureEntry("wav2accomp.models.aligned", units=ALIGNED_UNITS, layers=ALIGNED_LAYERS,
                                    window=ALIGNED_WINDOW_STEPS, max_polyphony=MAX_POLYPHONY,
                                    summary="a two-rate bidirectional LSTM (beats for harmony, steps for rhythm) "
                                            "with bar position and key inputs, onset and sustain outputs, a chord "
                                            "per beat, a calibrated threshold and a polyphony limit"),
}
_LOADED: dict = {}


def architecture_names() -> tuple[str, ...]:
    """Names of the registered architectures, in :data:`ARCHITECTURES` order."""
    return tuple(ARCHITECTURES)


def entry(name: str) -> ArchitectureEntry:
    """The entry of architecture `name`; a one-line :class:`Wav2AccompError` for an unknown one."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise Wav2AccompError(f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}") from None


def get_architecture(name: str):
    """The :class:`~wav2accomp.models.architecture.Architecture` called `name` (its module imported once)."""
    if name not in _LOADED:
        _LOADED[name] = importlib.import_module(entry(name).module).ARCHITECTURE
    return _LOADED[name]


def register_architecture(name: str, new_entry: ArchitectureEntry, architecture=None) -> None:
    """Add (or replace) an architecture; `architecture` given directly skips importing ``new_entry.module``."""
    ARCHITECTURES[name] = new_entry
    _LOADED.pop(name, None)
    if architecture is not None:
        _LOADED[name] = architecture


def unregister_architecture(name: str) -> None:
    """Remove an architecture added by :func:`register_architecture`."""
    ARCHITECTURES.pop(name, None)
    _LOADED.pop(name, None)


def training_config(options) -> ModelConfig:
    """The configuration a :class:`~wav2accomp.options.TrainOptions` asks for: the architecture's defaults,
    with the window, units and layers the options give."""
    config = default_config(options.arch, options.part)
    config.window = options.window or config.window
    config.units = options.units or config.units
    config.layers = options.layers or config.layers
    return config


def default_config(name: str, part: str) -> ModelConfig:
    """The configuration a model of architecture `name` for class `part` is trained with by default."""
    found = entry(name)
    return ModelConfig(arch=name, part=part, units=found.units, layers=found.layers, window=found.window,
                       max_polyphony=found.max_polyphony.get(part, N_PITCHES))
