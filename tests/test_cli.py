"""The command line as a user meets it: help, output, and one-line errors."""
import subprocess
import sys

from conftest import make_midi, name, tune
from wav2accomp.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "wav2accomp", *args], capture_output=True, text=True)


def test_help_teaches_the_commands():
    result = run("--help")
    assert result.returncode == 0 and "prepare" in result.stdout and "inspect" in result.stdout
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
