"""How a part is played: dynamics, timing, rhythm variety, texture and voicing, measured on notes.

The agreement measures of :mod:`wav2accomp.evaluation.metrics` compare a generated roll with the real one on
the 16th grid; they cannot see how a part is played. These figures can, and they read real and generated
parts with the same code, from notes as a MIDI file holds them.

Conventions
-----------
A part is a :class:`PlayedNotes`: onsets and releases in quarter-note beats, MIDI pitches and note-on
velocities. The grid is the 16th grid of the song counted from its own phase: ``phase`` (beats, from
:func:`~wav2accomp.band.grid.grid_phase` of the melody) is subtracted before any onset is put on a step.
Bars are given by their start beats.

Metrics
-------
``velocity_sd``
    Standard deviation of the note-on velocities.
``distinct_velocities``
    Number of different note-on velocities.
``accent_ratio``
    Drums: mean velocity of hits on a quarter-note beat / mean velocity of the hits off it.
``off_grid_share``
    Share of onsets more than a 64th note (a quarter step) from the nearest 16th step.
``phase_gap_ms``
    How far the part's grid phase lies from the melody's, milliseconds (absolute); both found alike, from the
    onsets the melody's swing leaves on the straight grid (:func:`~wav2accomp.band.grid.melody_grid`); in the
    sections of
    :func:`evaluate_playing` also its largest value over the songs (``phase_gap_max_ms``).
``bar_rhythms``
    Distinct bar onset patterns (which 16th steps of the bar hold an onset) / bars that play.
``single_share``, ``block_share``
    Pitched harmony parts: share of onsets (notes starting within a 64th of each other count as one onset)
    that are single notes, and that are block chords of 3 or more notes.
``voice_leading``
    Mean semitone movement per voice between successive block chords, voices matched in pitch order.
``parallel_share``
    Share of chord changes (successive block chords of different pitch sets and the same size) in which
    every voice moves by the same nonzero interval.
``voicings_per_chord``
    Distinct pitch sets (not transposed) / block-chord onsets.
``offbeat_share``
    Bass: share of onsets not on a quarter-note beat.

A real-vs-generated classifier (:func:`classifier_accuracy`) tells how far a player is from real ones: a
logistic regression over :func:`window_features` of 4-bar windows, cross-validated with whole songs kept in
one fold; 0.5 means it cannot tell them apart.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..band.style import fit_logistic
from ..constants import STEPS_PER_BEAT

#: Onsets closer than this, steps (a 64th note), are one onset; an onset further than this from its step is off
#: the grid.
SAME_ONSET_STEPS = 0.25
#: Bars in one window of the real-vs-generated classifier.
WINDOW_BARS = 4
#: Folds of the classifier's cross-validation (songs, not windows, are split).
CLASSIFIER_FOLDS = 5

FIGURES = ("velocity_sd", "distinct_velocities", "accent_ratio", "off_grid_share", "phase_gap_ms", "bar_rhythms",
           "single_share", "block_share", "voice_leading", "parallel_share", "voicings_per_chord", "offbeat_share")


@dataclass
class PlayedNotes:
    """The notes of one part.

    Attributes
    ----------
    pitches : np.ndarray
        MIDI numbers (drums: GM drum sounds).
    start_beats, end_beats : np.ndarray
        Onsets and releases, quarter-note beats.
    velocities : np.ndarray
        Note-on velocities, 1..127.
    """

    pitches: np.ndarray
    start_beats: np.ndarray
    end_beats: np.ndarray
    velocities: np.ndarray

    @classmethod
    def from_notes(cls, notes) -> "PlayedNotes":
        """From :class:`~wav2accomp.symbolic.midi_io.Note` objects, sorted by onset then pitch."""
        notes = sorted(notes, key=lambda n: (n.start_beat, n.pitch))
        return cls(np.array([n.pitch for n in notes], dtype=int), np.array([n.start_beat for n in notes], dtype=float),
                   np.array([n.end_beat for n in notes], dtype=float), np.array([n.velocity for n in notes], dtype=int))

    def __len__(self) -> int:
        return len(self.pitches)

    def select(self, keep: np.ndarray) -> "PlayedNotes":
        """The notes where `keep` is true."""
        return PlayedNotes(self.pitches[keep], self.start_beats[keep], self.end_beats[keep], self.velocities[keep])


def onset_steps(notes: PlayedNotes, phase: float = 0.0) -> np.ndarray:
    """Onsets in 16th steps from the song's phase (float)."""
    return (notes.start_beats - phase) * STEPS_PER_BEAT


