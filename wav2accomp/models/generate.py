"""Melody roll -> accompaniment rolls with trained models.

The shipped models live in ``wav2accomp/pretrained/`` as ``<arch>-<part>.npz``
+ ``.json`` (see :mod:`wav2accomp.models.networks` and ``pretrained/MODEL_CARD.md``);
a folder of models a user trained has the same layout.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from ..constants import (ACCOMPANIMENT_CLASSES, ALIGNED_ARCH, MIN_DRUM_THRESHOLD, N_PITCHES, OUTSIDE_CHORD_WEIGHT,
                         PAPER_ARCH, PERCUSSION)
from ..errors import Wav2AccompError
from ..symbolic.harmony import chord_masks
from .conditioning import bar_positions, key_profile
from .decoding import decode_paper, decode_percussion, decode_pitched
from .networks import ModelConfig, load_model, model_inputs, output_probabilities

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"


def model_path(part: str, arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None) -> Path:
    """Path stem of the model for `part` and `arch` in `model_dir` (default: the shipped models)."""
    return Path(model_dir or PRETRAINED_DIR) / f"{arch}-{part}"


def load_part_model(part: str, arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None):
    """(model, config) for `part`; a one-line :class:`Wav2AccompError` when absent or broken."""
    path = model_path(part, arch, model_dir)
    if not path.with_suffix(".json").is_file():
        raise Wav2AccompError(f"no {arch} model for {part} in {path.parent} (expected {path.name}.json/.npz)")
    return load_model(path)


@torch.no_grad()
def predict_probabilities(model: torch.nn.Module, config: ModelConfig, melody: np.ndarray,
                          downbeats: np.ndarray) -> np.ndarray:
    """The model's probabilities for one song.

    Parameters
    ----------
    melody : np.ndarray
        ``(T, 78)`` encoded melody roll.
    downbeats : np.ndarray
        Steps of the song's downbeats.

    Returns
    -------
    np.ndarray
        ``(T, 78)`` note probabilities (``paper``) or ``(T, 181)`` sounding
        and onset probabilities per note and the chord's distribution
        (``aligned``), float32.
    """
    with _single_thread():
        return _predict(model, config, melody, downbeats)


@contextmanager
def _single_thread():
    """Run torch on one thread: a batch of one recurrent sequence gains nothing from more, and
    under load (a training run beside it) extra threads slow it down a hundredfold."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _predict(model: torch.nn.Module, config: ModelConfig, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    n_steps = melody.shape[0]
    if config.arch == PAPER_ARCH:
        # The seed works window by window: l steps in, l steps out.
        n_windows = -(-n_steps // config.window)
        padded = np.zeros((n_windows * config.window,) + melody.shape[1:], dtype=melody.dtype)
        padded[:n_steps] = melody
        inputs = model_inputs(config.arch, padded.reshape(n_windows, config.window, -1), None, None)
        logits = model(torch.from_numpy(inputs)).reshape(n_windows * config.window, -1)[:n_steps]
    else:
        inputs = model_inputs(config.arch, melody, bar_positions(n_steps, downbeats), key_profile(melody))
        logits = model(torch.from_numpy(inputs[None]))[0]
    return output_probabilities(config.arch, logits).numpy()


def decode(config: ModelConfig, probabilities: np.ndarray, *, temperature: float = 0.0,
           seed: int = 0, threshold: float | np.ndarray | None = None,
           chord_prior: np.ndarray | None = None) -> np.ndarray:
    """Probabilities from :func:`predict_probabilities` -> ``(T, 78)`` encoded roll.

    `threshold` overrides the model's calibrated one (used when calibrating);
    drum thresholds are never below :data:`~wav2accomp.constants.MIN_DRUM_THRESHOLD`;
    `chord_prior` (``(25,)`` weights over the chord vocabulary) multiplies the
    model's chord distribution of every beat before a chord is chosen.
    """
    threshold = np.asarray(config.threshold if threshold is None else threshold)
    if config.arch == PAPER_ARCH:
        return decode_paper(probabilities, threshold)
    rng = np.random.default_rng(seed)
    sounding, onsets, chords = np.split(probabilities, [N_PITCHES, 2 * N_PITCHES], axis=-1)
    if config.part == PERCUSSION:
        threshold = np.maximum(threshold, MIN_DRUM_THRESHOLD)
        return decode_percussion(onsets, threshold=threshold, max_polyphony=config.max_polyphony,
                                 temperature=temperature, rng=rng)
    if chord_prior is not None:
        chords = chords * chord_prior
    sounding = sounding * chord_weights(chords, config.steps_per_beat, temperature, rng)
    return decode_pitched(sounding, onsets, threshold=threshold, max_polyphony=config.max_polyphony,
                          temperature=temperature, rng=rng, block_steps=config.steps_per_beat)


def chord_weights(chords: np.ndarray, steps_per_beat: int, temperature: float,
                  rng: np.random.Generator) -> np.ndarray:
    """``(T, 78)`` weights of each note from the model's chord distribution ``(T, 25)``.

    One chord is chosen per beat: the most probable (temperature 0) or one
    sampled from the distribution sharpened or flattened by the temperature.
    Notes of the chord weigh 1, others :data:`~wav2accomp.constants.OUTSIDE_CHORD_WEIGHT`.
    """
    n_steps = len(chords)
    n_beats = -(-n_steps // steps_per_beat)
    padded = np.zeros((n_beats * steps_per_beat, chords.shape[1]), dtype=np.float64)
    padded[:n_steps] = chords
    per_beat = padded.reshape(n_beats, steps_per_beat, -1).mean(axis=1) + 1e-9
    if temperature > 0:
        sharpened = np.exp(np.log(per_beat) / temperature)
        sharpened /= sharpened.sum(axis=1, keepdims=True)
        chosen = np.array([rng.choice(len(row), p=row) for row in sharpened])
    else:
        chosen = np.argmax(per_beat, axis=1)
    inside = np.repeat(chord_masks()[chosen], steps_per_beat, axis=0)[:n_steps]
    return np.where(inside, 1.0, OUTSIDE_CHORD_WEIGHT)


def generate_part(model: torch.nn.Module, config: ModelConfig, melody: np.ndarray, downbeats: np.ndarray, *,
                  temperature: float = 0.0, seed: int = 0, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """Generate one accompaniment part for a melody: ``(T, 78)`` encoded roll.

    The same melody, seed and temperature always give the same roll.
    """
    return decode(config, predict_probabilities(model, config, melody, downbeats),
                  temperature=temperature, seed=seed, chord_prior=chord_prior)


def generate_parts(melody: np.ndarray, downbeats: np.ndarray, *, parts=ACCOMPANIMENT_CLASSES,
                   arch: str = ALIGNED_ARCH, model_dir: str | os.PathLike | None = None,
                   temperature: float = 0.0, seed: int = 0,
                   chord_prior: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every requested accompaniment part for a melody: class -> ``(T, 78)`` encoded roll.

    Parameters
    ----------
    melody : np.ndarray
        ``(T, 78)`` encoded melody roll on the 16th grid.
    downbeats : np.ndarray
        Steps where bars begin.
    parts : iterable of str
        Classes to generate (default: percussion, guitarlike, stringslike).
    arch : str
        ``"aligned"`` (default) or ``"paper"``.
    model_dir : path-like, optional
        Folder of trained models (default: the shipped ones).
    temperature, seed
        Sampling freedom (0 = deterministic) and its seed; each part gets its own stream.
    chord_prior : np.ndarray, optional
        ``(25,)`` weights over the chord vocabulary (e.g. a key's diatonic
        chords); used by the ``aligned`` pitched parts.
    """
    rolls = {}
    for index, part in enumerate(parts):
        model, config = load_part_model(part, arch, model_dir)
        rolls[part] = generate_part(model, config, melody, downbeats, temperature=temperature, seed=seed + index,
                                     chord_prior=chord_prior)
    return rolls
