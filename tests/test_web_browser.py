"""The page in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by selenium, its
microphone fed from a sung wav file. Skipped with a reason where the browser is not installed, unless
WAV2ACCOMP_REQUIRE_BROWSER=1 (CI sets it once it installed them)."""
from __future__ import annotations

import io
import os
import shutil
import time
import urllib.request
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile

from wav2accomp.testing.singer import sing, tune_notes

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _missing() -> str:
    try:
        import selenium  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed"
    for path in (CHROMIUM, DRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} not found (apt install chromium chromium-driver)"
    return ""


if _missing() and os.environ.get("WAV2ACCOMP_REQUIRE_BROWSER") != "1":
    pytest.skip(_missing(), allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

SUNG_SECONDS = 12.0


@pytest.fixture(scope="module")
def microphone(tmp_path_factory) -> Path:
    """What the fake microphone hears: a synthetic voice singing Ode to Joy at 100 BPM (looped by Chromium)."""
    path = tmp_path_factory.mktemp("mic") / "voice.wav"
    voice = sing(tune_notes("ode_to_joy", bpm=100, start=0.3), sr=48000, seconds=SUNG_SECONDS)
    soundfile.write(path, (0.5 * voice).astype(np.float32), 48000, subtype="PCM_16")
    return path


@pytest.fixture
def browser(microphone, tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1300",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={microphone}", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def until(driver, script: str, timeout: float = 60.0):
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {script}: status {driver.find_element(By.ID, 'status').text!r}, "
                         f"error {driver.find_element(By.ID, 'error').text!r}")


def track_names(midi_bytes: bytes) -> list[str]:
    midi = mido.MidiFile(file=io.BytesIO(midi_bytes))
    return [next(m.name for m in track if m.type == "track_name") for track in midi.tracks[1:]]


def test_record_from_the_microphone_and_hear_the_band(browser, live_server):
    url, _ = live_server
    browser.get(url + "/")
    browser.find_element(By.ID, "bpm").send_keys("100")
    browser.find_element(By.ID, "record").click()
    time.sleep(4 * 0.6 + 8.0)   # the count-in bar at 100 BPM, then eight seconds of singing
    browser.find_element(By.ID, "stop").click()
    until(browser, "return document.body.dataset.playing === 'true'")
    assert float(browser.execute_script("return document.body.dataset.latency")) < 10
    assert not browser.find_element(By.ID, "result").get_attribute("hidden")
    painted = browser.execute_script(
        "const c = document.getElementById('roll'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height)"
        ".data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) n++; return n;")
    assert painted > 2000   # notes drawn on the roll
    mutes = [e.get_attribute("value") for e in browser.find_elements(By.CSS_SELECTOR, "#mutes input")]
    assert mutes == ["melody", "percussion", "guitarlike", "stringslike", "bass"]
    until(browser, "return document.body.dataset.partsReady === '1'")   # the parts' own tracks took over
    assert browser.execute_script("return document.body.dataset.playing") == "true"
    assert not any(e.get_attribute("disabled") for e in browser.find_elements(By.CSS_SELECTOR, "#mutes input"))
    assert int(browser.find_element(By.ID, "note-count").text) >= 8
    with urllib.request.urlopen(browser.find_element(By.ID, "get-midi").get_attribute("href")) as answer:
        assert track_names(answer.read()) == ["melody", "percussion", "guitarlike", "stringslike", "bass"]


def test_drop_a_midi_melody_then_change_the_band_without_sending_it_again(browser, live_server, store):
    url, _ = live_server
    browser.get(url + "/")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLES / "ode_to_joy_melody.mid"))
    until(browser, "return document.body.dataset.ready === '1'")
    browser.find_element(By.ID, "chords").send_keys("D A Bm G")
    browser.find_element(By.CSS_SELECTOR, "#parts input[value=strings]").click()     # strings off: re-arranged
    until(browser, "return document.body.dataset.ready === '2'")
    browser.find_element(By.ID, "variation").click()
    until(browser, "return document.body.dataset.ready === '3'")
    assert "seed 1" in browser.find_element(By.ID, "summary").text and len(store) == 1   # one upload, three bands
    with urllib.request.urlopen(browser.find_element(By.ID, "get-midi").get_attribute("href")) as answer:
        assert track_names(answer.read()) == ["melody", "percussion", "guitarlike", "bass"]
    browser.find_element(By.ID, "play").click()
    assert browser.execute_script("return document.body.dataset.playing") == "true"


def test_a_file_that_is_not_music_shows_the_tools_one_line_message(browser, live_server, tmp_path):
    url, _ = live_server
    junk = tmp_path / "song.wav"
    junk.write_bytes(b"this is text, not a recording" * 10)
    browser.get(url + "/")
    browser.find_element(By.ID, "file").send_keys(str(junk))
    message = until(browser, "const e = document.getElementById('error'); return !e.hidden && e.textContent")
    assert message.startswith("cannot read the upload as audio or MIDI")
