"""The default tracker: swift-f0's f0 and notes, split at re-attacks, trimmed to where they sound."""
import numpy as np
import pytest

from wav2accomp.audio.recording import resample
from wav2accomp.audio.swift import reattack_seconds, split_at, swift_notes
from wav2accomp.audio.transcribe import transcribe
from wav2accomp.constants import PITCH_SAMPLE_RATE
from wav2accomp.errors import Wav2AccompError
from wav2accomp.testing.singer import SungNote, VoiceStyle, sing, tune_notes

SR = 22050


def test_the_swift_f0_tracker_gives_the_same_tune():
    notes = tune_notes("twinkle", bpm=96, start=0.5)
    result = transcribe(sing(notes, SR, style=VoiceStyle(tuning_cents=25, vibrato_cents=40)), SR, tracker="swift-f0")
    assert [n.pitch for n in result.melody] == [n.pitch for n in notes]
    assert abs(result.grid.bpm - 96) < 2 and abs(result.tuning - 0.25) < 0.05
    assert len(result.level_db) == len(result.track.times)   # the track's own loudness, for the picture


def test_a_missing_swift_f0_is_one_sentence(monkeypatch):
    import sys

    import wav2accomp.audio.swift as swift

    monkeypatch.setitem(sys.modules, "swift_f0", None)    # as if not installed
    monkeypatch.setattr(swift, "_detector", None)
    with pytest.raises(Wav2AccompError, match=r"needs the swift-f0 package"):
        transcribe(sing(tune_notes("twinkle"), SR), SR, tracker="swift-f0")


def test_a_swift_f0_note_splits_only_where_both_parts_stay_notes():
    assert split_at(1.0, 2.0, np.array([0.5, 1.5, 2.5])) == [(1.0, 1.5), (1.5, 2.0)]
    assert split_at(1.0, 2.0, np.array([1.03, 1.97])) == [(1.0, 2.0)]        # a part would be shorter than a note
    assert split_at(1.0, 2.0, np.array([1.6, 1.2])) == [(1.0, 1.2), (1.2, 1.6), (1.6, 2.0)]


def test_a_repeated_pitch_sung_on_one_breath_is_two_notes():
    """A consonant's dip between two notes of one pitch: swift-f0's notes bridge it, the re-attack splits them."""
    notes = [SungNote(0.5, 1.3, 62), SungNote(1.3, 2.1, 62), SungNote(2.1, 2.9, 65)]
    samples = sing(notes, SR, style=VoiceStyle(vibrato_cents=20))
    attacks = reattack_seconds(resample(samples, SR, PITCH_SAMPLE_RATE))
    assert np.any(np.abs(attacks - 1.3) < 0.04) and not np.any(np.abs(attacks - 2.1) < 0.1)   # a legato step: none
    _, found, _ = swift_notes(samples, SR)
    assert [n.pitch for n in found] == [62, 62, 65]
    assert all(abs(f.onset - n.onset) < 0.05 for f, n in zip(found, notes))
    assert all(a.offset <= b.onset for a, b in zip(found, found[1:]))
