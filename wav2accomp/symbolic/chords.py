"""Chords a user gives (a lead sheet): labels in the usual spellings, bars of chords, chord files -> a chord per step.

Labels: lead-sheet spellings (``C``, ``Am``, ``Bb7``, ``F#m7b5``, ``Gmaj7``, ``Dsus4``, ``E/G#``) or Harte's
(``A:min``, ``Bb:7``, the ``chord_midi.txt`` of POP909), and ``N`` for no chord. The parts play the major
or minor triad of each chord (:data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`): a minor third makes it
minor (diminished and half-diminished chords included), anything else major.

- :func:`parse_chord_text`: ``"C G Am F"`` is one chord per bar; ``|`` separates bars and two chords in a
  bar split it (``"C | G Am | F"``); the bars repeat to the end of the song.
- :func:`read_chords_file`: one chord per line, ``START LABEL`` with START in seconds or ``bar N`` (from 1),
  or ``START END LABEL`` (seconds, POP909's ``chord_midi.txt``).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import MAX_AUDIO_SECONDS, MAX_CHORDS_FILE_BYTES
from ..errors import Wav2AccompError
from .harmony import NO_CHORD, PITCH_CLASS_NAMES

#: Lead-sheet quality spellings -> Harte's, longest first.
_QUALITIES = (("m7b5", "hdim7"), ("maj7", "maj7"), ("maj9", "maj9"), ("min7", "min7"), ("dim7", "dim7"),
              ("add9", "maj(9)"), ("sus4", "sus4"), ("sus2", "sus2"), ("maj", "maj"), ("min", "min"), ("dim", "dim"),
              ("aug", "aug"), ("m7", "min7"), ("m9", "min9"), ("m6", "min6"), ("13", "13"), ("11", "11"), ("9", "9"),
              ("7", "7"), ("6", "maj6"), ("5", "5"), ("+", "aug"), ("o", "dim"), ("m", "min"), ("", "maj"))
_LEAD_SHEET = re.compile(r"^([A-Ga-g])([#b♯♭]?)(.*?)(?:/([A-Ga-g][#b♯♭]?))?$")


def chord_index(label: str) -> int:
    """The triad (index in :data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`) a chord label is played as.

    Raises
    ------
    Wav2AccompError
        A label that names no chord, in one sentence naming it.
    """
    import mir_eval.chord

    text = label.strip().replace("♯", "#").replace("♭", "b")
    if text.upper() in ("N", "NC", "N.C."):
        return NO_CHORD
    harte = text if ":" in text else _to_harte(text)
    try:
        root, bitmap, _ = mir_eval.chord.encode(harte) if harte else (None, None, None)
    except mir_eval.chord.InvalidChordException:
        root = None
    if root is None or root < 0:
        raise Wav2AccompError(f"not a chord: {label!r} (examples: C, Am, Bb7, F#m7b5, A:min, N)")
    minor = bool(bitmap[3]) and not bitmap[4]
    return root % 12 + (12 if minor else 0)


def _to_harte(text: str) -> str | None:
    """``"F#m7b5"`` -> ``"F#:hdim7"``, ``"E/G#"`` -> ``"E:maj"`` (the bass note does not change the triad)."""
    found = _LEAD_SHEET.match(text)
    if not found:
        return None
    letter, accidental, quality, _ = found.groups()
    harte = next((h for spelling, h in _QUALITIES if quality == spelling), None)
    return None if harte is None else f"{letter.upper()}{accidental}:{harte}"


def parse_chord_text(text: str) -> list[list[int]]:
    """Bars of chords from ``"C G Am F"`` (one chord a bar) or ``"C | G Am | F"`` (``|`` between bars):
    a list per bar of the chord indices sharing it equally.

    Raises
    ------
    Wav2AccompError
        No chord at all, or an unreadable label (named).
    """
    bars = [bar.split() for bar in text.split("|")] if "|" in text else [[token] for token in text.split()]
    bars = [bar for bar in bars if bar]
    if not bars:
        raise Wav2AccompError("no chords given (example: --chords \"C G Am F\")")
    return [[chord_index(label) for label in bar] for bar in bars]


@dataclass(frozen=True)
class ChordChange:
    """A chord from a file: where it starts (`seconds`, or `bar` counted from 1) and its triad index."""

    chord: int
    seconds: float | None = None
    bar: int | None = None


def read_chords_file(path: str | os.PathLike) -> list[ChordChange]:
    """The chords of a file (see the module docstring), in the order given.

    Raises
    ------
    Wav2AccompError
        An unreadable file, line or label (named with its line number).
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CHORDS_FILE_BYTES + 1)
    except OSError as exc:
        raise Wav2AccompError(f"cannot read the chords file {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_CHORDS_FILE_BYTES:
        raise Wav2AccompError(f"the chords file {path} is larger than {MAX_CHORDS_FILE_BYTES // 1000} kB "
                              "(a song's chords take a few kB)")
    lines = data.decode("utf-8", errors="replace").splitlines()
    changes = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            if fields[0].lower() == "bar" and len(fields) == 3:
                changes.append(ChordChange(chord_index(fields[2]), bar=int(fields[1])))
            elif len(fields) in (2, 3):
                start = float(fields[0])
                if not (math.isfinite(start) and 0 <= start <= MAX_AUDIO_SECONDS * 10):
                    raise ValueError(f"a start must be a number of seconds from 0, not {fields[0]!r}")
                changes.append(ChordChange(chord_index(fields[-1]), seconds=start))
            else:
                raise ValueError("expected START LABEL, bar N LABEL or START END LABEL")
        except (ValueError, Wav2AccompError) as exc:
            raise Wav2AccompError(f"{path}, line {number}: {exc}") from None
    if not changes:
        raise Wav2AccompError(f"{path} holds no chords")
    return changes


def bars_to_steps(bars: list[list[int]], downbeats: np.ndarray, n_steps: int) -> np.ndarray:
    """``(T,)`` chord index per step: the bars of chords laid on the song's bars (``downbeats`` in steps), repeated
    to the end; a pickup bar before the first full bar plays the first chord."""
    starts = [int(d) for d in np.unique(np.asarray(downbeats, dtype=int)) if 0 <= d < n_steps] or [0]
    if starts[0] > 0:
        starts.insert(0, 0)
    ends = starts[1:] + [n_steps]
    full = [b - a for a, b in zip(starts, ends)]
    first_full = 1 if len(full) > 1 and full[0] < full[1] else 0   # a pickup: shorter than the bar after it
    chords = np.full(n_steps, NO_CHORD, dtype=np.int16)
    for index, (start, end) in enumerate(zip(starts, ends)):
        bar = bars[max(index - first_full, 0) % len(bars)]
        edges = np.linspace(start, end, len(bar) + 1).round().astype(int)
        for chord, (a, b) in zip(bar, zip(edges[:-1], edges[1:])):
            chords[a:b] = chord
    return chords


def changes_to_steps(changes: list[ChordChange], downbeats: np.ndarray, n_steps: int, seconds_to_steps) -> np.ndarray:
    """``(T,)`` chord index per step from a file's changes: each holds until the next (``N`` before the first);
    `seconds_to_steps` places a time of the recording on the grid."""
    bar_starts = [int(d) for d in np.unique(np.asarray(downbeats, dtype=int)) if 0 <= d < n_steps]
    placed = []
    for change in changes:
        if change.bar is not None:
            if not 1 <= change.bar <= len(bar_starts):
                raise Wav2AccompError(f"the chords file names bar {change.bar}; the song has {len(bar_starts)} bars")
            placed.append((bar_starts[change.bar - 1], change.chord))
        else:
            placed.append((int(round(seconds_to_steps(change.seconds))), change.chord))
    chords = np.full(n_steps, NO_CHORD, dtype=np.int16)
    for (start, chord), following in zip(sorted(placed), sorted(placed)[1:] + [(n_steps, None)]):
        chords[max(start, 0):max(min(following[0], n_steps), 0)] = chord
    return chords


def given_chord_prior(chords: np.ndarray) -> np.ndarray:
    """``(T, 25)`` weights that make the parts play the given chord of each step (1 for it, 0 for the others;
    ``N`` leaves the choice free)."""
    prior = np.zeros((len(chords), NO_CHORD + 1))
    prior[np.arange(len(chords)), chords] = 1.0
    prior[chords == NO_CHORD] = 1.0
    return prior


def chord_symbol(index: int) -> str:
    """Lead-sheet spelling of a chord of :data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`: ``"C"``, ``"Am"``,
    ``"N.C."`` (no chord)."""
    if index == NO_CHORD:
        return "N.C."
    return PITCH_CLASS_NAMES[index % 12] + ("m" if index >= 12 else "")


def chord_changes(chords: np.ndarray) -> list[tuple[int, str]]:
    """(step, lead-sheet symbol) where a ``(T,)`` chord-per-step sequence changes, from its first step."""
    chords = np.asarray(chords)
    if not len(chords):
        return []
    starts = np.flatnonzero(np.diff(chords, prepend=chords[0] - 1))
    return [(int(step), chord_symbol(int(chords[step]))) for step in starts]
