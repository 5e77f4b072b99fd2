"""The command line as a user meets it: help, output, and one-line errors."""
import subprocess
import sys

from conftest import make_midi, name, tune
from wav2accomp.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "wav2accomp", *args], capture_output=True, text=True)


def test_help_teaches_the_commands():
    result = run("--help")
    assert result.returncode == 0 and all(c in result.stdout for c in ("prepare", "inspect", "train", "evaluate"))
    assert "examples:" in run("prepare", "--help").stdout


def test_inspect_prints_classes_and_draws(tmp_path, capsys):
    path = make_midi(tmp_path / "song.mid", [[name("Melody")] + tune([72, 74, 76] * 4),
                                             [name("Bass")] + tune([36, 38] * 6, channel=1)])
    assert main(["inspect", str(path), "--plot", str(tmp_path / "song.png")]) == 0
    out = capsys.readouterr().out
    assert "melody-by-name" in out and "guitarlike" in out
    assert (tmp_path / "song.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input_ends_with_one_line_and_nonzero_exit(tmp_path):
    (tmp_path / "bad.mid").write_bytes(b"\x00" * 40)
    for args in (["inspect", str(tmp_path / "bad.mid")], ["inspect", str(tmp_path / "missing.mid")],
                 ["prepare", str(tmp_path / "no_such_dir"), "-o", str(tmp_path / "cache")]):
        result = run(*args)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("wav2accomp: error:")


def test_unwritable_plot_path_is_one_line(tmp_path):
    path = make_midi(tmp_path / "song.mid", [[name("Melody")] + tune([72, 74, 76] * 4)])
    result = run("inspect", str(path), "--plot", str(tmp_path / "no" / "such" / "dir.png"))
    assert result.returncode == 1 and "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_prepare_end_to_end(tmp_path):
    corpus = tmp_path / "midi"
    corpus.mkdir()
    make_midi(corpus / "a.mid", [[name("Melody")] + tune([72, 74, 76] * 4), [name("Piano")] + tune([48] * 12)])
    result = run("prepare", str(corpus), "-o", str(tmp_path / "cache"), "--quiet", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "1 songs" in result.stdout and (tmp_path / "cache" / "songs" / "midi" / "a.npz").is_file()


def test_train_and_evaluate_help_and_errors(tmp_path):
    assert "--resume" in run("train", "--help").stdout and "torchrun" in run("train", "--help").stdout
    assert "chord accuracy" in run("evaluate", "accompaniment", "--help").stdout
    for args in (["train", "--data", str(tmp_path), "--part", "guitarlike", "--out", str(tmp_path / "run")],
                 ["evaluate", "accompaniment", "--data", str(tmp_path / "none")],
                 ["train", "--data", str(tmp_path), "--part", "guitarlike", "--out", str(tmp_path / "r"), "--resume"]):
        result = run(*args)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    usage = run("train", "--data", str(tmp_path), "--part", "vocals", "--out", str(tmp_path))
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_train_then_evaluate_end_to_end(tiny_cache, tmp_path):
    models = tmp_path / "models"
    for arch in ("paper", "aligned"):
        result = run("train", "--data", str(tiny_cache), "--part", "stringslike", "--arch", arch, "--out", str(models),
                     "--epochs", "1", "--windows-per-epoch", "32", "--units", "8", "-q")
        assert result.returncode == 0, result.stderr
        assert f"wrote {models / f'{arch}-stringslike'}" in result.stdout
    result = run("evaluate", "accompaniment", "--data", str(tiny_cache), "--parts", "stringslike",
                 "--model-dir", str(models), "--out", str(tmp_path / "eval"), "-q")
    assert result.returncode == 0, result.stderr
    assert "| real | 1.000 | 1.000 | 1.000" in result.stdout
    assert (tmp_path / "eval" / "accompaniment.md").is_file() and (tmp_path / "eval" / "stringslike-1.png").is_file()


def test_transcribe_writes_midi_and_picture(tmp_path):
    import soundfile

    from wav2accomp.midi_io import read_midi
    from wav2accomp.synthesis import sing, tune_notes

    notes = tune_notes("twinkle", bpm=100)
    soundfile.write(tmp_path / "hum.wav", sing(notes, 22050), 22050)
    result = run("transcribe", str(tmp_path / "hum.wav"), "-o", str(tmp_path / "hum.mid"), "--plot",
                 str(tmp_path / "hum.png"))
    assert result.returncode == 0, result.stderr
    assert "14 notes" in result.stdout and (tmp_path / "hum.png").read_bytes()[:4] == b"\x89PNG"
    assert [n.pitch for n in read_midi(tmp_path / "hum.mid").parts[0].notes] == [n.pitch for n in notes]
    assert "--bpm" in run("transcribe", "--help").stdout


def test_transcribe_errors_are_one_line_and_leave_no_file(tmp_path):
    import numpy as np
    import soundfile

    soundfile.write(tmp_path / "silence.wav", np.zeros(22050), 22050)
    soundfile.write(tmp_path / "noise.wav", 0.1 * np.random.default_rng(0).standard_normal(44100), 22050)
    (tmp_path / "text.wav").write_text("not audio")
    cases = [("silence.wav", "silent"), ("noise.wav", "no melody found"), ("text.wav", "cannot read"),
             ("missing.wav", "not found")]
    for name_, message in cases:
        result = run("transcribe", str(tmp_path / name_), "-o", str(tmp_path / "out.mid"))
        assert result.returncode == 1 and message in result.stderr and result.stderr.count("\n") == 1
    result = run("transcribe", str(tmp_path / "noise.wav"), "-o", str(tmp_path / "no" / "dir" / "out.mid"))
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert run("transcribe", str(tmp_path / "noise.wav"), "-o", "x.mid", "--bpm", "0").returncode == 2
    assert not list(tmp_path.glob("*.mid")) and not list(tmp_path.glob(".*tmp"))
