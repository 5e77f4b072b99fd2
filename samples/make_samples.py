"""Make the project's own sample inputs (run from the repository root).

    python samples/make_samples.py

ode_to_joy.mid: Beethoven's "Ode to Joy" theme (public domain), 16 bars in
D major at 100 BPM: a melody track plus piano chords, bass and drums, so every
class of the classifier has a part. ode_to_joy_melody.mid: its melody track alone
(an input for `wav2accomp accompany`).

hum_ode_to_joy.flac: the first two phrases of the same theme hummed by the
project's voice-like synthesiser (vowel formants, vibrato, glides, breath
noise, a small room, 20 cents sharp of A = 440 Hz) at 104 BPM from 0.7 s,
about 20 s. Deterministic: the same files every run.
"""
from pathlib import Path

import soundfile

from wav2accomp.symbolic.midi_io import Note, Part, Song, write_midi
from wav2accomp.symbolic.tempo_map import TempoMap, TimeSignature
from wav2accomp.testing.singer import VoiceStyle, sing, tune_notes

# (MIDI pitch, beats) of the theme; D major.
PHRASE_A = [(66, 1), (66, 1), (67, 1), (69, 1), (69, 1), (67, 1), (66, 1), (64, 1),
            (62, 1), (62, 1), (64, 1), (66, 1)]
THEME = (PHRASE_A + [(66, 1.5), (64, 0.5), (64, 2)]
         + PHRASE_A + [(64, 1.5), (62, 0.5), (62, 2)]
         + [(64, 1), (64, 1), (66, 1), (62, 1), (64, 1), (66, 0.5), (67, 0.5), (66, 1), (62, 1),
            (64, 1), (66, 0.5), (67, 0.5), (66, 1), (64, 1), (62, 1), (64, 1), (57, 2)]
         + PHRASE_A + [(64, 1.5), (62, 0.5), (62, 2)])
# One chord root per bar (D = 50, A = 45, G = 43) with its triad quality (major).
BAR_ROOTS = [50, 45, 50, 45, 50, 45, 50, 45, 45, 50, 45, 45, 50, 43, 45, 50]
BPM = 100


def notes_from(events):
    tempo = TempoMap.constant(BPM)
    return [Note(pitch, velocity, start, end, float(tempo.beats_to_seconds(start)), float(tempo.beats_to_seconds(end)))
            for pitch, velocity, start, end in events]


def make_song() -> Song:
    melody, beat = [], 0.0
    for pitch, length in THEME:
        melody.append((pitch, 100, beat, beat + length * 0.95))
        beat += length
    chords, bass, drums = [], [], []
    for bar, root in enumerate(BAR_ROOTS):
        start = bar * 4.0
        chords += [(root + 12 + step, 70, start + half, start + half + 1.9)
                   for half in (0.0, 2.0) for step in (0, 4, 7)]
        bass += [(root - 12, 85, start, start + 1.9), (root - 5, 80, start + 2, start + 3.9)]
        drums += [(36, 100, start + b, start + b + 0.25) for b in (0, 2)]
        drums += [(38, 90, start + b, start + b + 0.25) for b in (1, 3)]
        drums += [(42, 70, start + b / 2, start + b / 2 + 0.25) for b in range(8)]
    parts = [Part("Melody", 73, 0, 1, notes_from(melody)), Part("Piano", 0, 1, 2, notes_from(chords)),
             Part("Bass", 33, 2, 3, notes_from(bass)), Part("Drums", 0, 9, 4, notes_from(drums))]
    return Song(parts, TempoMap.constant(BPM), [TimeSignature(0, 4, 4)], 64.0)


def make_hum(path: Path, sample_rate: int = 22050) -> None:
    notes = tune_notes("ode_to_joy", bpm=104, start=0.7, legato=0.93, transpose=-5)
    style = VoiceStyle(tuning_cents=20, vibrato_cents=35, glide_seconds=0.04, breath=0.02, reverb_seconds=0.25)
    soundfile.write(path, sing(notes, sample_rate, style=style, seed=7), sample_rate, subtype="PCM_16")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    song = make_song()
    write_midi(song, here / "ode_to_joy.mid")
    write_midi(Song(song.parts[:1], song.tempo_map, song.time_signatures, song.end_beat), here / "ode_to_joy_melody.mid")
    make_hum(here / "hum_ode_to_joy.flac")
    print(f"wrote ode_to_joy.mid, ode_to_joy_melody.mid and hum_ode_to_joy.flac in {here}")
