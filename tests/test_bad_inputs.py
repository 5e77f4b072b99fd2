"""Bad input, as a user gives it: every case ends with one line on stderr and nothing lost or half-done.

Each case runs the real command in a fresh process inside a folder of its own and checks the exit status,
that stderr is one line (no traceback, no "internal error"), that every file there is byte-identical
afterwards and that no output or temporary file was left behind. Corpus jobs with one bad item among good
ones must skip it, say so, and finish.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile
from conftest import band_song, make_midi, name, on, off, tune

from wav2accomp.models.generate import PRETRAINED_DIR

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below `folder` (hidden ones included) -> a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def wav2accomp(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wav2accomp", *args], cwd=folder, capture_output=True, text=True)


def refused(folder: Path, *args: str, code: int = 1, says: str = "") -> str:
    """Run a command that must fail cleanly; returns its one line of stderr."""
    before = snapshot(folder)
    result = wav2accomp(folder, *args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (args, result.returncode, result.stderr)
    assert len(lines) == 1, (args, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert re.search(says, lines[0]), (says, lines[0])
    assert snapshot(folder) == before, f"{args} changed or left files"
    return lines[0]


def long_note_midi(path: Path) -> Path:
    """A melody whose last note lasts five hours (at 120 BPM)."""
    return make_midi(path, [[name("Melody")] + tune([60, 62, 64, 65, 67, 69, 71, 72]) + [on(74), off(74, 480 * 36000)]])


def many_notes_midi(path: Path, count: int = 25_000) -> Path:
    return make_midi(path, [[name("Melody")] + tune([60 + i % 12 for i in range(count)], step=24)])


def fast_tempo_midi(path: Path) -> Path:
    return make_midi(path, [[mido.MetaMessage("set_tempo", tempo=1), name("Melody")] + tune([60, 62, 64] * 4)])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A user's folder: a hum, a MIDI melody, a MIDI file without notes and a few broken things."""
    root = tmp_path_factory.mktemp("user")
    shutil.copy(SAMPLES / "hum_ode_to_joy.flac", root / "hum.flac")
    shutil.copy(SAMPLES / "ode_to_joy_melody.mid", root / "mel.mid")
    make_midi(root / "empty.mid", [[name("nothing here")]])
    long_note_midi(root / "long.mid")
    many_notes_midi(root / "many.mid")
    (root / "junk.sf2").write_bytes(np.random.default_rng(0).bytes(4096))
    (root / "link.flac").symlink_to(root / "hum.flac")
    (root / "sub").mkdir()
    (root / "nan.txt").write_text("nan C\n")
    (root / "inf.txt").write_text("inf C\n")
    (root / "big.txt").write_text("0 C\n" * 300_000)
    return root


def models_with(tmp_path: Path, change) -> Path:
    """A copy of the shipped models with `change(folder)` applied."""
    folder = tmp_path / "models"
    shutil.copytree(PRETRAINED_DIR, folder)
    change(folder)
    return folder


# --- Inputs and outputs never collide -----------------------------------------------------------------------

COLLISIONS = [
    (("accompany", "hum.flac", "-o", "hum.flac"), "it is the input"),
    (("accompany", "hum.flac", "-o", "o.mid", "--render", "hum.flac"), "it is the input"),
    (("transcribe", "hum.flac", "-o", "hum.flac"), "it is the input"),
    (("transcribe", "hum.flac", "-o", "link.flac"), "it is the input"),       # a link to the input
    (("accompany", "mel.mid", "-o", "mel.mid"), "it is the input"),
    (("inspect", "mel.mid", "--plot", "mel.mid"), "it is the input"),
    (("baseline", "generate", "--model", "nowhere", "hum.flac", "-o", "hum.flac"), "it is the input"),
    (("accompany", "hum.flac", "-o", "same.mid", "--plot", "same.mid"), "same file"),
    (("accompany", "hum.flac", "-o", "o.mid", "--render", "a.wav", "--plot", "a.wav"), "same file"),
    (("accompany", "hum.flac", "-o", "no/such/folder/o.mid"), "does not exist"),
    (("accompany", "mel.mid", "-o", "sub/"), "names a folder"),
    (("accompany", "mel.mid", "-o", "o.mid", "--plot", "o.jpg"), r"name it \.png, \.svg or \.pdf"),
    (("inspect", "mel.mid", "--plot", "o.gif"), r"name it \.png"),
    (("accompany", "mel.mid", "-o", "o.mid", "--model-dir", "no-such-models"), "is not a folder"),
    (("accompany", "mel.mid", "-o", "o.mid", "--model-dir", "mel.mid"), "is not a folder"),
    (("accompany", "mel.mid", "-o", "o.mid", "--chords-file", "nan.txt"), "line 1: a start must be"),
    (("accompany", "mel.mid", "-o", "o.mid", "--chords-file", "inf.txt"), "line 1: a start must be"),
    (("accompany", "mel.mid", "-o", "o.mid", "--chords-file", "big.txt"), "larger than 1000 kB"),
    (("accompany", "mel.mid", "-o", "o.mid", "--chords-file", "/dev/zero"), "larger than 1000 kB"),
]


