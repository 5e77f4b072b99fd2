"""Drums that groove: a bar-level drum model learned from real drum parts.

Per-drum, per-step decisions cannot make a groove: the hits of a drum
pattern depend on each other. This model works with whole bars and beats
instead, on a reduced kit (:data:`~wav2accomp.constants.DRUM_KIT`), in a
song cut into sections of :data:`~wav2accomp.constants.PHRASE_BARS` bars from
the melody's first bar (bars before it are the intro, counted backwards):

1. **A groove per section.** A vocabulary of bar patterns that real drummers
   play as the main groove of a section (each found in at least
   :data:`~wav2accomp.constants.GROOVE_MIN_SONGS` songs of the corpus, and
   silence) and, for each, a linear model of how well it agrees with a
   section's real drums (the mean of the kick, snare and hi-hat/cymbal onset
   F1 and the frame F1) from the melody's rhythm and the tempo, of the song
   and of the section (:func:`section_features`). The sequence of grooves of
   best expected agreement is played (minimum Bayes risk, by Viterbi, a
   change of groove between sections costing :data:`SWITCH_COST`); the
   temperature widens the choice, ``density`` leans it sparser or busier,
   and a style keeps to one family (:data:`STYLES`). Real drummers change
   the main groove at about half the section boundaries (verse and chorus
   feel), while the melody's sections sound alike to the choice, so from the
   melody's entry every second section plays the song's second groove
   (:func:`alternate_sections`).
2. **Variation by bar.** Each bar keeps the groove, plays one of the common
   bar edits (hits added and removed) or, in the bars that end a two-bar
   phrase (:data:`FILL_SLOTS`), varies beat by beat, each beat's edit drawn
   given the bar's slot, the beat and whether the beat before was edited, so
   fills run on; the probabilities are counted per slot (phrase position and
   whether the melody rests in the bar's second half), edits found in at least
   :data:`~wav2accomp.constants.GROOVE_MIN_SONGS` songs. How often a song's bars
   vary is drawn once per song from the corpus's songs (``restlessness``: some
   drummers loop, others never repeat a bar), at :data:`VARIATION_SCALE` of
   the corpus's rate. A random stream seeded by the seed and the melody draws
   them.
3. **Layers.** Real drum parts stack percussion over the kit: a tambourine or
   shaker doubling the backbeat is the corpus's most common layer
   (:data:`PERCUSSION_VOICES`); the model learns the most common doubling of
   the snare and plays it wherever a bar's snare falls on its steps.
4. **Form.** A crash on the downbeat of every section and an ending: kick
   and crash with the melody's last note in the song's last bar (on its
   downbeat when the note began earlier), nothing after.

Everything here is numpy; a model is a handful of arrays saved as ``.npz`` +
``.json`` (:func:`save_groove_model`, :func:`load_groove_model`), learned by
:mod:`wav2accomp.models.groove_fit`.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..constants import (BAR_POSITIONS, DRUM_FAMILIES, DRUM_KIT, N_PITCHES, ONSET, PHRASE_BARS, PITCH_LOW,
                         STEPS_PER_BEAT, SUSTAIN)
from ..errors import Wav2AccompError
from ..fileio import read_arrays, write_arrays
from ..symbolic.harmony import beat_spans

#: Voices of the kit, in :data:`~wav2accomp.constants.DRUM_KIT` order.
VOICES = tuple(DRUM_KIT)
VOICE = {name: index for index, name in enumerate(VOICES)}
#: Tempo bins of :func:`melody_features`, BPM (lower edges after the first).
TEMPO_EDGES = (80.0, 100.0, 120.0, 140.0)
#: Slots of the bars that end a two-bar phrase (the 2nd, 4th, 6th and 8th of each 8, either melody state) and of
#: the intro's last bar: the ones varied beat by beat (drummers answer a bar with the next, and fill at the ends).
FILL_SLOTS = (2, 3, 6, 7, 10, 11, 14, 15, 2 * PHRASE_BARS + 1)
#: What a bar does with its section's groove (columns of ``GrooveModel.vary``).
KEEP, BAR_EDIT, BEAT_EDITS = 0, 1, 2
#: Number of bar slots: 8 phrase positions x melody resting in the bar's second half or not, then the intro's.
N_SLOTS = 2 * PHRASE_BARS + 2
#: How much utility (mean F1) a factor-of-e miss of the asked density costs when choosing a groove.
DENSITY_COST = 0.3
#: Spread of the groove choice at temperature 1, in expected F1.
GROOVE_TEMPERATURE_SCALE = 0.05
#: Expected agreement (mean F1) a change of groove between two sections must gain.
SWITCH_COST = 0.02
#: Hits (voice and step) in which the second groove of :func:`alternate_sections` differs from the first, at least.
PARTNER_MIN_HITS = 2
#: The drummer varies its bars this much as often as the corpus's drummers (:func:`bar_patterns`): the band
#: around it (sections, fills, the arc) varies the bars too, and with the corpus's rate its distinct bar rhythms
#: per bar came out above the real drummers' (validation songs: 0.160 against 0.145; with 0.8: 0.133).
VARIATION_SCALE = 0.8
#: The percussion voices a layer is made of (played over the kit, doubling its hits).
PERCUSSION_VOICES = ("tambourine", "shaker")
#: Families scored by the groove choice: voice indices of each.
FAMILY_VOICES = {family: tuple(VOICE[v] for v, drums in DRUM_KIT.items() if set(drums) & set(numbers))
                 for family, numbers in DRUM_FAMILIES.items()}


def _hat_steps(groove: np.ndarray) -> int:
    return int(groove[:, [VOICE["closed hi-hat"], VOICE["open hi-hat"]]].any(axis=1).sum())


#: Groove families a user may ask for (``--style``, :data:`~wav2accomp.constants.DRUM_STYLES`): name -> test
#: of a ``(16, K)`` bar pattern.
STYLES = {
    "eighths": lambda g: _hat_steps(g) == 8 and g[::2, VOICE["closed hi-hat"]].sum() >= 6,
    "sixteenths": lambda g: _hat_steps(g) >= 12,
    "quarters": lambda g: 3 <= _hat_steps(g) <= 4,
    "ride": lambda g: g[:, VOICE["ride"]].sum() >= 4,
    "four-on-the-floor": lambda g: bool(g[::4, VOICE["kick"]].all()),
    "half-time": lambda g: bool(g[8, FAMILY_VOICES["snare"]].any() and not g[[4, 12]][:, FAMILY_VOICES["snare"]].any()),
    "backbeat": lambda g: bool(g[[4, 12]][:, FAMILY_VOICES["snare"]].any(axis=1).all()),
}


@dataclass
class GrooveModel:
    """The arrays of a groove model (see the module docstring).

    Attributes
    ----------
    drums : np.ndarray
        ``(K,)`` GM drum played for each voice of the kit.
    hold : np.ndarray
        ``(K,)`` steps each hit of a voice is held.
    grooves : np.ndarray
        ``(G, 16, K)`` bool: the groove vocabulary, one bar each.
    utility : np.ndarray
        ``(F, G)``: expected agreement of each groove with a song's real drums is ``features @ utility``.
    vary : np.ndarray
        ``(N_SLOTS, 3)``: probability that a bar in each slot keeps the groove (:data:`KEEP`), plays one of
        the common bar edits (:data:`BAR_EDIT`) or varies beat by beat (:data:`BEAT_EDITS`, fills mostly).
    restlessness : np.ndarray
        ``(L,)`` quantiles of the songs' share of varied bars over the corpus mean: some drummers loop, some
        never play a bar twice; a song draws one level, which scales the chance that a bar varies.
    bar_add, bar_remove : np.ndarray
        ``(Eb, 16, K)`` bool: the hits each common bar edit adds to and removes from the groove.
    bar_probability : np.ndarray
        ``(N_SLOTS, Eb)``: probability of each bar edit per slot.
    beat_add, beat_remove : np.ndarray
        ``(E, 4, K)`` bool: the hits each beat edit adds to and removes from one beat (edit 0: none).
    beat_probability : np.ndarray
        ``(N_SLOTS, 4, 2, E)``: in a bar varied beat by beat, the probability of each edit per bar slot, beat
        of the bar, and whether the beat before it was edited (a fill runs on over beats).
    doubling : np.ndarray
        ``(16, K)`` bool: the percussion layer (:data:`PERCUSSION_VOICES` only) that doubles the snare: each of
        its hits plays where the bar has a snare-family hit on that step (all False: no layer).
    info : dict
        Provenance: corpus, songs, vocabulary sizes, fit figures.
    """

    drums: np.ndarray
    hold: np.ndarray
    grooves: np.ndarray
    utility: np.ndarray
    vary: np.ndarray
    restlessness: np.ndarray
    bar_add: np.ndarray
    bar_remove: np.ndarray
    bar_probability: np.ndarray
    beat_add: np.ndarray
    beat_remove: np.ndarray
    beat_probability: np.ndarray
    doubling: np.ndarray
    info: dict = field(default_factory=dict)

    ARRAYS = ("drums", "hold", "grooves", "utility", "vary", "restlessness", "bar_add", "bar_remove", "bar_probability",
              "beat_add", "beat_remove", "beat_probability", "doubling")


# --- What the drummer hears -------------------------------------------------------------------------------

#: Width of :func:`melody_features`.
N_FEATURES = 2 + len(TEMPO_EDGES) + BAR_POSITIONS + 3


def melody_features(melody: np.ndarray, downbeats: np.ndarray, bpm: float) -> np.ndarray:
    """What the groove choice hears of a melody: ``(N_FEATURES,)`` float.

    A constant 1; log2 of the tempo over 120 BPM and its bin one-hot
    (:data:`TEMPO_EDGES`, first bin dropped); the share of melody onsets at
    each of the 16 bar positions; onsets per bar / 16; the share of steps that
    sound; the mean note length, beats / 4.
    """
    from ..symbolic.roll import roll_note_spans
    from .conditioning import bar_positions

    _, starts, ends = roll_note_spans(melody)
    positions = bar_positions(len(melody), downbeats)
    onset_histogram = np.bincount(positions[starts], minlength=BAR_POSITIONS)[:BAR_POSITIONS].astype(float)
    n_bars = max(len(melody) / BAR_POSITIONS, 1.0)
    tempo_bins = np.zeros(len(TEMPO_EDGES))
    bin_index = int(np.searchsorted(TEMPO_EDGES, bpm, side="right"))
    if bin_index:
        tempo_bins[bin_index - 1] = 1.0
    return np.concatenate([
        [1.0, np.log2(max(bpm, 1.0) / 120.0)], tempo_bins,
        onset_histogram / max(onset_histogram.sum(), 1.0),
        [len(starts) / n_bars / BAR_POSITIONS, float((melody > 0).any(axis=1).mean()) if len(melody) else 0.0,
         float(np.mean(ends - starts)) / STEPS_PER_BEAT / 4 if len(starts) else 0.0]])


# --- The form of the song, bar by bar ---------------------------------------------------------------------

@dataclass(frozen=True)
class BarPlan:
    """Where each bar of a song stands in its form.

    Attributes
    ----------
    spans : np.ndarray
        ``(B, 2)`` [start, end) steps of each bar (steps before the first downbeat are no bar).
    slots : np.ndarray
        ``(B,)`` slot of each bar (0 .. N_SLOTS - 1): ``2 * phrase position + melody resting in the second
        half``; the intro's bars take ``2 * PHRASE_BARS``, its last bar ``2 * PHRASE_BARS + 1``.
    section_start : np.ndarray
        ``(B,)`` bool: every :data:`~wav2accomp.constants.PHRASE_BARS` bars from the melody's entry.
    entry : int
        Bar of the melody's first note.
    ending : int
        Bar of the ending hit: the song's last (-1 when the song has no bar).
    ending_offset : int
        Step of the ending hit in its bar: the melody's last onset when it falls in that bar, else 0 (the
        downbeat); the groove plays up to it, nothing after.
    """

    spans: np.ndarray
    slots: np.ndarray
    section_start: np.ndarray
    entry: int
    ending: int
    ending_offset: int


def bar_plan(melody: np.ndarray, downbeats: np.ndarray) -> BarPlan:
    """The :class:`BarPlan` of a melody roll and its downbeat steps."""
    from ..symbolic.roll import roll_note_spans

    spans = beat_spans(downbeats, len(melody))
    n_bars = len(spans)
    _, starts, _ = roll_note_spans(melody)
    if n_bars == 0:
        return BarPlan(spans, np.zeros(0, int), np.zeros(0, bool), 0, -1, 0)
    bar_of = np.searchsorted(spans[:, 0], starts, side="right") - 1
    bar_of = bar_of[bar_of >= 0]
    entry = int(bar_of.min()) if len(bar_of) else 0
    relative = np.arange(n_bars) - entry
    halves = spans[:, 0] + (spans[:, 1] - spans[:, 0]) // 2
    sounding = np.concatenate([[0], np.cumsum((melody > 0).any(axis=1))])
    resting = (sounding[spans[:, 1]] - sounding[halves]) == 0
    slots = np.where(relative >= 0, 2 * (relative % PHRASE_BARS) + resting,
                     2 * PHRASE_BARS + (relative == -1))
    ending = n_bars - 1   # the song's last bar: on its downbeat, or with the melody's last note when it starts in it
    ending_offset = int(np.clip(starts.max() - spans[ending, 0], 0, BAR_POSITIONS - 1)) if len(starts) else 0
    section_start = (relative >= 0) & (relative % PHRASE_BARS == 0)
    return BarPlan(spans, slots.astype(int), section_start, entry, ending, ending_offset)


# --- Playing ----------------------------------------------------------------------------------------------

def section_bounds(plan: BarPlan) -> np.ndarray:
    """``(S, 2)`` [first, last + 1) bars of each section: :data:`~wav2accomp.constants.PHRASE_BARS` bars from
    the melody's entry, and the intro's bars before it counted back the same way."""
    if not len(plan.slots):
        return np.zeros((0, 2), dtype=int)
    section = (np.arange(len(plan.slots)) - plan.entry) // PHRASE_BARS
    firsts = np.flatnonzero(np.diff(section, prepend=section[0] - 1))
    return np.column_stack([firsts, np.append(firsts[1:], len(section))])


#: Width of :func:`section_features`: the song's features, the section's own, and an intro flag.
N_CONTEXT = 2 * N_FEATURES + 1


def section_features(melody: np.ndarray, downbeats: np.ndarray, bpm: float, plan: BarPlan) -> np.ndarray:
    """``(S, N_CONTEXT)``: what the groove choice of each section hears (:func:`melody_features` of the whole
    melody, of the section's stretch, and whether the section comes before the melody's entry)."""
    song = melody_features(melody, downbeats, bpm)
    rows = []
    for first, last in section_bounds(plan):
        start, end = plan.spans[first, 0], plan.spans[last - 1, 1]
        own = melody_features(melody[start:end], np.asarray(downbeats) - start, bpm)
        rows.append(np.concatenate([song, own, [float(last <= plan.entry)]]))
    return np.array(rows).reshape(-1, N_CONTEXT)


def choose_grooves(model: GrooveModel, features: np.ndarray, *, density: float = 1.0, style: str | None = None,
                   temperature: float = 0.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """The groove of each section, ``(S,)`` indices into ``model.grooves``, from :func:`section_features`.

    The sequence of best expected agreement with real drums (Viterbi), each change of groove between
    sections costing :data:`SWITCH_COST`; with a `style`, only its grooves (and silence) are played;
    `density` (1 = as the melody suggests) prefers grooves with about that many times the hits of the
    song's best, each factor of e away costing :data:`DENSITY_COST`; a positive `temperature` perturbs the
    expected agreements with Gumbel noise of scale ``temperature * GROOVE_TEMPERATURE_SCALE``. Sections then
    alternate with the groove's partner (:func:`alternate_sections`).
    """
    scores = np.asarray(features, dtype=float) @ model.utility
    if not len(scores):
        return np.zeros(0, dtype=int)
    hits = model.grooves.sum(axis=(1, 2)).astype(float)
    allowed = np.ones(len(model.grooves), dtype=bool)
    if style is not None:
        if style not in STYLES:
            raise Wav2AccompError(f"unknown drum style {style!r}: choose from {', '.join(STYLES)}")
        allowed = np.array([not g.any() or STYLES[style](g) for g in model.grooves])
        if not allowed[hits > 0].any():
            raise Wav2AccompError(f"the groove model has no {style} groove")
    scores = np.where(allowed, scores, -np.inf)
    if density != 1.0:
        favourite = int(np.argmax(np.where(hits > 0, scores.sum(axis=0), -np.inf)))
        wanted = density * hits[favourite]
        scores = scores - DENSITY_COST * np.abs(np.log(np.maximum(hits, 0.5) / wanted))
    if temperature > 0:
        rng = rng or np.random.default_rng(0)
        scores = scores + temperature * GROOVE_TEMPERATURE_SCALE * rng.gumbel(size=scores.shape)
    total, back = scores[0].copy(), np.zeros(scores.shape, dtype=int)
    for section in range(1, len(scores)):
        stay, switch = total, total.max() - SWITCH_COST
        back[section] = np.where(stay >= switch, np.arange(len(total)), int(np.argmax(total)))
        total = np.maximum(stay, switch) + scores[section]
    chosen = [int(np.argmax(total))]
    for section in range(len(scores) - 1, 0, -1):
        chosen.append(int(back[section, chosen[-1]]))
    return alternate_sections(model, np.array(chosen[::-1]), scores, np.asarray(features)[:, -1] == 0)


def alternate_sections(model: GrooveModel, chosen: np.ndarray, scores: np.ndarray,
                       after_entry: np.ndarray) -> np.ndarray:
    """Verse and chorus feel: of the sections from the melody's entry that play (`after_entry`, ``(S,)`` bool),
    every second one that keeps the groove of the one before it plays that groove's partner instead — the
    groove of best expected agreement over those sections (`scores`, ``(S, G)``; -inf: not allowed) among the
    ones differing from it in at least :data:`PARTNER_MIN_HITS` hits with the snare-family hits on the same steps
    (the backbone of the feel stays; kick, hats and cymbals change). ``(S,)`` groove indices."""
    chosen = chosen.copy()
    playing = model.grooves.any(axis=(1, 2))
    snare = model.grooves[:, :, list(FAMILY_VOICES["snare"])].any(axis=2)
    sections = np.flatnonzero(after_entry & playing[chosen])
    total = scores[sections].sum(axis=0)
    partners: dict[int, int] = {}
    for previous, section in zip(sections[0::2], sections[1::2]):
        groove = int(chosen[section])
        if groove != chosen[previous]:
            continue
        if groove not in partners:
            differs = (model.grooves != model.grooves[groove]).sum(axis=(1, 2)) >= PARTNER_MIN_HITS
            backbone = (snare == snare[groove]).all(axis=1)
            candidates = np.where(differs & backbone & playing, total, -np.inf)
            partners[groove] = int(np.argmax(candidates)) if np.isfinite(candidates.max()) else groove
        chosen[section] = partners[groove]
    return chosen


def bar_patterns(model: GrooveModel, grooves: np.ndarray, plan: BarPlan, rng: np.random.Generator, *,
                 density: float = 1.0) -> list[np.ndarray | None]:
    """One ``(16, K)`` bool pattern per bar of `plan` (None: silent): its section's groove (`grooves`, one per
    section), kept, varied by a common bar edit or varied beat by beat as the bar's slot draws; crashes on
    section starts; the ending. `density` tilts the edits towards adding (above 1) or removing hits."""
    def tilt(add, remove):
        return float(density) ** ((add.sum(axis=(1, 2)) - remove.sum(axis=(1, 2))) / STEPS_PER_BEAT)

    bar_tilt, beat_tilt = tilt(model.bar_add, model.bar_remove), tilt(model.beat_add, model.beat_remove)
    groove_of_bar = np.repeat(grooves, np.diff(section_bounds(plan), axis=1)[:, 0])
    restless = float(rng.choice(model.restlessness))
    varied = np.minimum(model.vary[:, 1:] * restless * VARIATION_SCALE, 1.0)
    vary = np.column_stack([1.0 - varied.sum(axis=1), varied])
    vary = np.maximum(vary, 0.0) / np.maximum(vary, 0.0).sum(axis=1, keepdims=True)
    patterns: list[np.ndarray | None] = []
    for bar, slot in enumerate(plan.slots):
        base = model.grooves[groove_of_bar[bar]]
        if not base.any():
            patterns.append(None)
            continue
        choice = int(rng.choice(3, p=vary[slot]))
        if choice == BAR_EDIT and len(model.bar_add):
            weights = model.bar_probability[slot] * bar_tilt
            edit = int(rng.choice(len(weights), p=weights / weights.sum()))
            pattern = (base & ~model.bar_remove[edit]) | model.bar_add[edit]
        elif choice == BEAT_EDITS:
            pattern = _varied_by_beat(model, base, slot, beat_tilt, rng)
        else:
            pattern = base.copy()
        pattern |= model.doubling & pattern[:, FAMILY_VOICES["snare"]].any(axis=1)[:, None]
        if plan.section_start[bar]:
            pattern[0, VOICE["crash"]] = True
        if bar == plan.ending:
            pattern[plan.ending_offset:] = False
            pattern[plan.ending_offset, [VOICE["kick"], VOICE["crash"]]] = True
        patterns.append(pattern)
    return patterns


def _varied_by_beat(model: GrooveModel, base: np.ndarray, slot: int, tilt: np.ndarray, rng: np.random.Generator,
                    tries: int = 8) -> np.ndarray:
    """`base` with an edit drawn for each beat (the bar varies: draws that change nothing are drawn again)."""
    for _ in range(tries):
        pattern, edited = base.copy(), 0
        for beat in range(BAR_POSITIONS // STEPS_PER_BEAT):
            weights = model.beat_probability[slot, beat, edited] * tilt
            edit = int(rng.choice(len(weights), p=weights / weights.sum()))
            steps = slice(beat * STEPS_PER_BEAT, (beat + 1) * STEPS_PER_BEAT)
            pattern[steps] = (pattern[steps] & ~model.beat_remove[edit]) | model.beat_add[edit]
            edited = int(edit > 0)
        if (pattern != base).any():
            break
    return pattern


def patterns_to_roll(model: GrooveModel, patterns: list[np.ndarray | None], spans: np.ndarray,
                     n_steps: int) -> np.ndarray:
    """Bar patterns -> ``(T, 78)`` encoded drum roll: each hit an onset of its voice's drum, held
    ``model.hold`` steps (a later hit of the same drum cuts it)."""
    hits = np.zeros((n_steps, len(VOICES)), dtype=bool)
    for pattern, (start, end) in zip(patterns, spans):
        if pattern is not None:
            length = min(end - start, len(pattern))
            hits[start:start + length] |= pattern[:length]
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    for voice, drum in enumerate(model.drums):
        row = int(drum) - PITCH_LOW
        for delay in range(int(model.hold[voice]) - 1, 0, -1):
            roll[delay:, row][hits[:-delay, voice]] = SUSTAIN
        roll[hits[:, voice], row] = ONSET
    return roll


def song_rng(melody: np.ndarray, seed: int = 0) -> np.random.Generator:
    """The random stream of a drum part: drawn from the seed and the melody's roll (another song, other bars)."""
    return np.random.default_rng([seed, zlib.crc32(np.ascontiguousarray(melody).tobytes())])


