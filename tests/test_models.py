import json

import numpy as np
import pytest
import torch

from wav2accomp.constants import N_PITCHES
from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.conditioning import ALIGNED_FEATURES
from wav2accomp.models.architecture import build_model, load_model, save_model
from wav2accomp.models.config import ModelConfig
from wav2accomp.models.registry import default_config, get_architecture


@pytest.mark.parametrize("arch,width,out", [("paper", N_PITCHES, N_PITCHES), ("aligned", ALIGNED_FEATURES, 2 * N_PITCHES + 25)])
def test_shapes(arch, width, out):
    model = build_model(default_config(arch, "guitarlike"))
    assert model(torch.zeros(3, 100, width)).shape == (3, 100, out)


def test_paper_is_the_seeds_configuration():
    model = build_model(default_config("paper", "guitarlike"))
    assert model.encoder.hidden_size == 50 and model.decoder.hidden_size == 50
    assert default_config("paper", "guitarlike").threshold == 0.5
    assert default_config("paper", "guitarlike").window == 100


def test_targets_hold_sounding_then_onsets():
    roll = np.zeros((1, 4, N_PITCHES), dtype=np.uint8)
    roll[0, :2, 5] = [2, 1]
    assert get_architecture("paper").targets(roll, None, "guitarlike", 4)[0, :, 5].tolist() == [1, 1, 0, 0]
    aligned = get_architecture("aligned").targets(roll, None, "guitarlike", 4)
    assert aligned.shape == (1, 4, 2 * N_PITCHES + 25) and aligned[0, :, N_PITCHES + 5].tolist() == [1, 0, 0, 0]


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    config = ModelConfig(arch="aligned", part="stringslike", units=8, threshold=0.3, training={"seed": 0})
    model = build_model(config)
    save_model(model, config, tmp_path / "m")
    loaded, loaded_config = load_model(tmp_path / "m")
    x = torch.rand(1, 10, ALIGNED_FEATURES)
    with torch.no_grad():
        expected = model(x).numpy()
    assert loaded_config == config and loaded.config == config
    assert np.allclose(get_architecture("aligned").logits(loaded.weights, config, x.numpy()), expected, atol=1e-5)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:  # plain arrays, nothing to unpickle
        assert all(data[k].dtype == np.float32 for k in data.files)


def test_broken_files_give_one_line_errors(tmp_path):
    config = ModelConfig(arch="aligned", part="guitarlike", units=8)
    save_model(build_model(config), config, tmp_path / "m")
    (tmp_path / "m.npz").write_bytes(b"garbage")
    with pytest.raises(Wav2AccompError, match="cannot load model weights"):
        load_model(tmp_path / "m")
    save_model(build_model(config), config, tmp_path / "m")
    (tmp_path / "m.json").write_text(json.dumps({**json.loads((tmp_path / "m.json").read_text()), "units": 16}))
    with pytest.raises(Wav2AccompError, match="not made for this"):
        load_model(tmp_path / "m")
    (tmp_path / "m.json").write_text("{")
    with pytest.raises(Wav2AccompError, match="cannot read model config"):
        load_model(tmp_path / "m")
    with pytest.raises(Wav2AccompError):
        load_model(tmp_path / "absent")
    with pytest.raises(Wav2AccompError, match="unknown architecture"):
        default_config("transformer", "guitarlike")


def test_drum_targets_have_no_chord():
    roll = np.zeros((1, 4, N_PITCHES), dtype=np.uint8)
    roll[0, 0, 36 - 24] = 2
    drums = get_architecture("aligned").targets(roll, np.zeros((1, 4), dtype=int), "percussion", 4)
    assert not drums[..., 2 * N_PITCHES:].any() and drums[0, 0, N_PITCHES + 12] == 1
