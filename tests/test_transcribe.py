"""Hum -> notes end to end on recordings the tests synthesise (known notes)."""
import mir_eval
import numpy as np
import pytest
import soundfile

from wav2accomp.audio.recording import AudioError
from wav2accomp.audio.transcribe import NoMelodyError, transcribe
from wav2accomp.errors import Wav2AccompError
from wav2accomp.evaluation.transcription import midi_to_hz
from wav2accomp.symbolic.midi_io import read_midi
from wav2accomp.testing.singer import STRESS_CASE, TUNES, SungNote, VoiceStyle, sing, synthetic_set, tune_notes

SR = 22050


def note_f1(reference, style, found):
    ref_intervals = np.array([[n.onset, n.offset] for n in reference])
    ref_hz = midi_to_hz([n.pitch + style.tuning_cents / 100 for n in reference])
    est_intervals = np.array([[n.onset, n.offset] for n in found]).reshape(-1, 2)
    est_hz = midi_to_hz([n.sung_pitch for n in found])
    return mir_eval.transcription.precision_recall_f1_overlap(ref_intervals, ref_hz, est_intervals, est_hz,
                                                              offset_ratio=None)[2]


@pytest.mark.parametrize("tracker", ["swift-f0", "yin"])
def test_synthetic_set_note_f1_at_least_095(tracker):
    scores = {}
    for name, (notes, style) in synthetic_set().items():
        result = transcribe(sing(notes, SR, style=style), SR, tracker=tracker)
        scores[name] = note_f1(notes, style, result.notes)
        assert all(a.offset <= b.onset for a, b in zip(result.notes, result.notes[1:])), name   # monophonic
    stress = scores.pop(STRESS_CASE)
    assert min(scores.values()) >= 0.95, scores
    assert stress >= 0.85


def test_pitches_tempo_and_tuning_of_a_plain_hum():
    notes = tune_notes("twinkle", bpm=96, start=0.5)
    result = transcribe(sing(notes, SR, style=VoiceStyle(tuning_cents=25, vibrato_cents=40)), SR)
    assert [n.pitch for n in result.melody] == [n.pitch for n in notes]
    assert abs(result.grid.bpm - 96) < 2 and abs(result.tuning - 0.25) < 0.05
    beats = np.array([n.start_beat for n in result.melody])
    assert np.allclose(np.diff(beats), [beats_long for _, beats_long in TUNES["twinkle"]][:-1])
    assert np.all(beats * 4 == np.round(beats * 4))  # on the 16th grid


def test_midi_time_equals_recording_time(tmp_path):
    notes = tune_notes("ode_to_joy", bpm=110, start=1.37)
    path = tmp_path / "hum.flac"
    soundfile.write(path, sing(notes, 44100, style=VoiceStyle(vibrato_cents=30)), 44100)
    result = transcribe(path)
    result.to_midi(tmp_path / "hum.mid")
    song = read_midi(tmp_path / "hum.mid")
    written = song.parts[0].notes
    assert len(written) == len(notes)
    errors = np.array([w.start - n.onset for w, n in zip(written, notes)])
    assert np.median(np.abs(errors)) < 0.03 and np.max(np.abs(errors)) < 0.08
    assert abs(written[0].start - 1.37) < 0.05  # the first note at its real time, not at 0
    assert abs(song.tempo_map.bpm_at(song.end_beat - 1) - 110) < 2
    roll = result.roll()
    assert roll.shape == (result.n_steps(), 78) and roll.any()


