"""Multitrack stems: the folder convention, and stems rendered from MIDI corpora.

Convention: ``<root>/<song>/<stem>.wav|flac|ogg`` — one folder per song, one
audio file per stem. The melody stem is the one whose name contains a keyword
of :data:`~wav2accomp.constants.MELODY_STEM_KEYWORDS` (vocals, voice, lead,
melody, ...; overridable); every other stem is summed into the accompaniment,
except a premixed ``mix``/``mixture`` file. Stems are read mono at
:data:`~wav2accomp.constants.STEMS_SAMPLE_RATE` and padded to a common
length. A song folder may also hold one MIDI file, the one it was rendered
from (the symbolic route's reference; it keeps its name, so the song's split
is the MIDI corpus's split).

:func:`render_stems` makes such a folder from MIDI files, the way Slakh was
made from Lakh: each class of a song (melody, percussion, guitarlike,
stringslike) is rendered to its own stem with a SoundFont synthesiser, plus
the mix and a copy of the source MIDI.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audio.recording import AudioError, load_audio
from ..constants import (ACCOMPANIMENT_CLASSES, MAX_AUDIO_SECONDS, MELODY, MELODY_STEM_KEYWORDS, MIX_STEM_NAMES,
                         STEMS_SAMPLE_RATE)
from ..errors import Wav2AccompError
from ..parallel import map_with_progress
from ..symbolic.classify import classify_parts
from ..symbolic.midi_io import MidiReadError, Song, read_midi
from ..synth.mix import write_audio
from ..synth.render import synthesize
from .corpus import MIDI_SUFFIXES, find_midi_files, song_id, split_for

STEM_SUFFIXES = (".wav", ".flac", ".ogg")


@dataclass
class StemSong:
    """One song folder of a stems dataset.

    Attributes
    ----------
    name : str
        The folder's name.
    melody : Path
        The melody stem.
    accompaniment : list of Path
        The stems summed into the accompaniment.
    midi : Path or None
        The folder's MIDI file, when it has exactly one.
    """

    name: str
    melody: Path
    accompaniment: list[Path] = field(default_factory=list)
    midi: Path | None = None

    @property
    def split(self) -> str:
        """"train", "valid" or "test": the MIDI file's split in a MIDI corpus
        (:func:`~wav2accomp.data.corpus.split_for`), else the folder name's."""
        return split_for(self.midi.name if self.midi else self.name)


def is_melody_stem(stem_name: str, keywords=MELODY_STEM_KEYWORDS) -> bool:
    """True when a stem's name (without suffix) contains one of the melody keywords, case-insensitive."""
    lowered = stem_name.lower()
    return any(keyword in lowered for keyword in keywords)


def find_stem_songs(root: str | os.PathLike, *, keywords=None) -> tuple[list[StemSong], list[dict]]:
    """Every usable song folder below `root`, and the skipped ones with their reason.

    `keywords` (default :data:`~wav2accomp.constants.MELODY_STEM_KEYWORDS`) name the melody stem.

    Returns
    -------
    songs : list of StemSong
        Sorted by name.
    skipped : list of dict
        ``{"song", "reason"}``: no stems, no melody stem, several melody stems, nothing else.

    Raises
    ------
    Wav2AccompError
        `root` is not a folder.
    """
    keywords = tuple(keywords or MELODY_STEM_KEYWORDS)
    root = Path(root)
    if not root.is_dir():
        raise Wav2AccompError(f"stems folder not found: {root}")
    songs, skipped = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        stems = sorted(p for p in folder.iterdir() if p.suffix.lower() in STEM_SUFFIXES and p.is_file()
                       and p.stem.lower() not in MIX_STEM_NAMES)
        melody = [p for p in stems if is_melody_stem(p.stem, keywords)]
        reason = None
        if not stems:
            reason = "no audio stems"
        elif not melody:
            reason = f"no melody stem (none of {', '.join(p.name for p in stems)} names one of: {', '.join(keywords)})"
        elif len(melody) > 1:
            reason = f"several melody stems: {', '.join(p.name for p in melody)}"
        elif len(stems) == 1:
            reason = "no accompaniment stem beside the melody"
        if reason:
            skipped.append({"song": folder.name, "reason": reason})
            continue
        midis = [p for p in folder.iterdir() if p.suffix.lower() in MIDI_SUFFIXES and p.is_file()]
        songs.append(StemSong(folder.name, melody[0], [p for p in stems if p != melody[0]],
                              midis[0] if len(midis) == 1 else None))
    return songs, skipped


def select_split(songs: list[StemSong], split: str | None) -> tuple[list[StemSong], str]:
    """The songs of `split` and the split's name.

    ``"auto"``: the test split of a folder ``stems render`` made (every song holds the MIDI file it came from,
    so its split is the MIDI corpus's), every song of any other folder (a user's own recordings have no
    split). ``"all"`` or None: every song.
    """
    if split == "auto":
        split = "test" if songs and all(song.midi is not None for song in songs) else "all"
    if split in (None, "all"):
        return list(songs), "all"
    return [song for song in songs if song.split == split], split


