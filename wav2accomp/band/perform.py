"""The band plays: generated parts (rolls on the 16th grid) -> notes with velocity and timing.

:func:`play_band` takes the parts as the models wrote them and plays each as a player would:

- **piano** (guitar-like), when the chords are known and the song is in 4/4 (after a pickup bar, where it
  comes in): real POP909 phrases re-voiced onto the chords (:mod:`wav2accomp.band.phrases`), their density
  following the arrangement's arc, with the source pianist's own relative velocities and timing; otherwise the
  part's chords re-voiced for smooth voice leading (:mod:`wav2accomp.band.voicing`);
  in a band's song (:mod:`wav2accomp.band.style`) some of its onsets on the 8ths become short full-chord stabs,
  as the band's guitars and keys strike the chord together (:func:`chord_strokes`);
- **strings**: voice-led (:mod:`wav2accomp.band.voicing`), resting through the intro and the first section
  (when a later section is fuller) in a band's song, joining only at the climaxes in a piano's;
- **bass**: the notes as written, but on the beats alone (each held to the next) in quiet bars, and leading
  into every fourth bar line with a fifth and a chromatic approach note;
- **drums**: the notes as written;

then gives every note a velocity and a timing offset from the dynamics model (:mod:`wav2accomp.band.dynamics`:
metrical accents per drum family, phrase-level swells, the arc's intensity) and rests every part but the drums
in the second half of a break bar (:mod:`wav2accomp.band.arc`). Each part draws from its own random stream of
the seed and the melody, so the same input, seed and feel play the same notes.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import (BAR_POSITIONS, BASS, DYNAMICS_MODEL, FEEL_TIMING_SCALE, GUITARLIKE, N_PITCHES, ONSET,
                         PERCUSSION, PHRASES_MODEL, PITCH_LOW, STEPS_PER_BEAT, STRINGSLIKE, STYLE_MODEL, SUSTAIN)
from ..symbolic.harmony import NO_CHORD
from ..symbolic.midi_io import Note
from ..symbolic.roll import roll_note_spans
from .arc import Arc, song_arc
from .dynamics import DynamicsModel, check_feel, drum_player, load_dynamics, play_timing, play_velocities
from .grid import beats_in_bar, grid_phase
from .phrases import PhraseLibrary, load_phrases, next_change, play_phrases
from .style import StyleModel, load_style
from .voicing import lead_voices

#: Strings enter where the arc's intensity reaches this in a band's song (they rest through the intro and a quiet
#: first section) ...
STRINGS_ENTER = 0.4
#: ... and this in a piano's song (a band probability of one half or less, :mod:`wav2accomp.band.style`: they join
#: at its climaxes).
STRINGS_ENTER_PIANO_SONG = 0.8
#: In a band's song the piano adds a full-chord stab to up to this share of its onsets on the 8ths (the share
#: drawn per song, times :func:`band_certainty`).
CHORD_STROKES = 0.6
#: Chord strokes: the root between these MIDI numbers (C3..B3), then its fifth, octave, tenth and twelfth, as a
#: guitar's open chord or both of a keyboard player's hands lay it.
STROKE_ROOT_LOW = 48
STROKE_INTERVALS = {0: (0, 7, 12, 16, 19), 1: (0, 7, 12, 15, 19)}
#: A stab lasts an 8th, steps.
STROKE_STEPS = 2
#: The piano strikes full chords only where the style model gives a band's song more than this probability.
SURE_OF_A_BAND = 0.7
#: In bars this quiet (the intro, a quiet first section) the bass keeps to the beats, each note held to the next.
QUIET_BASS = 0.35
#: The bass leads into every this many bars' bar line (:func:`bass_fills`).
FILL_EVERY = 4
#: Register of re-voiced chords, MIDI number, per pitched part.
CHORD_REGISTER = {GUITARLIKE: 60.0, STRINGSLIKE: 62.0}
#: Player of the dynamics model per pitched part.
PLAYER_OF = {GUITARLIKE: "piano", STRINGSLIKE: "strings", BASS: "bass"}
#: Third word of each part's random stream (the seed and the melody are the first two).
PART_STREAMS = {PERCUSSION: 1, GUITARLIKE: 2, STRINGSLIKE: 3, BASS: 4}


@dataclass
class PlayedPart:
    """One part as played: notes with onset and release in 16th steps of the song's grid (floats: the timing
    offsets are in them) and velocities.

    Attributes
    ----------
    pitches : np.ndarray
        MIDI numbers (drums: GM drum sounds).
    starts, ends : np.ndarray
        Steps.
    velocities : np.ndarray
        1..127.
    """

    pitches: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    velocities: np.ndarray

    def to_roll(self, n_steps: int) -> np.ndarray:
        """``(n_steps, 78)`` encoded roll, onsets on their nearest step."""
        roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
        first = np.clip(np.rint(self.starts).astype(int), 0, n_steps)
        last = np.clip(np.maximum(np.rint(self.ends).astype(int), first + 1), 0, n_steps)
        for pitch, a, b in zip((self.pitches - PITCH_LOW).tolist(), first.tolist(), last.tolist()):
            if 0 <= pitch < N_PITCHES and a < n_steps:
                roll[a:b, pitch] = np.maximum(roll[a:b, pitch], SUSTAIN)
                roll[a, pitch] = ONSET
        return roll

    def to_notes(self, tempo_map, *, offset_beats: float = 0.0) -> list[Note]:
        """The notes on the song's time line: beats = steps / 4 + `offset_beats` (the melody's grid phase),
        seconds through `tempo_map`; sorted by onset, then pitch."""
        begin = np.maximum(self.starts / STEPS_PER_BEAT + offset_beats, 0.0)
        end = np.maximum(self.ends / STEPS_PER_BEAT + offset_beats, begin + 1e-3)
        begin_s, end_s = tempo_map.beats_to_seconds(begin), tempo_map.beats_to_seconds(end)
        order = np.lexsort((self.pitches, begin))
        return [Note(int(self.pitches[i]), int(self.velocities[i]), float(begin[i]), float(end[i]),
                     float(begin_s[i]), float(end_s[i])) for i in order.tolist()]


@dataclass
class BandModels:
    """What the players learned: the dynamics model, the piano phrase library and the style model."""

    dynamics: DynamicsModel
    phrases: PhraseLibrary
    style: StyleModel


_SHIPPED: dict = {}


def load_band(model_dir: str | os.PathLike | None = None) -> BandModels:
    """The band's models: ``dynamics-band``, ``phrases-piano`` and ``style-melody`` in `model_dir` where it has
    them, else the shipped ones (read once per process)."""
    from ..models.generate import counted_model_path

    stems = tuple(counted_model_path(name, model_dir) for name in (DYNAMICS_MODEL, PHRASES_MODEL, STYLE_MODEL))
    key = tuple(str(Path(s).resolve()) for s in stems)
    if key not in _SHIPPED:
        _SHIPPED.clear()
        _SHIPPED[key] = BandModels(load_dynamics(stems[0]), load_phrases(stems[1]), load_style(stems[2]))
    return _SHIPPED[key]


def _part_rng(melody: np.ndarray, seed: int, part: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(np.ascontiguousarray(melody).tobytes()), PART_STREAMS[part]])


def _onset_ids(starts: np.ndarray) -> np.ndarray:
    """Notes starting on the same step share an id (they are one stroke)."""
    return np.unique(np.rint(starts).astype(int), return_inverse=True)[1]


def _in_bar(arc: Arc, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each step's bar and its position in that bar (steps before the first bar count back from it)."""
    bars = arc.bar_of(steps)
    if not len(arc.spans):
        return bars, np.asarray(steps, dtype=int) % BAR_POSITIONS
    return bars, (np.rint(steps).astype(int) - arc.spans[bars, 0]) % BAR_POSITIONS


