"""Dynamics and feel: the velocity and the timing of every note, learned from real performances.

A :class:`DynamicsModel` holds, for each player (:data:`PLAYERS`: the piano, the strings, the bass and the
drum kit's families), what real parts of that player do, counted from MIDI files:

- **level**: the quantiles of a part's mean velocity over songs (how loud players play);
- **accents**: the mean velocity of each of the bar's 16 steps, relative to the part's mean (metrical accents:
  a drummer's louder beats and ghost notes, a pianist's downbeats);
- **swell**: the spread of a bar's mean velocity around the part's (phrase-level dynamics), and how much of it
  one bar passes on to the next;
- **touch**: the quantiles of what is left of each note's velocity, each song's share scaled to unit spread,
  and the quantiles of that spread over songs (some parts are played, some are sequenced at one velocity);
- **timing**: the quantiles of an onset's distance from its 16th step, steps (after the song's own grid phase
  is taken away), per onset (the notes of a chord start together), likewise scaled per song, and the
  quantiles of each song's spread.

- **palette**: the quantiles over songs of how many different velocities a part uses (a sequenced part
  keeps to a few levels, a played one uses many), apart for the songs whose melody is sequenced (at most
  :data:`SEQUENCED_MELODY_VELOCITIES` velocities: their parts mostly are too) and the others.

A part draws its level, its touch spread, its timing spread and its palette once, as a player brings them to
a song, the palette from the songs whose melody is played as this one's is (a recording's: played). Its
velocities are then kept to that many levels (the nearest of the part's own velocity quantiles); a real
pianist's retrieved phrases keep their own, but in a sequenced song.

:func:`play_velocities` and :func:`play_timing` draw from it. ``feel`` (:data:`~wav2accomp.constants.FEELS`)
scales the timing: ``grid`` puts every onset exactly on its step, ``natural`` plays as the corpus's players
do, ``loose`` twice as far from the grid. The velocities do not depend on the feel.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import BAR_POSITIONS, DRUM_FAMILIES, FEEL_TIMING_SCALE, FEELS
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays

#: Players of the model, in its arrays' order: the pitched parts, then the drum families and the rest of the kit.
PLAYERS = ("piano", "strings", "bass", "kick", "snare", "hihat/cymbal", "other drums")
#: Quantiles stored of each distribution (levels, touch, timing).
QUANTILES = np.linspace(0.0, 1.0, 41)
#: A melody played at no more than this many velocities is sequenced (as are most of its song's parts).
SEQUENCED_MELODY_VELOCITIES = 3
#: The timing's spread is drawn from the lower this much of the corpus's songs, and its shape is clipped at this
#: many of the song's own root mean squares (see :func:`play_timing`).
TIMING_SPREAD_QUANTILE = 0.97
TIMING_SHAPE_LIMIT = 6.0
#: Notes of one song a fit keeps at most per player for the touch and timing quantiles.
SAMPLE_NOTES = 400


def drum_player(pitch: int) -> str:
    """The player of a GM drum sound: its family in :data:`~wav2accomp.constants.DRUM_FAMILIES`, else "other drums"."""
    for family, sounds in DRUM_FAMILIES.items():
        if pitch in sounds:
            return family
    return "other drums"


@dataclass
class DynamicsModel:
    """See the module docstring. Arrays have one row per player of :data:`PLAYERS`.

    Attributes
    ----------
    level : np.ndarray
        ``(P, Q)`` quantiles (:data:`QUANTILES`) of a part's mean velocity.
    accents : np.ndarray
        ``(P, 16)`` mean velocity of each step of the bar, relative to the part's mean.
    swell : np.ndarray
        ``(P, 2)`` standard deviation of a bar's mean velocity around the part's, and its bar-to-bar correlation.
    touch : np.ndarray
        ``(P, Q)`` quantiles of the rest of a note's velocity, per song scaled to unit standard deviation.
    touch_spread : np.ndarray
        ``(P, Q)`` quantiles of that standard deviation over songs, velocity units.
    timing : np.ndarray
        ``(P, Q)`` quantiles of an onset's distance from its step, per song scaled to unit root mean square.
    timing_spread : np.ndarray
        ``(P, Q)`` quantiles of that root mean square over songs, steps.
    palette : np.ndarray
        ``(P, Q)`` quantiles of the number of different velocities of a part over the songs whose melody is
        played (uses more than :data:`SEQUENCED_MELODY_VELOCITIES` velocities).
    sequenced_palette : np.ndarray
        ``(P, Q)`` the same over the songs whose melody is sequenced.
    info : dict
    """

    level: np.ndarray
    accents: np.ndarray
    swell: np.ndarray
    touch: np.ndarray
    touch_spread: np.ndarray
    timing: np.ndarray
    timing_spread: np.ndarray
    palette: np.ndarray
    sequenced_palette: np.ndarray
    info: dict = field(default_factory=dict)

    ARRAYS = ("level", "accents", "swell", "touch", "touch_spread", "timing", "timing_spread", "palette",
              "sequenced_palette")


def _draw(quantiles: np.ndarray, rng: np.random.Generator, size) -> np.ndarray:
    """Draws from a distribution given by its quantiles at :data:`QUANTILES` (linear in between)."""
    return np.interp(rng.random(size), QUANTILES, quantiles)


def is_sequenced(melody_palette: float | None) -> bool:
    """Whether a melody played at `melody_palette` velocities (None: a recording) is sequenced."""
    return melody_palette is not None and melody_palette <= SEQUENCED_MELODY_VELOCITIES


def draw_palette(model: DynamicsModel, player: str, rng: np.random.Generator,
                 melody_palette: float | None = None) -> int:
    """How many different velocities a part keeps to, drawn from the songs whose melody is played as this one's:
    sequenced (`melody_palette` at most :data:`SEQUENCED_MELODY_VELOCITIES`) or played (more, or None)."""
    palette = (model.sequenced_palette if is_sequenced(melody_palette) else model.palette)[PLAYERS.index(player)]
    return int(round(float(_draw(palette, rng, ()))))


def play_velocities(model: DynamicsModel, player: str, steps: np.ndarray, bar_of: np.ndarray,
                    rng: np.random.Generator, *, intensity: np.ndarray | None = None,
                    relative: np.ndarray | None = None, melody_palette: float | None = None) -> np.ndarray:
    """Velocities for the onsets of one part.

    Parameters
    ----------
    model : DynamicsModel
    player : str
        One of :data:`PLAYERS`.
    steps : np.ndarray
        ``(N,)`` each note's onset step since its bar's start (0..15; larger ones wrap).
    bar_of : np.ndarray
        ``(N,)`` each note's bar, 0-based, non-decreasing.
    rng : np.random.Generator
    intensity : np.ndarray, optional
        ``(B,)`` the arrangement's intensity per bar, 0..1 (:mod:`wav2accomp.band.arc`): a bar at 1 plays one
        swell's spread louder than one at 0.5, one at 0 as much softer.
    relative : np.ndarray, optional
        ``(N,)`` each note's velocity relative to its phrase as a real player played it (a retrieved phrase's
        accents and touch): used in place of the model's accents and touch, and of its palette but in a
        sequenced song.
    melody_palette : float, optional
        How many different velocities the song's melody uses (:func:`draw_palette`).

    Returns
    -------
    np.ndarray
        ``(N,)`` int velocities, 1..127.
    """
    row = PLAYERS.index(player)
    bar_of = np.asarray(bar_of, dtype=int)
    n_bars = int(bar_of.max()) + 1 if bar_of.size else 0
    spread, carry = float(model.swell[row, 0]), float(np.clip(model.swell[row, 1], 0.0, 0.95))
    swell = np.zeros(n_bars)
    noise = rng.standard_normal(n_bars) * spread * np.sqrt(1 - carry ** 2)
    for bar in range(n_bars):
        swell[bar] = (carry * swell[bar - 1] if bar else 0.0) + (noise[bar] if bar else spread * rng.standard_normal())
    if intensity is not None and n_bars:
        swell += 2.0 * spread * (np.resize(np.asarray(intensity, float), n_bars) - 0.5)
    level = float(_draw(model.level[row], rng, ()))
    own = relative is not None
    if not own:
        spread = float(_draw(model.touch_spread[row], rng, ()))
        relative = (model.accents[row, np.asarray(steps, dtype=int) % BAR_POSITIONS]
                    + spread * _draw(model.touch[row], rng, len(bar_of)))
    velocity = np.clip(np.rint(level + swell[bar_of] + np.asarray(relative, dtype=float)), 1, 127)
    if own and not is_sequenced(melody_palette):   # a real player's phrases keep their own palette
        return velocity.astype(int)
    return keep_to_palette(velocity, draw_palette(model, player, rng, melody_palette)).astype(int)


def keep_to_palette(velocities: np.ndarray, size: int) -> np.ndarray:
    """Velocities moved to the nearest of `size` levels: their own quantiles at evenly spaced probabilities
    (unchanged when they hold no more than `size` values)."""
    velocities = np.asarray(velocities, dtype=float)
    if size < 1 or len(np.unique(velocities)) <= size:
        return velocities
    levels = np.unique(np.rint(np.quantile(velocities, (np.arange(size) + 0.5) / size)))
    return levels[np.argmin(np.abs(velocities[:, None] - levels[None, :]), axis=1)]


def play_timing(model: DynamicsModel, player: str, onset_ids: np.ndarray, rng: np.random.Generator, *,
                feel: str = "natural") -> np.ndarray:
    """Timing offsets of notes from their steps, steps: a spread for the part (from the lower
    :data:`TIMING_SPREAD_QUANTILE` of the corpus's songs), one draw per onset (notes with the same `onset_ids`
    start together; within :data:`TIMING_SHAPE_LIMIT` spreads), their mean taken away (a player laid back or
    ahead would sit off the melody's grid), scaled by the feel (:data:`~wav2accomp.constants.FEEL_TIMING_SCALE`).
    """
    check_feel(feel)
    onset_ids = np.asarray(onset_ids, dtype=int)
    scale = FEEL_TIMING_SCALE[feel]
    if scale == 0 or onset_ids.size == 0:
        return np.zeros(onset_ids.size)
    row = PLAYERS.index(player)
    # a player as loose as the corpus's, but for its loosest songs (triplet or swung parts written on a 16th grid,
    # unquantised takes with stray notes) and stray notes
    spread = float(np.interp(rng.random() * TIMING_SPREAD_QUANTILE, QUANTILES, model.timing_spread[row]))
    draws = spread * np.clip(_draw(model.timing[row], rng, int(onset_ids.max()) + 1), -TIMING_SHAPE_LIMIT,
                             TIMING_SHAPE_LIMIT)
    draws -= draws.mean()   # the feel varies around the melody's grid; the part does not drift off it
    return np.clip(scale * draws[onset_ids], -0.45, 0.45)


def check_feel(feel: str) -> str:
    """A feel of :data:`~wav2accomp.constants.FEELS`; a one-line error for another name."""
    if feel not in FEELS:
        raise Wav2AccompError(f"unknown feel {feel!r}: choose from {', '.join(FEELS)}")
    return feel


# --- fitting ----------------------------------------------------------------------------------------------------

def part_observations(velocities: np.ndarray, steps: np.ndarray, bar_starts: np.ndarray) -> dict:
    """What a fit keeps of one real part: its mean velocity, the velocity deviation per bar position (sums and
    counts), bar-mean deviations in bar order, residuals and onset offsets.

    Parameters
    ----------
    velocities : np.ndarray
        ``(N,)`` note-on velocities.
    steps : np.ndarray
        ``(N,)`` onsets in 16th steps from the song's grid phase (float: the offsets are kept).
    bar_starts : np.ndarray
        Bar starts, steps (int).
    """
    velocities = np.asarray(velocities, dtype=float)
    nearest = np.rint(steps).astype(int)
    bar_of = np.clip(np.searchsorted(bar_starts, nearest, side="right") - 1, 0, max(len(bar_starts) - 1, 0))
    position = np.clip(nearest - np.asarray(bar_starts)[bar_of], 0, BAR_POSITIONS - 1) if len(bar_starts) else \
        nearest % BAR_POSITIONS
    mean = velocities.mean()
    deviation = velocities - mean
    sums = np.bincount(position, deviation, BAR_POSITIONS)
    counts = np.bincount(position, minlength=BAR_POSITIONS).astype(float)
    profile = np.divide(sums, counts, out=np.zeros(BAR_POSITIONS), where=counts > 0)
    after_accent = deviation - profile[position]
    bars = np.unique(bar_of)
    bar_means = np.array([after_accent[bar_of == b].mean() for b in bars])
    residual = after_accent - bar_means[np.searchsorted(bars, bar_of)]
    _, first = np.unique(np.rint(steps * 16) / 16, return_index=True)
    offsets = steps[first] - np.rint(steps[first])
    touch_spread, timing_spread = float(residual.std()), float(np.sqrt(np.mean(offsets ** 2)))
    return {"mean": mean, "sums": sums, "counts": counts, "bar_means": bar_means,
            "palette": float(len(np.unique(velocities))),
            "residual": residual / touch_spread if touch_spread > 1e-6 else np.zeros(0),
            "offsets": offsets / timing_spread if timing_spread > 1e-6 else np.zeros(0),
            "touch_spread": touch_spread, "timing_spread": timing_spread}


def fit_dynamics(observations: dict[str, list[dict]], rng: np.random.Generator | None = None) -> DynamicsModel:
    """A :class:`DynamicsModel` from :func:`part_observations` of real parts, per player of :data:`PLAYERS`, each
    with its song's ``melody_palette`` (the melody's number of different velocities)."""
    rng = rng or np.random.default_rng(0)
    rows = {name: [] for name in DynamicsModel.ARRAYS}
    counts = {}
    for player in PLAYERS:
        parts = observations.get(player, [])
        if not parts:
            raise Wav2AccompError(f"no {player} part to learn the dynamics from")
        counts[player] = len(parts)
        sums = np.sum([p["sums"] for p in parts], axis=0)
        weights = np.sum([p["counts"] for p in parts], axis=0)
        accents = np.divide(sums, weights, out=np.zeros(BAR_POSITIONS), where=weights > 0)
        bar_means = [p["bar_means"] for p in parts if len(p["bar_means"]) > 1]
        spread = float(np.sqrt(np.mean(np.concatenate([b ** 2 for b in bar_means])))) if bar_means else 0.0
        pairs = np.concatenate([np.c_[b[:-1], b[1:]] for b in bar_means]) if bar_means else np.zeros((0, 2))
        carry = float(np.corrcoef(pairs.T)[0, 1]) if len(pairs) > 2 and pairs.std(axis=0).min() > 0 else 0.0

        def sample(key):
            taken = [p[key] if len(p[key]) <= SAMPLE_NOTES else rng.choice(p[key], SAMPLE_NOTES, replace=False)
                     for p in parts]
            taken = np.concatenate(taken) if taken else np.zeros(0)
            return taken if len(taken) else np.zeros(1)

        rows["level"].append(np.quantile([p["mean"] for p in parts], QUANTILES))
        rows["accents"].append(accents)
        rows["swell"].append([spread, carry if np.isfinite(carry) else 0.0])
        rows["touch"].append(np.quantile(sample("residual"), QUANTILES))
        rows["touch_spread"].append(np.quantile([p["touch_spread"] for p in parts], QUANTILES))
        rows["timing"].append(np.quantile(sample("offsets"), QUANTILES))
        rows["timing_spread"].append(np.quantile([p["timing_spread"] for p in parts], QUANTILES))
        sequenced = np.array([p.get("melody_palette", np.inf) <= SEQUENCED_MELODY_VELOCITIES for p in parts])
        palettes = np.array([p["palette"] for p in parts], dtype=float)
        played = palettes[~sequenced] if (~sequenced).any() else palettes
        rows["palette"].append(np.quantile(played, QUANTILES))
        rows["sequenced_palette"].append(np.quantile(palettes[sequenced] if sequenced.any() else played, QUANTILES))
    arrays = {name: np.array(values, dtype=np.float32) for name, values in rows.items()}
    return DynamicsModel(**arrays, info={"parts": counts})


def save_dynamics(model: DynamicsModel, stem: str | os.PathLike) -> None:
    """``STEM.npz`` + ``STEM.json``, together, atomically."""
    write_arrays(stem, {name: getattr(model, name) for name in DynamicsModel.ARRAYS},
                 {"kind": "dynamics", "players": list(PLAYERS), "info": model.info})


def load_dynamics(stem: str | os.PathLike) -> DynamicsModel:
    """Read :func:`save_dynamics`'s files (no pickle); a one-line error when they are broken or do not fit."""
    arrays, meta = read_arrays(stem, DynamicsModel.ARRAYS, "dynamics model")
    distributions = ("level", "touch", "touch_spread", "timing", "timing_spread", "palette", "sequenced_palette")
    shapes = {"accents": (len(PLAYERS), BAR_POSITIONS), "swell": (len(PLAYERS), 2),
              **{name: (len(PLAYERS), len(QUANTILES)) for name in distributions}}
    if (meta.get("players") != list(PLAYERS) or any(arrays[k].shape != s for k, s in shapes.items())
            or not all(np.isfinite(a).all() for a in arrays.values())
            or any(np.any(np.diff(arrays[name], axis=1) < 0) for name in distributions)
            or np.any(arrays["swell"][:, 0] < 0) or np.any(arrays["touch_spread"] < 0)
            or np.any(arrays["timing_spread"] < 0) or np.any(arrays["palette"] < 1)
            or np.any(arrays["sequenced_palette"] < 1)):
        raise Wav2AccompError(f"the dynamics model {Path(stem)} does not fit this version")
    return DynamicsModel(**{k: v.astype(float) for k, v in arrays.items()}, info=meta.get("info", {}))
