"""Exceptions that carry a sentence meant for the user."""


class Wav2AccompError(Exception):
    """An error the user can act on; the CLI prints its message as one line."""


class MidiReadError(Wav2AccompError):
    """A file could not be read as MIDI at all."""


class RenderError(Wav2AccompError):
    """Audio could not be rendered or written."""
