"""MIDI files in and out: a small object model (song -> parts -> notes).

Reading is tolerant: a damaged file is read as far as it is sound and what was
lost is listed in ``Song.warnings``; only a file with nothing readable raises
:class:`~wav2accomp.errors.MidiReadError`. Writing produces format-1 files with
a tempo map, time signatures, one named track per part and GM programs.
"""
from __future__ import annotations

import io
import os
import struct
from bisect import bisect_right
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import mido
import numpy as np
from mido.midifiles import midifiles as mido_files

from ..constants import DEFAULT_TEMPO_US, DRUM_CHANNEL, MIDI_BPM_RANGE, OUTPUT_TICKS_PER_BEAT
from ..errors import MidiReadError
from ..fileio import atomic_write
from .tempo_map import TempoMap, TimeSignature


@dataclass(frozen=True)
class Note:
    """One note.

    Attributes
    ----------
    pitch : int
        MIDI note number (for drums: the GM drum sound).
    velocity : int
        Note-on velocity, 1..127.
    start_beat, end_beat : float
        Onset and release in quarter-note beats.
    start, end : float
        Onset and release in seconds.
    """

    pitch: int
    velocity: int
    start_beat: float
    end_beat: float
    start: float
    end: float


@dataclass
class Part:
    """The notes of one track on one channel with one program.

    Attributes
    ----------
    name : str
        The track's name, or "" when the track mixes several channels (the
        name then describes no single part).
    program : int
        General MIDI program, 0..127 (zero-based).
    channel : int
        MIDI channel, 0..15; 9 is GM percussion ("channel 10").
    track : int
        Index of the track the notes came from.
    notes : list of Note
        Sorted by onset.
    track_name : str
        The track's name as written in the file.
    pan, reverb : int or None
        Stereo position (controller 10: 0 left, 64 centre, 127 right) and reverb send (controller 91), 0..127,
        written at the track's start; None: not set (not read back from files).
    """

    name: str
    program: int
    channel: int
    track: int = 0
    notes: list[Note] = field(default_factory=list)
    track_name: str = ""
    pan: int | None = None
    reverb: int | None = None

    @property
    def is_drum(self) -> bool:
        """True for parts on the GM percussion channel."""
        return self.channel == DRUM_CHANNEL


@dataclass
class Song:
    """A MIDI file: parts, tempo map and metre.

    Attributes
    ----------
    parts : list of Part
    tempo_map : TempoMap
    time_signatures : list of TimeSignature
    end_beat : float
        End of the song (last event or last note release), quarter-note beats.
    source : str
        Where the song was read from.
    warnings : list of str
        What could not be read, one sentence each.
    key_signature : str
        Key written at the start of the file, in mido's spelling (``"Eb"``,
        ``"F#m"``); "" for none. Not read back from files.
    markers : list of (float, str)
        Marker events written to the first track, (quarter-note beat, text): e.g. the chord symbols a DAW shows
        on its timeline. Not read back from files.
    """

    parts: list[Part]
    tempo_map: TempoMap
    time_signatures: list[TimeSignature]
    end_beat: float
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    key_signature: str = ""
    markers: list[tuple[float, str]] = field(default_factory=list)

    @property
    def end(self) -> float:
        """End of the song in seconds."""
        return float(self.tempo_map.beats_to_seconds(self.end_beat))


# --- Reading -------------------------------------------------------------------

_NOTE_ON, _NOTE_OFF, _PROGRAM = 0x90, 0x80, 0xC0
_META_TRACK_NAME, _META_END_OF_TRACK, _META_TEMPO, _META_TIME_SIGNATURE = 0x03, 0x2F, 0x51, 0x58


@dataclass
class _TrackEvents:
    """What the reader keeps of one track chunk, times in ticks."""

    name: str = ""
    notes: list[tuple[int, int, int, int]] = field(default_factory=list)  # tick, channel, pitch, velocity (0 = off)
    programs: list[tuple[int, int, int]] = field(default_factory=list)  # tick, channel, program
    tempos: list[tuple[int, int]] = field(default_factory=list)  # tick, microseconds per beat
    time_signatures: list[tuple[int, int, int]] = field(default_factory=list)  # tick, numerator, denominator
    end_tick: int = 0