def onset_groups(notes: PlayedNotes, phase: float = 0.0) -> list[np.ndarray]:
    """Indices of the notes of each onset: notes starting within a 64th of the group's first note."""
    steps = onset_steps(notes, phase)
    groups, current, first = [], [], None
    for index in np.argsort(steps, kind="stable").tolist():
        if first is None or steps[index] - first > SAME_ONSET_STEPS:
            if current:
                groups.append(np.array(current))
            current, first = [], steps[index]
        current.append(index)
    if current:
        groups.append(np.array(current))
    return groups


def velocity_figures(notes: PlayedNotes, *, drums: bool = False, phase: float = 0.0) -> dict[str, float]:
    """``velocity_sd``, ``distinct_velocities`` and, for drums, ``accent_ratio`` (see the module docstring)."""
    if not len(notes):
        return {}
    figures = {"velocity_sd": float(np.std(notes.velocities)),
               "distinct_velocities": float(len(np.unique(notes.velocities)))}
    if drums:
        steps = np.rint(onset_steps(notes, phase)).astype(int)
        on_beat = steps % STEPS_PER_BEAT == 0
        if on_beat.any() and (~on_beat).any():
            figures["accent_ratio"] = float(notes.velocities[on_beat].mean() / notes.velocities[~on_beat].mean())
    return figures


def off_grid_share(notes: PlayedNotes, phase: float = 0.0) -> float:
    """Share of onsets more than a 64th note from the nearest 16th step."""
    steps = onset_steps(notes, phase)
    return float(np.mean(np.abs(steps - np.rint(steps)) > SAME_ONSET_STEPS)) if len(steps) else 0.0


def bar_patterns(notes: PlayedNotes, bar_starts: np.ndarray, phase: float = 0.0) -> list[bytes]:
    """The onset pattern of every bar that plays: which of its 16th steps hold an onset (bytes of 0/1)."""
    steps = np.rint(onset_steps(notes, phase)).astype(int)
    bar_steps = np.rint(np.asarray(bar_starts, dtype=float) * STEPS_PER_BEAT).astype(int)
    if not len(steps) or not len(bar_steps):
        return []
    last = bar_steps[-1] - bar_steps[-2] if len(bar_steps) > 1 else 4 * STEPS_PER_BEAT
    ends = np.append(bar_steps[1:], bar_steps[-1] + last)   # the last bar as long as the one before
    patterns = []
    for start, end in zip(bar_steps.tolist(), ends.tolist()):
        inside = steps[(steps >= start) & (steps < end)] - start
        if inside.size:
            pattern = np.zeros(end - start, dtype=np.uint8)
            pattern[inside] = 1
            patterns.append(pattern.tobytes())
    return patterns


def bar_rhythms(notes: PlayedNotes, bar_starts: np.ndarray, phase: float = 0.0) -> float:
    """Distinct bar onset patterns / bars that play."""
    patterns = bar_patterns(notes, bar_starts, phase)
    return len(set(patterns)) / len(patterns) if patterns else 0.0


def texture_figures(notes: PlayedNotes, phase: float = 0.0) -> dict[str, float]:
    """``single_share``, ``block_share``, ``voice_leading``, ``parallel_share``, ``voicings_per_chord`` of a
    pitched harmony part (see the module docstring)."""
    groups = onset_groups(notes, phase)
    if not groups:
        return {}
    sizes = np.array([len(np.unique(notes.pitches[g])) for g in groups])
    blocks = [tuple(sorted(set(notes.pitches[g].tolist()))) for g, size in zip(groups, sizes) if size >= 3]
    figures = {"single_share": float(np.mean(sizes == 1)), "block_share": float(np.mean(sizes >= 3))}
    if blocks:
        figures["voicings_per_chord"] = len(set(blocks)) / len(blocks)
    moves, parallel, changes = [], 0, 0
    for before, after in zip(blocks, blocks[1:]):
        if before == after:
            continue
        size = min(len(before), len(after))
        steps = np.array(after[:size]) - np.array(before[:size])
        moves.append(float(np.abs(steps).mean()))
        if len(before) == len(after):
            changes += 1
            parallel += int(steps[0] != 0 and np.all(steps == steps[0]))
    if moves:
        figures["voice_leading"] = float(np.mean(moves))
    if changes:
        figures["parallel_share"] = parallel / changes
    return figures


