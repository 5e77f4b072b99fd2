"""The learned tracker swift-f0, the front end's default tracker.

swift-f0 (MIT) ships its small ONNX model (135 KB) inside its pip package and runs on onnxruntime; nothing is
downloaded at run time. Its f0 every 16 ms, its voicing confidence and loudness, and its own note segmentation
(a dynamic programme over pitch, voicing and level; :data:`SWIFT_PITCH_HOLD_MS`) give the notes; a note is split
where the voice re-attacks the same pitch (a consonant's level dip, which the programme bridges:
:func:`~wav2accomp.audio.segmentation.reattack_frames` on wav2accomp's own level envelope), and each part is
trimmed to its frames within NOTE_LEVEL_DROP_DB of its peak. wav2accomp then estimates the singer's tuning, the
tempo and bars, and the grid as for its own trackers, and leaves out notes shorter than half a 16th at the tempo
found (GRID_NOTE_SHARE).
"""
from __future__ import annotations

import threading

import numpy as np

from ..constants import ATTACK_SEARCH_SECONDS, MIN_NOTE_SECONDS, NOTE_LEVEL_DROP_DB, PITCH_HOP, PITCH_SAMPLE_RATE
from ..dsp import hz_to_midi
from ..errors import Wav2AccompError
from .pitch import PitchTrack
from .recording import resample
from .segmentation import NoteEvent, attack_frame, estimate_tuning, level_envelope, reattack_frames

#: Confidence at or above which swift-f0 calls a frame voiced (its own calibration).
SWIFT_VOICED_CONFIDENCE = 0.5
#: swift-f0's frame period, seconds.
SWIFT_FRAME_SECONDS = 0.016
#: swift-f0's cost of a note (``segment_notes(pitch_hold_ms=...)``): a pitch one semitone away becomes a note of
#: its own once it lasts this long, milliseconds. Chosen on the 67 SSVD sight-singing recordings (COnP 0.667 /
#: 0.683 / 0.687 at swift-f0's default 80 / 100 / 120; with notes kept down to a whole 16th 0.673 / 0.687 / 0.689,
#: the same order on either half of them); 100, the smallest change that takes most of the gain.
SWIFT_PITCH_HOLD_MS = 100.0
_detector = None
_lock = threading.Lock()


def _swift_f0():
    """The swift_f0 module and a detector made once per process, or a one-line error saying how to install it."""
    global _detector
    try:
        import swift_f0
    except ImportError:
        raise Wav2AccompError("the swift-f0 tracker needs the swift-f0 package: pip install swift-f0==0.3.0") from None
    with _lock:
        if _detector is None:
            _detector = swift_f0.SwiftF0(spin=False)   # its threads sleep after a call, leaving the cores
    return swift_f0, _detector


def reattack_seconds(at_pitch_rate: np.ndarray) -> np.ndarray:
    """Where a voice attacks again after a level dip (a consonant between two notes), seconds: the steepest level
    rise after each dip of :func:`~wav2accomp.audio.segmentation.reattack_frames` on the level envelope of
    mono samples at the pitch tracker's rate (:data:`~wav2accomp.constants.PITCH_SAMPLE_RATE`)."""
    hop = PITCH_HOP / PITCH_SAMPLE_RATE
    level_db = level_envelope(at_pitch_rate, PITCH_HOP, 1 + len(at_pitch_rate) // PITCH_HOP)
    after = int(round(ATTACK_SEARCH_SECONDS[1] / hop))
    attacks = [attack_frame(level_db, int(dip) + 1, len(level_db) - 1, (0, after))[0]
               for dip in reattack_frames(level_db, hop)]
    return np.array(attacks, dtype=float) * hop


def split_at(start: float, end: float, cuts: np.ndarray,
             min_seconds: float = MIN_NOTE_SECONDS) -> list[tuple[float, float]]:
    """``[start, end)`` (seconds) split at the `cuts` (seconds) that leave both sides at least `min_seconds`."""
    bounds = [start]
    for cut in np.sort(cuts[(cuts > start) & (cuts < end)]):
        if cut - bounds[-1] >= min_seconds and end - cut >= min_seconds:
            bounds.append(float(cut))
    return list(zip(bounds, bounds[1:] + [end]))


def swift_notes(samples: np.ndarray, sr: int,
                at_pitch_rate: np.ndarray | None = None) -> tuple[PitchTrack, list[NoteEvent], float]:
    """swift-f0's f0 track and notes of mono `samples` at `sr` Hz: ``(track, notes, tuning)``; `at_pitch_rate`
    is the same recording at :data:`~wav2accomp.constants.PITCH_SAMPLE_RATE` where the caller has it.

    The track's ``rms_db`` is swift-f0's loudness relative to its loudest frame (dB). Each of swift-f0's notes is
    split at the re-attacks inside it (:func:`reattack_seconds`); each part's pitch is the note's fitted pitch
    less the recording's tuning offset (semitones, :func:`~wav2accomp.audio.segmentation.estimate_tuning` over
    the voiced frames), its start and end the first and last frames within
    :data:`~wav2accomp.constants.NOTE_LEVEL_DROP_DB` of its peak, its velocity from its loudest frame as for the
    built-in trackers.
    """
    swift_f0, detector = _swift_f0()
    result = detector.detect(np.asarray(samples, dtype=np.float32), sample_rate=sr)
    loudness = result.loudness_db - result.loudness_db.max(initial=0.0)
    voiced = result.confidence >= SWIFT_VOICED_CONFIDENCE
    f0 = np.where(result.pitch_hz > 0, result.pitch_hz, 1.0)
    track = PitchTrack(times=result.timestamps, f0=f0, voiced=voiced, aperiodicity=1.0 - result.confidence,
                       rms_db=loudness)
    tuning = estimate_tuning(hz_to_midi(f0), voiced)
    if at_pitch_rate is None:
        at_pitch_rate = resample(np.asarray(samples, dtype=np.float32), sr, PITCH_SAMPLE_RATE)
    cuts = reattack_seconds(at_pitch_rate)
    notes = []
    for note in swift_f0.segment_notes(result, pitch_hold_ms=SWIFT_PITCH_HOLD_MS):
        sung = float(hz_to_midi(note.pitch_hz))
        for start, end in split_at(float(note.start), float(note.end), cuts):
            inside = np.flatnonzero((result.timestamps >= start) & (result.timestamps < end))
            peak = float(loudness[inside].max()) if len(inside) else 0.0
            if len(inside):   # as wav2accomp's own notes: sounding while within NOTE_LEVEL_DROP_DB of the peak
                loud = inside[loudness[inside] >= peak - NOTE_LEVEL_DROP_DB]
                start = max(start, float(result.timestamps[loud[0]]) - SWIFT_FRAME_SECONDS / 2)
                end = min(end, float(result.timestamps[loud[-1]]) + SWIFT_FRAME_SECONDS / 2)
            notes.append(NoteEvent(onset=start, offset=end, pitch=int(np.round(sung - tuning)),
                                   sung_pitch=sung, velocity=int(np.clip(round(110 + 1.5 * peak), 20, 127))))
    return track, notes, tuning
