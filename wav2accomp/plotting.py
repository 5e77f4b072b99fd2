"""Pictures of piano rolls, for a person to look at."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from .constants import MELODY, N_PITCHES, PERCUSSION, PITCH_LOW, STEPS_PER_BEAT
from .dsp import midi_to_hz
from .errors import Wav2AccompError
from .fileio import atomic_write

#: Colour of each class in every picture.
CLASS_COLOURS = {MELODY: "#d62728", "guitarlike": "#1f77b4", "stringslike": "#2ca02c",
                 PERCUSSION: "#7f7f7f", "bridge": "#9467bd", "other": "#bcbd22"}


def plot_rolls(rolls: dict[str, np.ndarray], path: str | os.PathLike, *, downbeats=None,
               steps_per_beat: int = STEPS_PER_BEAT, title: str = "", drums: tuple[str, ...] = (PERCUSSION,),
               labels: list[tuple[int, str]] = ()) -> None:
    """Draw one panel per roll, time in beats, bar lines at `downbeats`; save a PNG atomically.

    Parameters
    ----------
    rolls : dict of str to np.ndarray
        Class name -> ``(T, 78)`` encoded roll.
    path : path-like
        Where to write the PNG.
    downbeats : array of int, optional
        Bar starts in steps (drawn as vertical lines).
    steps_per_beat : int
    title : str
    drums : tuple of str
        Names of the panels that hold drums (one row per drum played, named), default the percussion class.
    labels : list of (int, str)
        Text written above the first panel at each step (e.g. the chord symbols where the chords change).
    """
    matplotlib, plt = _pyplot()
    names = list(rolls)
    n_steps = max((len(r) for r in rolls.values()), default=1)
    fig, axes = plt.subplots(len(names), 1, figsize=(min(4 + n_steps / 40, 40), 1.8 + 1.6 * len(names)),
                             sharex=True, squeeze=False)
    bars = np.asarray(downbeats if downbeats is not None else [], dtype=float) / steps_per_beat
    for ax, name in zip(axes[:, 0], names):
        roll = rolls[name]
        colour = CLASS_COLOURS.get(name, "#333333")
        rows = np.nonzero((roll > 0).any(axis=0))[0]
        cmap = matplotlib.colors.LinearSegmentedColormap.from_list(name, ["white", colour])
        end = len(roll) / steps_per_beat
        if name in drums and rows.size:  # one row per drum sound played, named
            image = np.ma.masked_equal(roll[:, rows].T.astype(float), 0)
            ax.imshow(image, origin="lower", aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=2,
                      extent=(0, end, -0.5, len(rows) - 0.5))
            ax.set_yticks(range(len(rows)), [_drum_name(r + PITCH_LOW) for r in rows], fontsize=7)
        else:  # sustain 1 light, onset 2 full colour
            low, high = (rows.min(), rows.max()) if rows.size else (36 - PITCH_LOW, 84 - PITCH_LOW)
            image = np.ma.masked_equal(roll.T.astype(float), 0)
            ax.imshow(image, origin="lower", aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=2,
                      extent=(0, end, PITCH_LOW - 0.5, PITCH_LOW + N_PITCHES - 0.5))
            ax.set_ylim(PITCH_LOW + low - 2.5, PITCH_LOW + high + 2.5)
            ticks = _note_ticks(PITCH_LOW + low - 2, PITCH_LOW + high + 2)
            ax.set_yticks(ticks, [_note_name(t) for t in ticks], fontsize=8)
        ax.set_ylabel(name)
        bottom, top = ax.get_ylim()
        ax.vlines(np.arange(np.ceil(end)), bottom, top, color="#eeeeee", linewidth=0.4, zorder=0)
        ax.vlines(bars, bottom, top, color="#999999", linewidth=0.7, zorder=0)
        ax.set_ylim(bottom, top)
    if bars.size:
        every = max(1, int(np.ceil(len(bars) / 24)))  # at most ~24 bar numbers
        axes[-1, 0].set_xticks(bars[::every], [str(i + 1) for i in range(0, len(bars), every)])
        axes[-1, 0].set_xlabel("bar")
    else:
        axes[-1, 0].set_xlabel("time (beats)")
    top_axis = axes[0, 0]
    for step, text in labels:
        top_axis.text(step / steps_per_beat, 1.01, text, transform=top_axis.get_xaxis_transform(), fontsize=7,
                      ha="left", va="bottom", color="#444444")
    if title:
        top_axis.set_title(title, pad=14 if labels else 6)
    _save(fig, path)


#: Short names of the GM drum sounds (35..59; others are shown by number).
DRUM_NAMES = {35: "kick", 36: "kick", 37: "side stick", 38: "snare", 39: "clap", 40: "snare 2", 41: "low tom",
              42: "closed hat", 43: "low tom", 44: "pedal hat", 45: "mid tom", 46: "open hat", 47: "mid tom",
              48: "high tom", 49: "crash", 50: "high tom", 51: "ride", 52: "china", 53: "ride bell",
              54: "tambourine", 55: "splash", 56: "cowbell", 57: "crash 2", 59: "ride 2"}
_NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _drum_name(pitch: int) -> str:
    """``"snare 38"``: a GM drum sound's name and number."""
    return f"{DRUM_NAMES.get(int(pitch), 'drum')} {int(pitch)}"


