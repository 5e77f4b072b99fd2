"""Sampled instruments from pip alone: a General MIDI SoundFont played by a self-contained renderer.

``midirenderer`` (a wheel with its own SoundFont synthesiser, no OS library) plays a MIDI file with a SoundFont,
stereo, honouring each channel's program, pan (controller 10) and reverb send (controller 91), channel 10 on the
drum kit. The SoundFont is the one the user names (``--soundfont``, ``$WAV2ACCOMP_SOUNDFONT``) or, by default,
TimGM6mb (6 MB, General MIDI, GPL-2), which the ``pretty_midi`` package ships inside its wheel; it is read once per
process. Why this engine: measured in ``benchmarks/render.py`` against FluidSynth and the built-in synthesiser
(speed, size, sound).
"""
from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import mido
import numpy as np

from ..errors import RenderError

#: How to get the sampled instruments, for messages.
SAMPLED_HINT = "pip install midirenderer pretty_midi (the renderer and the TimGM6mb SoundFont it ships)"
#: The SoundFont file inside the pretty_midi package.
BUNDLED_SOUNDFONT = "TimGM6mb.sf2"

_FONTS: dict[str, bytes] = {}


def bundled_soundfont() -> Path | None:
    """TimGM6mb inside the installed ``pretty_midi`` package, or None (without importing pretty_midi)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_SOUNDFONT
    return path if path.is_file() else None


def sampled_problem(soundfont: Path | None) -> str | None:
    """Why the sampled instruments cannot play here (one sentence), or None when they can."""
    if importlib.util.find_spec("midirenderer") is None:
        return "the sampled-instrument renderer (midirenderer) is not installed"
    if soundfont is None and bundled_soundfont() is None:
        return "no SoundFont: pretty_midi, which ships TimGM6mb, is not installed"
    return None


def _font_bytes(path: Path) -> bytes:
    key = str(Path(path).resolve())
    if key not in _FONTS:
        try:
            _FONTS[key] = Path(path).read_bytes()
        except OSError as exc:
            raise RenderError(f"cannot read the SoundFont {path}: {exc.strerror or exc}") from exc
    return _FONTS[key]


def synthesize_sampled(midi: mido.MidiFile, sr: int, soundfont: Path | None, n_samples: int) -> np.ndarray:
    """Play `midi` with the SoundFont (default: the bundled TimGM6mb): ``(n_samples, 2)`` float32 at `sr` Hz."""
    import midirenderer
    import soundfile

    from ..audio.recording import resample

    font = soundfont or bundled_soundfont()
    buffer = io.BytesIO()
    midi.save(file=buffer)
    try:
        wav = midirenderer.render_wave_from(_font_bytes(font), buffer.getvalue())
    except (ValueError, RuntimeError) as exc:
        raise RenderError(f"the sampled instruments could not play this song with {font}: {exc}") from None
    audio, rate = soundfile.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    if rate != sr:
        audio = np.stack([resample(audio[:, channel], rate, sr) for channel in range(2)], axis=1)
    out = np.zeros((n_samples, 2), dtype=np.float32)
    out[:min(n_samples, len(audio))] = audio[:n_samples]
    return out


def soundfont_name(soundfont: Path | None) -> str:
    """How a message names the SoundFont the sampled instruments use."""
    font = soundfont or bundled_soundfont()
    return f"{Path(font).name}{' (from pretty_midi)' if soundfont is None else ''}" if font else "none"

