"""wav2accomp: hum a melody, get MIDI with a band behind it.

Pipeline stages, one module each (data flows one way):
audio -> f0 -> notes -> roll (:mod:`wav2accomp.symbolic.roll`) -> model -> roll -> MIDI (:mod:`wav2accomp.symbolic.midi_io`).
Training data comes from MIDI corpora via :mod:`wav2accomp.symbolic.classify` and :mod:`wav2accomp.data.corpus`.
"""
__version__ = "0.1.0"

from .data.corpus import prepare_corpus
from .errors import MidiReadError, Wav2AccompError
from .symbolic.classify import classify_parts
from .symbolic.midi_io import Note, Part, Song, read_midi, write_midi
from .symbolic.roll import notes_to_roll, roll_to_notes, rolls_to_song

__all__ = ["accompany", "Arrangement", "classify_parts", "prepare_corpus", "MidiReadError", "Wav2AccompError", "Note", "Part", "Song",
           "read_midi", "write_midi", "notes_to_roll", "roll_to_notes", "rolls_to_song"]


def __getattr__(name: str):
    """``accompany`` and ``Arrangement`` (:mod:`wav2accomp.arrangement`) load on first use: they import
    torch, which takes about a second that the other commands need not pay."""
    if name in ("accompany", "Arrangement"):
        from . import arrangement

        return getattr(arrangement, name)
    raise AttributeError(f"module 'wav2accomp' has no attribute {name!r}")
