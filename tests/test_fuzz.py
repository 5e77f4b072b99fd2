"""Mutated real files (cut short, bytes flipped, pieces spliced in): read or refused in one sentence, never a crash.

A bounded number of seeded mutations of the committed samples, through the readers and through the commands
that read them (in this process, so it stays fast).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from wav2accomp.audio.recording import load_audio
from wav2accomp.cli import main
from wav2accomp.errors import Wav2AccompError
from wav2accomp.symbolic.midi_io import read_midi

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ITERATIONS = 40


def mutations(data: bytes, seed: int, count: int):
    """`count` damaged copies of `data`: truncated, bytes flipped, a piece of itself spliced elsewhere."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = i % 3
        if kind == 0:
            yield data[:int(rng.integers(0, len(data)))]
        elif kind == 1:
            damaged = bytearray(data)
            for at in rng.integers(0, len(data), size=int(rng.integers(1, 20))):
                damaged[at] = int(rng.integers(0, 256))
            yield bytes(damaged)
        else:
            a, b = sorted(rng.integers(0, len(data), size=2))
            at = int(rng.integers(0, len(data)))
            yield data[:at] + data[a:b] + data[at:]


def short_wav() -> bytes:
    samples, sr = load_audio(SAMPLES / "hum_ode_to_joy.flac", sr=11025)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples[:3 * sr], sr, format="WAV")
    return buffer.getvalue()


pytestmark = pytest.mark.filterwarnings("ignore::wav2accomp.errors.Wav2AccompWarning")  # cut-off files say so


def read_or_refuse(tmp_path, capsys, original: bytes, *, seed: int, suffix: str, read, command, every: int) -> None:
    """Each mutation of `original`: `read` returns or raises Wav2AccompError; on every `every`-th the command
    (given the file and an output stem) exits 0 or 1 without an internal error."""
    for i, data in enumerate(mutations(original, seed=seed, count=ITERATIONS)):
        path = tmp_path / f"damaged{i}{suffix}"
        path.write_bytes(data)
        try:
            read(path)
        except Wav2AccompError:
            pass
        if i % every == 0:
            assert main(command(str(path), str(tmp_path / f"damaged{i}"))) in (0, 1)
            assert "internal error" not in capsys.readouterr().err
    assert not list(tmp_path.glob(".*")), "temporary files left behind"


def test_damaged_midi_files_are_read_or_refused(tmp_path, capsys):
    read_or_refuse(tmp_path, capsys, (SAMPLES / "ode_to_joy.mid").read_bytes(), seed=1, suffix=".mid", read=read_midi,
                   command=lambda path, out: ["inspect", path, "--plot", out + ".png"], every=1)


def test_damaged_recordings_are_read_or_refused(tmp_path, capsys):
    read_or_refuse(tmp_path, capsys, short_wav(), seed=2, suffix=".wav", read=load_audio,
                   command=lambda path, out: ["transcribe", path, "-o", out + ".mid"], every=4)
