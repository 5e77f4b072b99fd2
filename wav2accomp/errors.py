"""Exceptions that carry a sentence meant for the user."""


class Wav2AccompError(Exception):
    """An error the user can act on; the CLI prints its message as one line."""


class Wav2AccompWarning(UserWarning):
    """Something the user should know that does not stop the work (a damaged file read as far as it goes);
    the CLI prints its message as one line."""


class MidiReadError(Wav2AccompError):
    """A file could not be read as MIDI at all."""


class RenderError(Wav2AccompError):
    """Audio could not be rendered or written."""
