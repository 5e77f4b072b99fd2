"""The web server's API, through Starlette's test client and a real uvicorn server: uploads checked by decoding,
arrangements on a bounded pool, bad input answered 4xx with one line and nothing left behind."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile
from conftest import make_midi, name, tune

pytest.importorskip("starlette")
pytest.importorskip("httpx2")
from starlette.testclient import TestClient  # noqa: E402

from wav2accomp.web.app import create_app  # noqa: E402
from wav2accomp.web.jobs import read_settings, sniff_upload  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HUM = (SAMPLES / "hum_ode_to_joy.flac").read_bytes()


@pytest.fixture
def client(store):
    with TestClient(create_app(store)) as test_client:
        yield test_client


def wait(client, job_id: str, timeout: float = 60.0) -> dict:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "error"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def wav_bytes(samples: np.ndarray, sr: int = 22050) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, sr, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def test_a_hum_becomes_a_band_and_every_file_of_it_is_served(client, store):
    assert client.get("/").status_code == 200 and "wav2accomp" in client.get("/").text
    assert client.get("/static/app.js").status_code == 200
    created = client.post("/api/jobs", content=HUM)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["kind"] == "audio" and job["status"] == "ready" and 19 < job["seconds"] < 21
    answer = client.post(f"/api/jobs/{job['id']}/arrange", json={"parts": ["drums", "piano", "bass"], "seed": 2})
    assert answer.status_code == 202 and answer.json()["version"] == 1
    done = wait(client, job["id"])
    assert done["status"] == "done", done["error"]
    result = done["result"]
    assert [t["name"] for t in result["tracks"]] == ["melody", "percussion", "guitarlike", "bass"]
    assert result["seed"] == 2 and 90 < result["bpm"] < 120 and len(result["downbeats"]) > 5
    assert all(t["notes"] for t in result["tracks"])
    assert result["chords"][0][0] >= 0 and not result["chords_given"] and len(result["chords"]) > 2
    assert all(isinstance(symbol, str) and symbol for _, symbol in result["chords"])
    midi = client.get(f"/api/jobs/{job['id']}/files/song.mid")
    assert midi.status_code == 200 and midi.headers["content-type"] == "audio/midi"
    tracks = mido.MidiFile(file=io.BytesIO(midi.content)).tracks[1:]
    names = [next(m.name for m in t if m.type == "track_name") for t in tracks]
    assert names == ["melody", "percussion", "guitarlike", "bass"]
    for stem in result["stems"]:
        audio, sr = soundfile.read(io.BytesIO(client.get(f"/api/jobs/{job['id']}/files/stem-{stem}.wav").content))
        assert sr == 22050 and abs(len(audio) / sr - result["duration"] - 1.0) < 0.1 and np.abs(audio).max() > 0.01
    mix, _ = soundfile.read(io.BytesIO(client.get(f"/api/jobs/{job['id']}/files/song.wav").content))
    assert mix.shape[1] == 2 and np.abs(mix).max() > 0.05
    png = client.get(f"/api/jobs/{job['id']}/files/song.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    for bad in ("input.flac", "..%2Finput.flac", "stem-vocals.wav", "song.txt"):
        assert client.get(f"/api/jobs/{job['id']}/files/{bad}").status_code == 404


def test_the_default_sound_plays_sampled_instruments_on_warm_processes_and_offers_stems_and_a_lead_sheet(tmp_path):
    import zipfile

    from wav2accomp.web.jobs import JobStore

    store = JobStore(tmp_path / "jobs", workers=1, queue=1, max_bytes=2_000_000, max_seconds=60)
    try:
        assert store._renderers is not None              # the default engine: sampled, on a warm pool
        with TestClient(create_app(store)) as client:
            job = client.post("/api/jobs", content=HUM).json()
            client.post(f"/api/jobs/{job['id']}/arrange", json={"parts": ["piano", "bass"]})
            done = wait(client, job["id"])
            assert done["status"] == "done", done["error"]
            band, _ = soundfile.read(io.BytesIO(client.get(f"/api/jobs/{job['id']}/files/band.wav").content))
            parts = np.zeros_like(band)
            for stem in done["result"]["stems"]:   # asked for at once: a part's stem waits until it is written
                served = client.get(f"/api/jobs/{job['id']}/files/stem-{stem}.wav")
                audio, _ = soundfile.read(io.BytesIO(served.content))
                assert np.abs(audio).max() > 0.01, stem
                parts += audio if stem != "melody" else 0
            # the band that plays first is the parts' sum, at their level: the page swaps one for the other
            assert np.sqrt(np.mean((parts - band) ** 2)) < 0.05 * np.sqrt(np.mean(band ** 2))
            archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/jobs/{job['id']}/files/stems.zip").content))
            assert sorted(archive.namelist()) == sorted(f"{s}.wav" for s in done["result"]["stems"])
            sheet = client.get(f"/api/jobs/{job['id']}/files/song.musicxml")
            assert sheet.status_code == 200 and b"<score-partwise" in sheet.content and b"<harmony>" in sheet.content
    finally:
        store.close()


@pytest.mark.parametrize("settings,says", [({"parts": ["kazoo"]}, "unknown part"), ({"parts": []}, "no part"),
                                           ({"chords": "C Xyz7"}, "not a chord"), ({"key": "H# dorian"}, "key"),
                                           ({"bpm": 10}, "between 20 and 400")])
def test_bad_settings_are_400_before_anything_is_queued(client, settings, says):
    job = client.post("/api/jobs", content=HUM).json()
    answer = client.post(f"/api/jobs/{job['id']}/arrange", json=settings)
    assert answer.status_code == 400 and says in answer.json()["error"], answer.text
    assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "ready"


def test_a_killed_servers_folder_is_swept_by_the_next_and_the_jobs_kept_are_bounded(tmp_path, monkeypatch):
    import os

    from wav2accomp.constants import SERVE_MAX_JOBS
    from wav2accomp.fileio import STALE_SECONDS, host_name
    from wav2accomp.web.jobs import JobStore

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = tmp_path / f"wav2accomp-serve-{host_name()}-{2 ** 22 + 99}-abc"
    other = tmp_path / f"wav2accomp-serve-elsewhere-{2 ** 22 + 99}-abc"
    for folder in (dead, other):
        (folder / "job").mkdir(parents=True)
        old = time.time() - 2 * STALE_SECONDS
        os.utime(folder, (old, old))
    store = JobStore(workers=1, queue=1, engine="builtin", max_bytes=2_000_000, max_seconds=60)
    try:
        assert not dead.exists() and other.exists()                  # another machine's is not ours to remove
        made = [store.create(HUM) for _ in range(SERVE_MAX_JOBS + 3)]
        assert len(store) == SERVE_MAX_JOBS
        assert not made[0].folder.exists() and made[-1].folder.exists()
        assert len(list(store.root.iterdir())) == SERVE_MAX_JOBS
    finally:
        store.close()


def test_unknown_paths_and_methods_answer_in_json(client):
    assert client.get("/api/nothing").status_code == 404 and "error" in client.get("/api/nothing").json()
    answer = client.put("/api/jobs")
    assert answer.status_code == 405 and "PUT" in answer.json()["error"]


def test_arranging_again_needs_no_new_upload_and_a_midi_melody_works_too(client, tmp_path):
    melody = make_midi(tmp_path / "m.mid", [[name("Melody")] + tune([60, 62, 64, 65, 67, 65, 64, 62] * 4)])
    job = client.post("/api/jobs", content=melody.read_bytes()).json()
    assert job["kind"] == "midi"
    first = wait(client, client.post(f"/api/jobs/{job['id']}/arrange", json={"chords": "C G Am F"}).json()["id"])
    again = client.post(f"/api/jobs/{job['id']}/arrange", json={"parts": ["strings"], "temperature": 0.8, "seed": 5})
    second = wait(client, again.json()["id"])
    assert first["result"]["version"] == 1 and second["result"]["version"] == 2
    assert [t["name"] for t in second["result"]["tracks"]] == ["melody", "stringslike"]
    assert second["result"]["temperature"] == 0.8


BAD_UPLOADS = {
    "empty": (b"", "empty"),
    "text": (b"hello, I am not music", "cannot read the upload"),
    "MIDI header only": (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0", "no melody|no readable track|no notes"),
    "silence": (wav_bytes(np.zeros(22050 * 3)), "silent"),
    "too long": (wav_bytes(0.1 * np.sin(np.arange(8000 * 70) / 10), sr=8000), "too long"),
    "NaN-free noise, too short": (wav_bytes(0.1 * np.ones(100)), "too short"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_get_a_4xx_line_and_leave_nothing(client, store, case):
    data, says = BAD_UPLOADS[case]
    answer = client.post("/api/jobs", content=data)
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]
    assert "\n" not in message and "Traceback" not in message and __import__("re").search(says, message), message
    assert not any(store.root.iterdir()) and len(store) == 0


def test_every_bad_file_of_the_cli_tests_is_refused_or_answered(client, store, tmp_path):
    from test_bad_inputs import long_note_midi, many_notes_midi

    for make in (long_note_midi, many_notes_midi):
        answer = client.post("/api/jobs", content=make(tmp_path / f"{make.__name__}.mid").read_bytes())
        assert answer.status_code == 400 and "\n" not in answer.json()["error"]
    noise = wav_bytes(np.random.default_rng(0).normal(0, 0.3, 22050 * 4))   # decodes, but holds no melody
    job = client.post("/api/jobs", content=noise).json()
    done = wait(client, client.post(f"/api/jobs/{job['id']}/arrange", json={}).json()["id"])
    assert done["status"] in ("done", "error") and str(store.root) not in done["error"]
    assert client.get("/api/health").json()["status"] == "ok"


def test_an_upload_over_the_limit_is_413(client, store):
    answer = client.post("/api/jobs", content=b"\0" * 2_100_000)
    assert answer.status_code == 413 and "too large" in answer.json()["error"] and len(store) == 0


@pytest.mark.parametrize("settings, says", [({"tempo": 100}, "unknown setting 'tempo'"), ({"bpm": "fast"}, "bpm"),
                                            ({"bpm": 1000}, "between"), ({"parts": "drums"}, "list"),
                                            ({"parts": ["tuba"]}, "unknown part 'tuba'"), ({"key": "H major"}, "key"),
                                            ({"chords": "C Xyz"}, "Xyz")])
def test_bad_settings_are_refused_or_end_in_a_one_line_error(client, settings, says):
    job = client.post("/api/jobs", content=HUM).json()
    answer = client.post(f"/api/jobs/{job['id']}/arrange", json=settings)
    if answer.status_code == 400:
        message = answer.json()["error"]
    else:   # checked by the arrangement itself: the job ends in an error
        assert answer.status_code == 202
        done = wait(client, job["id"])
        assert done["status"] == "error"
        message = done["error"]
    assert says in message and "\n" not in message
    assert client.post(f"/api/jobs/{job['id']}/arrange", content=b"[1, 2]").status_code == 400
    assert client.post("/api/jobs/nope/arrange", json={}).status_code == 404
    assert client.get("/api/jobs/nope").status_code == 404


def test_read_settings_and_sniff_upload_are_plain_functions():
    assert read_settings({})["parts"] == ["percussion", "guitarlike", "stringslike", "bass"]
    assert read_settings({"seed": "7", "bpm": "", "key": None})["seed"] == 7
    assert sniff_upload(HUM)[:2] == ("audio", ".flac")


def test_many_jobs_at_once_are_answered_or_told_to_retry_and_none_is_lost(client, store):
    jobs = [client.post("/api/jobs", content=HUM).json()["id"] for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda j: client.post(f"/api/jobs/{j}/arrange", json={"parts": ["bass"]}), jobs))
    codes = [a.status_code for a in answers]
    assert set(codes) <= {202, 503} and codes.count(202) >= 4   # 2 workers + 2 waiting
    assert all(a.headers.get("retry-after") == "2" for a in answers if a.status_code == 503)
    for job_id, answer in zip(jobs, answers):
        while answer.status_code == 503:
            time.sleep(0.2)
            answer = client.post(f"/api/jobs/{job_id}/arrange", json={"parts": ["bass"]})
    results = [wait(client, j) for j in jobs]
    assert all(r["status"] == "done" for r in results)
    notes = {str(r["result"]["tracks"][1]["notes"]) for r in results}
    assert len(notes) == 1   # the same upload and settings: the same bass, whichever worker played it


def test_old_jobs_are_swept_with_their_folders(client, store):
    job = client.post("/api/jobs", content=HUM).json()
    assert (store.root / job["id"]).is_dir()
    assert store.sweep(now=time.monotonic() + 10) == 0
    assert store.sweep(now=time.monotonic() + store.job_seconds + 1) == 1
    assert not (store.root / job["id"]).exists() and client.get(f"/api/jobs/{job['id']}").status_code == 404
    job = client.post("/api/jobs", content=HUM).json()
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204 and not any(store.root.iterdir())


def test_a_client_that_disconnects_mid_upload_leaves_nothing(live_server, store):
    import urllib.request

    url, port = live_server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + HUM[:50_000])
    time.sleep(0.3)
    assert len(store) == 0 and not any(store.root.iterdir())
    with urllib.request.urlopen(f"{url}/api/health") as answer:
        assert answer.status == 200


def test_serve_refuses_a_port_in_use_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "wav2accomp", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_stopping_the_server_removes_every_job(tmp_path, stop):
    import os
    import signal
    import urllib.request

    from conftest import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "wav2accomp", "serve", "--port", str(port)],
                              env={**os.environ, "TMPDIR": str(tmp_path)}, stdout=subprocess.PIPE, text=True)
    try:
        began = time.monotonic()
        while time.monotonic() - began < 30:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/jobs", data=HUM)
                with urllib.request.urlopen(request) as answer:
                    assert answer.status == 201
                break
            except OSError:
                time.sleep(0.1)
        assert [p.name[:17] for p in tmp_path.iterdir()] == ["wav2accomp-serve-"]
        server.send_signal(getattr(signal, stop))
        assert server.wait(timeout=30) == 0 and "stopped" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()
    assert not list(tmp_path.iterdir())