def _from_roll(roll: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pitches, starts, ends = roll_note_spans(roll)
    return pitches.astype(int), starts.astype(float), ends.astype(float)


def band_bars(downbeats: np.ndarray, melody: np.ndarray) -> np.ndarray:
    """The bars the band phrases in, steps: the song's own when they are 4/4; when every bar of the file is a
    beat or two long (MIDI files often say 1/4 or 2/4 of 4/4 music), 16-step bars counted from the bar of the
    melody's first note; else the song's own."""
    downbeats = np.asarray(downbeats, dtype=int)
    lengths = np.diff(downbeats)
    if len(lengths) == 0 or len(set(lengths.tolist())) != 1 or lengths[0] not in (4, 8):
        return downbeats
    sounding = np.flatnonzero((melody > 0).any(axis=1))
    entry = downbeats[max(np.searchsorted(downbeats, sounding[0], side="right") - 1, 0)] if len(sounding) else 0
    first = entry - BAR_POSITIONS * ((entry - downbeats[0]) // BAR_POSITIONS)
    return np.arange(first, len(melody), BAR_POSITIONS)


def bass_fills(pitches: np.ndarray, starts: np.ndarray, ends: np.ndarray, arc: Arc,
               chords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bass leads into every :data:`FILL_EVERY`-th bar line (a phrase's end): where its line rests or holds
    through the last beat of the bar before, it plays the chord's fifth on that beat and a chromatic approach to
    the next bar's root on its last 8th, as bass players walk into a new phrase."""
    notes = list(zip(pitches.tolist(), starts.tolist(), ends.tolist()))
    n_steps = len(chords)
    for bar in range(FILL_EVERY - 1, len(arc.spans) - 1, FILL_EVERY):
        start, end = (int(v) for v in arc.spans[bar])
        beat = end - STEPS_PER_BEAT
        if end >= n_steps or end - start != BAR_POSITIONS or chords[beat] == NO_CHORD or chords[end] == NO_CHORD \
                or any(beat <= round(b) < end for _, b, _ in notes):
            continue
        sounding = [p for p, b, e in notes if b < beat < e or round(b) <= beat - 1 < e]
        reference = sounding[-1] if sounding else min((p for p, _, _ in notes), default=40)
        fifth = reference + ((chords[beat] % 12 + 7 - reference) % 12)
        fifth = fifth - 12 if fifth - reference > 6 else fifth
        target = reference + ((chords[end] % 12 - reference) % 12)
        target = target - 12 if target - reference > 6 else target
        notes = [(p, b, min(e, beat) if b < beat else e) for p, b, e in notes]
        notes += [(fifth, float(beat), float(beat + 2)), (target - 1, float(beat + 2), float(end))]
    notes.sort(key=lambda n: (n[1], n[0]))
    return (np.array([n[0] for n in notes], dtype=int), np.array([n[1] for n in notes], dtype=float),
            np.array([n[2] for n in notes], dtype=float))


def band_certainty(band_probability: float) -> float:
    """How sure the style model is of a band's song, 0..1: nothing up to a probability of
    :data:`SURE_OF_A_BAND`, all at 1."""
    return float(np.clip((band_probability - SURE_OF_A_BAND) / (1.0 - SURE_OF_A_BAND), 0.0, 1.0))


def chord_strokes(onsets: np.ndarray, chords: np.ndarray, share: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-chord strokes on `share` of the piano's onsets on the 8ths (drawn), each the chord's root from
    :data:`STROKE_ROOT_LOW` with :data:`STROKE_INTERVALS`, short (:data:`STROKE_STEPS`, or to the next stroke or
    chord change).

    Parameters
    ----------
    onsets : np.ndarray
        The piano's onsets, steps.
    chords : np.ndarray
        ``(T,)`` chord index per step.
    share : float
        0..1.

    Returns
    -------
    tuple of np.ndarray
        The strokes' pitches, onsets and releases (steps).
    """
    n_steps = len(chords)
    steps = np.unique(np.rint(onsets).astype(int))
    steps = steps[(steps % 2 == 0) & (steps >= 0) & (steps < n_steps)]
    steps = steps[chords[steps] != NO_CHORD]
    steps = steps[rng.random(len(steps)) < share]
    releases = np.minimum(np.minimum(np.append(steps[1:], n_steps), steps + STROKE_STEPS), next_change(chords)[steps])
    pitches, starts, ends = [], [], []
    for step, release in zip(steps.tolist(), releases.tolist()):
        chord = int(chords[step])
        root = STROKE_ROOT_LOW + (chord % 12 - STROKE_ROOT_LOW) % 12
        for interval in STROKE_INTERVALS[chord // 12]:
            pitches.append(root + interval)
            starts.append(float(step))
            ends.append(float(release))
    return np.array(pitches, dtype=int), np.array(starts, dtype=float), np.array(ends, dtype=float)


def play_part(models: BandModels, part: str, roll: np.ndarray, arc: Arc, rng: np.random.Generator, *,
              chords: np.ndarray | None, bpm: float, feel: str, swing: float = 0.5,
              melody_palette: float | None = None, band_probability: float | None = None) -> PlayedPart:
    """One part of :func:`play_band` (see the module docstring)."""
    check_feel(feel)
    relative = None
    full = arc.spans[:, 1] - arc.spans[:, 0] == BAR_POSITIONS
    pickup = int(len(full) > 1 and not full[0])   # a shorter first bar: the piano comes in at the first bar line
    four_four = len(arc.spans) > pickup and np.all(full[pickup:-1])
    if part == GUITARLIKE and chords is not None and four_four and np.any(chords != NO_CHORD):
        played = play_phrases(models.phrases, arc.spans[pickup:, 0], chords, arc.intensity[pickup:], bpm=bpm)
        keep = played.lengths > 0
        pitches, relative = played.pitches[keep], played.velocity_offsets[keep]
        grid_starts = np.rint(played.steps[keep])
        offsets = (played.steps[keep] - grid_starts) * FEEL_TIMING_SCALE[feel]   # the source pianist's own timing,
        # its grid placed on the melody's as a whole (a pianist's phrases may sit ahead or behind their own 16ths)
        if np.any(offsets):   # beats counted from the bar lines, as the melody's are (where its swing falls)
            beats = beats_in_bar((grid_starts + offsets) / STEPS_PER_BEAT, arc.spans[:, 0] / STEPS_PER_BEAT)
            offsets -= grid_phase(beats, swing=swing) * STEPS_PER_BEAT
        starts, ends = grid_starts + offsets, grid_starts + played.lengths[keep]
        if band_probability is not None:   # a band's keys and guitars stab some of the chords together
            share = CHORD_STROKES * band_certainty(band_probability) * rng.random()
            stroke_pitches, stroke_starts, stroke_ends = chord_strokes(grid_starts, chords, share, rng)
            along = rng.choice(relative, len(stroke_pitches)) if len(relative) else np.zeros(len(stroke_pitches))
            pitches, starts, ends = (np.r_[pitches, stroke_pitches], np.r_[starts, stroke_starts],
                                     np.r_[ends, stroke_ends])
            relative, offsets = np.r_[relative, along], np.r_[offsets, np.zeros(len(stroke_pitches))]
    else:
        if part in CHORD_REGISTER:
            roll = lead_voices(roll, CHORD_REGISTER[part])
        pitches, starts, ends = _from_roll(roll)
        offsets = None
    enter = STRINGS_ENTER if band_probability is None or band_probability > 0.5 else STRINGS_ENTER_PIANO_SONG
    if part == STRINGSLIKE and len(arc.spans) and arc.intensity.max() >= enter:
        keep = arc.intensity[arc.bar_of(starts)] >= enter
        pitches, starts, ends = pitches[keep], starts[keep], ends[keep]
    if part == BASS and len(arc.spans) and len(starts):   # quiet bars: the line keeps to the beats
        quiet = arc.intensity[arc.bar_of(starts)] <= QUIET_BASS
        on_beat = (np.rint(starts).astype(int) - arc.spans[arc.bar_of(starts), 0]) % STEPS_PER_BEAT == 0
        keep = ~quiet | on_beat
        following = np.append(starts[keep][1:], np.inf)
        pitches, starts = pitches[keep], starts[keep]
        ends = np.where(quiet[keep], np.minimum(np.maximum(ends[keep], following), starts + BAR_POSITIONS), ends[keep])
    if part == BASS and chords is not None and len(starts):
        pitches, starts, ends = bass_fills(pitches, starts, ends, arc, chords)
    if part != PERCUSSION and len(starts):
        keep = ~arc.resting(np.rint(starts).astype(int))
        pitches, starts, ends = pitches[keep], starts[keep], ends[keep]
        relative = relative[keep] if relative is not None else None
        offsets = offsets[keep] if offsets is not None else None
    bars, positions = _in_bar(arc, starts)
    velocities = np.zeros(len(starts), dtype=int)
    players = (np.array([drum_player(p) for p in pitches.tolist()]) if part == PERCUSSION
               else np.full(len(starts), PLAYER_OF[part]))
    timing = np.zeros(len(starts))
    intensity = arc.intensity if len(arc.spans) else None
    for player in sorted(set(players.tolist())):
        mine = players == player
        velocities[mine] = play_velocities(models.dynamics, player, positions[mine], bars[mine], rng,
                                           intensity=intensity,
                                           relative=relative[mine] if relative is not None else None,
                                           melody_palette=melody_palette)
        if offsets is None:
            timing[mine] = play_timing(models.dynamics, player, _onset_ids(starts[mine]), rng, feel=feel)
    if swing > 0.5 and feel != "grid":   # the off-beat eighths as late as the melody's
        timing[positions % STEPS_PER_BEAT == STEPS_PER_BEAT // 2] += (swing - 0.5) * STEPS_PER_BEAT
    starts = np.maximum(starts + timing, 0.0)
    order = np.lexsort((pitches, starts))
    return PlayedPart(pitches[order], starts[order], np.maximum(ends[order] + timing[order], starts[order] + 0.25),
                      velocities[order])


def play_band(rolls: dict[str, np.ndarray], melody: np.ndarray, downbeats: np.ndarray, *,
              chords: np.ndarray | None = None, bpm: float = 120.0, feel: str = "natural", seed: int = 0,
              swing: float = 0.5, melody_palette: float | None = None, band_probability: float | None = None,
              models: BandModels | None = None) -> dict[str, PlayedPart]:
    """Every generated part as played (see the module docstring).

    Parameters
    ----------
    rolls : dict of str to np.ndarray
        Part class -> ``(T, 78)`` encoded roll, as :func:`~wav2accomp.models.generate.generate_parts` wrote it.
    melody : np.ndarray
        ``(T, 78)`` encoded melody roll.
    downbeats : np.ndarray
        Bar starts, steps.
    chords : np.ndarray, optional
        ``(T,)`` the chord per step the pitched parts play (None when the networks chose as they played).
    bpm : float
    feel : str
        ``natural`` (default), ``grid`` or ``loose`` (:data:`~wav2accomp.constants.FEELS`).
    seed : int
    swing : float
        Where the off-beat eighths fall in the beat (0.5 straight, 2/3 a triplet shuffle:
        :func:`~wav2accomp.band.grid.swing_ratio` of the melody); the band swings them alike but with ``grid``.
    melody_palette : float, optional
        How many different velocities the melody was played with, where it was played (a MIDI melody): a
        melody sequenced at a few velocities gets parts sequenced alike
        (:func:`~wav2accomp.band.dynamics.draw_palette`).
    band_probability : float, optional
        How likely the melody comes from a band's song rather than a piano's, 0..1
        (:meth:`~wav2accomp.band.style.StyleModel.band_probability`): the strings come in earlier and the piano
        strikes more full chords the likelier it is; None plays neither way (the strings from the first fuller
        section, the piano as its phrases go).
    models : BandModels, optional
        Default: :func:`load_band`'s shipped models.

    Returns
    -------
    dict of str to PlayedPart
        In the order of `rolls`.
    """
    check_feel(feel)
    models = models or load_band()
    arc = song_arc(melody, band_bars(downbeats, melody))
    return {part: play_part(models, part, roll, arc, _part_rng(melody, seed, part), chords=chords, bpm=bpm,
                            feel=feel, swing=swing, melody_palette=melody_palette,
                            band_probability=band_probability)
            for part, roll in rolls.items()}
