"""Melody roll -> accompaniment rolls with trained models.

The shipped models live in ``wav2accomp/pretrained/`` as ``<arch>-<part>.npz``
+ ``.json`` (see :mod:`wav2accomp.models.architecture` and ``pretrained/MODEL_CARD.md``);
a folder of models a user trained has the same layout.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..constants import (ACCOMPANIMENT_CLASSES, ALIGNED_ARCH, BAND_PARTS, BASS, BASS_FIGURE_BARS,
                         BASS_FIGURE_TEMPERATURE, BASSLINE_MODEL, COMPING_MODEL, GROOVE_MODEL, GUITARLIKE,
                         HARMONISER_MODEL, HARMONY_SOURCES, PERCUSSION)
from ..errors import Wav2AccompError
from ..options import DrumOptions, check_harmony
from .aligned import chord_head
from .architecture import Model, load_model
from .bassline import BasslineModel, load_bassline, play_bass
from .config import ModelConfig
from .comping import CompingModel, comp, load_comping
from .groove import GrooveModel, load_groove_model, play_drums
from .harmoniser import HarmonyModel, harmonise_melody, load_harmoniser
from .registry import get_architecture

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"
#: Second word of the harmoniser's random stream (the seed is the first): the chords do not depend on the parts asked.
HARMONY_STREAM = 0x4841524D


def model_path(part: str, arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None) -> Path:
    """Path stem of the model for `part` and `arch` in `model_dir` (default: the shipped models)."""
    return Path(model_dir or PRETRAINED_DIR) / f"{arch}-{part}"


def load_part_model(part: str, arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None):
    """(model, config) for `part`; a one-line :class:`Wav2AccompError` when absent or broken."""
    path = model_path(part, arch, model_dir)
    if not path.with_suffix(".json").is_file():
        raise Wav2AccompError(f"no {arch} model for {part} in {path.parent} (expected {path.name}.json/.npz)")
    return load_model(path)


def counted_model_path(stem: str, model_dir: str | os.PathLike | None = None) -> Path:
    """Path stem of a model stored as arrays + JSON (groove, comping, bassline, harmoniser): `stem` in `model_dir`
    when it has one, else the shipped one."""
    path = Path(model_dir or PRETRAINED_DIR) / stem
    return path if path.with_suffix(".json").is_file() else PRETRAINED_DIR / stem


def load_drummer(model_dir: str | os.PathLike | None = None) -> GrooveModel:
    """The groove model: ``groove-percussion`` in `model_dir` when it has one, else the shipped one."""
    return load_groove_model(counted_model_path(GROOVE_MODEL, model_dir))


def load_comper(part: str, model_dir: str | os.PathLike | None = None) -> CompingModel:
    """The comping model of a pitched class: ``comping-<part>`` in `model_dir` when it has one, else the shipped one."""
    return load_comping(counted_model_path(f"{COMPING_MODEL}-{part}", model_dir))


def load_bassist(model_dir: str | os.PathLike | None = None) -> BasslineModel:
    """The bassline model: ``bassline-bass`` in `model_dir` when it has one, else the shipped one."""
    return load_bassline(counted_model_path(BASSLINE_MODEL, model_dir))


def load_harmony(model_dir: str | os.PathLike | None = None) -> HarmonyModel:
    """The harmoniser: ``harmoniser-chords`` in `model_dir` when it has one, else the shipped one."""
    return load_harmoniser(counted_model_path(HARMONISER_MODEL, model_dir))


def predict_probabilities(model: Model, config: ModelConfig, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    """The model's probabilities for one song, ``(T, outputs)`` float32, from its ``(T, 78)`` melody roll and
    downbeat steps (:meth:`~wav2accomp.models.architecture.Architecture.predict` of its architecture)."""
    return get_architecture(config.arch).predict(model, melody, downbeats)


def decode(config: ModelConfig, probabilities: np.ndarray, *, temperature: float = 0.0, seed: int = 0,
           threshold: float | np.ndarray | None = None, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """Probabilities from :func:`predict_probabilities` -> ``(T, 78)`` encoded roll, by the model's architecture.

    `threshold` overrides the model's calibrated one (used when calibrating);
    `chord_prior` (``(25,)`` weights over the chord vocabulary) multiplies the
    model's chord distribution of every beat before a chord is chosen.
    """
    return get_architecture(config.arch).decode(config, probabilities, temperature=temperature, seed=seed,
                                                threshold=threshold, chord_prior=chord_prior)


def generate_part(model: Model, config: ModelConfig, melody: np.ndarray, downbeats: np.ndarray, *,
                  temperature: float = 0.0, seed: int = 0, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """Generate one accompaniment part for a melody: ``(T, 78)`` encoded roll.

    The same melody, seed and temperature always give the same roll.
    """
    return decode(config, predict_probabilities(model, config, melody, downbeats),
                  temperature=temperature, seed=seed, chord_prior=chord_prior)


def generate_parts(melody: np.ndarray, downbeats: np.ndarray, *, parts=ACCOMPANIMENT_CLASSES,
                   arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None,
                   temperature: float = 0.0, seed: int = 0, chord_prior: np.ndarray | None = None,
                   bpm: float = 120.0, drums: DrumOptions = DrumOptions(),
                   chords: np.ndarray | None = None, harmony: str = HARMONY_SOURCES[0]) -> dict[str, np.ndarray]:
    """Every requested accompaniment part for a melody: class -> ``(T, 78)`` encoded roll.

    Parameters
    ----------
    melody : np.ndarray
        ``(T, 78)`` encoded melody roll on the 16th grid.
    downbeats : np.ndarray
        Steps where bars begin.
    parts : iterable of str
        Parts to generate (default: percussion, guitarlike, stringslike; ``bass`` too, played by the bassline
        model, :func:`load_bassist`, to the chords: every :data:`~wav2accomp.constants.BASS_FIGURE_BARS` bars it
        draws one of the common figures, at
        :data:`~wav2accomp.constants.BASS_FIGURE_TEMPERATURE` or `temperature` when higher, as a bass player
        varies the line).
    arch : str
        A registered architecture: ``"aligned"`` (default) or ``"paper"``.
    model_dir : path-like, optional
        Folder of trained models (default: the shipped ones).
    temperature, seed
        Sampling freedom (0 = deterministic) and its seed; each part gets its own stream.
    chord_prior : np.ndarray, optional
        ``(25,)`` weights over the chord vocabulary (e.g. a key's diatonic
        chords); used by whoever chooses the chords.
    bpm : float
        Tempo, quarter notes per minute (the groove drummer's choice hears it).
    drums : DrumOptions
        Who plays the drums (the groove model by default, :func:`load_drummer`) and how.
    chords : np.ndarray, optional
        ``(T,)`` the chord index of every step (lead-sheet mode): the pitched parts are then played by the
        comping models (:func:`load_comper`), which play exactly these chords.
    harmony : str
        Without `chords`: ``"harmoniser"`` (default; with the ``aligned`` architecture) chooses them from the
        melody (:func:`load_harmony`), then played as given chords are (chords first); ``"network"`` lets the
        architecture's networks choose their own chords as they play (the bass then follows the aligned
        guitarlike model's chord head). The ``paper`` architecture, the seed's reference, always plays its
        networks.
    """
    check_harmony(harmony)
    parts = list(parts)
    # each part's own stream, whichever other parts are asked
    seeds = {part: seed + (BAND_PARTS.index(part) if part in BAND_PARTS else 0) for part in parts}
    rolls = {}
    if chords is None and plays_chords_first(parts, arch, harmony):
        chords = choose_chords(melody, downbeats, model_dir=model_dir, temperature=temperature, seed=seed,
                               chord_prior=chord_prior)
    if PERCUSSION in parts and drums.drummer == "groove":
        rolls[PERCUSSION] = play_drums(load_drummer(model_dir), melody, downbeats, bpm=bpm, density=drums.density,
                                       style=drums.style, temperature=temperature, seed=seeds[PERCUSSION])
    if chords is not None:
        for part in parts:
            if part not in (PERCUSSION, BASS):
                rolls[part] = comp(load_comper(part, model_dir), melody, downbeats, chords, bpm=bpm)
    models = {part: load_part_model(part, arch, model_dir)[0] for part in parts if part not in rolls and part != BASS}
    follows_head = BASS in parts and chords is None   # the bass follows the aligned guitarlike model's chords
    helper = ([load_part_model(GUITARLIKE, ALIGNED_ARCH, model_dir)[0]]
              if follows_head and not (arch == ALIGNED_ARCH and GUITARLIKE in models) else [])
    probabilities = predict_many(list(models.values()) + helper, melody, downbeats)
    for (part, model), p in zip(models.items(), probabilities):
        rolls[part] = decode(model.config, p, temperature=temperature, seed=seeds[part], chord_prior=chord_prior)
    if follows_head:
        guitar = probabilities[-1] if helper else probabilities[list(models).index(GUITARLIKE)]
        chords = chord_head(guitar, (helper[0] if helper else models[GUITARLIKE]).config.steps_per_beat, chord_prior)
    if BASS in parts:
        rolls[BASS] = play_bass(load_bassist(model_dir), melody, downbeats, chords, bpm=bpm,
                                temperature=max(temperature, BASS_FIGURE_TEMPERATURE), seed=seeds[BASS],
                                phrase_bars=BASS_FIGURE_BARS)
    return {part: rolls[part] for part in parts}


def plays_chords_first(parts, arch: str = ALIGNED_ARCH, harmony: str = HARMONY_SOURCES[0]) -> bool:
    """Whether :func:`generate_parts` has the harmoniser choose the chords (when none are given): a pitched part is
    asked, the harmony source is the harmoniser, the architecture is ``aligned``."""
    return any(part != PERCUSSION for part in parts) and harmony == HARMONY_SOURCES[0] and arch == ALIGNED_ARCH


def choose_chords(melody: np.ndarray, downbeats: np.ndarray, *, model_dir: str | os.PathLike | None = None,
                  temperature: float = 0.0, seed: int = 0, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """``(T,)`` the chord per step the harmoniser (:func:`load_harmony`) chooses for a melody, as
    :func:`generate_parts` plays it (its own random stream of `seed`, whatever parts are asked)."""
    return harmonise_melody(load_harmony(model_dir), melody, downbeats, temperature=temperature,
                            rng=np.random.default_rng([seed, HARMONY_STREAM]), chord_prior=chord_prior)


def predict_many(models: list[Model], melody: np.ndarray, downbeats: np.ndarray) -> list[np.ndarray]:
    """Each model's probabilities for one song (models of one architecture run together, in one pass)."""
    by_arch: dict[str, list[int]] = {}
    for n, model in enumerate(models):
        by_arch.setdefault(model.config.arch, []).append(n)
    result: list = [None] * len(models)
    for arch, members in by_arch.items():
        for n, p in zip(members, get_architecture(arch).predict_many([models[n] for n in members], melody,
                                                                       downbeats)):
            result[n] = p
    return result