def _note_name(pitch: int) -> str:
    """``"C4"`` for MIDI 60."""
    return f"{_NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def _note_ticks(low: int, high: int) -> list[int]:
    """Y ticks for MIDI notes `low`..`high`: every C, or C, E and G when the range is under two octaves."""
    classes = (0,) if high - low > 24 else (0, 4, 7)
    return [p for p in range(low, high + 1) if p % 12 in classes]


def plot_losses(history: list[dict], path: str | os.PathLike, *, title: str = "",
                ylabel: str = "BCE per step (summed over notes)") -> None:
    """Train and valid loss per epoch (``history`` rows with epoch, train_loss, valid_loss); a PNG, atomically."""
    _, plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = [row["epoch"] for row in history]
    ax.plot(epochs, [row["train_loss"] for row in history], marker="o", label="train")
    ax.plot(epochs, [row["valid_loss"] for row in history], marker="o", label="valid")
    best = min(history, key=lambda row: row["valid_loss"])
    ax.axvline(best["epoch"], color="#999999", linestyle="--", linewidth=0.8, label=f"best (epoch {best['epoch']})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    _save(fig, path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return matplotlib, plt


#: Picture formats by suffix (matplotlib writes each without another package).
PICTURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def picture_format(path: str | os.PathLike) -> str:
    """The format a picture is written in, from its suffix; a one-line error for another suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in PICTURE_FORMATS:
        raise Wav2AccompError(f"cannot draw {path}: name it .png, .svg or .pdf")
    return PICTURE_FORMATS[suffix]


def _save(fig, path: str | os.PathLike) -> None:
    _, plt = _pyplot()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=picture_format(path), dpi=100)
    plt.close(fig)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


def plot_transcription(transcription, path: str | os.PathLike) -> None:
    """Spectrogram with the f0 track, the sung notes, the quantised notes and the bar lines; a PNG, atomically.

    Parameters
    ----------
    transcription : wav2accomp.audio.transcribe.Transcription
    path : path-like
    """
    from scipy.signal import stft

    matplotlib, plt = _pyplot()
    t = transcription
    freqs, times, spectrum = stft(t.samples, fs=t.sr, nperseg=1024, noverlap=1024 - 128)
    power_db = 20 * np.log10(np.abs(spectrum) + 1e-6)
    keep = (freqs > 0) & (freqs <= 2000)
    fig, ax = plt.subplots(figsize=(min(4 + t.duration / 2, 40), 5))
    ax.pcolormesh(times, freqs[keep], power_db[keep], shading="auto", cmap="Greys",
                  vmin=power_db.max() - 70, vmax=power_db.max())
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    f0 = np.where(t.track.voiced, t.track.f0, np.nan)
    ax.plot(t.track.times, f0, color="#1f77b4", linewidth=1.0, label="f0 (voiced frames)")
    tune = 2 ** (t.tuning / 12)
    for note in t.melody:
        hz = float(midi_to_hz(note.pitch)) * tune
        ax.add_patch(plt.Rectangle((note.start, hz * 2 ** (-0.5 / 12)), note.end - note.start,
                                   hz * (2 ** (0.5 / 12) - 2 ** (-0.5 / 12)), facecolor=CLASS_COLOURS[MELODY],
                                   alpha=0.35, edgecolor=CLASS_COLOURS[MELODY]))
    for note in t.notes:
        hz = float(midi_to_hz(note.sung_pitch))
        ax.plot([note.onset, note.offset], [hz, hz], color="#ff7f0e", linewidth=2.5)
    for bar in t.tempo_map.beats_to_seconds(t.downbeat_steps() / STEPS_PER_BEAT):
        ax.axvline(bar, color="#2ca02c", linewidth=0.8, alpha=0.7)
    voiced_f0 = t.track.f0[t.track.voiced]
    if voiced_f0.size:
        ax.set_ylim(max(40.0, np.percentile(voiced_f0, 1) / 1.5), min(2000.0, np.percentile(voiced_f0, 99) * 2.5))
    ax.set_xlim(0, t.duration)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    ax.set_title(f"{len(t.notes)} notes, {t.grid.bpm:.0f} BPM, tuning {100 * t.tuning:+.0f} cents  "
                 "(orange: sung notes; red: on the 16th grid; green: bar lines)")
    ax.plot([], [], color="#ff7f0e", linewidth=2.5, label="notes as sung")
    ax.legend(loc="upper right", fontsize=8)
    _save(fig, path)


def plot_played(parts: dict, path: str | os.PathLike, *, bar_starts=None, beats: tuple[float, float] | None = None,
                title: str = "") -> None:
    """Parts as played, one panel each: every note a bar from its onset to its release at its pitch, its colour
    its velocity (dark = loud), so that dynamics, timing and texture can be seen side by side.

    Parameters
    ----------
    parts : dict of str to list of Note
        Panel title -> notes (beats, MIDI pitch, velocity).
    path : path-like
        PNG, SVG or PDF, written atomically.
    bar_starts : array-like, optional
        Bar lines, beats.
    beats : (float, float), optional
        The stretch shown, beats (default: all).
    title : str
    """
    matplotlib, plt = _pyplot()
    fig, axes = plt.subplots(len(parts), 1, figsize=(16, 2.6 * len(parts)), sharex=True, squeeze=False)
    colours = matplotlib.colormaps["viridis_r"]
    low, high = beats if beats is not None else (0.0, max((n.end_beat for notes in parts.values() for n in notes),
                                                          default=1.0))
    for ax, (name, notes) in zip(axes[:, 0], parts.items()):
        shown = [n for n in notes if n.end_beat > low and n.start_beat < high]
        for note in shown:
            ax.add_patch(plt.Rectangle((note.start_beat, note.pitch - 0.4), note.end_beat - note.start_beat, 0.8,
                                       facecolor=colours(note.velocity / 127), edgecolor="none"))
        if shown:
            pitches = [n.pitch for n in shown]
            ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
        for bar in (bar_starts if bar_starts is not None else []):
            if low <= bar <= high:
                ax.axvline(bar, color="#999999", linewidth=0.6)
        ax.set_ylabel(name, fontsize=8)
    axes[-1, 0].set_xlim(low, high)
    axes[-1, 0].set_xlabel("beat (colour: velocity, dark = loud)")
    fig.suptitle(title, fontsize=10)
    _save(fig, path)
