// wav2accomp's page: record or drop a melody, arrange it on the local server, draw and play the band.
// Plain browser APIs only (getUserMedia, Web Audio, fetch, canvas); every asset is served by the package.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = {melody: "#c8372d", percussion: "#555b66", guitarlike: "#2f6fb0", stringslike: "#3a9b57",
                 bass: "#7b4fa8"};
const LABELS = {melody: "melody", percussion: "drums", guitarlike: "piano", stringslike: "strings", bass: "bass"};
const NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const SAMPLE_RATE = 22050;   // the server's: its stems decode without resampling, the take is sent at it

const state = {job: null, result: null, audio: null, buffers: {}, gains: {}, sources: [], band: null,
               partsLoaded: false, playing: false, recorder: null, autoplay: false, stoppedAt: 0, startedAt: 0,
               roll: null, timer: 0};
const REARRANGE_MS = 500;   // a changed control re-arranges this long after the last change

function audioContext() {
  if (!state.audio) {
    const Context = window.AudioContext || window.webkitAudioContext;
    try { state.audio = new Context({sampleRate: SAMPLE_RATE}); } catch (err) { state.audio = new Context(); }
  }
  if (state.audio.state === "suspended") state.audio.resume();
  return state.audio;
}

function mark(name) {   // seconds since Stop, for anyone timing the page (document.body.dataset.marks)
  if (!state.stoppedAt) return;
  const marks = JSON.parse(document.body.dataset.marks || "{}");
  marks[name] = Number(((performance.now() - state.stoppedAt) / 1000).toFixed(3));
  document.body.dataset.marks = JSON.stringify(marks);
}

function setStatus(text, busy = false) {
  $("status").textContent = text;
  $("progress").hidden = !busy;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
  if (message) setStatus("", false);
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = response.headers.get("Retry-After");
    const error = new Error(body.error || `the server answered ${response.status}`);
    error.retry = retry ? Number(retry) : 0;
    throw error;
  }
  return body;
}

// --- Input: a recording from the microphone, or a file -------------------------------------------------------

function click(ctx, when, accent) {
  const osc = ctx.createOscillator(), gain = ctx.createGain();
  osc.frequency.value = accent ? 1760 : 1320;
  gain.gain.setValueAtTime(0.4, when);
  gain.gain.exponentialRampToValueAtTime(0.001, when + 0.06);
  osc.connect(gain).connect(ctx.destination);
  osc.start(when);
  osc.stop(when + 0.07);
}

async function startRecording() {
  showError("");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: false}});
  } catch (err) {
    showError(`cannot use the microphone: ${err.message || err.name}`);
    return;
  }
  const ctx = audioContext();
  const bpm = Number($("bpm").value) || 100;
  const beat = 60 / bpm;
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  const processor = ctx.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  const begin = ctx.currentTime + 0.1 + 4 * beat;   // one bar of count-in clicks, then the take
  for (let i = 0; i < 4; i++) click(ctx, ctx.currentTime + 0.1 + i * beat, i === 0);
  processor.onaudioprocess = (event) => {
    if (event.playbackTime >= begin) chunks.push(new Float32Array(event.inputBuffer.getChannelData(0)));
  };
  source.connect(analyser);
  source.connect(processor);
  processor.connect(ctx.destination);   // a ScriptProcessor runs only when connected (it outputs silence)
  const levels = new Float32Array(analyser.fftSize);
  const meter = () => {
    if (!state.recorder) { $("level").style.width = "0"; return; }
    analyser.getFloatTimeDomainData(levels);
    const peak = levels.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    $("level").style.width = `${Math.min(100, 100 * Math.sqrt(peak))}%`;
    const left = Math.ceil((begin - ctx.currentTime) / beat);
    $("count").textContent = left > 0 ? String(5 - left) : "●";
    requestAnimationFrame(meter);
  };
  state.recorder = {stream, source, processor, chunks, rate: ctx.sampleRate};
  $("record").classList.add("on");
  $("record").disabled = true;
  $("stop").disabled = false;
  setStatus(`Count-in at ${bpm} BPM, then sing…`);
  requestAnimationFrame(meter);
}

