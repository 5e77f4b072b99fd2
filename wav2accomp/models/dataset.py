"""Training windows from a prepared cache: (melody, accompaniment) pairs of one class.

Songs are held in memory as encoded uint8 rolls (about 160 bytes per step);
windows of ``l`` steps are cut from them at random positions, optionally
transposed, and turned into model inputs and targets batch by batch.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from ..constants import BASS, GUITARLIKE, PERCUSSION, STEPS_PER_BEAT, STRINGSLIKE
from ..data.corpus import load_index, load_song, song_bpm
from ..errors import Wav2AccompError
from ..symbolic.harmony import NO_CHORD, song_chords, transpose_chords
from .conditioning import bar_positions, key_profile


@dataclass
class PartSongs:
    """Songs that have a given accompaniment class, one split.

    Attributes
    ----------
    ids : list of str
        Song identifiers in the cache.
    melody, target : list of np.ndarray
        ``(T_i, 78)`` encoded rolls of the melody and of the class.
    positions : list of np.ndarray
        ``(T_i,)`` steps since the downbeat.
    profiles : np.ndarray
        ``(N, 12)`` key profile of each melody.
    downbeats : list of np.ndarray
        Downbeat steps of each song.
    chords : list of np.ndarray
        ``(T_i,)`` chord index per step (:func:`wav2accomp.symbolic.harmony.song_chords`):
        annotated where the corpus has chord labels, else recognised from the part (for the bass: from the
        harmony parts, :func:`harmony_without_bass`).
    bpm : list of float
        Tempo of each song at its first downbeat (:func:`wav2accomp.data.corpus.song_bpm`).
    skipped : list of dict
        Songs left out: id and reason.
    """

    ids: list
    melody: list
    target: list
    positions: list
    profiles: np.ndarray
    downbeats: list
    chords: list
    bpm: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def first(self, count: int) -> "PartSongs":
        """The first `count` songs."""
        return PartSongs(self.ids[:count], self.melody[:count], self.target[:count], self.positions[:count],
                         self.profiles[:count], self.downbeats[:count], self.chords[:count], self.bpm[:count])

    @property
    def n_steps(self) -> np.ndarray:
        """Length of each song, steps."""
        return np.array([len(m) for m in self.melody])


def harmony_without_bass(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """``(T, 78)`` the harmony a song's bass plays to: its guitarlike roll without the bass's cells, with its
    stringslike roll (so a bass's chords are recognised from the other players, not from itself)."""
    harmony = np.where(arrays[BASS] > 0, 0, arrays[GUITARLIKE]) if GUITARLIKE in arrays else np.zeros_like(arrays[BASS])
    return np.maximum(harmony, arrays[STRINGSLIKE]) if STRINGSLIKE in arrays else harmony


def load_part_songs(cache: str | os.PathLike, part: str, split: str, *, limit: int | None = None,
                    progress: bool = False) -> PartSongs:
    """Load every song of `split` that has `part` (at most `limit`, in index order).

    A song whose cached file is missing or damaged is left out and listed in ``.skipped`` with the reason.

    Raises
    ------
    Wav2AccompError
        When the cache has no such song, or none of them can be read.
    """
    entries = [s for s in load_index(cache)["songs"] if split in (s["split"], "all") and part in s["classes"]]
    entries = entries[:limit] if limit else entries
    if not entries:
        raise Wav2AccompError(f"{cache} has no {split} songs with a {part} part")
    songs = PartSongs([], [], [], [], np.zeros((0, 12), dtype=np.float32), [], [])
    profiles = []
    for entry in tqdm(entries, desc=f"load {split}", unit="song", disable=not progress):
        try:
            arrays = load_song(cache, entry["id"])
            if part not in arrays or arrays[part].shape != arrays["melody"].shape:
                raise Wav2AccompError(f"the cached song {entry['id']} has no {part} roll as long as its melody")
        except Wav2AccompError as exc:
            songs.skipped.append({"id": entry["id"], "reason": str(exc)})
            continue
        melody = arrays["melody"]
        songs.ids.append(entry["id"])
        songs.melody.append(melody)
        songs.target.append(arrays[part])
        songs.positions.append(bar_positions(len(melody), arrays["downbeats"]))
        songs.downbeats.append(arrays["downbeats"])
        songs.bpm.append(song_bpm(arrays))
        profiles.append(key_profile(melody))
        annotations = [arrays[k] for k in ("chord_start", "chord_end", "chord_label")] if "chord_label" in arrays else []
        heard = harmony_without_bass(arrays) if part == BASS else arrays[part]
        songs.chords.append(song_chords(heard, STEPS_PER_BEAT, *annotations).astype(np.int8))
    if not songs.ids:
        raise Wav2AccompError(f"none of the {len(entries)} {split} songs with a {part} part in {cache} can be read "
                              f"({songs.skipped[0]['reason']})")
    songs.profiles = np.array(profiles, dtype=np.float32).reshape(-1, 12)
    return songs


def transpose_roll(roll: np.ndarray, semitones: int) -> np.ndarray:
    """Shift a ``(..., 78)`` roll by `semitones`; notes pushed off the range are dropped."""
    if semitones == 0:
        return roll
    shifted = np.zeros_like(roll)
    if semitones > 0:
        shifted[..., semitones:] = roll[..., :-semitones]
    else:
        shifted[..., :semitones] = roll[..., -semitones:]
    return shifted


def sample_windows(n_steps: np.ndarray, count: int, window: int, rng: np.random.Generator,
                   align: int = 1) -> np.ndarray:
    """`count` random ``(song, start step)`` pairs, songs drawn in proportion to their length.

    Starts are multiples of `align` steps (a beat, for models that pool beats).
    """
    weights = np.maximum(n_steps - window + 1, 1).astype(float)
    song = rng.choice(len(n_steps), size=count, p=weights / weights.sum())
    start = rng.integers(0, np.maximum(n_steps[song] - window + 1, 1))
    return np.column_stack([song, start - start % align])


def tiled_windows(n_steps: np.ndarray, window: int) -> np.ndarray:
    """Every non-overlapping ``(song, start step)`` window, in order (the last one of a song may run past its end)."""
    return np.array([(i, start) for i, length in enumerate(n_steps) for start in range(0, length, window)],
                    dtype=int).reshape(-1, 2)


def cut(roll: np.ndarray, start: int, window: int, fill: int = 0) -> np.ndarray:
    """Steps ``start .. start + window`` of `roll`, padded with `fill` past its end."""
    piece = roll[start:start + window]
    if len(piece) < window:
        piece = np.concatenate([piece, np.full((window - len(piece),) + roll.shape[1:], fill, dtype=roll.dtype)])
    return piece


def make_batch(songs: PartSongs, picks: np.ndarray, window: int, architecture, part: str,
               shifts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of `architecture` (:class:`~wav2accomp.models.architecture.Architecture`) for
    windows `picks` (``(B, 2)`` song, start).

    `shifts` (``(B,)`` semitones) transpose the melody, and the target too
    unless `part` is percussion (drums keep their GM numbers).
    """
    melodies, targets, positions, profiles, chords = [], [], [], [], []
    for row, (song, start) in enumerate(picks):
        melody, target = cut(songs.melody[song], start, window), cut(songs.target[song], start, window)
        profile, chord = songs.profiles[song], cut(songs.chords[song], start, window, fill=NO_CHORD)
        if shifts is not None and shifts[row]:
            melody = transpose_roll(melody, shifts[row])
            profile = np.roll(profile, shifts[row])
            chord = transpose_chords(chord, shifts[row])
            if part != PERCUSSION:
                target = transpose_roll(target, shifts[row])
        melodies.append(melody)
        targets.append(target)
        positions.append(cut(songs.positions[song], start, window))
        profiles.append(profile)
        chords.append(chord)
    return (architecture.inputs(np.stack(melodies), np.stack(positions), np.stack(profiles)),
            architecture.targets(np.stack(targets), np.stack(chords), part, STEPS_PER_BEAT))
