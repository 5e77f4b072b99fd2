"""The architecture registry: names and defaults without torch, lookups, and a third architecture in one file."""
import subprocess
import sys

import numpy as np
import pytest
import torch.nn.functional as F
from torch import nn

from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.architecture import Architecture
from wav2accomp.models.conditioning import paper_inputs
from wav2accomp.models.decoding import decode_paper
from wav2accomp.models.generate import generate_part, load_part_model
from wav2accomp.models.registry import (ArchitectureEntry, architecture_names, default_config, get_architecture,
                                        register_architecture, training_config, unregister_architecture)
from wav2accomp.models.training import train
from wav2accomp.options import TrainOptions


class ToyArchitecture(Architecture):
    """One linear layer from the melody's sounding notes to the accompaniment's, per step."""

    name = "toy"

    def build(self, config):
        return nn.Sequential(nn.Linear(78, 78))

    def weight_shapes(self, config):
        return {"0.weight": (78, 78), "0.bias": (78,)}

    def logits(self, weights, config, inputs):
        return inputs @ weights["0.weight"].T + weights["0.bias"]

    def inputs(self, melody, positions, profile):
        return paper_inputs(melody)

    def targets(self, roll, chords, part, steps_per_beat):
        return (roll > 0).astype(np.float32)

    def loss(self, logits, targets):
        return F.binary_cross_entropy_with_logits(logits, targets)

    def probabilities(self, logits):
        return (1 / (1 + np.exp(-logits))).astype(np.float32)

    def decode(self, config, probabilities, *, temperature=0.0, seed=0, threshold=None, chord_prior=None):
        return decode_paper(probabilities, config.threshold if threshold is None else threshold)


@pytest.fixture
def toy():
    register_architecture("toy", ArchitectureEntry(module="", units=4, layers=1, window=32), ToyArchitecture())
    yield
    unregister_architecture("toy")


def test_training_config_takes_the_architectures_defaults_unless_given():
    base = dict(data="cache", part="guitarlike", out="run")
    assert training_config(TrainOptions(arch="aligned", **base)).window == 256
    assert training_config(TrainOptions(arch="paper", **base)).units == 50
    assert training_config(TrainOptions(arch="paper", window=32, **base)).window == 32


def test_names_and_defaults():
    assert architecture_names() == ("paper", "aligned")
    assert default_config("aligned", "percussion").max_polyphony == 4
    assert get_architecture("paper").name == "paper" and get_architecture("aligned").name == "aligned"
    with pytest.raises(Wav2AccompError, match="unknown architecture 'transformer'"):
        get_architecture("transformer")


def test_listing_the_architectures_does_not_import_torch():
    code = "import sys, wav2accomp.models.registry as r, wav2accomp.cli.parser; r.architecture_names(); " \
           "print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_a_third_architecture_trains_and_generates(toy, tiny_cache, tmp_path):
    result = train(TrainOptions(data=str(tiny_cache), part="guitarlike", arch="toy", out=str(tmp_path), epochs=1,
                                windows_per_epoch=16, batch_size=16, progress=False))
    assert len(result["history"]) == 1 and (tmp_path / "toy-guitarlike.npz").is_file()
    model, config = load_part_model("guitarlike", "toy", tmp_path)
    melody = np.zeros((64, 78), dtype=np.uint8)
    melody[::4, 40] = 2
    roll = generate_part(model, config, melody, np.arange(0, 64, 16))
    assert roll.shape == (64, 78) and roll.dtype == np.uint8
