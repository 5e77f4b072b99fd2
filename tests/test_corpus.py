import json
import shutil
from collections import Counter

import numpy as np
import pytest
from conftest import make_midi, name, program, shared, tune

from wav2accomp.constants import ONSET
from wav2accomp.data.corpus import load_index, load_song, prepare_corpus, split_for
from wav2accomp.errors import Wav2AccompError


def test_split_is_stable_and_roughly_80_10_10():
    names = [f"song{i}.mid" for i in range(5000)]
    counts = Counter(split_for(n) for n in names)
    assert [split_for(n) for n in names[:50]] == [split_for(n) for n in names[:50]]
    assert split_for("a/b/song7.mid") == split_for("song7.mid")  # the file name decides, not the folder
    assert abs(counts["train"] / 5000 - 0.8) < 0.03 and abs(counts["test"] / 5000 - 0.1) < 0.02


@pytest.fixture
def corpus(tmp_path):
    """Two POP909 songs (with annotations), a plain multitrack file and three bad files."""
    pop = tmp_path / "pop"
    for song in ("001", "002"):
        shutil.copytree(shared("pop909") / song, pop / song)
    plain = tmp_path / "plain"
    plain.mkdir()
    make_midi(plain / "band.mid", [
        [name("Melody"), program(73)] + tune([72, 74, 76, 77] * 8),
        [name(""), program(0, channel=1)] + tune([48, 52, 55, 60] * 8, channel=1),
        [name("Strings"), program(48, channel=2)] + tune([60, 64] * 16, channel=2),
        [name("Kit")] + tune([36, 38] * 16, channel=9),
        [name(""), program(33, channel=3)] + tune([36, 43] * 16, channel=3)])
    make_midi(plain / "melody_only.mid", [[name("Melody")] + tune([60, 62, 64] * 4)])
    (plain / "not_midi.mid").write_bytes(b"hello, I am text")
    good = (plain / "band.mid").read_bytes()
    (plain / "truncated.mid").write_bytes(good[: len(good) // 2])
    return pop, plain


def test_prepare_writes_rolls_annotations_index_and_report(tmp_path, corpus):
    pop, plain = corpus
    report = prepare_corpus([pop, plain], tmp_path / "cache", jobs=2, progress=False)
    assert report["files_found"] == 6 and report["files_read"] == 5
    reasons = {entry["file"].split("/")[-1]: entry["reason"] for entry in report["skipped"]}
    assert set(reasons) == {"melody_only.mid", "not_midi.mid"}
    assert "accompaniment" in reasons["melody_only.mid"] and "not a MIDI file" in reasons["not_midi.mid"]
    assert any("truncated.mid" in w["file"] for w in report["files_with_warnings"])
    assert report["rules"]["melody-by-name"] == 4 and report["classes"]["guitarlike"]["songs"] == 4

    index = load_index(tmp_path / "cache")
    songs = {s["id"]: s for s in index["songs"]}
    assert set(songs) == {"pop/001/001", "pop/002/002", "plain/band", "plain/truncated"}
    assert songs["pop/001/001"]["split"] == split_for("001.mid")
    pop_song = load_song(tmp_path / "cache", "pop/001/001")
    assert pop_song["melody"].shape == pop_song["guitarlike"].shape == (songs["pop/001/001"]["n_steps"], 78)
    assert "bridge" not in pop_song and (pop_song["melody"] == ONSET).sum() > 100
    assert pop_song["chord_label"].dtype.kind == "U" and len(pop_song["chord_start"]) == len(pop_song["chord_label"])
    assert np.all(np.diff(pop_song["beats"]) > 0) and set(pop_song["downbeats"]) <= set(pop_song["beats"])
    band = load_song(tmp_path / "cache", "plain/band")
    assert set(band) >= {"melody", "guitarlike", "stringslike", "percussion", "beats", "downbeats"}
    assert band["percussion"][0, 36 - 24] == ONSET and band["melody"][0, 72 - 24] == ONSET
    assert list(band["downbeats"][:3]) == [0, 16, 32]
    # the unnamed GM bass: a bass view of its own, and still guitarlike (the seed's classes)
    assert band["bass"][0, 36 - 24] == ONSET and band["guitarlike"][0, 36 - 24] == ONSET
    assert not band["bass"][:, 48 - 24:].any() and "bass" not in pop_song
    assert songs["plain/band"]["classes"]["bass"] == 32
    assert json.loads((tmp_path / "cache" / "report.json").read_text())["songs"] == 4


def test_prepare_refuses_a_missing_or_empty_folder(tmp_path):
    with pytest.raises(Wav2AccompError, match="not found"):
        prepare_corpus([tmp_path / "nope"], tmp_path / "cache", progress=False)
    with pytest.raises(Wav2AccompError, match="no MIDI files"):
        prepare_corpus([tmp_path], tmp_path / "cache", progress=False)


def test_prepare_real_multitrack_files(tmp_path):
    folder = tmp_path / "multitrack"
    folder.mkdir()
    for path in sorted(shared("pop-multitrack").glob("*.mid"))[:6]:
        shutil.copy(path, folder)
    report = prepare_corpus([folder], tmp_path / "cache", jobs=1, progress=False)
    assert report["songs"] == 6 and not report["skipped"]
    assert report["classes"]["percussion"]["songs"] == 6  # every file of the corpus has drums
    assert report["rules"]["melody-by-name"] >= 4 and report["rules"]["channel10"] >= 6
    for entry in load_index(tmp_path / "cache")["songs"]:
        song = load_song(tmp_path / "cache", entry["id"])
        assert (song["percussion"] > 0).any() and (song["melody"] > 0).any()


def test_a_cache_index_entry_outside_the_cache_or_a_roll_out_of_range_is_refused(tmp_path):
    import numpy as np

    from wav2accomp.data.corpus import load_song
    from wav2accomp.errors import Wav2AccompError

    (tmp_path / "songs").mkdir()
    with pytest.raises(Wav2AccompError, match="outside its folder"):
        load_song(tmp_path, "../../../../etc/passwd")
    roll = np.zeros((8, 78), dtype=np.int16)
    roll[0, 0] = 7
    np.savez(tmp_path / "songs" / "s.npz", melody=roll, beats=np.arange(2), downbeats=np.arange(1))
    with pytest.raises(Wav2AccompError, match="roll of 0, 1 and 2"):
        load_song(tmp_path, "s")
