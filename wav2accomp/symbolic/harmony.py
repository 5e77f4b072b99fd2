"""Pitch classes, keys and chords of rolls: pure numpy functions.

Used by the models' conditioning (the key profile of a melody), the trivial
baseline (the tonic triad of the key) and the metrics (chord recognition by
template matching on pitch-class profiles).
"""
from __future__ import annotations

import numpy as np

from ..constants import N_PITCHES, PITCH_LOW

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
#: Krumhansl-Kessler key profiles (major, minor), tonic first.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
#: Pitch classes of the major and minor triads above a root of 0.
TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7)}


def pitch_classes_of_rows() -> np.ndarray:
    """Pitch class (0 = C) of each of the 78 roll rows."""
    return (np.arange(N_PITCHES) + PITCH_LOW) % 12


_ROWS_TO_CLASSES = np.eye(12, dtype=np.float32)[pitch_classes_of_rows()]


def fold_to_pitch_classes(sounding: np.ndarray) -> np.ndarray:
    """Sum a ``(T, 78)`` roll into a ``(T, 12)`` pitch-class roll (C first)."""
    return sounding.astype(np.float32) @ _ROWS_TO_CLASSES


def pitch_class_histogram(sounding: np.ndarray) -> np.ndarray:
    """Share of sounding steps per pitch class of a ``(T, 78)`` roll; sums to 1 (zeros if silent)."""
    histogram = fold_to_pitch_classes(sounding).sum(axis=0)
    total = histogram.sum()
    return histogram / total if total > 0 else histogram


def estimate_key(histogram: np.ndarray) -> tuple[int, str]:
    """Krumhansl-Schmuckler key finding.

    Parameters
    ----------
    histogram : np.ndarray
        ``(12,)`` pitch-class weights (C first).

    Returns
    -------
    tonic : int
        Pitch class of the tonic (0 = C).
    mode : str
        ``"maj"`` or ``"min"``. A silent histogram gives C major.
    """
    if not np.any(histogram > 0):
        return 0, "maj"
    best, best_score = (0, "maj"), -np.inf
    for mode, profile in (("maj", MAJOR_PROFILE), ("min", MINOR_PROFILE)):
        for tonic in range(12):
            score = np.corrcoef(histogram, np.roll(profile, tonic))[0, 1]
            if score > best_score:
                best, best_score = (tonic, mode), score
    return best


def chord_templates() -> tuple[list[str], np.ndarray]:
    """Labels (``"C:maj"`` ... ``"B:min"``) and ``(24, 12)`` binary triad templates."""
    labels, templates = [], []
    for quality, intervals in TRIADS.items():
        for root in range(12):
            template = np.zeros(12)
            template[[(root + i) % 12 for i in intervals]] = 1.0
            labels.append(f"{PITCH_CLASS_NAMES[root]}:{quality}")
            templates.append(template)
    return labels, np.array(templates)


_LABELS, _TEMPLATES = chord_templates()
#: Chord vocabulary of the models: the 24 triads, then "N" (no chord).
CHORD_LABELS = tuple(_LABELS) + ("N",)
NO_CHORD = len(_LABELS)
_TEMPLATES_UNIT = (_TEMPLATES - _TEMPLATES.mean(axis=1, keepdims=True))
_TEMPLATES_UNIT /= np.linalg.norm(_TEMPLATES_UNIT, axis=1, keepdims=True)


def chord_indices(pitch_class_profiles: np.ndarray) -> np.ndarray:
    """Index of the best major/minor triad (0..23, :func:`chord_templates` order) per row of
    ``(N, 12)`` profiles by template correlation; ``NO_CHORD`` (24) for rows with no energy."""
    profiles = np.asarray(pitch_class_profiles, dtype=np.float64)
    centred = profiles - profiles.mean(axis=-1, keepdims=True)
    best = np.argmax(centred @ _TEMPLATES_UNIT.T, axis=-1)
    return np.where(profiles.sum(axis=-1) > 0, best, NO_CHORD)


def recognise_chords(pitch_class_profiles: np.ndarray) -> list[str]:
    """Best major/minor triad label per row of ``(N, 12)`` profiles (see :func:`chord_indices`).

    Rows with no energy get ``"N"`` (no chord), as ``mir_eval.chord`` writes it.
    """
    return [CHORD_LABELS[i] for i in chord_indices(pitch_class_profiles)]


def label_index(label: str) -> int:
    """Index in :data:`CHORD_LABELS` of an annotated chord label reduced to major/minor.

    ``"N"`` gives ``NO_CHORD``; a chord that is neither major nor minor
    (``"C:sus4"``, ``"B:dim"``, ...) or unreadable gives -1.
    """
    import mir_eval.chord  # here, not at the top: importing mir_eval (scipy.stats) costs half a second

    try:
        root, bitmap, _ = mir_eval.chord.encode(label)
    except mir_eval.chord.InvalidChordException:
        return -1
    if root < 0:
        return NO_CHORD
    if bitmap[4] and bitmap[7]:
        return root
    if bitmap[3] and bitmap[7]:
        return 12 + root
    return -1