function stopRecording() {
  const rec = state.recorder;
  if (!rec) return;
  state.recorder = null;
  rec.processor.disconnect();
  rec.source.disconnect();
  rec.stream.getTracks().forEach((t) => t.stop());
  $("record").classList.remove("on");
  $("record").disabled = false;
  $("stop").disabled = true;
  $("count").textContent = "";
  const length = rec.chunks.reduce((n, c) => n + c.length, 0);
  if (length < rec.rate * 0.5) {
    showError("the recording is too short: sing for at least a second after the count-in");
    return;
  }
  state.stoppedAt = performance.now();
  document.body.dataset.marks = "{}";
  state.autoplay = true;
  const wav = wavFile(rec.chunks, length, rec.rate);
  mark("encoded");
  upload(new Blob([wav], {type: "audio/wav"}), "your recording");
}

function wavFile(chunks, length, rate) {
  const buffer = new ArrayBuffer(44 + 2 * length), view = new DataView(buffer);
  const text = (offset, s) => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF"); view.setUint32(4, 36 + 2 * length, true); text(8, "WAVE"); text(12, "fmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, 2 * rate, true); view.setUint16(32, 2, true);
  view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, 2 * length, true);
  let offset = 44;
  for (const chunk of chunks) {
    for (const v of chunk) { view.setInt16(offset, Math.max(-1, Math.min(1, v)) * 32767, true); offset += 2; }
  }
  return buffer;
}

async function upload(blob, what) {
  showError("");
  stopPlaying();
  setStatus(`Sending ${what}…`, true);
  try {
    state.job = await api("/api/jobs", {method: "POST", body: blob});
  } catch (err) {
    showError(err.message);
    return;
  }
  mark("uploaded");
  $("arrange").disabled = $("variation").disabled = false;
  await arrange();
}

// --- The band: arrange, wait, draw, play ---------------------------------------------------------------------

function settings() {
  const parts = [...document.querySelectorAll("#parts input:checked")].map((box) => box.value);
  return {parts, bpm: $("bpm").value || null, key: $("key").value.trim() || null,
          chords: $("chords").value.trim() || null, temperature: Number($("temperature").value),
          seed: Number($("seed").value) || 0};
}

async function arrange() {
  if (!state.job) return;
  showError("");
  setStatus("Arranging…", true);
  let job;
  for (;;) {
    try {
      job = await api(`/api/jobs/${state.job.id}/arrange`, {method: "POST", body: JSON.stringify(settings()),
                                                             headers: {"Content-Type": "application/json"}});
      break;
    } catch (err) {
      if (!err.retry) { showError(err.message); return; }
      setStatus(`The server is busy; trying again in ${err.retry} s…`, true);
      await new Promise((r) => setTimeout(r, 1000 * err.retry));
    }
  }
  const version = job.version;
  while (job.status === "queued" || job.status === "running" || job.version !== version) {
    try { job = await api(`/api/jobs/${state.job.id}?wait=5`); } catch (err) { showError(err.message); return; }
    if (job.version !== version) return;   // a newer arrangement took over
    setStatus(job.status === "queued" ? "Waiting for a free worker…" : "Arranging…", true);
  }
  if (job.status === "error") { showError(job.error); return; }
  mark("arranged");
  await show(job.result);
}

async function show(result) {
  state.result = result;
  const base = `/api/jobs/${state.job.id}/files/`;
  $("get-midi").href = base + "song.mid";
  $("get-wav").href = base + "song.wav";
  $("get-png").href = base + "song.png";
  $("get-stems").href = base + "stems.zip";
  $("get-sheet").href = base + "song.musicxml";
  $("summary").textContent = `${result.duration.toFixed(1)} s · ${Math.round(result.bpm)} BPM · ` +
    `${result.key}${result.key_given ? "" : " (estimated)"} · seed ${result.seed}, temperature ${result.temperature}`;
  $("result").hidden = false;
  drawRoll(result);
  listNotes(result.tracks[0]);
  setStatus("Loading the sound…", true);
  const ctx = audioContext();
  const load = async (file) => ctx.decodeAudioData(await (await fetch(base + file)).arrayBuffer());
  const [melody, band] = await Promise.all([load("stem-melody.wav"), load("band.wav")]);
  if (state.result !== result) return;
  mark("sound loaded");
  state.buffers = {melody, band};
  state.partsLoaded = false;
  buildMutes(result.stems);
  loadParts(result, load);
  $("play").disabled = $("pause").disabled = false;
  document.body.dataset.ready = String(result.version);
  setStatus(`Your band is ready (arranged in ${result.seconds.toFixed(2)} s).`);
  if (state.autoplay) {
    state.autoplay = false;
    play();
    const waited = (performance.now() - state.stoppedAt) / 1000;
    document.body.dataset.latency = waited.toFixed(3);
    setStatus(`Your band is playing (${waited.toFixed(2)} s after you stopped).`);
  }
}

