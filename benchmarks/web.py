"""The web page's speed and robustness, measured on a real `wav2accomp serve` process.

1. From the end of a recording to the band playing in the page: headless Chromium, its microphone fed with a
   synthetic voice, clicks Record, sings for RECORD seconds after the count-in, clicks Stop; the page notes
   when the band starts playing (``document.body.dataset.latency``, seconds after Stop). Warm server: the first
   run is reported apart.
2. The same without a browser: upload a 30 s wav, arrange, wait until done, fetch the melody and the band (what
   plays first), then every part's stem (API latency).
3. 20 uploads in parallel (each uploads, arranges, polls; retries when told to): none lost; the server's peak
   memory (VmHWM) and its memory afterwards.
4. --cycles more rounds of those uploads, the server's memory after each (does it keep growing?).
5. A screenshot of the page after a run (--screenshot, for the README).

Needs Debian's chromium and chromium-driver and the [web,test] extras. Usage::

    python benchmarks/web.py [--record 30] [--runs 3] [--parallel 20] [--screenshot benchmarks/serve-page.png]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

from wav2accomp.testing.singer import sing, tune_notes

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def voice(seconds: float, sr: int = 48000) -> np.ndarray:
    notes = tune_notes("ode_to_joy", bpm=100, start=0.3)
    length = notes[-1].offset + 0.6
    repeated = [type(n)(n.onset + k * length, n.offset + k * length, n.pitch, n.level_db)
                for k in range(int(seconds // length) + 1) for n in notes]
    return 0.5 * sing([n for n in repeated if n.offset < seconds], sr=sr, seconds=seconds)


def call(base: str, path: str, body: bytes | None = None, method: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def one_band(base: str, data: bytes, settings: dict) -> tuple[float, float, dict, int]:
    """Upload, arrange (retrying while busy), wait until done, fetch the melody and the band (what a player plays
    first), then every part's stem: (seconds to the band, seconds to every stem, job, retries)."""
    began, retries = time.perf_counter(), 0
    status, job = call(base, "/api/jobs", data)
    assert status == 201, job
    while True:
        status, answer = call(base, f"/api/jobs/{job['id']}/arrange", json.dumps(settings).encode())
        if status != 503:
            break
        retries += 1
        time.sleep(0.5)
    assert status == 202, answer
    while job["status"] not in ("done", "error"):
        _, job = call(base, f"/api/jobs/{job['id']}?wait=5")
    band = everything = float("nan")
    if job["status"] == "done":
        for name in ("stem-melody.wav", "band.wav"):
            urllib.request.urlopen(f"{base}/api/jobs/{job['id']}/files/{name}").read()
        band = time.perf_counter() - began
        for stem in job["result"]["stems"]:
            urllib.request.urlopen(f"{base}/api/jobs/{job['id']}/files/stem-{stem}.wav").read()
        everything = time.perf_counter() - began
    return band, everything, job, retries


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def browser_runs(base: str, record: float, runs: int, screenshot: str | None) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    folder = Path(tempfile.mkdtemp())
    microphone = folder / "voice.wav"
    soundfile.write(microphone, voice(record + 10).astype(np.float32), 48000, subtype="PCM_16")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={folder / 'profile'}", "--window-size=1200,1300", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={microphone}",
                 "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    latencies = []
    try:
        for run in range(runs):
            driver.get(base + "/")
            driver.find_element(By.ID, "bpm").send_keys("100")
            driver.find_element(By.ID, "record").click()
            time.sleep(4 * 0.6 + 0.1 + record)
            driver.find_element(By.ID, "stop").click()
            began = time.monotonic()
            while not driver.execute_script("return document.body.dataset.latency") and time.monotonic() - began < 60:
                time.sleep(0.25)   # seldom: the page times itself, and a busy driver would take the cores it needs
            latencies.append(float(driver.execute_script("return document.body.dataset.latency")))
            print("  marks", driver.execute_script("return document.body.dataset.marks"),
                  "server", driver.execute_script("return JSON.stringify(state.result.timings)"), flush=True)
            print(f"  browser run {run + 1}: band playing {latencies[-1]:.3f} s after Stop", flush=True)
        if screenshot:
            time.sleep(0.5)
            driver.save_screenshot(screenshot)
            print(f"  wrote {screenshot}")
    finally:
        driver.quit()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", type=float, default=30.0, help="seconds sung per browser run")
    parser.add_argument("--runs", type=int, default=3, help="browser runs (the first one warms the server)")
    parser.add_argument("--parallel", type=int, default=20, help="uploads at once")
    parser.add_argument("--cycles", type=int, default=0,
                        help="then this many more rounds of --parallel uploads: the server's memory after each")
    parser.add_argument("--screenshot", default=None, help="PNG of the page after the last browser run")
    parser.add_argument("--synth", default="auto",
                        help="the server's synthesiser (auto = sampled, builtin, fluidsynth)")
    args = parser.parse_args()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "wav2accomp", "serve", "--port", str(port), "--synth", args.synth],
                              stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if call(base, "/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        print(f"server pid {server.pid} on {base}, {os.cpu_count()} CPUs, synth {args.synth}")
        latencies = browser_runs(base, args.record, args.runs, args.screenshot)

        buffer = io.BytesIO()
        soundfile.write(buffer, voice(30.0), 48000, format="WAV", subtype="PCM_16")
        wav = buffer.getvalue()
        api = [one_band(base, wav, {}) for _ in range(4)]
        _, last = call(base, f"/api/jobs/{api[-1][2]['id']}")
        breakdown = last["result"]["timings"]

        hum = (SAMPLES / "hum_ode_to_joy.flac").read_bytes()
        rss_before = memory_kb(server.pid, "VmRSS")
        began = time.perf_counter()
        with ThreadPoolExecutor(args.parallel) as pool:
            parallel = list(pool.map(lambda _: one_band(base, hum, {"seed": 1}), range(args.parallel)))
        wall = time.perf_counter() - began
        done = sum(job["status"] == "done" for _, _, job, _ in parallel)
        retries = sum(r for _, _, _, r in parallel)
        same = len({json.dumps(job["result"]["tracks"]) for _, _, job, _ in parallel if job["status"] == "done"})
        peak, after = memory_kb(server.pid, "VmHWM"), memory_kb(server.pid, "VmRSS")
        cycles = []
        for _ in range(args.cycles):
            with ThreadPoolExecutor(args.parallel) as pool:
                list(pool.map(lambda _: one_band(base, hum, {"seed": 1}), range(args.parallel)))
            time.sleep(1.0)
            cycles.append(memory_kb(server.pid, "VmRSS") / 1024)

        print()
        print("| measure | value |")
        print("|---|---:|")
        warm = latencies[1:] or latencies
        print(f"| browser: end of a {args.record:g} s recording -> band playing, first run (cold server) | "
              f"{latencies[0]:.3f} s |")
        print(f"| browser: the same, warm server, median of {len(warm)} | {np.median(warm):.3f} s |")
        print(f"| API: upload + arrange + wait + the melody and the band fetched (what plays first), 30 s wav, warm, "
              f"median of 3 | {np.median([b for b, _, _, _ in api[1:]]):.3f} s |")
        print(f"| API: the same + every part's stem (the mutes) | {np.median([e for _, e, _, _ in api[1:]]):.3f} s |")
        print(f"| server: transcribe / generate / render the band / MIDI / then the parts (last API run) | "
              f"{breakdown.get('melody', 0):.3f} / {breakdown.get('generate', 0):.3f} / "
              f"{breakdown.get('render band', 0):.3f} / {breakdown.get('midi', 0):.3f} / "
              f"{breakdown.get('render parts', 0):.3f} s |")
        print(f"| {args.parallel} uploads in parallel: bands done / lost | {done} / {args.parallel - done} |")
        print(f"| {args.parallel} in parallel: wall time, 503 retries, distinct results | {wall:.1f} s, {retries}, "
              f"{same} |")
        print(f"| server memory: before / peak / after the parallel run | {rss_before / 1024:.0f} / "
              f"{peak / 1024:.0f} / {after / 1024:.0f} MB |")
        if cycles:
            print(f"| server memory after each of {len(cycles)} more rounds of {args.parallel} | "
                  f"{' / '.join(f'{mb:.0f}' for mb in cycles)} MB |")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