def load_stem_song(song: StemSong, *, sr: int = STEMS_SAMPLE_RATE,
                   max_seconds: float = MAX_AUDIO_SECONDS) -> tuple[np.ndarray, np.ndarray]:
    """(melody, accompaniment): mono float32 at `sr`, equal lengths (the shorter padded with silence).

    A silent stem is allowed (a part that never plays); unreadable ones raise
    :class:`~wav2accomp.audio.recording.AudioError`.
    """
    def read(path: Path) -> np.ndarray:
        try:
            return load_audio(path, sr=sr, max_seconds=max_seconds)[0]
        except AudioError as exc:
            if "silent" in str(exc):
                return np.zeros(0, dtype=np.float32)
            raise

    melody = read(song.melody)
    parts = [read(p) for p in song.accompaniment]
    length = max([len(melody)] + [len(p) for p in parts])
    accompaniment = np.zeros(length, dtype=np.float32)
    for part in parts:
        accompaniment[:len(part)] += part
    return np.pad(melody, (0, length - len(melody))), accompaniment


# --- Rendering stems from MIDI ------------------------------------------------------------

def class_songs(song: Song) -> dict[str, Song]:
    """The song split by class (melody, percussion, guitarlike, stringslike): one Song per class with notes."""
    classes = classify_parts(song.parts, song.end_beat)
    by_class: dict[str, Song] = {}
    for stem in (MELODY, *ACCOMPANIMENT_CLASSES):
        parts = [p for p, a in zip(song.parts, classes) if a.part_class == stem and p.notes]
        if parts:
            by_class[stem] = Song(parts, song.tempo_map, song.time_signatures, song.end_beat)
    return by_class


def render_song_stems(midi_path: Path, folder: Path, *, sr: int = STEMS_SAMPLE_RATE, engine: str = "auto",
                      soundfont: str | os.PathLike | None = None, max_seconds: float | None = None,
                      audio_suffix: str = ".flac") -> list[str]:
    """Render one MIDI file into `folder`: a stem per class, ``mix``, and a copy of the MIDI file.

    Every stem has the same length (the song plus a release tail, cut at
    `max_seconds`). Returns the stem names written.

    Raises
    ------
    Wav2AccompError
        Unreadable MIDI, or no melody part.
    """
    song = read_midi(midi_path)
    stems = class_songs(song)
    if MELODY not in stems:
        raise Wav2AccompError(f"{midi_path}: no melody part")
    if len(stems) == 1:
        raise Wav2AccompError(f"{midi_path}: no accompaniment part")
    seconds = song.end + 1.0 if max_seconds is None else min(song.end + 1.0, max_seconds)
    folder.mkdir(parents=True, exist_ok=True)
    mix = np.zeros((int(round(seconds * sr)), 2), dtype=np.float32)
    for name, stem_song in stems.items():
        audio, _ = synthesize(stem_song, sr=sr, engine=engine, soundfont=soundfont, seconds=seconds)
        mix += audio
        write_audio(folder / f"{name}{audio_suffix}", audio, sr)
    write_audio(folder / f"mix{audio_suffix}", mix, sr)
    shutil.copyfile(midi_path, folder / midi_path.name)
    return list(stems) + ["mix"]


def _render_task(task) -> tuple[str, str | None]:
    midi_path, folder, options = task
    try:
        render_song_stems(midi_path, folder, **options)
        return folder.name, None
    except (Wav2AccompError, MidiReadError, AudioError) as exc:
        return folder.name, str(exc)
    except Exception as exc:  # one broken file must never abort a corpus job
        return folder.name, f"failed: {type(exc).__name__}: {exc}"


def render_stems(midi_folders: list[str | os.PathLike], out_dir: str | os.PathLike, *, jobs: int | None = None,
                 split: str | None = None, limit: int | None = None, sr: int = STEMS_SAMPLE_RATE,
                 engine: str = "auto", soundfont: str | os.PathLike | None = None, max_seconds: float | None = None,
                 progress: bool = True) -> dict:
    """Render every MIDI file below `midi_folders` to a song folder of stems in `out_dir`.

    Parameters
    ----------
    split : str, optional
        Only songs of this split (``"train"``, ``"valid"``, ``"test"``): the
        split the MIDI corpus gives the file.
    limit : int, optional
        At most this many songs (after the split filter), in name order.
    sr : int
        Sample rate of the stems, Hz.
    engine, soundfont
        Synthesiser (see :func:`~wav2accomp.synth.render.synthesize`).
    max_seconds : float, optional
        Cut every song after this many seconds.
    jobs : int, optional
        Worker processes (default: the number of CPUs).

    Returns
    -------
    dict
        ``{"rendered": [names], "skipped": [{"song", "reason"}]}``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise Wav2AccompError(f"cannot render stems into {out_dir}: it is a file, not a folder")
    tasks = []
    for corpus, path in find_midi_files(midi_folders):
        name = song_id(corpus, path).replace("/", "__")
        if split is None or split_for(path.name) == split:
            tasks.append((path, out_dir / name))
    tasks = tasks[:limit] if limit else tasks
    if not tasks:
        raise Wav2AccompError("no MIDI files to render in " + ", ".join(map(str, midi_folders)))
    options = {"sr": sr, "engine": engine, "soundfont": soundfont, "max_seconds": max_seconds}
    # FluidSynth renders on several cores by itself; the pool gives each worker one song at a time.
    work = [(path, folder, options) for path, folder in tasks]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    results = map_with_progress(_render_task, work, jobs=jobs, desc="render stems", unit="song", progress=progress)
    rendered = sorted(name for name, reason in results if reason is None)
    skipped = sorted(({"song": name, "reason": reason} for name, reason in results if reason),
                     key=lambda s: s["song"])
    return {"rendered": rendered, "skipped": skipped}