async function loadParts(result, load) {   // the parts' own tracks, for the mutes: they follow the band
  const names = result.stems.filter((name) => name !== "melody");
  let loaded;
  try {
    loaded = await Promise.all(names.map(async (name) => [name, await load(`stem-${name}.wav`)]));
  } catch (err) {
    if (state.result === result) showError(`the parts' own tracks did not load: ${err.message}`);
    return;
  }
  if (state.result !== result) return;
  Object.assign(state.buffers, Object.fromEntries(loaded));
  state.partsLoaded = true;
  mark("parts loaded");
  for (const input of $("mutes").querySelectorAll("input")) input.disabled = false;
  if (state.playing) swapInParts();
  document.body.dataset.partsReady = String(result.version);
}

function buildMutes(names) {
  const box = $("mutes");
  const previous = Object.fromEntries([...box.querySelectorAll("input")].map((i) => [i.value, i.checked]));
  box.textContent = "";
  for (const name of names) {
    const label = document.createElement("label"), input = document.createElement("input");
    input.type = "checkbox"; input.value = name; input.checked = previous[name] ?? true;
    input.disabled = name !== "melody" && !state.partsLoaded;   // the band plays as one track until then
    input.title = input.disabled ? "a moment: the part's own track is loading" : "";
    input.addEventListener("change", () => { if (state.gains[name]) state.gains[name].gain.value = input.checked ? 1 : 0; });
    label.append(input, ` ${LABELS[name] || name}`);
    label.style.color = COLOURS[name] || "#333";
    box.append(label);
  }
}

function startTrack(name, when, offset) {
  const ctx = audioContext(), gain = ctx.createGain(), source = ctx.createBufferSource();
  const box = $("mutes").querySelector(`input[value="${name}"]`);
  gain.gain.value = !box || box.checked ? 1 : 0;
  source.buffer = state.buffers[name];
  source.connect(gain).connect(ctx.destination);
  source.start(when, offset);
  state.gains[name] = gain;
  state.sources.push(source);
  return source;
}

function play() {
  stopPlaying();
  const ctx = audioContext();
  const when = ctx.currentTime + 0.05;
  const names = state.partsLoaded ? [...$("mutes").querySelectorAll("input")].map((i) => i.value) : ["melody", "band"];
  state.band = null;
  for (const name of names) {
    const source = startTrack(name, when, 0);
    if (name === "band") state.band = source;
  }
  state.playing = true;
  state.startedAt = when;
  document.body.dataset.playing = "true";
  requestAnimationFrame(playhead);
}

function swapInParts() {   // the band's one track hands over to the parts' tracks, sample for sample
  if (!state.band) return;
  const when = Math.max(audioContext().currentTime + 0.05, state.startedAt);
  for (const input of $("mutes").querySelectorAll("input")) {
    if (input.value !== "melody") startTrack(input.value, when, when - state.startedAt);
  }
  state.band.stop(when);
  state.band = null;
}

function playhead() {   // a line over the roll where the band is
  if (!state.playing || !state.roll) return;
  const elapsed = audioContext().currentTime - state.startedAt;
  if (elapsed > state.result.duration + 1) { stopPlaying(); return; }
  const g = $("roll").getContext("2d");
  g.putImageData(state.roll.image, 0, 0);
  const x = state.roll.x(Math.max(elapsed, 0));
  g.strokeStyle = "#c8372d";
  g.lineWidth = 2;
  g.beginPath(); g.moveTo(x, 0); g.lineTo(x, $("roll").height - 20); g.stroke();
  g.lineWidth = 1;
  requestAnimationFrame(playhead);
}

function stopPlaying() {
  for (const source of state.sources) { try { source.stop(); } catch (e) { /* already stopped */ } }
  state.sources = [];
  state.band = null;
  state.playing = false;
  document.body.dataset.playing = "false";
  if (state.roll) $("roll").getContext("2d").putImageData(state.roll.image, 0, 0);
}

