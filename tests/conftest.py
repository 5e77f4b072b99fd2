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
    """A small 4/4 pop song: a melody over I-V-vi-IV piano chords, a string pad, a bass (root, root, fifth, root
    in quarter notes, two octaves below the piano) and a rock beat."""
    import random

    rng = random.Random(seed)
    progression = [(60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60)]
    melody, piano, strings, drums = [name("Melody"), program(73)], [name("Piano"), program(0, channel=1)], \
        [name("Strings"), program(48, channel=2)], [name("Drums")]
    bass = [name("Bass"), program(33, channel=3)]
    for bar in range(bars):
        chord = progression[bar % 4]
        for beat in range(4):
            pitch = rng.choice([c + 12 for c in chord] + [74, 76, 79])
            melody += [on(pitch), off(pitch, 480)]
            piano += [on(p, channel=1) for p in chord] + [off(chord[0], 480, channel=1)] + \
                [off(p, channel=1) for p in chord[1:]]
        strings += [on(chord[0] - 12, channel=2), off(chord[0] - 12, 1920, channel=2)]
        for pitch in (chord[0] - 24, chord[0] - 24, chord[0] - 17, chord[0] - 24):
            bass += [on(pitch, channel=3), off(pitch, 480, channel=3)]
        for step in range(8):
            hits = [42] + ([36] if step in (0, 4) else []) + ([38] if step in (2, 6) else [])
            drums += [on(h, channel=9) for h in hits] + [off(hits[0], 240, channel=9)] + \
                [off(h, channel=9) for h in hits[1:]]
    return make_midi(path, [melody, piano, strings, drums, bass])


#: The chords of :func:`band_song`'s bars, as POP909 spells them.
BAND_CHORDS = ("C:maj", "G:maj", "A:min", "F:maj")


@pytest.fixture(scope="session")
def chord_cache(tmp_path_factory) -> Path:
    """A prepared cache of synthetic band songs laid out as POP909 is (``NNN/NNN.mid`` with ``beat_midi.txt`` and
    ``chord_midi.txt``: 120 BPM, a chord a bar): 8 train, 2 valid and 2 test songs with chord annotations."""
    from wav2accomp.data.corpus import prepare_corpus, split_for

    folder = tmp_path_factory.mktemp("annotated")
    wanted = {"train": 8, "valid": 2, "test": 2}
    index, bars = 0, 12
    while any(wanted.values()):
        split = split_for(f"{index:03d}.mid")
        if wanted[split]:
            song = folder / f"{index:03d}"
            song.mkdir()
            band_song(song / f"{index:03d}.mid", seed=index, bars=bars)
            (song / "beat_midi.txt").write_text("".join(f"{0.5 * b} 1.0 {float(b % 4 == 0)}\n" for b in range(4 * bars)))
            (song / "chord_midi.txt").write_text("".join(f"{2.0 * b}\t{2.0 * b + 2}\t{BAND_CHORDS[b % 4]}\n"
                                                         for b in range(bars)))
            wanted[split] -= 1
        index += 1
    cache = tmp_path_factory.mktemp("chord-cache")
    prepare_corpus([folder], cache, jobs=1, progress=False)
    return cache


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory) -> Path:
    """A prepared cache of synthetic band songs: 6 train, 2 valid and 2 test songs."""
    from wav2accomp.data.corpus import prepare_corpus, split_for

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


def synthetic_stems(root: Path, *, per_split: dict[str, int] | None = None, seconds: float = 2.0,
                    sr: int = 22050) -> Path:
    """A stems folder of sine-tone songs: vocals (a tune), bass (the tune's root an octave or two down, delayed)
    and drums (noise bursts), with as many songs in each split as asked (names chosen by their hash)."""
    import numpy as np
    import soundfile

    from wav2accomp.data.corpus import split_for

    wanted = dict(per_split or {"train": 3, "valid": 1, "test": 2})
    index = 0
    while any(wanted.values()):
        name_ = f"song{index:03d}"
        index += 1
        split = split_for(name_)
        if not wanted.get(split):
            continue
        wanted[split] -= 1
        rng = np.random.default_rng(index)
        t = np.arange(int(seconds * sr)) / sr
        pitches = rng.choice([60, 62, 64, 65, 67, 69], size=int(seconds * 4))
        hz = 440.0 * 2 ** ((np.repeat(pitches, len(t) // len(pitches) + 1)[:len(t)] - 69) / 12)
        vocals = 0.3 * np.sin(2 * np.pi * np.cumsum(hz) / sr)
        bass = 0.3 * np.sin(2 * np.pi * np.cumsum(hz / 4) / sr)
        drums = 0.2 * rng.standard_normal(len(t)) * (np.arange(len(t)) % (sr // 2) < sr // 40)
        folder = root / name_
        folder.mkdir(parents=True)
        for stem, wave in (("vocals", vocals), ("bass", np.roll(bass, 7)), ("drums", drums)):
            soundfile.write(folder / f"{stem}.wav", wave.astype(np.float32), sr)
    return root


@pytest.fixture
def store(tmp_path):
    """A job store of the web server: 2 workers, 2 waiting, the built-in synthesiser, 2 MB and 60 s uploads."""
    from wav2accomp.web.jobs import JobStore

    jobs = JobStore(tmp_path / "jobs", workers=2, queue=2, engine="builtin", max_bytes=2_000_000, max_seconds=60)
    yield jobs
    jobs.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_server(store):
    """A real uvicorn server over `store` on a free port, in a thread: (base URL, port)."""
    import threading
    import time

    import uvicorn

    from wav2accomp.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    began = time.monotonic()
    while not server.started and time.monotonic() - began < 10:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", port
    server.should_exit = True
    thread.join(timeout=10)
