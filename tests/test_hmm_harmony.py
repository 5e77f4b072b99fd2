"""The classic HMM harmoniser, the harmony section's baseline."""
import numpy as np


def test_the_hmm_harmoniser_learns_a_progression_and_follows_the_melody():
    from wav2accomp.models.hmm_harmony import fit_hmm_harmoniser, harmonise
    from wav2accomp.symbolic.chords import chord_index

    # melodies arpeggiating C, F, G, C (a bar each, quarter notes) over those chords
    names = ("C", "F", "G", "C")
    tones = {"C": (60, 64, 67, 72), "F": (65, 69, 72, 77), "G": (67, 71, 74, 79)}
    melody = np.zeros((64, 78), dtype=np.uint8)
    for bar, chord in enumerate(names):
        for beat, pitch in enumerate(tones[chord]):
            melody[16 * bar + 4 * beat:16 * bar + 4 * beat + 4, pitch - 24] = 1
            melody[16 * bar + 4 * beat, pitch - 24] = 2
    chords = np.repeat([chord_index(c) for c in names], 16)
    beats = np.arange(0, 64, 4)
    model = fit_hmm_harmoniser([melody] * 3, [chords] * 3, [beats] * 3)
    assert np.array_equal(harmonise(model, melody, beats), chords)
    moved = np.roll(melody, 2, axis=1)                         # two semitones up: counted in every key
    assert [harmonise(model, moved, beats)[16 * b] for b in range(4)] == [chord_index(c) for c in ("D", "G", "A", "D")]
