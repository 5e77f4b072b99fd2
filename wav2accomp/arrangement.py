"""Hum (or a MIDI melody) -> band: the product's one call, :func:`accompany`.

The route, stage by stage: read the input (a recording through
:func:`~wav2accomp.audio.transcribe.analyse`, or a MIDI file's melody part) -> a
melody roll on the 16th grid with its bar lines -> one generated roll per
accompaniment part (:func:`~wav2accomp.models.generate.generate_parts`) -> a
multi-track :class:`~wav2accomp.symbolic.midi_io.Song` whose time equals the
recording's. The :class:`Arrangement` it returns writes the MIDI file, a
listenable mix (:mod:`wav2accomp.synth.render`) and a picture. The command line's
``wav2accomp accompany`` is a thin layer over this module.
"""
from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .audio.recording import resample
from .audio.transcribe import NoMelodyError, Transcription, transcribe
from .band.dynamics import check_feel
from .constants import (FEELS, MIX_PAN, MIX_REVERB, ALIGNED_ARCH, BAND_PARTS, BASS, GUITARLIKE, MAX_AUDIO_SECONDS,
                        MAX_MELODY_NOTES, MELODY, METRE_MODEL, MIN_NOTE_SECONDS, OFF_KEY_CHORD_WEIGHT,
                        OWN_BARS_MARGIN, PERCUSSION,
                        RENDER_SAMPLE_RATE, STEPS_PER_BEAT, STRINGSLIKE, TRACKERS, HARMONY_SOURCES)
from .errors import Wav2AccompError, Wav2AccompWarning
from .options import DecodingOptions, DrumOptions, TranscriptionOptions, check_harmony
from .band.grid import beats_in_bar, melody_grid, swing_ratio
from .band.perform import PlayedPart, load_band, play_band
from .band.style import note_features
from .models.generate import choose_chords, counted_model_path, generate_parts, plays_chords_first
from .symbolic.chords import bars_to_steps, changes_to_steps, chord_changes, parse_chord_text, read_chords_file
from .symbolic.classify import classify_parts
from .symbolic.harmony import (diatonic_chord_mask, estimate_key, key_name, midi_key_signature, parse_key,
                               pitch_class_histogram)
from .symbolic.metre import MetreTemplate, load_template
from .symbolic.midi_io import Note, Song, read_midi
from .symbolic.roll import n_steps_for, notes_to_roll, rolls_to_song
from .symbolic.tempo_map import TempoMap, TimeSignature, metre_grid

#: Suffixes read as MIDI melodies; anything else is read as a recording.
MIDI_SUFFIXES = (".mid", ".midi", ".kar")
#: File names of the stems (``--stems``) per track.
STEM_NAMES = {MELODY: "melody", PERCUSSION: "drums", GUITARLIKE: "piano", STRINGSLIKE: "strings", BASS: "bass"}
#: Names a user may give a part, beside the class names.
PART_NAMES = {"drums": PERCUSSION, "percussion": PERCUSSION,
              "piano": GUITARLIKE, "guitar": GUITARLIKE, "guitarlike": GUITARLIKE,
              "strings": STRINGSLIKE, "stringslike": STRINGSLIKE, "bass": BASS}


def resolve_parts(names) -> tuple[str, ...]:
    """Part names (``"drums"``, ``"piano"``, ``"strings"`` or class names) -> classes, in order, once each.

    Raises
    ------
    Wav2AccompError
        An unknown name, or none at all.
    """
    classes = []
    for name in ([names] if isinstance(names, str) else list(names)):
        part_class = PART_NAMES.get(str(name).strip().lower())
        if part_class is None:
            raise Wav2AccompError(f"unknown part {name!r}: choose from drums (percussion), piano or guitar "
                                  "(guitarlike), strings (stringslike), bass")
        if part_class not in classes:
            classes.append(part_class)
    if not classes:
        raise Wav2AccompError("no part to generate: give at least one of drums, piano, strings, bass")
    return tuple(classes)