_CHANNEL_MESSAGE_LENGTH = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


def _read_event(stream: io.BytesIO, running_status: int | None):
    """Read one event.

    Returns (delta ticks, status byte, data, running status after it); for a
    meta event the data is (meta type, payload bytes), for sysex it is None.
    """
    delta = mido_files.read_variable_int(stream)
    status = mido_files.read_byte(stream)
    peek: list[int] = []
    if status < 0x80:
        if running_status is None:
            raise OSError("running status without a status byte")
        peek, status = [status], running_status
    if status == 0xFF:
        meta_type = mido_files.read_byte(stream)
        payload = bytes(mido_files.read_bytes(stream, mido_files.read_variable_int(stream)))
        return delta, status, (meta_type, payload), running_status
    if status in (0xF0, 0xF7):
        mido_files.read_bytes(stream, mido_files.read_variable_int(stream))
        return delta, status, None, None
    if status > 0xF0:
        raise OSError(f"undefined status byte 0x{status:02x}")
    data = peek + mido_files.read_bytes(stream, _CHANNEL_MESSAGE_LENGTH[status & 0xF0] - len(peek))
    return delta, status, data, status


def _read_track(chunk: bytes) -> tuple[_TrackEvents, str | None, list[str]]:
    """Parse one MTrk chunk's payload as far as it is sound.

    Returns the events, why parsing stopped early (None when it did not), and what was repaired on the way
    (data bytes above 127 clipped, tempos of 0 ignored).
    """
    events = _TrackEvents()
    stream = io.BytesIO(chunk)
    tick, running, problem, clipped, zero_tempos = 0, None, None, 0, 0
    while stream.tell() < len(chunk):
        try:
            delta, status, data, running = _read_event(stream, running)
        except (EOFError, OSError) as exc:
            problem = f"unreadable data at byte {stream.tell()} ({exc or 'unexpected end of data'})"
            break
        tick += delta
        if status < 0xF0 and any(byte > 127 for byte in data):   # a damaged data byte: clipped, as mido's clip=True
            clipped += 1
            data = [min(byte, 127) for byte in data]
        kind, channel = status & 0xF0, status & 0x0F
        if kind == _NOTE_ON:
            events.notes.append((tick, channel, data[0], data[1]))
        elif kind == _NOTE_OFF:
            events.notes.append((tick, channel, data[0], 0))
        elif kind == _PROGRAM:
            events.programs.append((tick, channel, data[0]))
        elif status == 0xFF:
            meta_type, payload = data
            if meta_type == _META_TEMPO and len(payload) == 3:
                tempo = int.from_bytes(payload, "big")
                if tempo > 0:
                    events.tempos.append((tick, tempo))
                else:
                    zero_tempos += 1
            elif meta_type == _META_TIME_SIGNATURE and len(payload) >= 2 and payload[0] > 0 and payload[1] < 8:
                events.time_signatures.append((tick, payload[0], 2 ** payload[1]))
            elif meta_type == _META_TRACK_NAME and not events.name:
                events.name = payload.decode("latin1").strip().strip("\x00")
            elif meta_type == _META_END_OF_TRACK:
                break
    events.end_tick = tick
    remarks = [f"{clipped} data bytes above 127 clipped to 127"] if clipped else []
    remarks += [f"{zero_tempos} tempo events of 0 microseconds per beat ignored"] if zero_tempos else []
    return events, problem, remarks