function drawRoll(result) {
  const canvas = $("roll"), g = canvas.getContext("2d");
  const tracks = result.tracks.filter((t) => t.notes.length);
  const width = canvas.width, left = 70, lane = (canvas.height - 20) / Math.max(tracks.length, 1);
  const x = (seconds) => left + (width - left - 10) * seconds / Math.max(result.duration, 1e-3);
  g.clearRect(0, 0, width, canvas.height);
  g.font = "12px system-ui, sans-serif";
  g.strokeStyle = "#e3e6ec";
  for (const bar of result.downbeats) { g.beginPath(); g.moveTo(x(bar), 0); g.lineTo(x(bar), canvas.height - 20); g.stroke(); }
  tracks.forEach((track, i) => {
    const top = i * lane, pitches = track.notes.map((n) => n[0]);
    const low = Math.min(...pitches) - 1, high = Math.max(...pitches) + 1, row = (lane - 8) / (high - low + 1);
    g.fillStyle = "#1d2330";
    g.fillText(LABELS[track.name] || track.name, 6, top + lane / 2);
    g.fillStyle = COLOURS[track.name] || "#333";
    for (const [pitch, start, end] of track.notes) {
      g.fillRect(x(start), top + 4 + (high - pitch) * row, Math.max(x(end) - x(start) - 1, 1.5), Math.max(row, 2));
    }
    g.strokeStyle = "#d9dde5";
    g.beginPath(); g.moveTo(0, top + lane); g.lineTo(width, top + lane); g.stroke();
    g.strokeStyle = "#e3e6ec";
  });
  g.fillStyle = "#5b6475";
  result.downbeats.forEach((bar, i) => { if (i % 4 === 0) g.fillText(String(i + 1), x(bar) + 2, canvas.height - 6); });
  g.font = "11px system-ui, sans-serif";
  let lastEnd = -Infinity;   // the chord symbols along the top, those that would overlap the one before left out
  for (const [start, symbol] of result.chords || []) {
    if (x(start) < lastEnd) continue;
    g.fillText(symbol, x(start) + 2, 11);
    lastEnd = x(start) + 2 + g.measureText(symbol).width + 4;
  }
  state.roll = {image: g.getImageData(0, 0, width, canvas.height), x};
}

function listNotes(melody) {
  const body = $("notes").querySelector("tbody");
  body.textContent = "";
  melody.notes.forEach(([pitch, start, end], i) => {
    const row = body.insertRow();
    for (const cell of [i + 1, NOTE_NAMES[pitch % 12] + (Math.floor(pitch / 12) - 1), start.toFixed(2), (end - start).toFixed(2)]) {
      row.insertCell().textContent = cell;
    }
  });
  $("note-count").textContent = String(melody.notes.length);
}

// --- Wiring --------------------------------------------------------------------------------------------------

$("record").addEventListener("click", startRecording);
$("stop").addEventListener("click", stopRecording);
$("file").addEventListener("change", (e) => { if (e.target.files[0]) upload(e.target.files[0], e.target.files[0].name); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0], e.dataTransfer.files[0].name);
});
$("arrange").addEventListener("click", () => { clearTimeout(state.timer); stopPlaying(); arrange(); });
function rearrangeSoon() {   // every control re-arranges the melody already sent
  if (!state.job) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { stopPlaying(); arrange(); }, REARRANGE_MS);
}
for (const id of ["bpm", "key", "chords", "seed"]) $(id).addEventListener("change", rearrangeSoon);
$("temperature").addEventListener("change", rearrangeSoon);
document.querySelectorAll("#parts input").forEach((box) => box.addEventListener("change", rearrangeSoon));
$("variation").addEventListener("click", () => {
  clearTimeout(state.timer);
  $("seed").value = String((Number($("seed").value) || 0) + 1);
  if (Number($("temperature").value) === 0) { $("temperature").value = "0.7"; $("temperature-value").textContent = "0.7"; }
  stopPlaying();
  arrange();
});
$("temperature").addEventListener("input", (e) => { $("temperature-value").textContent = e.target.value; });
$("play").addEventListener("click", play);
$("pause").addEventListener("click", stopPlaying);