def offbeat_share(notes: PlayedNotes, phase: float = 0.0) -> float:
    """Share of onsets not on a quarter-note beat."""
    steps = np.rint(onset_steps(notes, phase)).astype(int)
    return float(np.mean(steps % STEPS_PER_BEAT != 0)) if len(steps) else 0.0


def played_figures(notes: PlayedNotes, bar_starts: np.ndarray, *, role: str, phase: float = 0.0,
                   melody_phase: float | None = None, seconds_per_beat: float = 0.5,
                   swing: float = 0.5) -> dict[str, float]:
    """Every figure of the module docstring that applies to a part.

    Parameters
    ----------
    notes : PlayedNotes
    bar_starts : np.ndarray
        Bar starts, beats.
    role : str
        ``"drums"``, ``"bass"`` or ``"harmony"`` (piano, strings, guitar: the texture figures).
    phase : float
        The song's grid phase, beats (the melody's).
    melody_phase : float, optional
        The melody's phase, beats, for ``phase_gap_ms`` (default `phase`).
    seconds_per_beat : float
        Of the song, for ``phase_gap_ms``.
    swing : float
        The melody's swing (:func:`~wav2accomp.band.grid.swing_ratio`), for ``phase_gap_ms``.
    """
    from ..band.grid import beats_in_bar, grid_phase

    if not len(notes):
        return {}
    figures = velocity_figures(notes, drums=role == "drums", phase=phase)
    figures["off_grid_share"] = off_grid_share(notes, phase)
    reference = phase if melody_phase is None else melody_phase
    gap = grid_phase(beats_in_bar(notes.start_beats, bar_starts), swing=swing) - reference
    step = 1.0 / STEPS_PER_BEAT
    figures["phase_gap_ms"] = abs((gap + step / 2) % step - step / 2) * seconds_per_beat * 1000.0
    figures["bar_rhythms"] = bar_rhythms(notes, bar_starts, phase)
    if role == "harmony":
        figures.update(texture_figures(notes, phase))
    if role == "bass":
        figures["offbeat_share"] = offbeat_share(notes, phase)
    return figures


# --- the real-vs-generated classifier ---------------------------------------------------------------------------

def window_features(notes: PlayedNotes, bar_starts: np.ndarray, phase: float = 0.0,
                    window_bars: int = WINDOW_BARS) -> np.ndarray:
    """``(W, 12)`` features of each window of `window_bars` bars that plays: onsets per bar, share of bars that
    play, distinct bar patterns per bar, velocity mean / SD / distinct per onset, share off the grid, on the
    beat, single notes and block chords, notes per onset, pitch span."""
    bar_starts = np.asarray(bar_starts, dtype=float)
    rows = []
    for first in range(0, len(bar_starts) - window_bars + 1, window_bars):
        begin = bar_starts[first]
        end = bar_starts[first + window_bars] if first + window_bars < len(bar_starts) else np.inf
        window = notes.select((notes.start_beats >= begin) & (notes.start_beats < end))
        if len(window) < 2:
            continue
        steps = onset_steps(window, phase)
        groups = onset_groups(window, phase)
        sizes = np.array([len(g) for g in groups])
        patterns = bar_patterns(window, bar_starts[first:first + window_bars], phase)
        rows.append([len(groups) / window_bars, len(patterns) / window_bars, len(set(patterns)) / window_bars,
                     window.velocities.mean(), window.velocities.std(),
                     len(np.unique(window.velocities)) / len(window),
                     np.mean(np.abs(steps - np.rint(steps)) > SAME_ONSET_STEPS),
                     np.mean(np.rint(steps).astype(int) % STEPS_PER_BEAT == 0),
                     np.mean(sizes == 1), np.mean(sizes >= 3), sizes.mean(),
                     float(window.pitches.max() - window.pitches.min())])
    return np.array(rows, dtype=float).reshape(-1, 12)