def _split_chunks(data: bytes, n_tracks: int, warnings: list[str]) -> list[bytes]:
    """The payloads of the MTrk chunks, mending wrong sizes where the next header shows them."""
    chunks, pos = [], 0
    while pos + 8 <= len(data):
        name, size = struct.unpack(">4sL", data[pos:pos + 8])
        if name != b"MTrk":
            found = data.find(b"MTrk", pos + 1)
            if found < 0:
                warnings.append(f"ignored {len(data) - pos} bytes that are not a track chunk at byte {pos + 14}")
                break
            warnings.append(f"skipped {found - pos} bytes of junk or an unknown chunk at byte {pos + 14}")
            pos = found
            continue
        start, stop = pos + 8, pos + 8 + size
        following = data.find(b"MTrk", start)
        if stop > len(data):
            warnings.append(f"track {len(chunks)}: chunk says {size} bytes but the file ends after {len(data) - start}")
            stop = len(data) if following < 0 else following
        elif following >= 0 and following < stop and len(chunks) + 1 < n_tracks:
            warnings.append(f"track {len(chunks)}: chunk size {size} runs into the next track header; cut there")
            stop = following
        chunks.append(data[start:stop])
        pos = stop
    if len(chunks) < n_tracks:
        warnings.append(f"header announces {n_tracks} tracks, the file holds {len(chunks)}")
    return chunks


def _pair_notes(track_index: int, events: _TrackEvents, end_tick: int, warnings: list[str]):
    """Match note-ons with note-offs, first in first out, per channel and pitch.

    Returns a list of (start tick, end tick, channel, pitch, velocity).
    Notes never released are closed at `end_tick`.
    """
    open_notes: dict[tuple[int, int], deque] = defaultdict(deque)
    notes = []
    for tick, channel, pitch, velocity in events.notes:
        key = (channel, pitch)
        if velocity > 0:
            open_notes[key].append((tick, velocity))
        elif open_notes[key]:
            start, vel = open_notes[key].popleft()
            notes.append((start, tick, channel, pitch, vel))
    unclosed = sum(len(q) for q in open_notes.values())
    if unclosed:
        warnings.append(f"track {track_index}: {unclosed} notes never released; closed at the end of the song")
        for (channel, pitch), queue in open_notes.items():
            notes.extend((start, max(end_tick, start), channel, pitch, vel) for start, vel in queue)
    notes.sort()
    return notes