@dataclass
class Melody:
    """The input melody on the song's time line.

    Attributes
    ----------
    notes : list of Note
        The melody's notes (beats and seconds; MIDI seconds = recording seconds).
    tempo_map : TempoMap
    time_signatures : list of TimeSignature
    end_beat : float
        End of the song, quarter-note beats.
    recording : np.ndarray or None
        The recording, mono at `sr` (None for a MIDI melody).
    sr : int or None
        Sample rate of `recording`, Hz.
    transcription : Transcription or None
        What the pitch tracker heard (None for a MIDI melody).
    grid_offset : float
        Where the melody's 16th grid lies from the file's, beats (a MIDI melody whose beats do not start at
        tick 0: :func:`~wav2accomp.band.grid.melody_grid`); the melody roll and the band sit on the melody's grid.
    """

    notes: list[Note]
    tempo_map: TempoMap
    time_signatures: list[TimeSignature]
    end_beat: float
    recording: np.ndarray | None = None
    sr: int | None = None
    transcription: Transcription | None = None
    grid_offset: float = 0.0

    def n_steps(self) -> int:
        """Length of the song on the 16th grid, steps."""
        return n_steps_for(self.end_beat)

    def roll(self) -> np.ndarray:
        """``(T, 78)`` encoded melody roll, on the melody's own grid (:attr:`grid_offset`)."""
        offset = self.grid_offset
        notes = [replace(n, start_beat=n.start_beat - offset, end_beat=n.end_beat - offset) for n in self.notes] \
            if offset else self.notes
        return notes_to_roll(notes, self.n_steps())

    def onsets_in_bar(self) -> np.ndarray:
        """The notes' onsets counted from their bar lines, beats (:func:`~wav2accomp.band.grid.beats_in_bar`)."""
        return beats_in_bar([n.start_beat for n in self.notes], metre_grid(self.time_signatures, self.end_beat)[1])

    def swing(self) -> float:
        """Where the melody's off-beat eighths fall in the beat (:func:`~wav2accomp.band.grid.swing_ratio`)."""
        return swing_ratio(self.onsets_in_bar(), self.grid_offset)

    def velocity_palette(self) -> int | None:
        """How many different velocities a MIDI melody was played with (None for a recording's: its velocities
        are the transcriber's, not a player's)."""
        return None if self.transcription is not None else len({n.velocity for n in self.notes})

    def style_features(self) -> np.ndarray:
        """What tells a piano's song from a band's in the melody (:func:`~wav2accomp.band.style.note_features`)."""
        return note_features(self.notes, bpm=self.bpm(), phase=self.grid_offset)

    def bpm(self) -> float:
        """Tempo at the first bar line, quarter notes per minute."""
        bars = self.downbeat_steps()
        return float(self.tempo_map.bpm_at(float(bars[1]) / STEPS_PER_BEAT if len(bars) > 1 else 0.0))

    def downbeat_steps(self) -> np.ndarray:
        """Bar starts, steps."""
        _, downbeats = metre_grid(self.time_signatures, self.end_beat)
        return np.round(downbeats * STEPS_PER_BEAT).astype(int)


def melody_from_recording(audio: str | os.PathLike | np.ndarray, sr: int | None = None, *,
                          bpm: float | None = None, min_note_seconds: float = MIN_NOTE_SECONDS,
                          max_seconds: float = MAX_AUDIO_SECONDS, tracker: str = TRACKERS[0]) -> Melody:
    """The melody of a recording (:func:`~wav2accomp.audio.transcribe.transcribe`), the recording kept at its rate."""
    heard = transcribe(audio, sr, bpm=bpm, min_note_seconds=min_note_seconds, max_seconds=max_seconds,
                       tracker=tracker)
    return Melody(list(heard.melody), heard.tempo_map, list(heard.time_signatures), heard.end_beat,
                  recording=heard.recording, sr=heard.recording_sr, transcription=heard)


