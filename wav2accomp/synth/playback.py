"""A MIDI file as a synthesiser plays it: notes in seconds with their channel and program."""
from __future__ import annotations

from dataclasses import dataclass

import mido


@dataclass(frozen=True)
class PlayedNote:
    """A note as a synthesiser plays it.

    Attributes
    ----------
    start, end : float
        Note-on and note-off, seconds.
    channel : int
        MIDI channel, 0..15 (9 = GM percussion).
    program : int
        GM program sounding on the channel at the note-on (zero-based).
    pitch : int
        MIDI note number (GM drum sound on channel 9).
    velocity : int
        1..127.
    """

    start: float
    end: float
    channel: int
    program: int
    pitch: int
    velocity: int


def played_notes(midi: mido.MidiFile) -> list[PlayedNote]:
    """The notes of a MIDI file in seconds, as a player hears them (tempo map applied).

    A note-off (or note-on at velocity 0) ends the earliest sounding note of its
    channel and pitch; notes still sounding at the end stop at the last event.
    """
    programs = [0] * 16
    sounding: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    notes, now = [], 0.0
    for message in midi:
        now += message.time
        if message.type == "program_change":
            programs[message.channel] = message.program
        elif message.type == "note_on" and message.velocity > 0:
            key = (message.channel, message.note)
            sounding.setdefault(key, []).append((now, programs[message.channel], message.velocity))
        elif message.type in ("note_on", "note_off") and sounding.get((message.channel, message.note)):
            start, program, velocity = sounding[(message.channel, message.note)].pop(0)
            notes.append(PlayedNote(start, now, message.channel, program, message.note, velocity))
    for (channel, pitch), pending in sounding.items():
        notes += [PlayedNote(start, now, channel, program, pitch, velocity) for start, program, velocity in pending]
    return sorted(notes, key=lambda n: (n.start, n.channel, n.pitch))