def read_midi(path: str | os.PathLike) -> Song:
    """Read a MIDI file (format 0, 1 or 2) into a :class:`Song`.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    MidiReadError
        When the file cannot be opened or holds no readable MIDI at all.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MidiReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_midi_bytes(data, source=str(path))


def _unwrap_rmid(data: bytes) -> bytes:
    """The standard MIDI file inside a RIFF ``RMID`` file (its ``data`` chunk); other bytes as they are."""
    if len(data) < 20 or data[:4] != b"RIFF" or data[8:12] != b"RMID":
        return data
    position = 12
    while position + 8 <= len(data):
        size = struct.unpack("<L", data[position + 4:position + 8])[0]
        if data[position:position + 4] == b"data":
            return data[position + 8:position + 8 + size]
        position += 8 + size + (size & 1)
    return data


def read_midi_bytes(data: bytes, source: str = "<bytes>") -> Song:
    """Read MIDI file contents (a standard MIDI file, or one wrapped in a RIFF ``RMID`` file); see
    :func:`read_midi`."""
    data = _unwrap_rmid(data)
    if len(data) < 14 or data[:4] != b"MThd":
        raise MidiReadError(f"{source} is not a MIDI file (no MThd header)")
    header_size = struct.unpack(">L", data[4:8])[0]
    fmt, n_tracks, division = struct.unpack(">hhh", data[8:14])
    warnings: list[str] = []
    if fmt == 2:
        warnings.append("format 2 (independent sequences): tracks read as if they played together")
    elif fmt not in (0, 1):
        warnings.append(f"unknown MIDI format {fmt}; read as format 1")
    if division == 0:
        raise MidiReadError(f"{source} has a time division of 0 ticks per beat")
    smpte = division < 0
    if smpte:  # frames per second x ticks per frame; fixed 120 BPM grid
        ticks_per_second = -(division >> 8) * (division & 0xFF)
        ticks_per_beat = ticks_per_second * DEFAULT_TEMPO_US / 1e6
        warnings.append("SMPTE time division: placed on a 120 BPM beat grid")
    else:
        ticks_per_beat = float(division)
    tracks = []
    for index, chunk in enumerate(_split_chunks(data[8 + header_size:], n_tracks, warnings)):
        events, problem, remarks = _read_track(chunk)
        if problem:
            warnings.append(f"track {index}: {problem}; kept what came before")
        warnings.extend(f"track {index}: {remark}" for remark in remarks)
        tracks.append(events)
    if not tracks:
        raise MidiReadError(f"{source} holds no readable track")
    return _build_song(tracks, ticks_per_beat, smpte, source, warnings)


def _build_song(tracks: list[_TrackEvents], ticks_per_beat: float, smpte: bool,
                source: str, warnings: list[str]) -> Song:
    end_tick = max(t.end_tick for t in tracks)
    tempos = [] if smpte else _clamped_tempos(sorted(x for t in tracks for x in t.tempos), warnings)
    tempo_map = TempoMap.from_changes([tick / ticks_per_beat for tick, _ in tempos],
                                      [tempo for _, tempo in tempos])
    time_signatures = []
    for tick, numerator, denominator in sorted(x for t in tracks for x in t.time_signatures):
        sig = TimeSignature(tick / ticks_per_beat, numerator, denominator)
        if time_signatures and time_signatures[-1].beat == sig.beat:
            time_signatures[-1] = sig
        elif not time_signatures or (time_signatures[-1].numerator, time_signatures[-1].denominator) != (numerator, denominator):
            time_signatures.append(sig)

    program_changes: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for tick, channel, program in sorted(x for t in tracks for x in t.programs):
        program_changes[channel][0].append(tick)
        program_changes[channel][1].append(program)

    def program_at(channel: int, tick: int) -> int:
        ticks, programs = program_changes.get(channel, ((), ()))
        i = bisect_right(ticks, tick)
        return programs[i - 1] if i else 0

    parts: list[Part] = []
    for index, events in enumerate(tracks):
        paired = _pair_notes(index, events, end_tick, warnings)
        grouped: dict[tuple[int, int], list] = defaultdict(list)
        for start, end, channel, pitch, velocity in paired:
            grouped[(channel, program_at(channel, start))].append((start, end, pitch, velocity))
        single_channel = len({channel for channel, _ in grouped}) == 1
        for (channel, program), raw in sorted(grouped.items()):
            parts.append(_make_part(raw, ticks_per_beat, tempo_map, name=events.name if single_channel else "",
                                    program=program, channel=channel, track=index, track_name=events.name))
    end_beat = max([end_tick / ticks_per_beat] + [note.end_beat for part in parts for note in part.notes])
    return Song(parts, tempo_map, time_signatures, end_beat, source, warnings)


def _clamped_tempos(tempos: list[tuple[int, int]], warnings: list[str]) -> list[tuple[int, int]]:
    """(tick, microseconds per beat) with tempos outside :data:`~wav2accomp.constants.MIDI_BPM_RANGE` clamped."""
    low_bpm, high_bpm = MIDI_BPM_RANGE
    fastest, slowest = round(60e6 / high_bpm), round(60e6 / low_bpm)
    clamped = [(tick, min(max(tempo, fastest), slowest)) for tick, tempo in tempos]
    changed = sum(a != b for a, b in zip(tempos, clamped))
    if changed:
        warnings.append(f"{changed} tempo changes outside {low_bpm:g}-{high_bpm:g} BPM clamped to that range")
    return clamped


def _make_part(raw, ticks_per_beat, tempo_map, **attributes) -> Part:
    ticks = np.array([(start, end) for start, end, _, _ in raw], dtype=float)
    beats = ticks / ticks_per_beat
    seconds = tempo_map.beats_to_seconds(beats)
    notes = [Note(int(pitch), int(velocity), float(b0), float(b1), float(s0), float(s1))
             for (_, _, pitch, velocity), (b0, b1), (s0, s1) in zip(raw, beats.tolist(), seconds.tolist())]
    return Part(notes=notes, **attributes)


def on_tempo_map(song: Song, tempo_map: TempoMap) -> Song:
    """`song` with every note at the same seconds on another tempo map of its time line (its beats recounted):
    e.g. a file's real parts on the bars a band found for its melody."""
    def recounted(notes: list[Note]) -> list[Note]:
        if not notes:
            return []
        beats = tempo_map.seconds_to_beats(np.array([[n.start, n.end] for n in notes]))
        return [replace(n, start_beat=float(b0), end_beat=float(b1)) for n, (b0, b1) in zip(notes, beats.tolist())]

    end = float(tempo_map.seconds_to_beats(song.tempo_map.beats_to_seconds(song.end_beat)))
    return replace(song, parts=[replace(part, notes=recounted(part.notes)) for part in song.parts],
                   tempo_map=tempo_map, end_beat=end)


