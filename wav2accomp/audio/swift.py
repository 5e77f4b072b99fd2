"""The learned tracker swift-f0, as one of the front end's trackers (``--tracker swift-f0``).

swift-f0 (MIT) ships its small ONNX model (135 KB) inside its pip package and runs on onnxruntime; nothing is
downloaded at run time. It is an optional extra (``pip install 'wav2accomp[swift]'``): its f0 every 16 ms, its
voicing confidence and loudness, and its own note segmentation (a dynamic programme over pitch, voicing and
level) give the notes; wav2accomp then estimates the singer's tuning, the tempo and bars, and the grid as for
its own trackers; each note is then trimmed to the frames within NOTE_LEVEL_DROP_DB of its peak, and notes
shorter than a 16th at the tempo found are left out, as for wav2accomp's own notes.
"""
from __future__ import annotations

import threading

import numpy as np

from ..constants import NOTE_LEVEL_DROP_DB
from ..dsp import hz_to_midi
from ..errors import Wav2AccompError
from .pitch import PitchTrack
from .segmentation import NoteEvent, estimate_tuning

#: Confidence at or above which swift-f0 calls a frame voiced (its own calibration).
SWIFT_VOICED_CONFIDENCE = 0.5
#: swift-f0's frame period, seconds.
SWIFT_FRAME_SECONDS = 0.016
_detector = None
_lock = threading.Lock()


def _swift_f0():
    """The swift_f0 module and a detector made once per process, or a one-line error saying how to install it."""
    global _detector
    try:
        import swift_f0
    except ImportError:
        raise Wav2AccompError("the swift-f0 tracker needs the [swift] extra: pip install 'wav2accomp[swift]'") from None
    with _lock:
        if _detector is None:
            _detector = swift_f0.SwiftF0()
    return swift_f0, _detector


def swift_notes(samples: np.ndarray, sr: int) -> tuple[PitchTrack, list[NoteEvent], float]:
    """swift-f0's f0 track and notes of mono `samples` at `sr` Hz: ``(track, notes, tuning)``.

    The track's ``rms_db`` is swift-f0's loudness relative to its loudest frame (dB); each note's pitch is its
    fitted pitch less the recording's tuning offset (semitones, :func:`~wav2accomp.audio.segmentation.estimate_tuning`
    over the voiced frames), its start and end the first and last frames within
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
    notes = []
    for note in swift_f0.segment_notes(result):
        sung = float(hz_to_midi(note.pitch_hz))
        inside = (result.timestamps >= note.start) & (result.timestamps < note.end)
        peak = float(loudness[inside].max()) if inside.any() else 0.0
        start, end = float(note.start), float(note.end)
        if inside.any():   # as wav2accomp's own notes: sounding while within NOTE_LEVEL_DROP_DB of the peak
            frames = np.flatnonzero(inside)
            loud = frames[loudness[frames] >= peak - NOTE_LEVEL_DROP_DB]
            start = max(start, float(result.timestamps[loud[0]]) - SWIFT_FRAME_SECONDS / 2)
            end = min(end, float(result.timestamps[loud[-1]]) + SWIFT_FRAME_SECONDS / 2)
        notes.append(NoteEvent(onset=start, offset=end, pitch=int(np.round(sung - tuning)),
                               sung_pitch=sung, velocity=int(np.clip(round(110 + 1.5 * peak), 20, 127))))
    return track, notes, tuning