@pytest.mark.parametrize("args,says", COLLISIONS, ids=[" ".join(a) for a, _ in COLLISIONS])
def test_outputs_never_overwrite_inputs_or_each_other(folder, args, says):
    refused(folder, *args, says=says)


# --- Numbers out of range are usage errors ---------------------------------------------------------------------

USAGE = [
    ("accompany", "mel.mid", "-o", "o.mid", "--seed", "-1"),
    ("accompany", "mel.mid", "-o", "o.mid", "--temperature", "1e6"),
    ("accompany", "mel.mid", "-o", "o.mid", "--bpm", "1000"),
    ("accompany", "mel.mid", "-o", "o.mid", "--max-seconds", "nan"),
    ("accompany", "mel.mid", "-o", "o.mid", "--drums-density", "0"),
    ("accompany", "mel.mid", "-o", "o.mid", "--drums-density", "9"),
    ("accompany", "mel.mid", "-o", "o.mid", "--style", "polka"),
    ("accompany", "mel.mid", "-o", "o.mid", "--drummer", "bob"),
    ("accompany", "mel.mid", "-o", "o.mid", "--tracker", "crepe"),
    ("train-grooves", "--data", "c", "--out", "r", "--min-songs", "0"),
    ("train", "--data", "c", "--part", "guitarlike", "--out", "r", "--seed", "-1"),
    ("train", "--data", "c", "--part", "guitarlike", "--out", "r", "--learning-rate", "nan"),
    ("baseline", "train", "--stems", "s", "--out", "r", "--seed", "-1"),
    ("prepare", "x", "-o", "c", "--steps-per-beat", "0"),
]


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_bad_numbers_are_one_line_usage_errors(folder, args):
    refused(folder, *args, code=2, says=r"^wav2accomp .*error: argument")


@pytest.mark.parametrize("temperature", ["0.005", "1e-300"])
def test_a_tiny_temperature_plays_like_temperature_zero(folder, tmp_path, temperature):
    """Sampling weights raised to 1 / temperature stay finite, with the harmoniser or the networks choosing."""
    for harmony in ("harmoniser", "network"):
        result = wav2accomp(folder, "accompany", "mel.mid", "-o", str(tmp_path / "o.mid"), "--temperature",
                            temperature, "--harmony", harmony)
        assert result.returncode == 0, result.stderr


def test_a_bassline_model_with_negative_counts_is_refused(folder, tmp_path):
    def negative(models):
        with np.load(models / "bassline-bass.npz") as data:
            arrays = dict(data)
        arrays["figure_counts"] = -np.abs(arrays["figure_counts"]) - 1
        np.savez(models / "bassline-bass.npz", **arrays)

    models = models_with(tmp_path, negative)
    shutil.copy(folder / "mel.mid", tmp_path / "mel.mid")
    refused(tmp_path, "accompany", "mel.mid", "-o", "o.mid", "--temperature", "0.7", "--model-dir", str(models),
            says="bassline model .* does not fit")


