"""Hum -> notes: the audio route's front end as one call.

:func:`transcribe` runs the stages in order — :mod:`~wav2accomp.audio.recording`
(load, validate) -> :mod:`~wav2accomp.audio.pitch` (f0) -> :mod:`~wav2accomp.audio.segmentation`
(note events) -> :mod:`~wav2accomp.audio.beats` (beat grid) -> 16th-note grid —
and returns a :class:`Transcription` that writes MIDI, a roll or a picture.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..constants import (ANALYSIS_SAMPLE_RATE, CLASS_PROGRAMS, GRID_NOTE_SHARE, MAX_AUDIO_SECONDS, MELODY,
                         MIN_NOTE_SECONDS, PITCH_HOP, PITCH_SAMPLE_RATE, QUANTIZE_GRIDS, STEPS_PER_BEAT, TRACKERS)
from ..errors import Wav2AccompError
from ..symbolic.midi_io import Note, Part, Song, write_midi
from ..symbolic.roll import n_steps_for, notes_to_roll
from ..symbolic.tempo_map import TempoMap, TimeSignature, metre_grid
from .beats import BeatGrid, beat_grid, midi_timing
from .pitch import PitchTrack, pyin_track, track_pitch
from ..options import TranscriptionOptions
from .recording import AudioError, read_recording, resample
from .segmentation import NoteEvent, level_envelope, segment_notes


class NoMelodyError(AudioError):
    """A recording in which no sung (pitched) note was found."""


@dataclass
class Transcription:
    """What :func:`transcribe` heard.

    Attributes
    ----------
    samples : np.ndarray
        The recording, mono, at `sr`.
    sr : int
        Sample rate of `samples`, Hz (the pitch tracker's, 11025).
    track : PitchTrack
        f0 per frame.
    level_db : np.ndarray
        Level per frame, dB relative to the loudest.
    notes : list of NoteEvent
        Notes in seconds, as sung.
    tuning : float
        The singer's offset from A = 440 Hz, semitones.
    grid : BeatGrid
        Tempo and first bar line.
    tempo_map : TempoMap
    time_signatures : list of TimeSignature
        The MIDI timing: MIDI seconds equal recording seconds.
    melody : list of Note
        `notes` quantised to the 16th-note grid (beats and seconds).
    recording : np.ndarray
        The recording as read (mono), at `recording_sr` Hz: what a mix plays.
    recording_sr : int
        Its sample rate, Hz.
    """

    samples: np.ndarray
    sr: int
    track: PitchTrack
    level_db: np.ndarray
    notes: list[NoteEvent]
    tuning: float
    grid: BeatGrid
    tempo_map: TempoMap
    time_signatures: list[TimeSignature]
    melody: list[Note]
    recording: np.ndarray
    recording_sr: int

    @property
    def duration(self) -> float:
        """Length of the recording, seconds."""
        return len(self.samples) / self.sr

    @property
    def end_beat(self) -> float:
        """End of the recording (or of the last note, if later), quarter-note beats."""
        last = max((n.end_beat for n in self.melody), default=0.0)
        return max(float(self.tempo_map.seconds_to_beats(self.duration)), last)

    def n_steps(self) -> int:
        """Length of the recording on the 16th-note grid, steps."""
        return n_steps_for(self.end_beat)

    def downbeat_steps(self) -> np.ndarray:
        """Bar starts, steps (the pickup bar's start, 0, included)."""
        _, downbeats = metre_grid(self.time_signatures, self.end_beat)
        return np.round(downbeats * STEPS_PER_BEAT).astype(int)

    def roll(self) -> np.ndarray:
        """The melody as a ``(T, 78)`` encoded roll on the 16th-note grid."""
        return notes_to_roll(self.melody, self.n_steps())

    def sung_notes(self) -> list[Note]:
        """The notes with the timing they were sung with (seconds as heard, beats on the tempo map), each
        ended at the latest where the next begins: no grid."""
        notes = []
        for note, following in zip(self.notes, self.notes[1:] + [None]):
            end = note.offset if following is None else min(note.offset, following.onset)
            if end > note.onset:
                notes.append(Note(pitch=note.pitch, velocity=note.velocity,
                                  start_beat=float(self.tempo_map.seconds_to_beats(note.onset)),
                                  end_beat=float(self.tempo_map.seconds_to_beats(end)), start=note.onset, end=end))
        return notes

    def notes_at(self, quantize: str = QUANTIZE_GRIDS[0]) -> list[Note]:
        """The melody on a grid: ``"16th"`` (:attr:`melody`, what the accompaniment hears), ``"8th"``, or
        ``"none"`` (:meth:`sung_notes`)."""
        if quantize not in QUANTIZE_GRIDS:
            raise Wav2AccompError(f"unknown grid {quantize!r}: choose from {', '.join(QUANTIZE_GRIDS)}")
        if quantize == "none":
            return self.sung_notes()
        if quantize == "16th":
            return self.melody
        _, downbeats = metre_grid(self.time_signatures, self.end_beat)
        return quantise(self.notes, self.tempo_map, steps_per_beat=2, origin=float(downbeats[-1]))

    def to_song(self, quantize: str = QUANTIZE_GRIDS[0]) -> Song:
        """The melody as a one-part :class:`~wav2accomp.symbolic.midi_io.Song` (MIDI time = recording time), its
        notes on the grid `quantize` names (:meth:`notes_at`)."""
        part = Part(name=MELODY, program=CLASS_PROGRAMS[MELODY], channel=0, track=1,
                    notes=list(self.notes_at(quantize)), track_name=MELODY)
        return Song([part], self.tempo_map, list(self.time_signatures), self.end_beat)

    def to_midi(self, path: str | os.PathLike, quantize: str = QUANTIZE_GRIDS[0]) -> None:
        """Write the melody as a MIDI file, atomically, its notes on the grid `quantize` names."""
        write_midi(self.to_song(quantize), path)

    def plot(self, path: str | os.PathLike) -> None:
        """Spectrogram, f0 track, notes and beat grid in one PNG, written atomically."""
        from ..plotting import plot_transcription

        plot_transcription(self, path)


def quantise(notes: list[NoteEvent], tempo_map: TempoMap, *, steps_per_beat: int = STEPS_PER_BEAT,
             origin: float = 0.0) -> list[Note]:
    """Snap note onsets and offsets to the nearest grid step (at least one step long, never overlapping).

    The grid has `steps_per_beat` steps per quarter note from the beat `origin` (a bar line).
    Returns notes with beats and the seconds of the snapped beats.
    """
    starts = np.round((tempo_map.seconds_to_beats([n.onset for n in notes]) - origin) * steps_per_beat)
    ends = np.round((tempo_map.seconds_to_beats([n.offset for n in notes]) - origin) * steps_per_beat)
    snapped: list[Note] = []
    for i, note in enumerate(notes):
        start = starts[i]
        if snapped and origin + start / steps_per_beat < snapped[-1].start_beat + 1e-9:
            continue  # two onsets on one step: the first note keeps it
        end = max(ends[i], start + 1)
        if i + 1 < len(notes):
            end = max(min(end, starts[i + 1]), start + 1)
        start_beat, end_beat = origin + start / steps_per_beat, origin + end / steps_per_beat
        snapped.append(Note(pitch=note.pitch, velocity=note.velocity, start_beat=start_beat, end_beat=end_beat,
                            start=float(tempo_map.beats_to_seconds(start_beat)),
                            end=float(tempo_map.beats_to_seconds(end_beat))))
    return snapped


def _grid_of(notes: list, bpm: float | None):
    """The beat grid of notes (:func:`~wav2accomp.audio.beats.beat_grid`; `bpm` fixes the tempo)."""
    onsets = np.array([n.onset for n in notes])
    durations = np.array([n.offset - n.onset for n in notes])
    return beat_grid(onsets, np.clip(durations, 0.1, 1.0), bpm=bpm)


def analyse(samples: np.ndarray, sr: int, *, track: PitchTrack | None = None, bpm: float | None = None,
            min_note_seconds: float = MIN_NOTE_SECONDS, name: str = "the recording",
            recording: np.ndarray | None = None, recording_sr: int | None = None,
            notes: list[NoteEvent] | None = None, tuning: float | None = None,
            tracker: str = "yin") -> Transcription:
    """Transcribe mono `samples` already at the pitch tracker's rate (see :func:`transcribe`).

    `track` replaces the default tracker's f0 (e.g. pyin's, for comparison); with `notes` and `tuning` too
    (swift-f0's, :func:`~wav2accomp.audio.swift.swift_notes`) it replaces the segmentation as well, the track's
    ``rms_db`` serving as the level. `recording` at `recording_sr` Hz is the recording as read, kept in the
    result (default: `samples`). `tracker` names what made the track and the notes, for the shortest note kept
    (:data:`~wav2accomp.constants.GRID_NOTE_SHARE`).
    """
    track = track if track is not None else track_pitch(samples, sr)
    segmented_here = notes is None
    if segmented_here:
        level_db = level_envelope(samples, PITCH_HOP, len(track.times))
        notes, tuning = segment_notes(track, level_db, min_note_seconds=min_note_seconds)
    else:
        level_db = track.rms_db
        notes = [n for n in notes if n.offset - n.onset >= min_note_seconds]
    if not notes:
        raise NoMelodyError(f"no melody found in {name}: no sung note of at least {min_note_seconds:g} s")
    grid = _grid_of(notes, bpm)
    shortest = GRID_NOTE_SHARE[tracker] * 60.0 / grid.bpm / STEPS_PER_BEAT   # a share of a 16th at the song's tempo
    if shortest > min_note_seconds:   # notes the grid cannot hold: scoops and fragments
        kept = (segment_notes(track, level_db, min_note_seconds=shortest, tuning=tuning)[0] if segmented_here else
                [n for n in notes if n.offset - n.onset >= shortest])
        if kept:
            notes = kept
            grid = _grid_of(notes, bpm)
    tempo_map, signatures = midi_timing(grid)
    return Transcription(samples=samples, sr=sr, track=track, level_db=level_db, notes=notes, tuning=tuning,
                         grid=grid, tempo_map=tempo_map, time_signatures=signatures,
                         melody=quantise(notes, tempo_map),
                         recording=samples if recording is None else recording,
                         recording_sr=sr if recording is None else recording_sr)


def transcribe(audio: str | os.PathLike | np.ndarray, sr: int | None = None, *, bpm: float | None = None,
               min_note_seconds: float = MIN_NOTE_SECONDS, max_seconds: float = MAX_AUDIO_SECONDS,
               tracker: str = TRACKERS[0]) -> Transcription:
    """Transcribe a sung, hummed or whistled melody.

    Parameters
    ----------
    audio : path-like or np.ndarray
        A recording (any format :func:`~wav2accomp.audio.recording.load_audio` reads) or
        mono/multichannel samples (channels last) with their rate `sr`.
    sr : int or None
        Sample rate of `audio` when it is an array, Hz.
    bpm : float or None
        Tempo in quarter notes per minute; None estimates it from the notes.
    min_note_seconds : float
        Shortest note kept, seconds (notes shorter than a share of a 16th note at the tempo found are left out too:
        :data:`~wav2accomp.constants.GRID_NOTE_SHARE`).
    max_seconds : float
        Longest recording accepted, seconds.
    tracker : str
        ``"swift-f0"`` (default: a learned tracker with its own note segmentation, ~150x real time:
        :mod:`wav2accomp.audio.swift`), ``"yin"`` (the vectorised YIN, pure numpy, ~200x real time) or
        ``"pyin"`` (librosa's, a few times real time).

    Returns
    -------
    Transcription

    Raises
    ------
    Wav2AccompError
        An option out of range (checked before anything is read).
    AudioError
        Unreadable, empty, silent, invalid, too short or too long audio.
    NoMelodyError
        No sung note found.
    """
    options = TranscriptionOptions(bpm=bpm, min_note_seconds=min_note_seconds, max_seconds=max_seconds,
                                   tracker=tracker)
    samples, file_sr, name = read_recording(audio, sr, max_seconds=options.max_seconds)
    at_pitch_rate = resample(samples, file_sr, PITCH_SAMPLE_RATE)
    track, notes, tuning = None, None, None
    if options.tracker == "pyin":
        track = pyin_track(resample(samples, file_sr, ANALYSIS_SAMPLE_RATE), ANALYSIS_SAMPLE_RATE)
    elif options.tracker == "swift-f0":
        from .swift import swift_notes

        track, notes, tuning = swift_notes(samples, file_sr, at_pitch_rate)
    return analyse(at_pitch_rate, PITCH_SAMPLE_RATE, track=track, bpm=options.bpm,
                   min_note_seconds=options.min_note_seconds, name=name, recording=samples, recording_sr=file_sr,
                   notes=notes, tuning=tuning, tracker=options.tracker)