def play_drums(model: GrooveModel, melody: np.ndarray, downbeats: np.ndarray, *, bpm: float,
               density: float = 1.0, style: str | None = None, temperature: float = 0.0,
               seed: int = 0) -> np.ndarray:
    """A drum part for a melody: ``(T, 78)`` encoded roll (GM drums, one drum per voice of the kit).

    Parameters
    ----------
    melody, downbeats : np.ndarray
        The ``(T, 78)`` encoded melody roll on the 16th grid and the steps where its bars begin.
    bpm : float
        Tempo, quarter notes per minute.
    density : float
        1 plays as the melody suggests; 0.5 leans to grooves with half the hits, 2 to twice as many.
    style : str, optional
        Keep to one groove family of :data:`STYLES`.
    temperature : float
        0 plays the grooves of best expected agreement; higher values choose more freely.
    seed : int
        Seed of the bar variations (and of the groove choice when `temperature` > 0).
    """
    if not (np.isfinite(density) and density > 0):
        raise Wav2AccompError(f"drum density must be a positive number, not {density}")
    rng = song_rng(melody, seed)
    plan = bar_plan(melody, downbeats)
    grooves = choose_grooves(model, section_features(melody, downbeats, bpm, plan), density=density, style=style,
                             temperature=temperature, rng=rng)
    return patterns_to_roll(model, bar_patterns(model, grooves, plan, rng, density=density), plan.spans, len(melody))