def test_inspect_refuses_to_draw_a_file_of_one_huge_delta_time(tmp_path):
    """A 200-byte file whose one delta time is 0x0FFFFFFF ticks: listed at once, never drawn (run under a 2 GB
    address-space limit)."""
    path = make_midi(tmp_path / "huge.mid", [[name("Melody")] + tune([60, 62]) + [on(64, 0x0FFFFFFF), off(64, 480)]])
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    result = subprocess.run([sys.executable, "-c", limit + "import sys; from wav2accomp.cli import main; "
                             f"sys.exit(main(['inspect', {str(path)!r}, '--plot', 'huge.png']))"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "too long to draw" in result.stderr, result.stderr
    assert not (tmp_path / "huge.png").exists()


def test_a_long_legal_output_name_is_written(folder, tmp_path):
    shutil.copy(folder / "mel.mid", tmp_path / "mel.mid")
    name = "n" * 250 + ".mid"
    result = wav2accomp(tmp_path, "accompany", "mel.mid", "-o", name, "--parts", "drums")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["mel.mid", name])


def test_sigterm_leaves_no_staged_file(folder, tmp_path):
    """A run stopped by SIGTERM (or SIGHUP) removes what it staged, as Ctrl-C does."""
    import signal
    import time

    shutil.copy(folder / "hum.flac", tmp_path / "hum.flac")
    process = subprocess.Popen([sys.executable, "-c", """
import sys, time
import wav2accomp.arrangement as arrangement
from wav2accomp.cli import main
def slow(self, path):
    open(path, "wb").write(b"half")
    print("staged", flush=True)
    time.sleep(30)
arrangement.Arrangement.plot = slow
sys.exit(main(["accompany", "hum.flac", "-o", "o.mid", "--plot", "o.png"]))
"""], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while "staged" not in process.stdout.readline() and time.time() < deadline:
        pass
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and "stopped by signal" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hum.flac"]


# --- Inputs that are not what they claim -------------------------------------------------------------------------

def test_midi_melodies_are_bounded_like_recordings(folder):
    refused(folder, "accompany", "long.mid", "-o", "o.mid", "--render", "o.wav", says="too long: its melody lasts")
    refused(folder, "accompany", "many.mid", "-o", "o.mid", says="notes")


def test_a_file_without_notes_has_nothing_to_draw(folder):
    refused(folder, "inspect", "empty.mid", "--plot", "empty.png", says="nothing to draw")


def test_a_soundfont_of_random_bytes_is_refused_before_any_work(folder):
    line = refused(folder, "accompany", "mel.mid", "-o", "o.mid", "--render", "o.wav", "--soundfont", "junk.sf2",
                   says="is not a SoundFont")
    assert "CRITICAL" not in line


def test_stems_render_into_a_file_is_refused(folder):
    refused(folder, "stems", "render", str(folder), "-o", "mel.mid", "--synth", "builtin", says="not a folder")


def test_an_absurd_tempo_is_clamped_with_a_warning(tmp_path):
    fast_tempo_midi(tmp_path / "fast.mid")
    result = wav2accomp(tmp_path, "inspect", "fast.mid")
    assert result.returncode == 0 and "1000.0 BPM at start" in result.stdout and "clamped" in result.stdout


def test_a_cut_off_wav_is_used_with_a_warning(tmp_path):
    from wav2accomp.testing.singer import sing, tune_notes

    soundfile.write(tmp_path / "full.wav", sing(tune_notes("twinkle"), 22050), 22050)
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:len(data) * 2 // 3])
    result = wav2accomp(tmp_path, "transcribe", "cut.wav", "-o", "cut.mid")
    assert result.returncode == 0 and (tmp_path / "cut.mid").is_file()
    assert result.stderr.strip().startswith("wav2accomp: warning: cut.wav holds 33% less audio than its header says")


# --- Model files, configs and checkpoints ---------------------------------------------------------------------------

def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(100, len(data), 997):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def set_json(field: str, value):
    def change(folder: Path) -> None:
        path = folder / "aligned-guitarlike.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    return change


def nan_weights(folder: Path) -> None:
    path = folder / "aligned-guitarlike.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    first = next(iter(arrays))
    arrays[first] = np.full_like(arrays[first], np.nan)
    np.savez(path, **arrays)


BROKEN_MODELS = {
    "truncated weights": lambda f: truncate(f / "aligned-guitarlike.npz"),
    "flipped bytes": lambda f: flip_bytes(f / "aligned-guitarlike.npz"),
    "NaN weights": nan_weights,
    "units 0": set_json("units", 0),
    "units -1": set_json("units", -1),
    "units 1.5": set_json("units", 1.5),
    "units abc": set_json("units", "abc"),
    "units 100000": set_json("units", 100000),
    "threshold abc": set_json("threshold", "abc"),
    "threshold list": set_json("threshold", [0.5, 0.2]),
    "max_polyphony x": set_json("max_polyphony", "x"),
    "steps_per_beat 0": set_json("steps_per_beat", 0),
    "not a mapping": lambda f: (f / "aligned-guitarlike.json").write_text("[1, 2]"),
}


@pytest.mark.parametrize("broken", BROKEN_MODELS, ids=list(BROKEN_MODELS))
def test_a_broken_model_is_one_sentence(folder, tmp_path, broken):
    models = models_with(tmp_path, BROKEN_MODELS[broken])
    shutil.copy(folder / "mel.mid", tmp_path / "mel.mid")
    refused(tmp_path, "accompany", "mel.mid", "-o", "o.mid", "--parts", "piano", "--harmony", "network",
            "--model-dir", str(models), says="cannot (read model config|load model weights)")


BROKEN_CHORD_MODELS = {
    "truncated weights": lambda f: truncate(f / "harmoniser-chords.npz"),
    "truncated bassline": lambda f: truncate(f / "bassline-bass.npz"),
    "flipped bytes": lambda f: flip_bytes(f / "harmoniser-chords.npz"),
    "other blocks": lambda f: (f / "harmoniser-chords.json").write_text(json.dumps({"blocks": ["beat"]})),
    "not a mapping": lambda f: (f / "harmoniser-chords.json").write_text("[1, 2]"),
}


@pytest.mark.parametrize("broken", BROKEN_CHORD_MODELS, ids=list(BROKEN_CHORD_MODELS))
def test_a_broken_harmoniser_or_bassline_is_one_sentence(folder, tmp_path, broken):
    models = models_with(tmp_path, BROKEN_CHORD_MODELS[broken])
    shutil.copy(folder / "mel.mid", tmp_path / "mel.mid")
    refused(tmp_path, "accompany", "mel.mid", "-o", "o.mid", "--parts", "piano", "bass", "--model-dir", str(models),
            says="(cannot read the (harmoniser|bassline model)|harmoniser .* does not fit)")


@pytest.mark.parametrize("broken", ["chunk 0", "truncated weights"])
def test_a_broken_baseline_model_is_one_sentence(folder, tmp_path, broken):
    run = tmp_path / "run"
    run.mkdir()
    (run / "raw-amplitude.json").write_text(json.dumps({"chunk": 0 if broken == "chunk 0" else 4, "hidden": [8]}))
    np.savez(run / "raw-amplitude.npz", w=np.zeros(3, dtype=np.float32))
    if broken == "truncated weights":
        truncate(run / "raw-amplitude.npz")
    shutil.copy(folder / "hum.flac", tmp_path / "hum.flac")
    refused(tmp_path, "baseline", "generate", "--model", "run", "hum.flac", "-o", "o.wav",
            says="cannot load the raw-amplitude model")


def checkpoints():
    import argparse

    import torch

    # an object of a class: loading it would mean running code (refused by weights_only loading)
    return {"a dict of something else": {"a": 1}, "no state": {"model": {}, "optimizer": {}, "best_model": {},
                                                              "options": {}},
            "a bare tensor": torch.zeros(3), "a pickled object": argparse.Namespace(a=1)}


@pytest.mark.parametrize("content", ["a dict of something else", "no state", "a bare tensor", "a pickled object"])
def test_resume_from_a_wrong_checkpoint_is_one_sentence(tmp_path, content):
    import torch

    for command in (["train", "--data", "cache", "--part", "guitarlike", "--out", "run"],
                    ["baseline", "train", "--stems", "stems", "--out", "run"]):
        (tmp_path / "run").mkdir(exist_ok=True)
        torch.save(checkpoints()[content], tmp_path / "run" / "checkpoint.pt")
        refused(tmp_path, *command, "--resume", "-q", says="cannot resume from .*checkpoint")


def test_resume_into_a_model_of_another_shape_is_one_sentence(tiny_cache, tmp_path):
    from wav2accomp.models.training import train
    from wav2accomp.options import TrainOptions

    common = dict(data=str(tiny_cache), part="guitarlike", arch="aligned", epochs=1, windows_per_epoch=16,
                  batch_size=16, units=8, window=32, progress=False)
    train(TrainOptions(out=str(tmp_path / "run"), **common))
    saved = tmp_path / "run" / "checkpoint.pt"
    import torch

    state = torch.load(saved, weights_only=True)
    first = next(iter(state["model"]))
    state["model"][first] = torch.zeros(2, 2)
    torch.save(state, saved)
    refused(tmp_path, "train", "--data", str(tiny_cache), "--part", "guitarlike", "--out", "run", "--units", "8",
            "--batch-size", "16", "--windows-per-epoch", "16", "--window", "32", "--epochs", "2", "--resume", "-q",
            says="does not fit this model")


# --- Corpus jobs skip a bad item and go on ------------------------------------------------------------------------------

def test_train_and_evaluate_skip_a_damaged_song_of_the_cache(tiny_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(tiny_cache, cache)
    index = json.loads((cache / "index.json").read_text())
    train_song = next(s["id"] for s in index["songs"] if s["split"] == "train")
    test_song = next(s["id"] for s in index["songs"] if s["split"] == "test")
    truncate(cache / "songs" / f"{train_song}.npz")
    (cache / "songs" / f"{test_song}.npz").unlink()
    result = wav2accomp(tmp_path, "train", "--data", "cache", "--part", "guitarlike", "--out", "run", "--units", "8",
                        "--batch-size", "16", "--windows-per-epoch", "16", "--window", "32", "--epochs", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert "skipped 1 unreadable songs" in result.stdout
    assert json.loads((tmp_path / "run" / "log.json").read_text())["skipped"][0]["id"] == train_song
    result = wav2accomp(tmp_path, "evaluate", "accompaniment", "--data", "cache", "--parts", "guitarlike",
                        "--model-dir", "run", "--plots", "0", "--out", "eval", "-q")
    assert result.returncode != 0 and "no paper model" in result.stderr  # the run holds one architecture only
    for arch in ("paper", "aligned"):
        shutil.copy(PRETRAINED_DIR / f"{arch}-guitarlike.json", tmp_path / "run" / f"{arch}-guitarlike.json")
        shutil.copy(PRETRAINED_DIR / f"{arch}-guitarlike.npz", tmp_path / "run" / f"{arch}-guitarlike.npz")
    result = wav2accomp(tmp_path, "evaluate", "accompaniment", "--data", "cache", "--parts", "guitarlike",
                        "--model-dir", "run", "--plots", "0", "--out", "eval", "-q")
    assert result.returncode == 0, result.stderr
    assert "Skipped 1 unreadable songs" in result.stdout and test_song in result.stdout


def test_stems_jobs_skip_an_unreadable_stem(tmp_path):
    from conftest import synthetic_stems

    stems = synthetic_stems(tmp_path / "stems", per_split={"train": 3, "valid": 2, "test": 3}, seconds=2.0)
    broken = sorted(stems.iterdir())[0]
    (broken / "bass.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    result = wav2accomp(tmp_path, "baseline", "train", "--stems", "stems", "--out", "run", "--epochs", "1",
                        "--chunk", "100", "--hidden", "16", "--chunks-per-epoch", "256", "-q")
    assert result.returncode == 0, result.stderr
    assert broken.name in {s["song"] for s in json.loads((tmp_path / "run" / "log.json").read_text())["skipped"]}
    for command in (["baseline", "evaluate", "--model", "run", "--stems", "stems", "--split", "all", "-q"],
                    ["evaluate", "stems", "stems", "--split", "all", "--out", "eval", "-q"]):
        result = wav2accomp(tmp_path, *command)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "eval" / "stems.json").read_text())
    assert broken.name in {s["song"] for s in report["metadata"]["skipped"]}


def test_a_users_stems_folder_is_evaluated_whole(tmp_path):
    from conftest import synthetic_stems

    stems = synthetic_stems(tmp_path / "stems", per_split={"train": 2, "test": 1}, seconds=2.0)
    result = wav2accomp(tmp_path, "evaluate", "stems", str(stems), "--out", "eval", "-q")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "eval" / "stems.json").read_text())["metadata"]["songs"] == 3


def test_stems_render_refuses_a_limit_of_zero(tmp_path):
    band_song(tmp_path / "song.mid", seed=1, bars=2)
    refused(tmp_path, "stems", "render", str(tmp_path), "-o", "out", "--limit", "0", code=2, says="argument --limit")
