"""wav2accomp: hum a melody, get MIDI with a band behind it.

Data flows one way, a subpackage per stage: :mod:`wav2accomp.audio` (recording
-> f0 -> notes -> beat grid), :mod:`wav2accomp.symbolic` (MIDI, tempo map, part
classes, the 78-note roll, harmony), :mod:`wav2accomp.models` (melody roll ->
accompaniment rolls), :mod:`wav2accomp.synth` (MIDI -> audio) and, for
training and measuring, :mod:`wav2accomp.data` and :mod:`wav2accomp.evaluation`.
:func:`accompany` (:mod:`wav2accomp.arrangement`) runs the whole route.
"""
__version__ = "0.1.0"

from .errors import MidiReadError, Wav2AccompError
from .symbolic.classify import classify_parts
from .symbolic.midi_io import Note, Part, Song, read_midi, write_midi
from .symbolic.roll import n_steps_for, notes_to_roll, roll_to_notes, rolls_to_song
from .symbolic.tempo_map import metre_grid

#: Names loaded on first use, and their modules: they import the audio stack, the models or the corpus tools,
#: which the other commands need not pay for at start-up.
_LAZY = {"accompany": "arrangement", "Arrangement": "arrangement", "transcribe": "audio.transcribe",
         "Transcription": "audio.transcribe", "generate_parts": "models.generate", "prepare_corpus": "data.corpus"}

__all__ = ["accompany", "Arrangement", "transcribe", "Transcription", "generate_parts", "classify_parts",
           "prepare_corpus", "MidiReadError", "Wav2AccompError", "Note", "Part", "Song", "read_midi", "write_midi",
           "n_steps_for", "notes_to_roll", "roll_to_notes", "rolls_to_song", "metre_grid"]


def __getattr__(name: str):
    """The names of :data:`_LAZY`, imported when first asked for."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'wav2accomp' has no attribute {name!r}")