# --- Files ------------------------------------------------------------------------------------------------

def save_groove_model(model: GrooveModel, stem: str | os.PathLike) -> None:
    """Write ``STEM.npz`` (the arrays) and ``STEM.json`` (kit and provenance) together, atomically."""
    meta = {"kind": "groove", "voices": list(VOICES), "n_features": N_CONTEXT, "n_slots": N_SLOTS,
            "info": model.info}
    write_arrays(stem, {name: getattr(model, name) for name in GrooveModel.ARRAYS}, meta, compressed=True)


def load_groove_model(stem: str | os.PathLike) -> GrooveModel:
    """Read a model written by :func:`save_groove_model` (no pickle); a one-line error when it does not fit
    this version's kit and features."""
    arrays, meta = read_arrays(stem, GrooveModel.ARRAYS, "groove model")
    kit = len(VOICES)
    beats = BAR_POSITIONS // STEPS_PER_BEAT
    expected = {"drums": (kit,), "hold": (kit,), "grooves": (None, BAR_POSITIONS, kit),
                "utility": (N_CONTEXT, None), "vary": (N_SLOTS, 3), "restlessness": (None,),
                "bar_add": (None, BAR_POSITIONS, kit), "bar_remove": (None, BAR_POSITIONS, kit),
                "bar_probability": (N_SLOTS, None), "beat_add": (None, STEPS_PER_BEAT, kit),
                "beat_remove": (None, STEPS_PER_BEAT, kit), "beat_probability": (N_SLOTS, beats, 2, None),
                "doubling": (BAR_POSITIONS, kit)}
    for name, shape in expected.items():
        actual = arrays[name].shape
        if len(actual) != len(shape) or any(s is not None and s != a for s, a in zip(shape, actual)):
            raise Wav2AccompError(f"the groove model {stem} does not fit this version: {name} has shape {actual}")
    probabilities = ("utility", "vary", "restlessness", "bar_probability", "beat_probability")
    if (meta.get("voices") != list(VOICES) or arrays["utility"].shape[1] != len(arrays["grooves"])
            or arrays["bar_probability"].shape[1] != len(arrays["bar_add"])
            or arrays["beat_probability"].shape[-1] != len(arrays["beat_add"])
            or not all(np.isfinite(arrays[n]).all() for n in probabilities)):
        raise Wav2AccompError(f"the groove model {stem} is inconsistent or does not fit this version's drum kit")
    for name in ("grooves", "bar_add", "bar_remove", "beat_add", "beat_remove", "doubling"):
        arrays[name] = arrays[name].astype(bool)
    return GrooveModel(**arrays, info=meta.get("info", {}))
