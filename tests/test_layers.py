"""Inference without torch: the numpy layers and every shipped model equal torch's, to the roll and the MIDI file.

Probabilities agree within 1e-5 on real and random melodies; the decoded parts (MIDI bytes) are compared on a
real melody, since on random input a probability can fall within float32 rounding of a calibrated threshold.
"""
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from wav2accomp.constants import ACCOMPANIMENT_CLASSES
from wav2accomp.models.architecture import build_model
from wav2accomp.models.conditioning import bar_positions, key_profile
from wav2accomp.models.generate import load_part_model
from wav2accomp.models.layers import lstm
from wav2accomp.models.registry import architecture_names, get_architecture
from wav2accomp.symbolic.midi_io import song_to_midi
from wav2accomp.symbolic.roll import rolls_to_song
from wav2accomp.symbolic.tempo_map import TempoMap

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MODELS = [(arch, part) for arch in architecture_names() for part in ACCOMPANIMENT_CLASSES]


def test_lstm_equals_torch():
    torch.manual_seed(0)
    network = torch.nn.LSTM(7, 5, num_layers=2, batch_first=True, bidirectional=True)
    x = torch.randn(3, 11, 7)
    state = (torch.randn(4, 3, 5), torch.randn(4, 3, 5))
    with torch.no_grad():
        expected, (h, c) = network(x, state)
    weights = {f"net.{k}": v.numpy() for k, v in network.state_dict().items()}
    out, (h_np, c_np) = lstm(x.numpy(), weights, "net", layers=2, bidirectional=True,
                             state=(state[0].numpy(), state[1].numpy()))
    assert np.allclose(out, expected.numpy(), atol=1e-6)
    assert np.allclose(h_np, h.numpy(), atol=1e-6) and np.allclose(c_np, c.numpy(), atol=1e-6)


@pytest.fixture(scope="module")
def melodies():
    """A real melody (the sample hum, transcribed) and a random one, with their downbeats."""
    from wav2accomp.audio.transcribe import transcribe

    hum = transcribe(SAMPLES / "hum_ode_to_joy.flac")
    rng = np.random.default_rng(0)
    noise = np.zeros((300, 78), dtype=np.uint8)
    noise[np.arange(300), rng.integers(30, 60, 300)] = rng.integers(1, 3, 300)
    return [(hum.roll(), hum.downbeat_steps()), (noise, np.arange(0, 300, 16))]


def torch_probabilities(arch: str, model, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    """The same song through the torch network (the architecture's numpy probabilities of torch's logits)."""
    architecture, config = get_architecture(arch), model.config
    network = build_model(config)
    network.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
    network.eval()
    if arch == "paper":
        n_windows = -(-len(melody) // config.window)
        padded = np.zeros((n_windows * config.window, 78), dtype=np.uint8)
        padded[:len(melody)] = melody
        inputs = architecture.inputs(padded.reshape(n_windows, config.window, 78), None, None)
        with torch.no_grad():
            logits = network(torch.from_numpy(inputs)).reshape(-1, network.output.out_features)[:len(melody)]
    else:
        inputs = architecture.inputs(melody, bar_positions(len(melody), downbeats), key_profile(melody))
        with torch.no_grad():
            logits = network(torch.from_numpy(inputs[None]))[0]
    return architecture.probabilities(logits.numpy())


@pytest.mark.parametrize("arch,part", MODELS, ids=[f"{a}-{p}" for a, p in MODELS])
def test_shipped_models_run_the_same_without_torch(arch, part, melodies):
    model, config = load_part_model(part, arch)
    architecture = get_architecture(arch)
    network = build_model(config)
    assert {k: tuple(v.shape) for k, v in network.state_dict().items()} == architecture.weight_shapes(config)
    tempo = TempoMap.constant(120)
    for index, (melody, downbeats) in enumerate(melodies):
        with_torch = torch_probabilities(arch, model, melody, downbeats)
        with_numpy = architecture.predict(model, melody, downbeats)
        assert with_numpy.dtype == np.float32 and np.abs(with_numpy - with_torch).max() < 1e-5
        if index:  # random input: a probability may lie within float32 rounding of a threshold (seen: 0.0581)
            continue
        for temperature in (0.0, 0.7):
            rolls = [architecture.decode(config, p, temperature=temperature, seed=3) for p in (with_torch, with_numpy)]
            files = []
            for roll in rolls:
                buffer = io.BytesIO()
                song_to_midi(rolls_to_song({part: roll}, tempo)).save(file=buffer)
                files.append(buffer.getvalue())
            assert files[0] == files[1]


def test_hum_to_band_never_imports_torch(tmp_path):
    code = ("import sys, wav2accomp; song = wav2accomp.accompany(sys.argv[1]); song.to_midi(sys.argv[2]); "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "hum_ode_to_joy.flac"), str(tmp_path / "s.mid")],
                            capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
    for command in (["accompany", str(SAMPLES / "ode_to_joy_melody.mid"), "-o", str(tmp_path / "a.mid")],
                    ["transcribe", str(SAMPLES / "hum_ode_to_joy.flac"), "-o", str(tmp_path / "t.mid")]):
        probe = ("import runpy, sys; sys.argv = ['wav2accomp'] + sys.argv[1:]; from wav2accomp.cli import main; "
                 "code = main(sys.argv[1:]); print('torch' in sys.modules); sys.exit(code)")
        result = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.strip().endswith("False"), (command, result.stderr)


def test_the_parts_of_a_song_run_together_to_the_same_numbers(melodies):
    architecture = get_architecture("aligned")
    models = [load_part_model(part, "aligned")[0] for part in ACCOMPANIMENT_CLASSES]
    melody, downbeats = melodies[0]
    together = architecture.predict_many(models, melody, downbeats)
    assert all(np.array_equal(a, architecture.predict(m, melody, downbeats)) for a, m in zip(together, models))
