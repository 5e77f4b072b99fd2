"""FluidSynth through pyfluidsynth with a General MIDI SoundFont: real sampled instruments.

The SoundFont is ``--soundfont``, else ``$WAV2ACCOMP_SOUNDFONT``, else one an
OS package installed (:data:`~wav2accomp.constants.SOUNDFONT_PATHS`).
"""
from __future__ import annotations

import contextlib
import importlib
import io
import os
import threading
from pathlib import Path

import mido
import numpy as np

from ..constants import DRUM_CHANNEL, SOUNDFONT_ENV, SOUNDFONT_PATHS
from ..errors import RenderError

#: How to get the better sound, for messages and --help.
FLUIDSYNTH_HINT = ("pip install pyfluidsynth, plus the FluidSynth library and a GM SoundFont "
                   "(Debian/Ubuntu: apt install libfluidsynth3 fluid-soundfont-gm)")


def find_soundfont(soundfont: str | os.PathLike | None = None) -> Path | None:
    """The SoundFont to use: `soundfont`, else ``$WAV2ACCOMP_SOUNDFONT``, else the first of
    :data:`~wav2accomp.constants.SOUNDFONT_PATHS` that exists; None when there is none.

    Raises
    ------
    RenderError
        `soundfont` (or the environment variable) names a file that does not exist or is no SoundFont.
    """
    named = soundfont or os.environ.get(SOUNDFONT_ENV)
    if named:
        if not Path(named).is_file():
            raise RenderError(f"SoundFont not found: {named}")
        check_soundfont(Path(named))
        return Path(named)
    return next((Path(p) for p in SOUNDFONT_PATHS if Path(p).is_file()), None)


def check_soundfont(path: Path) -> None:
    """A :class:`RenderError` unless `path` starts like a SoundFont (a RIFF file of form ``sfbk``: .sf2, .sf3),
    checked before FluidSynth reads it (it complains on the terminal about anything else)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(12)
    except OSError as exc:
        raise RenderError(f"cannot read the SoundFont {path}: {exc.strerror or exc}") from exc
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise RenderError(f"{path} is not a SoundFont (.sf2/.sf3 files start with a RIFF sfbk header)")


_IMPORT_LOCK = threading.Lock()


def import_fluidsynth():
    """The pyfluidsynth module (importing it loads the FluidSynth library).

    pyfluidsynth prints where it found the library when the environment variable ``CI`` is
    set; that line is kept out of the tool's standard output.

    Raises
    ------
    ImportError, OSError
        pyfluidsynth or the FluidSynth library is missing.
    """
    with _IMPORT_LOCK, contextlib.redirect_stdout(io.StringIO()):   # one thread at a time swaps sys.stdout
        return importlib.import_module("fluidsynth")


def fluidsynth_problem(soundfont: str | os.PathLike | None = None) -> str | None:
    """Why FluidSynth cannot render here (one sentence), or None when it can.

    Raises
    ------
    RenderError
        `soundfont` (or the environment variable) names no SoundFont: said whether or not FluidSynth is here.
    """
    found = find_soundfont(soundfont)
    try:
        import_fluidsynth()
    except (ImportError, OSError) as exc:
        return f"FluidSynth is not available ({exc})"
    if found is None:
        return "no General MIDI SoundFont found (give --soundfont or set " + SOUNDFONT_ENV + ")"
    return None


def synthesize_fluidsynth(midi: mido.MidiFile, sr: int, soundfont: Path, n_samples: int) -> np.ndarray:
    """Play `midi` through FluidSynth with `soundfont`: ``(n_samples, 2)`` float32.

    Reverb on, chorus off; FluidSynth renders on up to 4 of the machine's cores.
    """
    fluidsynth = import_fluidsynth()
    _silence_fluidsynth_log(fluidsynth)
    settings = {"synth.chorus.active": 0, "synth.cpu-cores": min(os.cpu_count() or 1, 4)}
    synth = fluidsynth.Synth(gain=0.4, samplerate=float(sr), **settings)
    try:
        font = synth.sfload(str(soundfont))
        if font < 0:
            raise RenderError(f"FluidSynth cannot load the SoundFont {soundfont}")
        for channel in range(16):
            _select_program(synth, font, channel, 0)
        blocks, done, now = [], 0, 0.0
        for message in midi:
            now += message.time
            due = min(int(round(now * sr)), n_samples)
            if due >= n_samples:  # events past the end are not heard (and would pile up unrendered)
                break
            if due > done:
                blocks.append(synth.get_samples(due - done))
                done = due
            if message.type == "program_change":
                _select_program(synth, font, message.channel, message.program)
            elif message.type == "note_on" and message.velocity > 0:
                synth.noteon(message.channel, message.note, message.velocity)
            elif message.type in ("note_on", "note_off"):
                synth.noteoff(message.channel, message.note)
        if n_samples > done:
            blocks.append(synth.get_samples(n_samples - done))
    finally:
        synth.delete()
    interleaved = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)
    return (interleaved.reshape(-1, 2).astype(np.float32) / 32768.0)[:n_samples]


def _select_program(synth, font: int, channel: int, program: int) -> None:
    """Give `channel` the SoundFont's `program` (its drum kit on channel 10); the first preset of the bank
    when the SoundFont lacks that one (small GM fonts have few drum kits)."""
    bank = 128 if channel == DRUM_CHANNEL else 0
    if synth.program_select(channel, font, bank, program) < 0:
        synth.program_select(channel, font, bank, 0)


def _silence_fluidsynth_log(fluidsynth) -> None:
    """Stop the FluidSynth library printing to stderr (a missing preset is handled by :func:`_select_program`)."""
    import ctypes

    set_log = getattr(getattr(fluidsynth, "_fl", None), "fluid_set_log_function", None)
    if set_log is None:  # another pyfluidsynth layout: keep the library's messages
        return
    set_log.argtypes, set_log.restype = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_void_p
    for level in range(5):  # FLUID_PANIC .. FLUID_DBG
        set_log(level, None, None)
