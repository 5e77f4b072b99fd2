"""Where a MIDI melody's bars lie when its file does not say: the metre template and own bars."""
import mido
import numpy as np
import pytest
from conftest import make_midi, name

from wav2accomp.arrangement import accompany, melody_from_midi
from wav2accomp.constants import GUITARLIKE, METRE_MODEL
from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.generate import counted_model_path
from wav2accomp.symbolic.metre import (BAR_STEPS, MetreTemplate, bar_likelihoods, count_positions, load_template,
                                       save_template)
from wav2accomp.symbolic.tempo_map import TempoMap, bars_at, metre_grid

TPB = 480
#: One 4/4 bar of a tune, (beat in the bar, length in beats): a long note on the downbeat, then a phrase-like run.
BAR = [(0.0, 2.0), (2.0, 1.0), (3.0, 0.5), (3.5, 0.5)]
PITCHES = [67, 64, 62, 60, 65, 64, 62, 59]


def performed_tune(path, *, start_ticks: int, bars: int = 16, numerator: int = 1, jitter: bool = True):
    """A tune in 4/4 whose first bar line lies `start_ticks` after tick 0, in a file that says `numerator`/4,
    its onsets a few ticks off (as a performance is), a rest closing every fourth bar."""
    rng = np.random.default_rng(0)
    events = []
    for bar in range(bars):
        for k, (beat, length) in enumerate(BAR):
            if bar % 4 == 3 and k == len(BAR) - 1:
                continue   # a breath before the next phrase
            onset = start_ticks + int((bar * 4 + beat) * TPB) + (int(rng.integers(-12, 13)) if jitter else 0)
            events += [(onset, mido.Message("note_on", note=PITCHES[(bar + k) % 8], velocity=90)),
                       (onset + int(length * TPB * 0.9), mido.Message("note_off", note=PITCHES[(bar + k) % 8]))]
    messages, now = [name("Melody"), mido.MetaMessage("time_signature", numerator=numerator, denominator=4)], 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        messages.append(message.copy(time=tick - now))
        now = tick
    return make_midi(path, [[mido.MetaMessage("set_tempo", tempo=600_000)], messages])


def test_the_template_counts_positions_and_reads_back(tmp_path):
    counts = count_positions([0.0, 2.0, 3.0, 3.5], [2.0, 3.0, 3.5, 4.0], bar_beats=0.0)
    assert counts.shape == (5, 2, BAR_STEPS) and counts.sum() == 4
    assert counts[:, 1, 0].sum() == 1 and counts[:, :, 8].sum() == 1   # a phrase start on 1, a note on beat 3
    template = MetreTemplate(counts * 10, {"songs": 1})
    save_template(template, tmp_path / "metre")
    back = load_template(tmp_path / "metre")
    assert np.array_equal(back.counts, template.counts) and back.info == {"songs": 1}
    shifted = bar_likelihoods(back, [1.0, 3.0, 4.0, 4.5], [3.0, 4.0, 4.5, 5.0])
    assert int(np.argmax(shifted)) == 4   # the same bar a beat later: bars at beat 1
    np.savez(tmp_path / "metre.npz", counts=-template.counts)
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_template(tmp_path / "metre")


def test_bars_at_keeps_every_time_and_puts_the_bar_lines_there():
    tempo_map = TempoMap(np.array([0.0, 6.0]), np.array([600_000.0, 500_000.0]))
    moved, signatures = bars_at(tempo_map, 1.6)   # bar lines at old beats 1.6, 5.6, 9.6, ...
    assert (signatures[0].numerator, signatures[0].denominator) == (6, 16)   # a pickup of six 16ths
    _, downbeats = metre_grid(signatures, 20.0)
    assert np.allclose(moved.beats_to_seconds(downbeats[1:4]), tempo_map.beats_to_seconds([1.6, 5.6, 9.6]))
    seconds = np.linspace(2.0, 9.0, 8)
    assert np.allclose(moved.beats_to_seconds(moved.seconds_to_beats(seconds)), seconds)
    assert np.allclose(np.diff(moved.seconds_to_beats(seconds)), np.diff(tempo_map.seconds_to_beats(seconds)))
    unmoved, four_four = bars_at(tempo_map, 0.1)   # within half a 16th of the map's own bars: no pickup
    assert unmoved is tempo_map and [(s.numerator, s.denominator) for s in four_four] == [(4, 4)]


@pytest.mark.parametrize("numerator", [1, 4])
def test_a_performed_melody_gets_its_own_bars_and_the_band_plays_on_them(tmp_path, numerator):
    start = int(1.5 * TPB) + 37   # the first bar line: an eighth after beat 1, and a little
    path = performed_tune(tmp_path / "tune.mid", start_ticks=start, numerator=numerator)
    melody = melody_from_midi(path, metre=load_template(counted_model_path(METRE_MODEL)))
    bar_seconds = melody.tempo_map.beats_to_seconds(melody.downbeat_steps() / 4 + melody.grid_offset)
    truth = (start / TPB + 4 * np.arange(16)) * 0.6
    nearest = np.min(np.abs(bar_seconds[:, None] - truth[None, :]), axis=0)
    assert np.all(nearest < 0.02), nearest   # every bar line of the tune within 20 ms
    band = accompany(path, parts=["piano", "bass"])
    piano = [n for p in band.to_song(with_melody=False).parts if p.name == GUITARLIKE for n in p.notes]
    first_bar = float(truth[0])
    assert piano and min(n.start for n in piano) >= first_bar - 0.05   # the piano comes in at the first bar line
    singles = np.mean([sum(abs(m.start - n.start) < 0.02 for m in piano) == 1 for n in piano])
    assert singles > 0.2   # real phrases (broken chords, lines), not a block chord on every stroke


def test_a_sequenced_melody_keeps_the_bars_its_file_gives(tmp_path):
    path = performed_tune(tmp_path / "tune.mid", start_ticks=int(1.5 * TPB), numerator=4, jitter=False)
    melody = melody_from_midi(path, metre=load_template(counted_model_path(METRE_MODEL)))
    assert [(t.numerator, t.denominator) for t in melody.time_signatures] == [(4, 4)]
    assert melody.tempo_map.beats.tolist() == [0.0] and melody.notes[0].start_beat == pytest.approx(1.5)


def test_the_playing_evaluation_measures_the_real_parts_on_the_bars_the_band_plays_to(tmp_path):
    from wav2accomp.evaluation.playing import measure_song

    start = int(1.5 * TPB) + 37
    melody = mido.MidiFile(performed_tune(tmp_path / "tune.mid", start_ticks=start)).tracks[1]
    piano = [name("Piano"), mido.Message("program_change", program=0)]
    for bar in range(16):   # a pianist on the tune's own beats: a chord on every beat
        for beat in range(4):
            piano += [mido.Message("note_on", note=n, velocity=70, time=(start if bar == beat == k == 0 else 0))
                      for k, n in enumerate((48, 52, 55))]
            piano += [mido.Message("note_off", note=n, time=(TPB if k == 0 else 0)) for k, n in enumerate((48, 52, 55))]
    path = make_midi(tmp_path / "song.mid", [[mido.MetaMessage("set_tempo", tempo=600_000)], list(melody), piano])
    _, (_, figures, _), why = measure_song(str(path))
    assert why is None
    real = figures["real"]["piano"]
    assert real["off_grid_share"] < 0.05 and real["phase_gap_ms"] < 10   # on the band's 16ths