def melody_from_midi(path: str | os.PathLike, *, bpm: float | None = None,
                     max_seconds: float = MAX_AUDIO_SECONDS, metre: MetreTemplate | None = None) -> Melody:
    """The melody part of a MIDI file (by the class rules: name, then statistics; a lone pitched part is taken).

    `bpm` replays the melody at one constant tempo instead of the file's tempo map. With `metre`, a melody
    whose file's bars are not its own gets bars of its own (:func:`own_bars`). The melody is bounded like a
    recording: at most `max_seconds` long and :data:`~wav2accomp.constants.MAX_MELODY_NOTES`
    notes.

    Raises
    ------
    NoMelodyError
        The file has no pitched part that could be a melody.
    Wav2AccompError
        A melody longer than `max_seconds` or with too many notes.
    """
    song = read_midi(path)
    for warning in song.warnings:   # what the reader repaired or left out is said, as `inspect` says it
        warnings.warn(f"{path}: {warning}", Wav2AccompWarning, stacklevel=2)
    classes = classify_parts(song.parts, song.end_beat)
    pitched = [p for p in song.parts if p.notes and not p.is_drum]
    chosen = [p for p, a in zip(song.parts, classes) if a.part_class == MELODY]
    if not chosen and len(pitched) == 1:
        chosen = pitched
    if not chosen:
        raise NoMelodyError(f"no melody found in {path}: none of its {len(song.parts)} parts is a melody "
                            f"(a pitched, mostly one-note-at-a-time part of at least a few notes)")
    notes, tempo_map = chosen[0].notes, song.tempo_map
    if bpm is not None:
        tempo_map = TempoMap.constant(bpm)
        notes = [replace(n, start=float(tempo_map.beats_to_seconds(n.start_beat)),
                         end=float(tempo_map.beats_to_seconds(n.end_beat))) for n in notes]
    if len(notes) > MAX_MELODY_NOTES:
        raise Wav2AccompError(f"{path}: its melody has {len(notes)} notes (at most {MAX_MELODY_NOTES})")
    seconds = max(n.end for n in notes)
    if seconds > max_seconds:
        raise Wav2AccompError(f"{path} is too long: its melody lasts {seconds:.0f} s (at most {max_seconds:g} s; "
                              "raise --max-seconds to accept it)")
    time_signatures = list(song.time_signatures)
    if metre is not None:
        tempo_map, time_signatures, notes = own_bars(notes, tempo_map, time_signatures, metre)
    end_beat = max(n.end_beat for n in notes)
    melody = Melody(list(notes), tempo_map, time_signatures, end_beat)
    return replace(melody, grid_offset=melody_grid(melody.onsets_in_bar())[0])


def own_bars(notes: list[Note], tempo_map: TempoMap, time_signatures: list[TimeSignature],
             metre: MetreTemplate) -> tuple[TempoMap, list[TimeSignature], list[Note]]:
    """A MIDI melody's own 4/4 bar lines where its file's are not its own: the tempo map, metre and notes (same
    seconds) of a grid whose bars fall where the melody's notes are likeliest
    (:func:`~wav2accomp.symbolic.metre.bar_likelihoods`), with a pickup bar before the first
    (:func:`~wav2accomp.symbolic.tempo_map.bars_at`).

    A file in 4/4 keeps its bars when its melody is on its 16ths exactly (a sequencer's melody: its bars are the
    file's) or is not likelier by :data:`~wav2accomp.constants.OWN_BARS_MARGIN` nats a note under bars of its
    own. A file in 1/4 or 2/4 (as files taken from performances often say, whatever the music's metre) gets the
    likeliest 4/4 bars; any other metre is kept as it is.
    """
    from .symbolic.metre import bar_likelihoods
    from .symbolic.tempo_map import bars_at

    metres = {(t.numerator, t.denominator) for t in time_signatures} or {(4, 4)}
    if not metres <= {(1, 4), (2, 4), (4, 4)} or len(notes) < 2:
        return tempo_map, time_signatures, notes
    starts = np.array([n.start_beat for n in notes])
    ends = np.array([n.end_beat for n in notes])
    phase = melody_grid(starts)[0]
    likelihoods = bar_likelihoods(metre, starts, ends, phase)
    if metres == {(4, 4)}:
        quantised = np.all(np.abs(starts * STEPS_PER_BEAT - np.rint(starts * STEPS_PER_BEAT)) < 1e-3)
        if quantised or (likelihoods.max() - likelihoods[0]) / len(notes) < OWN_BARS_MARGIN:
            return tempo_map, time_signatures, notes
    own_map, own_signatures = bars_at(tempo_map, phase + int(np.argmax(likelihoods)) / STEPS_PER_BEAT)
    beats = own_map.seconds_to_beats(np.array([[n.start, n.end] for n in notes]))
    return own_map, own_signatures, [replace(n, start_beat=float(b0), end_beat=float(b1))
                                     for n, (b0, b1) in zip(notes, beats)]


