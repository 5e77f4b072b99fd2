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


def band_song(path: Path, seed: int, bars: int = 12) -> Path:
    """A small 4/4 pop song: a melody over I-V-vi-IV piano chords, a bass-less string pad and a rock beat."""
    import random

    rng = random.Random(seed)
    progression = [(60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60)]
    melody, piano, strings, drums = [name("Melody"), program(73)], [name("Piano"), program(0, channel=1)], \
        [name("Strings"), program(48, channel=2)], [name("Drums")]
    for bar in range(bars):
        chord = progression[bar % 4]
        for beat in range(4):
            pitch = rng.choice([c + 12 for c in chord] + [74, 76, 79])
            melody += [on(pitch), off(pitch, 480)]
            piano += [on(p, channel=1) for p in chord] + [off(chord[0], 480, channel=1)] + \
                [off(p, channel=1) for p in chord[1:]]
        strings += [on(chord[0] - 12, channel=2), off(chord[0] - 12, 1920, channel=2)]
        for step in range(8):
            hits = [42] + ([36] if step in (0, 4) else []) + ([38] if step in (2, 6) else [])
            drums += [on(h, channel=9) for h in hits] + [off(hits[0], 240, channel=9)] + \
                [off(h, channel=9) for h in hits[1:]]
    return make_midi(path, [melody, piano, strings, drums])


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory) -> Path:
    """A prepared cache of synthetic band songs: 6 train, 2 valid and 2 test songs."""
    from wav2accomp.corpus import prepare_corpus, split_for

    folder = tmp_path_factory.mktemp("band")
    wanted = {"train": 6, "valid": 2, "test": 2}
    index = 0
    while any(wanted.values()):
        file_name = f"song{index:03d}.mid"
        split = split_for(file_name)
        if wanted[split]:
            band_song(folder / file_name, seed=index)
            wanted[split] -= 1
        index += 1
    cache = tmp_path_factory.mktemp("cache")
    prepare_corpus([folder], cache, jobs=1, progress=False)
    return cache