def classifier_accuracy(real: list[np.ndarray], generated: list[np.ndarray], *,
                        folds: int = CLASSIFIER_FOLDS) -> float:
    """Cross-validated accuracy of telling real windows from generated ones.

    Parameters
    ----------
    real, generated : list of np.ndarray
        Per song, ``(W, F)`` window features (:func:`window_features`) of the real and the generated part; song
        ``i`` of both lists lands in fold ``i % folds``, so no song is both trained on and tested.
    folds : int

    Returns
    -------
    float
        Accuracy over every window, each class weighted equally (0.5: indistinguishable); NaN without windows
        of both kinds.
    """
    songs = len(real)
    if songs < folds or not any(len(r) for r in real) or not any(len(g) for g in generated):
        return float("nan")
    correct = {0: [], 1: []}
    for fold in range(folds):
        train = [i for i in range(songs) if i % folds != fold]
        test = [i for i in range(songs) if i % folds == fold]
        xs = [real[i] for i in train] + [generated[i] for i in train]
        ys = [np.ones(len(real[i])) for i in train] + [np.zeros(len(generated[i])) for i in train]
        x, y = np.vstack(xs), np.concatenate(ys)
        if len(np.unique(y)) < 2:
            continue
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        weights = fit_logistic((x - mean) / scale, y)
        for label, group in ((1, real), (0, generated)):
            for i in test:
                if len(group[i]):
                    design = np.hstack([(group[i] - mean) / scale, np.ones((len(group[i]), 1))])
                    correct[label].extend(((design @ weights > 0) == bool(label)).tolist())
    if not correct[0] or not correct[1]:
        return float("nan")
    return float((np.mean(correct[0]) + np.mean(correct[1])) / 2)


# --- a song's parts by role -------------------------------------------------------------------------------------

#: Roles of the "how it is played" figures, in table order.
ROLES = ("piano", "harmony", "bass", "drums")


def song_roles(song, *, generated: bool) -> dict[str, PlayedNotes]:
    """The parts of a song by role: ``drums``, ``bass``, ``harmony`` (every pitched accompaniment part but the
    bass) and ``piano`` (the guitar-like parts but the bass). A real song's parts are classed by
    :func:`~wav2accomp.symbolic.classify.classify_parts`; a generated song's parts by their names (the classes)."""
    from ..constants import BASS, GUITARLIKE, PERCUSSION, STRINGSLIKE
    from ..symbolic.classify import classify_parts, is_bass

    if generated:
        classes = [part.name for part in song.parts]
    else:
        assignments = classify_parts(song.parts, song.end_beat)
        classes = [BASS if is_bass(p, a) else a.part_class for p, a in zip(song.parts, assignments)]
    members: dict[str, list] = {role: [] for role in ROLES}
    for part, part_class in zip(song.parts, classes):
        if part_class == PERCUSSION:
            members["drums"].extend(part.notes)
        elif part_class == BASS:
            members["bass"].extend(part.notes)
        elif part_class in (GUITARLIKE, STRINGSLIKE):
            members["harmony"].extend(part.notes)
            if part_class == GUITARLIKE:
                members["piano"].extend(part.notes)
    return {role: PlayedNotes.from_notes(notes) for role, notes in members.items() if notes}


def role_figures(roles: dict[str, PlayedNotes], bar_starts: np.ndarray, *, phase: float,
                 seconds_per_beat: float, swing: float = 0.5) -> dict[str, dict[str, float]]:
    """:func:`played_figures` of every role of a song (the song's grid phase and swing: its melody's)."""
    kinds = {"drums": "drums", "bass": "bass", "piano": "harmony", "harmony": "harmony"}
    return {role: played_figures(notes, bar_starts, role=kinds[role], phase=phase, seconds_per_beat=seconds_per_beat,
                                 swing=swing)
            for role, notes in roles.items()}


# --- real songs against the band --------------------------------------------------------------------------------

#: Systems of the "how it is played" sections beside the real parts: ``accompany`` keyword arguments, or None for
#: the models' parts before the band plays them (one velocity per part, every onset on the grid, block chords).
PLAYED_SYSTEMS = {"band": {}, "band, feel grid": {"feel": "grid"}, "sequencer": None,
                  "paper": {"arch": "paper", "harmony": "network", "drummer": "network"}}


def _sequencer(arrangement):
    """The arrangement's parts as the models wrote them, before the band plays them."""
    from dataclasses import replace

    from ..models.generate import generate_parts
    from ..options import DrumOptions

    melody = arrangement.melody
    rolls = generate_parts(melody.roll(), melody.downbeat_steps(), parts=list(arrangement.parts), bpm=melody.bpm(),
                           chords=arrangement.chords, seed=arrangement.seed, drums=DrumOptions())
    return replace(arrangement, parts=rolls, played={})


