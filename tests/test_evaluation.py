import json

import numpy as np
import pytest

from wav2accomp.constants import N_PITCHES, ONSET, PITCH_LOW
from wav2accomp.evaluation.accompaniment import (BAND_ROWS, BASS_SYSTEMS, BASSLINE_GIVEN, BASSLINE_HARMONISER,
                                                 BASSLINE_HEAD, COMPING_GIVEN, COMPING_HARMONISER, COMPING_HEAD,
                                                 GIVEN_CHORDS, GROOVE, SYSTEMS, evaluate_accompaniment, fit_length,
                                                 rock_beat_part, tonic_triad_part)
from wav2accomp.evaluation.report import write_report
from wav2accomp.models.training import train
from wav2accomp.options import TrainOptions


def test_trivial_parts():
    melody = np.zeros((32, N_PITCHES), dtype=np.uint8)
    for step, pitch in enumerate([67, 69, 71, 72, 74, 71, 67, 67] * 4):  # G major
        melody[step, pitch - PITCH_LOW] = ONSET
    triad = tonic_triad_part(melody, np.arange(0, 32, 4))
    assert np.flatnonzero(triad[0]).tolist() == [55 - PITCH_LOW, 59 - PITCH_LOW, 62 - PITCH_LOW]
    assert (triad[::4] == ONSET).sum() == 3 * 8 and (triad[1::4] == ONSET).sum() == 0
    beat = rock_beat_part(32, np.array([0, 16]))
    assert np.flatnonzero(beat[:, 36 - PITCH_LOW]).tolist() == [0, 8, 16, 24]
    assert np.flatnonzero(beat[:, 38 - PITCH_LOW]).tolist() == [4, 12, 20, 28]
    assert fit_length(np.ones((3, N_PITCHES)), 7).shape == (7, N_PITCHES)


@pytest.fixture(scope="module")
def tiny_models(tiny_cache, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    for part in ("guitarlike", "percussion"):
        for arch in ("paper", "aligned"):
            train(TrainOptions(data=str(tiny_cache), part=part, arch=arch, out=str(folder), epochs=1,
                               windows_per_epoch=32, batch_size=16, units=8, progress=False))
    return folder


def test_evaluation_compares_every_system_on_the_same_songs(tiny_cache, tiny_models, tmp_path):
    report = evaluate_accompaniment(tiny_cache, parts=("guitarlike", "percussion", "bass"), model_dir=tiny_models,
                                    plots_dir=tmp_path, n_plots=1, progress=False)
    pitched, drums = report.sections["guitarlike"], report.sections["percussion"]
    assert len(pitched.items) == 2
    assert list(pitched.means) == [*SYSTEMS, GIVEN_CHORDS, COMPING_GIVEN, COMPING_HEAD, COMPING_HARMONISER,
                                   *BAND_ROWS.values()] == pitched.systems
    assert pitched.means[COMPING_GIVEN]["chord_tone_ratio"] > 0.5
    assert pitched.means[BAND_ROWS[COMPING_GIVEN]]["chord_tone_ratio"] >= 0.5
    played = {title: section for title, section in report.sections.items() if title.startswith("how it is played")}
    assert "how it is played: multi-track drums" in played
    drums_played = played["how it is played: multi-track drums"].means
    assert drums_played["sequencer"]["distinct_velocities"] == 1.0 and drums_played["band"]["off_grid_share"] >= 0
    assert drums_played["band, feel grid"]["off_grid_share"] == 0.0
    harmony = report.sections["harmony"]
    assert harmony.means["tonic triad"]["distinct_chords"] == 1.0 and harmony.means["real"]["ctnctr"] > 0.5
    assert harmony.systems[-1] == "harmoniser" and harmony.means["harmoniser"]["distinct_chords"] > 1
    bass = report.sections["bass"]
    assert bass.systems == list(BASS_SYSTEMS) and len(bass.items) == 2
    assert bass.means["real"]["root_agreement"] == pytest.approx(0.75)   # root, root, fifth, root
    assert bass.means[BASSLINE_GIVEN]["root_agreement"] > 0.9 and bass.means["trivial"]["polyphony"] == 1.0
    assert bass.means[BASSLINE_HEAD]["root_agreement_own_chords"] > 0.9
    assert bass.means[BASSLINE_HARMONISER]["root_agreement_own_chords"] > 0.9
    assert list(drums.means) == [*SYSTEMS, GROOVE]   # drums play no chords; the groove drummer plays them
    assert drums.means["real"]["backbeat_rate"] == 1.0 and drums.means["trivial"]["exact_repeat_share"] == 1.0
    assert 0.0 < drums.means[GROOVE]["snare_onset_f1"] <= 1.0
    real = pitched.means["real"]
    assert real["frame_f1"] == 1.0 and real["onset_f1"] == 1.0
    assert 0.5 < real["chord_tone_ratio"] <= 1.0 and real["groove_consistency"] == 1.0
    assert "chord_accuracy" not in real  # these songs have no chord annotations
    assert drums.means["real"]["kick_onset_f1"] == 1.0
    assert drums.means["trivial"]["groove_consistency"] == 1.0
    assert (tmp_path / "guitarlike-1.png").is_file() and (tmp_path / "percussion-1.png").is_file()
    markdown = report.markdown()
    assert "| aligned |" in markdown and "Gap to the real guitarlike" in markdown
    json_path, markdown_path = write_report(report, tmp_path / "out")
    assert json.loads(json_path.read_text())["sections"]["guitarlike"]["info"]["songs"] == 2
    assert markdown_path.read_text() == markdown


def test_a_part_the_corpus_lacks_is_said_and_the_others_are_evaluated(tiny_cache, tmp_path):
    import shutil

    from wav2accomp.data.corpus import load_index
    from wav2accomp.errors import Wav2AccompError

    cache = tmp_path / "cache"
    shutil.copytree(tiny_cache, cache)
    index = load_index(cache)
    for entry in index["songs"]:   # a corpus without bass parts
        entry["classes"].pop("bass", None)
    (cache / "index.json").write_text(json.dumps(index))
    report = evaluate_accompaniment(cache, parts=("bass", "percussion"), played=False, progress=False)
    assert report.sections["bass"].info["songs"] == 0 and "Not evaluated" in report.markdown()
    assert report.sections["percussion"].info["songs"] == 2
    with pytest.raises(Wav2AccompError):
        evaluate_accompaniment(cache, parts=("bass",), played=False, progress=False)