def steps_to_chords(sounding: np.ndarray, steps_per_beat: int) -> np.ndarray:
    """Chord index of each step's beat (groups of `steps_per_beat` steps from step 0), recognised
    from a ``(..., T, 78)`` roll by template matching; ``(..., T)`` int."""
    *lead, n_steps, _ = sounding.shape
    padded = np.zeros((*lead, -(-n_steps // steps_per_beat) * steps_per_beat, sounding.shape[-1]), dtype=np.float32)
    padded[..., :n_steps, :] = sounding
    beats = fold_to_pitch_classes(padded).reshape(*lead, -1, steps_per_beat, 12).sum(axis=-2)
    return np.repeat(chord_indices(beats), steps_per_beat, axis=-1)[..., :n_steps]


def song_chords(accompaniment: np.ndarray, steps_per_beat: int, chord_start=None, chord_end=None,
                chord_label=None) -> np.ndarray:
    """``(T,)`` chord index per step: the annotated chord where there is one in the major/minor
    vocabulary, elsewhere the chord recognised from the accompaniment roll."""
    chords = steps_to_chords(accompaniment > 0, steps_per_beat)
    if chord_label is None:
        return chords
    for start, end, label in zip(chord_start, chord_end, chord_label):
        index = label_index(str(label))
        if index >= 0:
            chords[max(start, 0):max(end, 0)] = index
    return chords


def transpose_chords(chords: np.ndarray, semitones: int) -> np.ndarray:
    """Chord indices moved by `semitones` (``NO_CHORD`` stays)."""
    chords = np.asarray(chords)
    moved = (chords % 12 + semitones) % 12 + 12 * (chords // 12)
    return np.where(chords == NO_CHORD, NO_CHORD, moved)


def chord_masks() -> np.ndarray:
    """``(25, 78)`` bool: the roll rows whose pitch class belongs to each chord (all rows for "N")."""
    rows = pitch_classes_of_rows()
    return np.vstack([_TEMPLATES[:, rows] > 0, np.ones((1, len(rows)), dtype=bool)])


def beat_spans(beats: np.ndarray, n_steps: int) -> np.ndarray:
    """``(B, 2)`` [start, end) steps of each beat, the last one ending at `n_steps`.

    Beats outside ``0..n_steps`` and empty spans are dropped.
    """
    beats = np.unique(np.asarray(beats, dtype=int))
    beats = beats[(beats >= 0) & (beats < n_steps)]
    if beats.size == 0:
        return np.zeros((0, 2), dtype=int)
    ends = np.append(beats[1:], n_steps)
    return np.column_stack([beats, ends])


def profiles_per_span(sounding: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Pitch-class profile (sounding steps per class) of each ``[start, end)`` span of a ``(T, 78)`` roll."""
    folded = fold_to_pitch_classes(sounding)
    cumulative = np.vstack([np.zeros((1, 12), dtype=np.float64), np.cumsum(folded, axis=0, dtype=np.float64)])
    return cumulative[spans[:, 1]] - cumulative[spans[:, 0]]


def labels_at(steps: np.ndarray, chord_start: np.ndarray, chord_end: np.ndarray,
              chord_label: np.ndarray) -> list[str]:
    """Annotated chord label sounding at each step (``"N"`` where none is)."""
    labels = []
    for step in np.asarray(steps):
        inside = np.flatnonzero((chord_start <= step) & (step < chord_end))
        labels.append(str(chord_label[inside[-1]]) if inside.size else "N")
    return labels


#: Names a key can be given in (case-insensitive), beside "A:min" / "Am" / "A minor".
_MODE_WORDS = {"": "maj", "maj": "maj", "major": "maj", "m": "min", "min": "min", "minor": "min"}
_NATURAL_PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Key-signature names MIDI files use (mido's spelling), per mode, by tonic pitch class.
_MIDI_KEY_NAMES = {"maj": ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
                   "min": ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")}
#: Diatonic triads of each mode: (interval of the root above the tonic, quality).
DIATONIC_TRIADS = {"maj": ((0, "maj"), (2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (9, "min")),
                   "min": ((0, "min"), (3, "maj"), (5, "min"), (7, "min"), (7, "maj"), (8, "maj"), (10, "maj"))}


def parse_key(text: str) -> tuple[int, str]:
    """Read a key name: ``"C"``, ``"Am"``, ``"F#m"``, ``"Bb major"``, ``"a minor"``, ``"Eb:min"``.

    Returns
    -------
    tonic : int
        Pitch class of the tonic (0 = C).
    mode : str
        ``"maj"`` or ``"min"``.

    Raises
    ------
    ValueError
        Text that names no major or minor key.
    """
    cleaned = text.strip().replace(":", " ").replace("♯", "#").replace("♭", "b")
    letter, rest = cleaned[:1].upper(), cleaned[1:]
    tonic = _NATURAL_PITCH_CLASSES.get(letter)
    if rest[:1] in ("#", "b"):
        tonic = None if tonic is None else tonic + (1 if rest[0] == "#" else -1)
        rest = rest[1:]
    mode = _MODE_WORDS.get(rest.strip().lower())
    if tonic is None or mode is None:
        raise ValueError(f"not a key: {text!r} (examples: C, Am, F#m, Bb major, E minor)")
    return tonic % 12, mode


def key_name(tonic: int, mode: str) -> str:
    """``"A minor"``, ``"Eb major"``: a key for people to read."""
    return f"{PITCH_CLASS_NAMES[tonic % 12]} {'major' if mode == 'maj' else 'minor'}"


def midi_key_signature(tonic: int, mode: str) -> str:
    """The key as a MIDI key-signature name (``"Eb"``, ``"F#m"``: mido's spelling)."""
    return _MIDI_KEY_NAMES[mode][tonic % 12]


def diatonic_chord_mask(tonic: int, mode: str) -> np.ndarray:
    """``(25,)`` bool over :data:`CHORD_LABELS`: the key's diatonic triads (the minor mode's
    major dominant included) and "N"."""
    mask = np.zeros(len(CHORD_LABELS), dtype=bool)
    for interval, quality in DIATONIC_TRIADS[mode]:
        mask[(tonic + interval) % 12 + (12 if quality == "min" else 0)] = True
    mask[NO_CHORD] = True
    return mask