@dataclass
class Arrangement:
    """A melody with generated parts, ready to write, hear and look at.

    Attributes
    ----------
    name : str
        The input (a path, or "the audio array").
    melody : Melody
    parts : dict of str to np.ndarray
        Class -> ``(T, 78)`` generated roll, in the order asked for.
    key : tuple of (int, str)
        Tonic pitch class (0 = C) and mode (``"maj"``/``"min"``).
    key_given : bool
        True when the key came from the caller rather than the melody.
    seed : int
    temperature : float
    timings : dict of str to float
        Seconds spent per stage (read, transcribe, generate, and later midi, render, plot).
    chords : np.ndarray or None
        ``(T,)`` the chord index per step the pitched parts play: the user's, or the harmoniser's (None: the
        networks chose as they played, ``harmony="network"``). Written to the MIDI file as markers (chord
        symbols where they change) and above the picture.
    chords_given : bool
        True when `chords` came from the user.
    played : dict of str to PlayedPart
        Class -> the part as the band plays it (:func:`~wav2accomp.band.perform.play_band`: velocities, timing,
        textures); `parts` holds the same notes on the grid. Empty: the rolls are written as they are.
    feel : str
        How far from the grid the band plays (``natural``, ``grid``, ``loose``).
    """

    name: str
    melody: Melody
    parts: dict[str, np.ndarray]
    key: tuple[int, str]
    key_given: bool
    seed: int
    temperature: float
    timings: dict[str, float] = field(default_factory=dict)
    chords: np.ndarray | None = None
    chords_given: bool = False
    played: dict[str, PlayedPart] = field(default_factory=dict)
    feel: str = "natural"

    @property
    def bpm(self) -> float:
        """Tempo at the first bar line, quarter notes per minute."""
        return self.melody.bpm()

    @property
    def duration(self) -> float:
        """Length of the song, seconds: the end of its last grid step, or of the recording when later."""
        song_end = float(self.melody.tempo_map.beats_to_seconds(self.melody.n_steps() / STEPS_PER_BEAT))
        if self.melody.recording is None:
            return song_end
        return max(song_end, len(self.melody.recording) / self.melody.sr)

    def to_song(self, *, with_melody: bool = True) -> Song:
        """The arrangement as a multi-track :class:`~wav2accomp.symbolic.midi_io.Song`: the melody first (its own
        notes and velocities), then one track per part (percussion on channel 10)."""
        rolls = {MELODY: self.melody.roll(), **self.parts} if with_melody else dict(self.parts)
        song = rolls_to_song(rolls, self.melody.tempo_map, self.melody.time_signatures)
        for index, part in enumerate(song.parts):
            if part.name in self.played:
                part = replace(part, notes=self.played[part.name].to_notes(self.melody.tempo_map,
                                                                          offset_beats=self.melody.grid_offset))
            song.parts[index] = replace(part, pan=MIX_PAN.get(part.name), reverb=MIX_REVERB.get(part.name))
        if with_melody:
            song.parts[0] = replace(song.parts[0], notes=list(self.melody.notes))
        song.end_beat = max(song.end_beat, self.melody.end_beat)
        song.key_signature = midi_key_signature(*self.key)
        song.markers = [(step / STEPS_PER_BEAT, symbol) for step, symbol in self.chord_symbols()]
        song.source = self.name
        return song

    def chord_symbols(self) -> list[tuple[int, str]]:
        """(step, lead-sheet symbol) where the chords the parts play change; empty without chords."""
        return chord_changes(self.chords) if self.chords is not None else []

    def to_midi(self, path: str | os.PathLike) -> None:
        """Write the arrangement as a format-1 MIDI file, atomically."""
        from .symbolic.midi_io import write_midi

        with _timed(self.timings, "midi"):
            write_midi(self.to_song(), path)

    def render(self, path: str | os.PathLike, *, engine: str = "auto", soundfont: str | os.PathLike | None = None,
               sr: int = RENDER_SAMPLE_RATE) -> str:
        """Write a mix to hear at once: the recording (or the synthesised MIDI melody) with the
        synthesised parts, aligned, the voice in front, through the master bus (gentle compression,
        :data:`~wav2accomp.constants.MIX_LOUDNESS_LUFS` integrated loudness, true peak at most
        :data:`~wav2accomp.constants.MIX_TRUE_PEAK_DB`); stereo wav/flac/ogg by suffix, atomically.

        Parameters
        ----------
        engine : str
            ``"auto"`` (see :func:`~wav2accomp.synth.render.choose_engine`: the sampled instruments unless a
            SoundFont is named and FluidSynth is here), ``"sampled"``, ``"fluidsynth"`` or ``"builtin"``.
        soundfont : path-like, optional
            General MIDI SoundFont (default: TimGM6mb from pretty_midi for the sampled instruments).
        sr : int
            Sample rate of the file, Hz.

        Returns
        -------
        str
            The synthesiser used.
        """
        from .synth.mix import audio_format, master, mix, write_audio
        from .synth.render import synthesize

        audio_format(path)
        with _timed(self.timings, "render"):
            accompaniment, used = synthesize(self.to_song(with_melody=False), sr=sr, engine=engine,
                                             soundfont=soundfont, seconds=self.duration + 1.0)
            write_audio(path, master(mix(self._lead(sr, used, soundfont), accompaniment, sr), sr), sr)
        return used

    def stems(self, *, engine: str = "auto", soundfont: str | os.PathLike | None = None,
              sr: int = RENDER_SAMPLE_RATE, processes=None) -> dict[str, np.ndarray]:
        """The mix of :meth:`render` track by track: ``melody`` (the recording, or the MIDI melody synthesised)
        and each part, ``(n, 2)`` float32 of one length at their levels in the mix (they sum to it), so a player
        can mute any of them. The tracks are synthesised side by side: on threads, or on `processes` (an
        executor of processes, e.g. a server's warm pool: the sampled instruments hold the interpreter's lock
        while they play). Arguments as :meth:`render`."""
        from concurrent.futures import ThreadPoolExecutor

        from .synth.mix import balance
        from .synth.render import synthesize_track

        with _timed(self.timings, "render"):
            used, _, tasks = self._track_tasks(engine, soundfont, sr)
            with ThreadPoolExecutor(max_workers=max(1, min(len(tasks) + 1, os.cpu_count() or 1))) as pool:
                lead = pool.submit(self._lead, sr, used, soundfont)
                rendered = (processes or pool).map(synthesize_track, tasks.values())
                return balance(lead.result(), dict(zip(tasks, rendered)), sr)

    def stems_in_steps(self, *, engine: str = "auto", soundfont: str | os.PathLike | None = None,
                       sr: int = RENDER_SAMPLE_RATE, processes=None,
                       pieces: int | None = None) -> Iterator[dict[str, np.ndarray]]:
        """:meth:`stems` for a player that starts at once: yields ``{"melody": ..., "band": ...}`` first (every
        part in one synthesis, at its level in the mix), then ``{part: ...}`` for every part at that very level,
        so that the parts sum to the band and a player can swap one for the other while it plays.

        The band is synthesised first, in `pieces` spans of time side by side (default: one per core;
        :func:`~wav2accomp.synth.render.time_pieces`), then the parts, on `processes` (an executor of
        processes) or threads; the timings say how long each step took (``render band``, ``render parts``).
        Other arguments as :meth:`render`.
        """
        from concurrent.futures import ThreadPoolExecutor

        from .synth.mix import balance
        from .synth.render import lay_pieces, synthesize_track, time_pieces

        began = time.perf_counter()
        used, song, tasks = self._track_tasks(engine, soundfont, sr)
        seconds = self.duration + 1.0
        spans = time_pieces(song, pieces or os.cpu_count() or 1, seconds)
        with ThreadPoolExecutor(max_workers=max(1, min(len(tasks) + 2, os.cpu_count() or 1))) as pool:
            executor = processes or pool
            lead = pool.submit(self._lead, sr, used, soundfont)
            band = [executor.submit(synthesize_track, (span, sr, used, soundfont, length))
                    for _, span, length in spans]
            parts = {}
            try:
                melody = lead.result()
                band_audio = lay_pieces([start for start, _, _ in spans], [piece.result() for piece in band], sr,
                                        int(round(seconds * sr)))
                self.timings["render band"] = time.perf_counter() - began
                yield balance(melody, {"band": band_audio}, sr)
                began = time.perf_counter()   # the parts start once the band is taken, so as not to delay it
                parts = {name: executor.submit(synthesize_track, task) for name, task in tasks.items()}
                played = balance(melody, {name: future.result() for name, future in parts.items()}, sr,
                                 band=band_audio)
                self.timings["render parts"] = time.perf_counter() - began
                yield played
            finally:
                for future in parts.values():
                    future.cancel()

    def _track_tasks(self, engine: str, soundfont, sr: int) -> tuple[str, Song, dict[str, tuple]]:
        """The synthesiser :func:`~wav2accomp.synth.render.choose_engine` picks, the parts as a song, and each
        part's :func:`~wav2accomp.synth.render.synthesize_track` task by part name."""
        from .synth.render import choose_engine

        song, used = self.to_song(with_melody=False), choose_engine(engine, soundfont)
        return used, song, {part.name: (replace(song, parts=[part]), sr, used, soundfont, self.duration + 1.0)
                            for part in song.parts}

    def _lead(self, sr: int, engine: str, soundfont) -> np.ndarray:
        """The melody to hear: the recording at `sr`, or the MIDI melody synthesised."""
        from .synth.render import synthesize

        if self.melody.recording is not None:
            return resample(self.melody.recording, self.melody.sr, sr)
        song = self.to_song()
        lead, _ = synthesize(replace(song, parts=song.parts[:1]), sr=sr, engine=engine, soundfont=soundfont,
                             seconds=self.duration + 1.0)
        return lead

    def lead_sheet(self, path: str | os.PathLike) -> None:
        """Write a lead sheet as MusicXML, atomically: the melody on its 16th grid (as heard or played), the
        chord symbols the band plays, the key, tempo and time signature
        (:func:`~wav2accomp.symbolic.leadsheet.lead_sheet_xml`)."""
        from .fileio import atomic_write
        from .symbolic.leadsheet import lead_sheet_xml

        metre = self.melody.time_signatures[0] if self.melody.time_signatures else TimeSignature(0.0, 4, 4)
        bar_steps = max(int(round(metre.bar_beats * STEPS_PER_BEAT)), 1)
        offset = self.melody.grid_offset
        notes = [(n.pitch, int(round((n.start_beat - offset) * STEPS_PER_BEAT)),
                  int(round((n.end_beat - offset) * STEPS_PER_BEAT))) for n in self.melody.notes]
        text = lead_sheet_xml(notes, self.chords, n_steps=self.melody.n_steps(), bar_steps=bar_steps,
                              numerator=metre.numerator, denominator=metre.denominator, tonic=self.key[0],
                              mode=self.key[1], bpm=self.bpm, title=Path(self.name).stem)
        with atomic_write(path) as handle:
            handle.write(text.encode("utf-8"))

    def stem_paths(self, folder: str | os.PathLike) -> dict[str, Path]:
        """Track -> where :meth:`write_stems` puts it in `folder`: ``melody.wav`` and one file per part
        (``drums.wav``, ``piano.wav``, ``strings.wav``, ``bass.wav``)."""
        return {name: Path(folder) / f"{STEM_NAMES.get(name, name)}.wav" for name in (MELODY, *self.parts)}

    def write_stems(self, paths: dict[str, str | os.PathLike], *, engine: str = "auto",
                    soundfont: str | os.PathLike | None = None, sr: int = RENDER_SAMPLE_RATE) -> None:
        """Write :meth:`stems` as one stereo WAV per track (track -> path, as :meth:`stem_paths` gives): one
        length, sample-aligned from time 0, each at its level in the mix times the master's loudness gain
        (:func:`~wav2accomp.synth.mix.master_gain`), as a DAW imports them."""
        from .synth.mix import master_gain, write_audio

        tracks = self.stems(engine=engine, soundfont=soundfont, sr=sr)
        gain = master_gain(sum(tracks.values()), sr)
        for name, path in paths.items():
            write_audio(path, tracks[name] * gain, sr)

    def plot(self, path: str | os.PathLike) -> None:
        """Piano rolls of the melody and every part on one bar grid, a PNG written atomically."""
        from .plotting import plot_rolls

        with _timed(self.timings, "plot"):
            title = (f"{Path(self.name).name}: {self.bpm:.0f} BPM, {key_name(*self.key)}"
                     f"{'' if self.key_given else ' (estimated)'}, seed {self.seed}, temperature {self.temperature:g}")
            plot_rolls({MELODY: self.melody.roll(), **self.parts}, path, downbeats=self.melody.downbeat_steps(),
                       title=title, labels=self.chord_symbols())

    def summary(self) -> str:
        """One line for people: length, tempo, key, notes per part."""
        counts = ", ".join(f"{name} {int((roll == 2).sum())}" for name, roll in self.parts.items())
        return (f"{self.name}: {self.duration:.1f} s, {self.bpm:.0f} BPM, {key_name(*self.key)}"
                f"{'' if self.key_given else ' (estimated)'}{'; your chords' if self.chords_given else ''}; "
                f"melody {len(self.melody.notes)} notes; {counts}")


