"""The command line as a user meets it: help, output, and one-line errors."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import make_midi, name, tune

from wav2accomp.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(*args):
    return subprocess.run([sys.executable, "-m", "wav2accomp", *args], capture_output=True, text=True)


def test_help_teaches_the_commands():
    result = run("--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: wav2accomp [-h] [--version] COMMAND ...")
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and line[2] != " "]
    commands = ["accompany", "transcribe", "prepare", "inspect", "train", "train-grooves", "train-comping",
                "train-bassline", "train-harmoniser", "train-band", "evaluate", "stems", "baseline", "serve"]
    assert listed == commands + ["-h,", "--version"]  # each command once, then the options
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

    from wav2accomp.symbolic.midi_io import read_midi
    from wav2accomp.testing.singer import sing, tune_notes

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


def test_accompany_the_sample_hum_end_to_end(tmp_path):
    import mido
    import numpy as np
    import soundfile

    from wav2accomp.audio.recording import load_audio
    from wav2accomp.testing.singer import tune_notes

    hum = SAMPLES / "hum_ode_to_joy.flac"
    out = {name_: tmp_path / name_ for name_ in ("song.mid", "song.wav", "song.png")}
    result = run("accompany", str(hum), "-o", str(out["song.mid"]), "--render", str(out["song.wav"]),
                 "--plot", str(out["song.png"]), "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "BPM" in result.stdout and "wrote" in result.stdout

    midi = mido.MidiFile(out["song.mid"])
    parts = {}
    for track in midi.tracks[1:]:
        title = next(m.name for m in track if m.type == "track_name")
        programs = {(m.channel, m.program) for m in track if m.type == "program_change"}
        parts[title] = (programs, sum(m.type == "note_on" and m.velocity > 0 for m in track))
    assert list(parts) == ["melody", "percussion", "guitarlike", "stringslike", "bass"]
    assert parts["melody"][0] == {(0, 73)} and parts["percussion"][0] == {(9, 0)}
    assert parts["guitarlike"][0] == {(1, 0)} and parts["stringslike"][0] == {(2, 48)}
    assert parts["bass"][0] == {(3, 33)} and parts["bass"][1] > 8

    # MIDI seconds through the file's own tempo map (mido plays it): melody onsets vs the notes sung
    seconds, melody_onsets, ends = 0.0, [], []
    for message in midi:
        seconds += message.time
        if message.type == "note_on" and message.velocity > 0 and message.channel == 0:
            melody_onsets.append(seconds)
        if message.type in ("note_on", "note_off"):
            ends.append(seconds)
    sung = [n.onset for n in tune_notes("ode_to_joy", bpm=104, start=0.7, legato=0.93, transpose=-5)]
    errors = [min(abs(onset - s) for s in sung) for onset in melody_onsets]
    assert len(melody_onsets) == len(sung) and np.median(errors) < 0.050
    recording, sr = load_audio(hum, sr=None)
    duration = len(recording) / sr
    assert all(n_notes > 0 for _, n_notes in parts.values()), parts
    assert max(ends) <= max(duration, midi.length) + 1e-6 and midi.length < duration + 0.5

    # the mix: the recording plus the band, aligned with the recording, and the picture
    mix, mix_sr = soundfile.read(out["song.wav"])
    assert mix.shape[1] == 2 and abs(len(mix) / mix_sr - (duration + 1.0)) < 0.2
    reference = load_audio(hum, sr=mix_sr)[0]
    spectrum = np.fft.rfft(mix[:, 0], 2 * len(mix)) * np.conj(np.fft.rfft(reference, 2 * len(mix)))
    correlation = np.fft.irfft(spectrum)
    lag = int(np.argmax(np.concatenate([correlation[-mix_sr // 5:], correlation[:mix_sr // 5]]))) - mix_sr // 5
    assert abs(lag) / mix_sr < 0.005
    assert out["song.png"].read_bytes()[:4] == b"\x89PNG"


def test_accompany_a_midi_melody_with_the_builtin_synthesiser(tmp_path):
    result = run("accompany", str(SAMPLES / "ode_to_joy_melody.mid"), "-o", str(tmp_path / "song.mid"),
                 "--parts", "drums", "piano", "--render", str(tmp_path / "song.flac"), "--synth", "builtin",
                 "--key", "D", "--temperature", "0.5", "--seed", "2")
    assert result.returncode == 0, result.stderr
    assert "built-in synthesiser" in result.stdout and "D major" in result.stdout
    assert (tmp_path / "song.flac").stat().st_size > 10_000


def test_accompany_errors_are_one_line_and_leave_no_file(tmp_path):
    import numpy as np
    import soundfile

    soundfile.write(tmp_path / "silence.wav", np.zeros(22050), 22050)
    soundfile.write(tmp_path / "noise.wav", 0.1 * np.random.default_rng(0).standard_normal(44100), 22050)
    (tmp_path / "text.wav").write_text("not audio")
    hum = str(SAMPLES / "hum_ode_to_joy.flac")
    out = str(tmp_path / "out.mid")
    cases = [([str(tmp_path / "silence.wav"), "-o", out], "silent"),
             ([str(tmp_path / "noise.wav"), "-o", out], "no melody found in"),
             ([str(tmp_path / "text.wav"), "-o", out], "cannot read"),
             ([hum, "-o", out, "--parts", "drums", "tuba"], "unknown part 'tuba'"),
             ([hum, "-o", out, "--key", "H"], "not a key"),
             ([hum, "-o", out, "--render", str(tmp_path / "out.mp4")], "use a .wav"),
             ([hum, "-o", str(tmp_path / "no" / "out.mid")], "does not exist"),
             ([hum, "-o", out, "--plot", str(tmp_path)], "is a folder"),
             ([hum, "-o", out, "--model-dir", str(tmp_path), "--harmony", "network"], "no aligned model")]
    for arguments, message in cases:
        result = run("accompany", *arguments)
        assert result.returncode == 1 and message in result.stderr, (arguments, result.stderr)
        assert result.stderr.count("\n") == 1
    assert run("accompany", hum, "-o", out, "--temperature", "-1").returncode == 2
    assert not list(tmp_path.glob("*.mid")) and not list(tmp_path.glob(".*tmp"))
    assert "--render" in run("accompany", "--help").stdout


def test_stems_baseline_and_evaluate_stems_commands(tmp_path):
    from conftest import band_song

    from wav2accomp.data.corpus import split_for

    corpus = tmp_path / "midi"
    corpus.mkdir()
    names = [f"tune{i}.mid" for i in range(40)]
    chosen = [n for n in names if split_for(n) == "train"][:6] + [n for n in names if split_for(n) == "valid"][:1]
    chosen += [n for n in names if split_for(n) == "test"][:1]
    for seed, file_name in enumerate(chosen):
        band_song(corpus / file_name, seed, bars=4)
    stems, run_dir = tmp_path / "stems", tmp_path / "run"
    result = run("stems", "render", str(corpus), "-o", str(stems), "--synth", "builtin", "--max-seconds", "5", "-q")
    assert result.returncode == 0, result.stderr
    assert "rendered 8 songs" in result.stdout
    result = run("baseline", "train", "--stems", str(stems), "--out", str(run_dir), "--epochs", "1", "--chunk", "100",
                 "--hidden", "16", "--chunks-per-epoch", "256", "-q")
    assert result.returncode == 0, result.stderr
    assert "chunks/s" in result.stdout and (run_dir / "raw-amplitude.npz").is_file()
    melody = next(stems.glob("*/melody.flac"))
    result = run("baseline", "generate", "--model", str(run_dir), str(melody), "-o", str(tmp_path / "acc.wav"))
    assert result.returncode == 0, result.stderr
    result = run("baseline", "evaluate", "--model", str(run_dir), "--stems", str(stems), "--split", "train", "-q")
    assert result.returncode == 0 and "| scaled melody |" in result.stdout, result.stderr
    result = run("evaluate", "stems", str(stems), "--baseline", str(run_dir), "--split", "all", "--limit", "2",
                 "--out", str(tmp_path / "eval"), "-q")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "eval" / "stems.json").is_file() and "Symbolic route" in result.stdout

    errors = [(("stems", "render", str(tmp_path / "nowhere"), "-o", str(stems)), "not found"),
              (("baseline", "generate", "--model", str(tmp_path), str(melody), "-o", str(tmp_path / "x.wav")),
               "no raw-amplitude model in"),
              (("baseline", "generate", "--model", str(run_dir), str(melody), "-o", str(tmp_path / "x.mp3")),
               "use a .wav"),
              (("baseline", "train", "--stems", str(stems), "--out", str(run_dir), "--resume", "--chunk", "50"),
               "different --chunk"),
              (("evaluate", "stems", str(tmp_path / "midi"), "--out", str(tmp_path / "e2")), "no songs"),
              (("evaluate", "stems", str(stems), "--melody-stem", "kazoo", "--out", str(tmp_path / "e3")),
               "names one of: kazoo")]
    for arguments, message in errors:
        result = run(*arguments)
        assert result.returncode == 1 and message in result.stderr, (arguments, result.stderr)
        assert result.stderr.count("\n") == 1


def test_accompany_renders_a_mastered_mix_stems_and_a_lead_sheet(tmp_path, capsys):
    """From pip packages alone: sampled instruments, a mix at -14 LUFS under -1 dBTP, stems that sound where
    their notes are and are silent where they are not, and a lead sheet."""
    import soundfile

    from wav2accomp.symbolic.midi_io import read_midi
    from wav2accomp.synth.mix import integrated_loudness, true_peak_db

    out = tmp_path / "song.mid"
    assert main(["accompany", str(SAMPLES / "ode_to_joy.mid"), "-o", str(out), "--render", str(tmp_path / "mix.wav"),
                 "--stems", str(tmp_path / "stems"), "--lead-sheet", str(tmp_path / "song.musicxml")]) == 0
    printed = capsys.readouterr().out
    assert "sampled instruments" in printed and "built-in" not in printed
    mix, sr = soundfile.read(tmp_path / "mix.wav", dtype="float32")
    assert mix.ndim == 2 and mix.shape[1] == 2
    assert integrated_loudness(mix, sr) == pytest.approx(-14.0, abs=1.0)
    assert true_peak_db(mix) <= -1.0 + 0.05 and np.abs(mix).max() < 0.999
    song = read_midi(out)
    names = {"percussion": "drums", "guitarlike": "piano", "stringslike": "strings", "bass": "bass"}
    stems = {p.name: soundfile.read(tmp_path / "stems" / p.name, dtype="float32")
             for p in (tmp_path / "stems").iterdir()}
    assert set(stems) == {"melody.wav"} | {f"{n}.wav" for n in names.values()}
    assert len({len(audio) for audio, _ in stems.values()}) == 1        # one length, from time 0
    frame = sr // 10
    for part in song.parts[1:]:
        audio, _ = stems[f"{names[part.name]}.wav"]
        rms = np.sqrt((audio[:len(audio) // frame * frame].reshape(-1, frame, 2) ** 2).mean(axis=(1, 2)))
        times = (np.arange(len(rms)) + 0.5) * frame / sr
        sounding = np.zeros(len(rms), dtype=bool)
        near = np.zeros(len(rms), dtype=bool)
        tail = 3.0 if part.is_drum else 1.5   # release and reverb tails (a crash cymbal rings longest)
        for note in part.notes:
            sounding |= (times >= note.start) & (times <= max(note.end, note.start + 0.1))
            near |= (times >= note.start - 0.3) & (times <= note.end + tail)
        assert sounding.any() and np.median(rms[sounding]) > 1e-3, part.name
        if (~near).any():
            assert rms[~near].max() < 1e-3, part.name
    import mido

    markers = [m for track in mido.MidiFile(out).tracks for m in track if m.type == "marker"]
    assert (tmp_path / "song.musicxml").read_text().count("<harmony>") == len(markers) > 0   # one per chord change
    pans = {m.channel: m.value for track in mido.MidiFile(out).tracks for m in track
            if m.type == "control_change" and m.control == 10}
    assert pans[9] == 64 and len(set(pans.values())) > 1             # the kit centred, the band spread