# --- Writing -------------------------------------------------------------------

def song_to_midi(song: Song, ticks_per_beat: int = OUTPUT_TICKS_PER_BEAT) -> mido.MidiFile:
    """Lay a :class:`Song` out as a format-1 :class:`mido.MidiFile`.

    Track 0 holds the tempo map and time signatures; each part becomes a named
    track with its program change. Note times come from the beat positions.
    A note that would overlap the next note of the same pitch is cut where
    that one starts, so every note-off belongs to the right note-on.
    """
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    meta = [(round(beat * ticks_per_beat), mido.MetaMessage("set_tempo", tempo=int(round(tempo))))
            for beat, tempo in zip(song.tempo_map.beats, song.tempo_map.tempos_us)]
    meta += [(round(sig.beat * ticks_per_beat),
              mido.MetaMessage("time_signature", numerator=sig.numerator, denominator=sig.denominator))
             for sig in song.time_signatures]
    if song.key_signature:
        meta.append((0, mido.MetaMessage("key_signature", key=song.key_signature)))
    meta += [(round(beat * ticks_per_beat), mido.MetaMessage("marker", text=text)) for beat, text in song.markers]
    midi.tracks.append(_to_track(meta, end_tick=round(song.end_beat * ticks_per_beat)))
    for part in song.parts:
        events = [(0, mido.MetaMessage("track_name", name=part.name)),
                  (0, mido.Message("program_change", channel=part.channel, program=part.program))]
        for control, value in ((10, part.pan), (91, part.reverb)):
            if value is not None:
                events.append((0, mido.Message("control_change", channel=part.channel, control=control,
                                               value=int(min(max(value, 0), 127)))))
        for start, end, pitch, velocity in _note_ticks(part.notes, ticks_per_beat):
            events.append((start, mido.Message("note_on", channel=part.channel, note=pitch, velocity=velocity)))
            events.append((end, mido.Message("note_off", channel=part.channel, note=pitch, velocity=0)))
        midi.tracks.append(_to_track(events))
    return midi


def _note_ticks(notes: list[Note], ticks_per_beat: int) -> list[tuple[int, int, int, int]]:
    """(start, end, pitch, velocity) in ticks, ends cut at the next onset of the same pitch."""
    by_pitch: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for note in notes:
        start = round(note.start_beat * ticks_per_beat)
        end = max(round(note.end_beat * ticks_per_beat), start + 1)
        by_pitch[note.pitch].append((start, end, min(max(note.velocity, 1), 127)))
    out = []
    for pitch, items in by_pitch.items():
        items.sort()
        for (start, end, velocity), following in zip(items, items[1:] + [None]):
            if following is not None and following[0] < end:
                end = following[0]
            if end > start:
                out.append((start, end, pitch, velocity))
    return out


def _to_track(events: list[tuple[int, mido.Message]], end_tick: int = 0) -> mido.MidiTrack:
    """Absolute-tick events to a track with delta times; note-offs before note-ons at a tick.

    The end-of-track marker goes at `end_tick` or after the last event, whichever is later.
    """
    def order(item):
        tick, msg = item
        return tick, 0 if msg.is_meta else (1 if msg.type in ("note_off", "program_change") else 2)

    track, now = mido.MidiTrack(), 0
    for tick, msg in sorted(events, key=order):
        msg.time = tick - now   # the messages were made for this track: set in place (a copy checks every field again)
        track.append(msg)
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(end_tick - now, 0)))
    return track


def write_midi(song: Song, path: str | os.PathLike, ticks_per_beat: int = OUTPUT_TICKS_PER_BEAT) -> None:
    """Write `song` as a format-1 MIDI file, atomically (see :func:`song_to_midi`)."""
    buffer = io.BytesIO()
    song_to_midi(song, ticks_per_beat).save(file=buffer)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())
