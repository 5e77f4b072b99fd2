import random

import pytest
from conftest import shared

from wav2accomp.symbolic.classify import (Assignment, class_from_name, class_from_program, classify_parts,
                                          part_statistics, program_family)
from wav2accomp.symbolic.midi_io import Note, Part, read_midi


@pytest.mark.parametrize("name, expected", [
    ("Drums", "percussion"), ("SNARE roll", "percussion"), ("Bass", "guitarlike"), ("E.Gtr", "guitarlike"),
    ("Strings", "stringslike"), ("Alto Sax", "stringslike"), ("Melody", "melody"), ("Lead Vocal", "melody"),
    ("BRIDGE", "bridge"), ("Track 3", None), ("", None),
    ("Bass Drum", "percussion"),  # the table's first row wins
    ("Lead Guitar", "guitarlike"),
])
def test_keyword_table(name, expected):
    assert class_from_name(name) == expected


@pytest.mark.parametrize("program, channel, expected", [
    (0, 0, "guitarlike"), (33, 1, "guitarlike"), (19, 0, "stringslike"), (48, 0, "stringslike"),
    (66, 0, "stringslike"), (81, 0, "melody"), (90, 0, "stringslike"), (122, 0, "other"), (0, 9, "percussion"),
])
def test_channel_and_program_rules(program, channel, expected):
    assert class_from_program(program, channel)[0] == expected


def test_program_family_rejects_out_of_range():
    assert program_family(127)[0] == "sound effects"
    with pytest.raises(ValueError):
        program_family(128)


def _part(name, pitches, *, program=0, channel=0, chord=1, length=1.0):
    notes = [Note(p + k * 4, 80, i * length, (i + 1) * length, 0, 0)
             for i, p in enumerate(pitches) for k in range(chord)]
    return Part(name, program, channel, notes=notes)


def test_statistics_see_monophony_and_coverage():
    stats = part_statistics(_part("", [60] * 16, chord=3), 32)
    assert stats.monophony == 0 and stats.coverage == pytest.approx(0.5)
    assert stats.mean_pitch == pytest.approx(64)
    assert part_statistics(_part("", [60, 62] * 8), 16).monophony == 1


def test_melody_by_statistics_when_names_say_nothing():
    melody = _part("", [72, 74, 76, 77, 79, 77, 76, 74] * 4, program=73)
    chords = _part("", [48, 53, 55, 48] * 8, program=0, chord=3, length=1.0)
    bass = _part("", [36, 41, 43, 36] * 8, program=33)
    drums = _part("", [36, 38] * 16, channel=9)
    result = classify_parts([chords, melody, bass, drums], 32)
    assert [a.part_class for a in result] == ["guitarlike", "melody", "guitarlike", "percussion"]
    assert result[1].rule == "melody-by-statistics" and result[3].rule == "channel10"


def test_named_melody_wins_and_other_candidates_are_demoted():
    voice = _part("Voice", [60, 62, 64, 65] * 8, program=52)
    lead = _part("Melody", [72, 74, 76, 77] * 8, program=80)
    result = classify_parts([voice, lead], 32)
    assert result[1] == Assignment("melody", "melody-by-name")
    assert result[0] == Assignment("stringslike", "melody-demoted")  # choir family


def test_ignoring_names_and_empty_parts():
    result = classify_parts([_part("Drums", [60, 62] * 8), Part("Empty", 0, 0)], 16, use_names=False)
    assert result[0].part_class == "melody" and result[1] == Assignment("other", "nothing")


def test_finds_the_melody_of_pop_multitrack_with_names_hidden():
    files = sorted(shared("pop-multitrack").glob("*.mid"))
    sample = random.Random(0).sample(files, 60)
    found = 0
    for path in sample:
        song = read_midi(path)
        chosen = [p for p, a in zip(song.parts, classify_parts(song.parts, song.end_beat, use_names=False))
                  if a.part_class == "melody"]
        found += bool(chosen) and chosen[0].track_name.strip().lower() == "melody"
    assert found / len(sample) >= 0.6  # the benchmark measures ~0.75 on all 2175 files


def test_a_title_written_on_every_track_is_not_an_instrument_name():
    parts = [_part("WE'LL BURN THAT BRIDGE", [36, 38] * 8, channel=9),
             _part("WE'LL BURN THAT BRIDGE", [40, 43] * 8, program=33),
             _part("WE'LL BURN THAT BRIDGE", [60, 64] * 8, program=48),
             _part("Melody", [72, 74, 76] * 6, program=73)]
    for track, part in enumerate(parts):
        part.track = track
    assert [a.rule for a in classify_parts(parts, 16)] == ["channel10", "program", "program", "melody-by-name"]
    assert [a.part_class for a in classify_parts(parts, 16)] == ["percussion", "guitarlike", "stringslike", "melody"]


def test_basses_are_found_by_name_or_by_program_among_the_guitarlike_parts():
    from wav2accomp.symbolic.classify import RULE_NAME, RULE_PROGRAM, is_bass

    def part(name, program, channel=0):
        return Part(name=name, program=program, channel=channel, track=1, notes=[Note(36, 90, 0, 1, 0, 0.5)])

    guitarlike = Assignment("guitarlike", RULE_PROGRAM)
    assert is_bass(part("", 33), guitarlike) and is_bass(part("Fretless", 35), guitarlike)
    assert is_bass(part("Bass", 0), Assignment("guitarlike", RULE_NAME))
    assert not is_bass(part("Piano", 33), Assignment("guitarlike", RULE_NAME))   # the name wins
    assert not is_bass(part("", 0), guitarlike) and not is_bass(part("", 33), Assignment("stringslike", RULE_PROGRAM))