def test_the_written_notes_keep_the_sung_timing_or_snap_to_the_grid_asked_for(tmp_path):
    from wav2accomp.cli import main
    from wav2accomp.symbolic.tempo_map import metre_grid

    notes = tune_notes("ode_to_joy", bpm=100, start=0.81)
    sung = [SungNote(n.onset + jitter, n.offset + jitter, n.pitch) for n, jitter in
            zip(notes, np.random.default_rng(1).uniform(-0.04, 0.04, len(notes)))]
    path = tmp_path / "hum.wav"
    soundfile.write(path, sing(sung, SR, style=VoiceStyle(vibrato_cents=30)), SR)
    result = transcribe(path)
    as_sung = result.notes_at("none")
    assert np.allclose([n.start for n in as_sung], [n.onset for n in result.notes])
    assert np.median(np.abs([n.start - s.onset for n, s in zip(as_sung, sung)])) < 0.03
    bar_line = metre_grid(result.time_signatures, result.end_beat)[1][-1]
    for grid, steps in (("16th", 4), ("8th", 2)):
        placed = (np.array([n.start_beat for n in result.notes_at(grid)]) - bar_line) * steps
        assert np.allclose(placed, np.round(placed))
    for grid in ("16th", "8th", "none"):
        written = result.notes_at(grid)
        assert all(a.end_beat <= b.start_beat + 1e-9 for a, b in zip(written, written[1:]))   # never overlapping
        assert main(["transcribe", str(path), "-o", str(tmp_path / f"{grid}.mid"), "--quantize", grid]) == 0
        assert len(read_midi(tmp_path / f"{grid}.mid").parts[0].notes) == len(written)
    with pytest.raises(Wav2AccompError, match="unknown grid"):
        result.notes_at("32nd")


def test_the_pyin_tracker_hears_the_same_tune(tmp_path):
    from wav2accomp.cli import main

    notes = tune_notes("twinkle", bpm=100, start=0.4)[:8]
    path = tmp_path / "hum.wav"
    soundfile.write(path, sing(notes, SR, style=VoiceStyle(vibrato_cents=20)), SR)
    assert [n.pitch for n in transcribe(path, tracker="pyin").melody] == [n.pitch for n in notes]
    assert main(["transcribe", str(path), "-o", str(tmp_path / "p.mid"), "--tracker", "pyin"]) == 0
    with pytest.raises(Wav2AccompError, match="unknown pitch tracker"):
        transcribe(path, tracker="crepe")


def test_given_bpm_is_used():
    notes = tune_notes("twinkle", bpm=100)
    result = transcribe(sing(notes, SR), SR, bpm=50)
    assert result.grid.bpm == 50 and result.tempo_map.bpm_at(30) == pytest.approx(50)


def test_plot_draws_a_png(tmp_path):
    result = transcribe(sing([SungNote(0.3, 0.8, 60), SungNote(0.8, 1.4, 62)], SR), SR)
    result.plot(tmp_path / "f0.png")
    assert (tmp_path / "f0.png").read_bytes()[:4] == b"\x89PNG"


def test_noise_and_silence_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(NoMelodyError, match="no melody found"):
        transcribe(0.1 * rng.standard_normal(2 * SR).astype(np.float32), SR)
    with pytest.raises(AudioError, match="silent"):
        transcribe(np.zeros(2 * SR, np.float32), SR)
    with pytest.raises(ValueError, match="sr"):
        transcribe(np.zeros(SR, np.float32))


def test_stereo_arrays_are_mixed():
    mono = sing(tune_notes("twinkle"), SR)
    stereo = np.stack([mono, mono], axis=1)
    assert [n.pitch for n in transcribe(stereo, SR).melody] == [n.pitch for n in transcribe(mono, SR).melody]


def test_the_shipped_sample_hum_transcribes_to_its_tune():
    from pathlib import Path

    result = transcribe(Path(__file__).resolve().parents[1] / "samples" / "hum_ode_to_joy.flac")
    assert [n.pitch for n in result.melody] == [p - 5 for p, _ in TUNES["ode_to_joy"]]
    assert abs(result.grid.bpm - 104) < 2 and abs(result.tuning - 0.2) < 0.05


@pytest.mark.parametrize("tracker", ["swift-f0", "yin"])
def test_legato_pitch_changes_start_notes_on_time(tracker):
    """Pitch steps and glides sung on one breath (no level dip): each note starts where the pitch changes; a
    repeated pitch starts again where the voice re-attacks."""
    cases = synthetic_set()
    for name in ("legato steps", "legato glides"):
        notes, style = cases[name]
        found = transcribe(sing(notes, SR, style=style), SR, tracker=tracker).notes
        assert len(found) == len(notes), name
        errors = np.array([f.onset - n.onset for f, n in zip(found, notes)])
        assert np.all(np.abs(errors) < 0.05) and abs(np.median(errors)) < 0.02, (name, errors.round(3))
