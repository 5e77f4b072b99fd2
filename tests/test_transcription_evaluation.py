import json

import numpy as np
import pytest
import soundfile
from conftest import shared

from wav2accomp.errors import Wav2AccompError
from wav2accomp.evaluation.report import write_report
from wav2accomp.evaluation.transcription import (AnnotationError, evaluate_transcription, find_annotated,
                                                 read_note_labels, reference_f0_from_notes)
from wav2accomp.testing.singer import VoiceStyle, sing, tune_notes


def test_note_label_formats(tmp_path):
    (tmp_path / "a.txt").write_text("0.13\t0.25\t51.06\n0.35\t0.64\t47.79\n")
    intervals, hz = read_note_labels(tmp_path / "a.txt")
    assert intervals.tolist() == [[0.13, 0.25], [0.35, 0.64]] and abs(hz[0] - 440 * 2 ** ((51.06 - 69) / 12)) < 1e-9
    (tmp_path / "b.csv").write_text("onset,hz,duration\n1.0,220.0,0.5\n2.0,246.9,0.25\n")
    intervals, hz = read_note_labels(tmp_path / "b.csv")
    assert intervals.tolist() == [[1.0, 1.5], [2.0, 2.25]] and hz.tolist() == [220.0, 246.9]
    (tmp_path / "c.csv").write_text("1.0,1.5,220.0\n2.0,2.5,330.0\n")
    assert read_note_labels(tmp_path / "c.csv")[1].tolist() == [220.0, 330.0]
    (tmp_path / "bad.txt").write_text("hello\n")
    with pytest.raises(AnnotationError):
        read_note_labels(tmp_path / "bad.txt")


def test_reference_f0_from_notes():
    times, f0 = reference_f0_from_notes(np.array([[0.1, 0.2]]), np.array([220.0]), 0.3)
    assert f0[(times >= 0.1) & (times < 0.2)].tolist() == [220.0] * 10 and f0[times >= 0.2].max() == 0


def make_folder(tmp_path):
    tmp_path.mkdir()
    for i, bpm in enumerate((90, 120)):
        notes = tune_notes("twinkle", bpm=bpm)
        soundfile.write(tmp_path / f"take{i}.wav", sing(notes, 16000, style=VoiceStyle(vibrato_cents=30)), 16000)
        (tmp_path / f"take{i}.txt").write_text("".join(f"{n.onset}\t{n.offset}\t{n.pitch}\n" for n in notes))
    (tmp_path / "unlabelled.wav").write_bytes(b"")
    return tmp_path


def test_evaluation_scores_synthetic_recordings(tmp_path):
    folder = make_folder(tmp_path / "set")
    assert [a.name for a, _, _ in find_annotated(folder)] == ["take0.wav", "take1.wav"]
    report = evaluate_transcription(folder, trackers=("yin",), progress=False)
    mean = report.sections["trackers"].means["yin"]
    assert report.metadata["recordings"] == 2 and mean["onset_f1"] > 0.95 and mean["Raw Pitch Accuracy"] > 0.9
    assert mean["x_realtime"] > 10
    json_path, markdown_path = write_report(report, tmp_path / "out")
    assert json_path.name == "report.json"
    assert json.loads(json_path.read_text())["sections"]["trackers"]["means"]["yin"]["onset_f1"] == mean["onset_f1"]
    assert "| yin |" in markdown_path.read_text() and "take1.wav" in report.markdown()


def test_a_malformed_annotation_is_skipped_with_its_reason(tmp_path):
    folder = make_folder(tmp_path / "set")
    (folder / "take0.txt").write_text("0.5 0.2 60\n")   # offset before onset
    report = evaluate_transcription(folder, trackers=("yin",), progress=False)
    assert report.metadata["recordings"] == 1
    assert [s["id"] for s in report.metadata["skipped"]] == ["take0.wav"]
    assert "offset after its onset" in report.markdown()


def test_a_nan_note_is_left_out_and_a_folder_of_unusable_files_is_an_error(tmp_path):
    (tmp_path / "n.txt").write_text("0.1\t0.2\t60\n0.3\t0.4\tnan\n")
    intervals, hz = read_note_labels(tmp_path / "n.txt")
    assert intervals.tolist() == [[0.1, 0.2]] and len(hz) == 1
    folder = make_folder(tmp_path / "set")
    for label in folder.glob("*.txt"):
        label.write_text("0.5 0.2 60\n")
    with pytest.raises(Wav2AccompError, match="no recording in .* could be scored .*2 skipped"):
        evaluate_transcription(folder, trackers=("yin",), progress=False)


def test_folder_without_annotations_is_refused(tmp_path):
    with pytest.raises(Wav2AccompError, match="no annotated recordings"):
        evaluate_transcription(tmp_path, progress=False)
    with pytest.raises(Wav2AccompError, match="unknown tracker"):
        evaluate_transcription(tmp_path, trackers=("crepe",), progress=False)


def test_pyin_side_by_side_on_one_real_recording():
    folder = shared("singing/ssvd")
    report = evaluate_transcription(folder, limit=1, progress=False)
    yin, pyin = report.sections["trackers"].means["yin"], report.sections["trackers"].means["pyin"]
    assert yin["Raw Pitch Accuracy"] > 0.5 and pyin["Raw Pitch Accuracy"] > 0.5
    assert yin["x_realtime"] > 5 * pyin["x_realtime"]
