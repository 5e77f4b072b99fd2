"""Both routes on stems: harmony agreement, references from MIDI or audio, the report."""
import numpy as np
import pytest
from conftest import band_song, synthetic_stems

from wav2accomp.baselines.raw_amplitude import BaselineScorer, BaselineTrainOptions, load_baseline, train_baseline
from wav2accomp.data.stems import render_stems
from wav2accomp.evaluation.metrics import harmony_agreement
from wav2accomp.evaluation.stems import audio_chroma, evaluate_stems, notes_chroma, tonic_triad_chroma
from wav2accomp.symbolic.midi_io import Note


def note(pitch, start, end):
    return Note(pitch, 80, start, end, start, end)


def test_notes_chroma_counts_seconds_per_pitch_class_and_window():
    chroma = notes_chroma([note(60, 0.0, 1.5), note(72, 0.5, 1.0), note(67, 1.0, 2.0)], np.array([0.0, 1.0, 2.0]))
    assert chroma[0, 0] == pytest.approx(1.5) and chroma[1, 0] == pytest.approx(0.5)
    assert chroma[0, 7] == 0 and chroma[1, 7] == pytest.approx(1.0)


def test_harmony_agreement_and_the_tonic_triad():
    c_major = tonic_triad_chroma((0, "maj"), 4)
    assert harmony_agreement(c_major, c_major) == {"chroma_cosine": pytest.approx(1.0), "chord_agreement": 1.0,
                                                   "beats": 4}
    a_minor = tonic_triad_chroma((9, "min"), 4)
    mixed = harmony_agreement(a_minor, c_major)
    assert 0.5 < mixed["chroma_cosine"] < 1.0 and mixed["chord_agreement"] == 0.0
    silent = harmony_agreement(np.zeros((4, 12)), c_major)
    assert silent["chroma_cosine"] == 0.0 and silent["chord_agreement"] == 0.0


def test_audio_chroma_finds_the_pitch_classes_of_a_chord():
    sr = 22050
    t = np.arange(2 * sr) / sr
    chord = sum(np.sin(2 * np.pi * 440 * 2 ** (k / 12) * t) for k in (0, 3, 7)) / 3   # A minor
    chroma = audio_chroma(chord, sr, np.array([0.0, 1.0, 2.0]))
    assert set(np.argsort(chroma[0])[-3:]) == {9, 0, 4}
    assert harmony_agreement(chroma, tonic_triad_chroma((9, "min"), 2))["chord_agreement"] == 1.0


def test_both_routes_on_rendered_stems_with_midi(tmp_path):
    corpus = tmp_path / "midi"
    corpus.mkdir()
    for seed in range(12):
        band_song(corpus / f"tune{seed}.mid", seed, bars=6)
    render_stems([corpus], tmp_path / "stems", engine="builtin", progress=False, jobs=2)
    train_baseline(BaselineTrainOptions(stems=str(tmp_path / "stems"), out=str(tmp_path / "run"), epochs=1,
                                        chunk=100, hidden=[16], chunks_per_epoch=256, progress=False))
    scorer = BaselineScorer(*load_baseline(tmp_path / "run"))
    report = evaluate_stems(tmp_path / "stems", baseline=scorer, split=None, limit=3, progress=False)
    assert report.metadata["songs"] == 3
    symbolic = report.sections["symbolic"]
    assert symbolic.info["melody"]["note_f1"] > 0.3   # found; repeated legato notes merge and onsets lag (RESULTS)
    assert {item["reference"] for item in symbolic.items} == {"midi"}
    assert 0 <= symbolic.means["generated"]["chroma_cosine"] <= 1 and "tonic triad" in symbolic.means
    assert set(report.sections["raw_amplitude"].means) == {"silence", "scaled melody", "raw-amplitude"}
    text = report.markdown()
    assert "Symbolic route" in text and "Raw-amplitude route" in text and "tune" in text


def test_recorded_stems_without_midi_use_the_audio_chroma(tmp_path):
    stems = synthetic_stems(tmp_path / "stems", per_split={"test": 2}, seconds=4.0)
    report = evaluate_stems(stems, split="test", progress=False)
    symbolic = report.sections["symbolic"]
    assert report.metadata["songs"] == 2 and "raw_amplitude" not in report.sections
    assert {item["reference"] for item in symbolic.items} == {"audio chroma"}
    assert "note_f1" not in symbolic.info["melody"]
    assert np.isfinite(symbolic.means["generated"]["chroma_cosine"])


def test_a_silent_melody_stem_is_reported_not_fatal(tmp_path):
    import soundfile

    stems = synthetic_stems(tmp_path / "stems", per_split={"test": 2}, seconds=4.0)
    quiet = sorted(p for p in stems.iterdir())[0]
    soundfile.write(quiet / "vocals.wav", np.zeros(4 * 22050, dtype=np.float32), 22050)   # the tune enters later
    report = evaluate_stems(stems, split="test", progress=False)
    rows = {item["id"]: item for item in report.sections["symbolic"].items}
    assert report.metadata["songs"] == 2 and "silent" in rows[quiet.name]["error"]
    assert rows[quiet.name]["melody_notes"] == 0
    assert np.isfinite(report.sections["symbolic"].means["generated"]["chroma_cosine"])   # from the other song
    assert f"- {quiet.name}: " in report.markdown()   # listed with its reason