def accompany(source: str | os.PathLike | np.ndarray, sr: int | None = None, *, parts=BAND_PARTS,
              bpm: float | None = None, key: str | None = None, seed: int = 0, temperature: float = 0.0,
              model_dir: str | os.PathLike | None = None, arch: str = ALIGNED_ARCH,
              min_note_seconds: float = MIN_NOTE_SECONDS, max_seconds: float = MAX_AUDIO_SECONDS,
              chords: str | None = None, chords_file: str | os.PathLike | None = None,
              drummer: str = "groove", drums_density: float = 1.0, drum_style: str | None = None,
              tracker: str = TRACKERS[0], harmony: str = HARMONY_SOURCES[0], feel: str = FEELS[0]) -> Arrangement:
    """Give a melody a band.

    Parameters
    ----------
    source : path-like or np.ndarray
        A recording (wav/flac/ogg/...; humming, singing, whistling), a MIDI
        file (``.mid``/``.midi``/``.kar``; its melody part is used) or mono
        samples with their rate `sr`.
    sr : int or None
        Sample rate of `source` when it is an array, Hz.
    parts : iterable of str
        Parts to generate: ``drums``/``percussion``, ``piano``/``guitar``/``guitarlike``,
        ``strings``/``stringslike``, ``bass`` (default: all four).
    bpm : float or None
        Tempo, quarter notes per minute: estimated from a recording when None;
        for a MIDI melody, replays it at this constant tempo.
    key : str or None
        Key such as ``"C"``, ``"Am"``, ``"F# minor"``: the pitched parts then choose
        their chords among the key's diatonic triads (others are weighted by
        :data:`~wav2accomp.constants.OFF_KEY_CHORD_WEIGHT`). None estimates the key
        from the melody (written to the MIDI file; the chords stay the model's).
    chords, chords_file : str or path-like, optional
        The song's chords, which the pitched parts then play exactly (lead-sheet mode: the comping models
        of :mod:`wav2accomp.models.comping`, a rhythm and voicing learned from real parts): ``"C G Am F"`` (one
        a bar, repeated to the end; ``|`` between bars, two chords in a bar split it) or a file of ``START
        LABEL`` lines (seconds, or ``bar N``; POP909's ``chord_midi.txt`` too); see
        :mod:`wav2accomp.symbolic.chords`. At most one of them.
    seed : int
        Seed of the sampling: the same input, seed and temperature give the same result.
    temperature : float
        0 decodes the most likely parts; higher values (0.3–1) sample more freely.
    model_dir : path-like, optional
        Folder of models trained with ``wav2accomp train`` (default: the shipped ones).
    arch : str
        ``"aligned"`` (default) or ``"paper"``.
    min_note_seconds, max_seconds : float
        Shortest sung note kept and longest recording accepted, seconds.
    tracker : str
        Pitch tracker of a recording: ``"swift-f0"`` (default), ``"yin"`` or ``"pyin"``.
    drummer : str
        ``"groove"`` (default): the groove model plays the drums (a groove per section chosen for the
        melody and tempo, bar variations, fills at phrase ends, crashes on section starts, an ending);
        ``"network"``: the `arch` percussion network, step by step.
    drums_density : float
        The groove drummer's density: 1 as the melody suggests, 0.5 sparser, 2 busier (0.25 to 4).
    drum_style : str, optional
        Keep the groove drummer to one family: backbeat, eighths, sixteenths, quarters, ride,
        four-on-the-floor, half-time.
    harmony : str
        Without given chords: ``"harmoniser"`` (default) chooses a chord per half bar for the melody
        (:mod:`wav2accomp.models.harmoniser`; the key, when given, weighs them as above), which the piano,
        strings and bass then play; ``"network"`` lets the `arch` networks choose chords as they play.
    feel : str
        How the band plays (:mod:`wav2accomp.band`): ``"natural"`` (default) with the timing of real players,
        ``"grid"`` with every onset exactly on its 16th (for editing in a DAW), ``"loose"`` twice as far from the
        grid as real players. Velocities, textures and the arc are the same in each.

    Returns
    -------
    Arrangement

    Raises
    ------
    Wav2AccompError
        Unreadable input, no melody in it (:class:`~wav2accomp.audio.transcribe.NoMelodyError`),
        an unknown part or key, missing models.
    """
    classes = resolve_parts(parts)
    check_harmony(harmony)
    check_feel(feel)
    decoding = DecodingOptions(temperature=temperature, seed=seed)
    drums = DrumOptions(drummer=drummer, density=drums_density, style=drum_style)
    hearing = TranscriptionOptions(bpm=bpm, min_note_seconds=min_note_seconds, max_seconds=max_seconds,
                                   tracker=tracker)
    try:
        given_key = parse_key(key) if key is not None else None
    except ValueError as exc:
        raise Wav2AccompError(str(exc)) from None
    if chords is not None and chords_file is not None:
        raise Wav2AccompError("give the chords either as text or as a file, not both")
    sheet = parse_chord_text(chords) if chords is not None else None
    changes = read_chords_file(chords_file) if chords_file is not None else None
    timings: dict[str, float] = {}
    is_midi = not isinstance(source, np.ndarray) and Path(source).suffix.lower() in MIDI_SUFFIXES
    with _timed(timings, "melody"):
        metre = load_template(counted_model_path(METRE_MODEL, model_dir)) if is_midi else None
        melody = (melody_from_midi(source, bpm=hearing.bpm, max_seconds=hearing.max_seconds, metre=metre)
                  if is_midi else
                  melody_from_recording(source, sr, bpm=hearing.bpm, min_note_seconds=hearing.min_note_seconds,
                                        max_seconds=hearing.max_seconds, tracker=hearing.tracker))
    melody_roll = melody.roll()
    chosen_key = given_key or estimate_key(pitch_class_histogram(melody_roll > 0))
    chord_prior = given_chords = None
    if sheet is not None or changes is not None:   # the comping models play the user's chords (the key only names them)
        given_chords = (bars_to_steps(sheet, melody.downbeat_steps(), melody.n_steps()) if sheet is not None else
                        changes_to_steps(changes, melody.downbeat_steps(), melody.n_steps(),
                                         lambda s: melody.tempo_map.seconds_to_beats(s) * STEPS_PER_BEAT))
    elif given_key is not None:
        chord_prior = np.where(diatonic_chord_mask(*given_key), 1.0, OFF_KEY_CHORD_WEIGHT)
    with _timed(timings, "generate"):
        chords = given_chords
        if chords is None and plays_chords_first(classes, arch, harmony):
            chords = choose_chords(melody_roll, melody.downbeat_steps(), model_dir=model_dir,
                                   temperature=decoding.temperature, seed=decoding.seed, chord_prior=chord_prior)
        rolls = generate_parts(melody_roll, melody.downbeat_steps(), parts=classes, arch=arch, model_dir=model_dir,
                               temperature=decoding.temperature, seed=decoding.seed, chord_prior=chord_prior,
                               bpm=melody.bpm(), drums=drums, chords=chords, harmony=harmony)
        band = load_band(model_dir)
        played = play_band(rolls, melody_roll, melody.downbeat_steps(), chords=chords, bpm=melody.bpm(), feel=feel,
                           seed=decoding.seed, swing=melody.swing(), melody_palette=melody.velocity_palette(),
                           band_probability=band.style.band_probability(melody.style_features()), models=band)
        rolls = {part: played[part].to_roll(len(melody_roll)) for part in rolls}
    name = "the audio array" if isinstance(source, np.ndarray) else str(source)
    return Arrangement(name=name, melody=melody, parts=rolls, key=chosen_key, key_given=given_key is not None,
                       seed=seed, temperature=temperature, timings=timings, chords=chords,
                       chords_given=given_chords is not None, played=played, feel=feel)


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    """Add the seconds spent inside the block to ``timings[stage]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