def measure_song(path: str, model_dir=None):
    """(file, (corpus, {system: {role: figures}}, {system: {role: window features}}) or None, why not).

    The real MIDI file's parts against the band ``accompany`` gives its melody (each of :data:`PLAYED_SYSTEMS`),
    measured alike on the bars the band plays to (the file's, or the melody's own where the file's are not,
    :func:`~wav2accomp.arrangement.own_bars`) from the melody's grid phase."""
    from ..arrangement import accompany
    from ..errors import Wav2AccompError
    from ..symbolic.midi_io import on_tempo_map, read_midi
    from ..symbolic.tempo_map import metre_grid

    try:
        base = accompany(path, model_dir=model_dir)
        real = on_tempo_map(read_midi(path), base.melody.tempo_map)   # the real parts on the band's bars
    except (Wav2AccompError, ValueError) as exc:
        return path, None, str(exc)
    songs = {"real": real}
    for system, options in PLAYED_SYSTEMS.items():
        try:   # a system whose models are missing (a user's --model-dir) is left out of this song
            arrangement = _sequencer(base) if options is None else accompany(path, model_dir=model_dir, **options)
        except Wav2AccompError:
            continue
        songs[system] = arrangement.to_song(with_melody=False)
    bars = metre_grid(base.melody.time_signatures, max(real.end_beat, base.melody.end_beat))[1]
    phase, swing = base.melody.grid_offset, base.melody.swing()
    seconds_per_beat = 60.0 / max(base.bpm, 1e-6)
    figures, windows = {}, {}
    for system, song in songs.items():
        roles = song_roles(song, generated=system != "real")
        figures[system] = role_figures(roles, bars, phase=phase, seconds_per_beat=seconds_per_beat, swing=swing)
        windows[system] = {role: window_features(notes, bars, phase) for role, notes in roles.items()}
    corpus = "POP909" if "pop909" in path.lower() else "multi-track"
    return path, (corpus, figures, windows), None


def evaluate_playing(files: list[str], *, model_dir=None, jobs: int = 1, progress: bool = True) -> list:
    """The "how it is played" sections: one per corpus and role, real against every system of
    :data:`PLAYED_SYSTEMS`, each figure's mean over songs and the classifier's accuracy (real: 0.5 by definition).

    Parameters
    ----------
    files : list of str
        Real MIDI files (POP909 songs are recognised by their path).
    jobs : int
        Worker processes.

    Returns
    -------
    list of Section
    """
    from functools import partial

    from ..parallel import map_with_progress
    from .report import Section

    outcomes = sorted(map_with_progress(partial(measure_song, model_dir=model_dir), files, jobs=jobs,
                                        desc="how it is played", unit="song", progress=progress),
                      key=lambda o: o[0])
    measured = [r for _, r, _ in outcomes if r is not None]
    skipped = [{"file": p, "reason": why} for p, r, why in outcomes if r is None]
    systems = ["real", *PLAYED_SYSTEMS]
    sections = []
    for corpus in ("POP909", "multi-track"):
        for role in ROLES:
            having = [(figures, windows) for c, figures, windows in measured if c == corpus and role in figures["real"]]
            if not having or (corpus == "POP909" and role in ("drums", "bass")):
                continue
            means = {}
            for system in systems:
                row = {}
                for figure in FIGURES:
                    values = [f[system][role][figure] for f, _ in having
                              if role in f.get(system, {}) and figure in f[system][role]]
                    row[figure] = float(np.mean(values)) if values else float("nan")
                    if figure == "phase_gap_ms":   # the band must sit on the melody's grid in every song
                        row["phase_gap_max_ms"] = float(np.max(values)) if values else float("nan")
                row["classifier"] = 0.5 if system == "real" else classifier_accuracy(
                    [w["real"][role] for _, w in having],
                    [w.get(system, {}).get(role, np.zeros((0, 12))) for _, w in having])
                means[system] = row
            metrics = [m for m in (*FIGURES[:5], "phase_gap_max_ms", *FIGURES[5:], "classifier")
                       if any(not np.isnan(means[s][m]) for s in systems)]
            sections.append(Section(f"how it is played: {corpus} {role} ({len(having)} songs)", systems, metrics,
                                    means, notes=["", "Figures defined in `wav2accomp/evaluation/playing.py`; "
                                                  "classifier: real-vs-generated accuracy over 4-bar windows, 5 "
                                                  "folds by song (0.5 = indistinguishable)."],
                                    info={"songs": len(having), "skipped": skipped}))
    return sections
