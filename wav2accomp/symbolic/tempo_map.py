"""The tempo map and the metre: the one place where beats become seconds.

Times are quarter-note **beats** (MIDI ticks / ticks per beat) or **seconds**;
grid steps are beats x steps per beat.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import DEFAULT_TEMPO_US


@dataclass(frozen=True)
class TempoMap:
    """Piecewise-constant tempo.

    Parameters
    ----------
    beats : np.ndarray
        Positions of the tempo changes, quarter-note beats, ascending, first 0.
    tempos_us : np.ndarray
        Microseconds per quarter note from each position on.
    """

    beats: np.ndarray
    tempos_us: np.ndarray

    @classmethod
    def constant(cls, bpm: float = 60e6 / DEFAULT_TEMPO_US) -> "TempoMap":
        """A tempo map of one tempo, `bpm` quarter notes per minute."""
        return cls(np.zeros(1), np.array([60e6 / bpm]))

    @classmethod
    def from_changes(cls, beats, tempos_us) -> "TempoMap":
        """Build from unsorted (beat, tempo) changes; the last one at a beat wins.

        A map that sets no tempo at beat 0 starts at 120 BPM.
        """
        beats = np.asarray(beats, dtype=float)
        tempos = np.asarray(tempos_us, dtype=float)
        order = np.argsort(beats, kind="stable")
        beats, tempos = beats[order], tempos[order]
        if beats.size:
            keep = np.append(beats[1:] != beats[:-1], True)  # last change per beat
            beats, tempos = beats[keep], tempos[keep]
        if beats.size == 0 or beats[0] > 0:
            beats = np.insert(beats, 0, 0.0)
            tempos = np.insert(tempos, 0, DEFAULT_TEMPO_US)
        return cls(beats, tempos)

    @property
    def _change_seconds(self) -> np.ndarray:
        spans = np.diff(self.beats) * self.tempos_us[:-1] / 1e6
        return np.concatenate([[0.0], np.cumsum(spans)])

    def beats_to_seconds(self, beats) -> np.ndarray:
        """Convert quarter-note beats to seconds."""
        beats = np.asarray(beats, dtype=float)
        i = np.clip(np.searchsorted(self.beats, beats, side="right") - 1, 0, None)
        return self._change_seconds[i] + (beats - self.beats[i]) * self.tempos_us[i] / 1e6

    def seconds_to_beats(self, seconds) -> np.ndarray:
        """Convert seconds to quarter-note beats."""
        seconds = np.asarray(seconds, dtype=float)
        starts = self._change_seconds
        i = np.clip(np.searchsorted(starts, seconds, side="right") - 1, 0, None)
        return self.beats[i] + (seconds - starts[i]) * 1e6 / self.tempos_us[i]

    def from_beat(self, beat: float, lead_beats: float = 0.0, lead_seconds: float = 0.0) -> "TempoMap":
        """This map from `beat` on, moved to start at beat `lead_beats` after a lead-in of `lead_beats` beats
        lasting `lead_seconds` seconds (none when `lead_beats` is 0)."""
        later = self.beats > beat
        head_beats, head_tempos = [0.0], [self.tempos_us[~later][-1]]
        if lead_beats > 0:
            head_beats, head_tempos = [0.0, lead_beats], [lead_seconds * 1e6 / lead_beats, *head_tempos]
        return TempoMap(np.concatenate([head_beats, self.beats[later] - beat + lead_beats]),
                        np.concatenate([head_tempos, self.tempos_us[later]]))

    def bpm_at(self, beat: float) -> float:
        """Tempo in quarter notes per minute at `beat`."""
        i = max(int(np.searchsorted(self.beats, beat, side="right")) - 1, 0)
        return 60e6 / float(self.tempos_us[i])


@dataclass(frozen=True)
class TimeSignature:
    """A time signature starting at `beat` (quarter-note beats)."""

    beat: float
    numerator: int
    denominator: int

    @property
    def bar_beats(self) -> float:
        """Length of one bar in quarter-note beats."""
        return self.numerator * 4.0 / self.denominator

    @property
    def pulse_beats(self) -> float:
        """Length of one metric pulse (the denominator's note) in quarter notes."""
        return 4.0 / self.denominator


def metre_grid(time_signatures: list[TimeSignature], end_beat: float) -> tuple[np.ndarray, np.ndarray]:
    """Pulse and downbeat positions implied by the time signatures.

    Parameters
    ----------
    time_signatures : list of TimeSignature
        Sorted by `beat`; 4/4 is assumed before the first and when there is none.
    end_beat : float
        End of the song, quarter-note beats (exclusive).

    Returns
    -------
    pulses, downbeats : np.ndarray
        Positions in quarter-note beats. A signature change restarts the bar.
    """
    sigs = [s for s in time_signatures if s.beat < end_beat]
    if not sigs or sigs[0].beat > 0:
        sigs = [TimeSignature(0.0, 4, 4)] + sigs
    pulses, downbeats = [], []
    for sig, nxt in zip(sigs, sigs[1:] + [None]):
        stop = end_beat if nxt is None else nxt.beat
        pulses.append(np.arange(sig.beat, stop - 1e-9, sig.pulse_beats))
        downbeats.append(np.arange(sig.beat, stop - 1e-9, sig.bar_beats))
    return np.concatenate(pulses), np.concatenate(downbeats)


def bars_at(tempo_map: TempoMap, offset_beats: float,
            steps_per_beat: int = 4) -> tuple[TempoMap, list[TimeSignature]]:
    """A tempo map and 4/4 metre like `tempo_map`'s but with bar lines at `offset_beats` + 4n of its beats, and
    every time the same in seconds: a pickup bar of whole 16ths goes first (``n/16``, or ``n/4`` when whole
    beats), its tempo set so that the first bar line lands at its time, then the tempo map from `offset_beats`
    on. Bar lines within half a 16th of the map's own get no pickup (4/4 from beat 0)."""
    offset_beats = float(offset_beats) % 4.0
    pickup_steps = int(round(offset_beats * steps_per_beat)) % (4 * steps_per_beat)
    if pickup_steps == 0:   # bar lines within half a 16th of the file's: no pickup
        return tempo_map, [TimeSignature(0.0, 4, 4)]
    pickup_beats = pickup_steps / steps_per_beat
    new_map = tempo_map.from_beat(offset_beats, pickup_beats, float(tempo_map.beats_to_seconds(offset_beats)))
    signatures = [TimeSignature(0.0, pickup_steps, 4 * steps_per_beat) if pickup_steps % steps_per_beat
                  else TimeSignature(0.0, pickup_steps // steps_per_beat, 4), TimeSignature(pickup_beats, 4, 4)]
    return new_map, signatures
