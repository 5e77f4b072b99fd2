"""Shared test helpers: where the shared data lives, and MIDI files made on the spot."""
from __future__ import annotations

import os
from pathlib import Path

import mido
import pytest

DATA = Path(os.environ.get("WAV2ACCOMP_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared(sub: str) -> Path:
    """A folder of ../shared/data, or skip the test with a reason."""
    path = DATA / sub
    if not path.is_dir():
        pytest.skip(f"shared data not found: {path}")
    return path


def make_midi(path: Path, tracks: list[list[mido.Message]], *, midi_type: int = 1,
              ticks_per_beat: int = 480) -> Path:
    """Write a MIDI file whose tracks hold the given messages (times are deltas in ticks)."""
    midi = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    for messages in tracks:
        midi.tracks.append(mido.MidiTrack(messages))
    midi.save(path)
    return path


def on(note: int, time: int = 0, channel: int = 0, velocity: int = 90) -> mido.Message:
    return mido.Message("note_on", note=note, velocity=velocity, time=time, channel=channel)


def off(note: int, time: int = 0, channel: int = 0) -> mido.Message:
    return mido.Message("note_off", note=note, velocity=0, time=time, channel=channel)


def name(text: str) -> mido.MetaMessage:
    return mido.MetaMessage("track_name", name=text)


def program(number: int, channel: int = 0, time: int = 0) -> mido.Message:
    return mido.Message("program_change", program=number, channel=channel, time=time)


def tune(pitches: list[int], *, channel: int = 0, step: int = 240) -> list[mido.Message]:
    """Consecutive notes of `step` ticks each."""
    messages = []
    for pitch in pitches:
        messages += [on(pitch, channel=channel), off(pitch, step, channel=channel)]
    return messages
