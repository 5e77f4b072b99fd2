"""The raw-amplitude baseline: network, generation, training with resume, evaluation."""
import numpy as np
import pytest
import torch
from conftest import synthetic_stems

from wav2accomp.baselines.raw_amplitude import (BASELINE_SYSTEMS, BaselineConfig, BaselineTrainOptions, build_network,
                                                evaluate_baseline, generate_accompaniment,
                                                load_baseline, save_baseline, train_baseline, trivial_predictions)
from wav2accomp.errors import Wav2AccompError


def identity(chunk: int) -> tuple[torch.nn.Module, BaselineConfig]:
    config = BaselineConfig(chunk=chunk, hidden=[], input_scale=2.0, output_scale=2.0)
    network = build_network(config)
    with torch.no_grad():
        network[0].weight.copy_(torch.eye(chunk))
        network[0].bias.zero_()
    return network.eval(), config


@pytest.mark.parametrize("overlap", [0.0, 0.5, 0.75])
def test_generation_is_chunkwise_and_overlap_add_preserves_the_signal(overlap):
    network, config = identity(8)
    melody = np.random.default_rng(0).standard_normal(101).astype(np.float32)
    out = generate_accompaniment(network, config, melody, overlap=overlap)
    assert out.shape == melody.shape and np.allclose(out, melody, atol=1e-5)
    with pytest.raises(Wav2AccompError, match="overlap"):
        generate_accompaniment(network, config, melody, overlap=1.0)


def test_save_and_load_without_pickle(tmp_path):
    config = BaselineConfig(chunk=16, hidden=[8, 4], input_scale=0.1, output_scale=0.2)
    network = build_network(config)
    save_baseline(network, config, tmp_path)
    loaded, loaded_config = load_baseline(tmp_path)
    assert loaded_config == config
    x = torch.randn(3, 16)
    assert torch.allclose(network(x), loaded(x))
    np.load(tmp_path / "raw-amplitude.npz", allow_pickle=False).close()
    with pytest.raises(Wav2AccompError, match="no raw-amplitude model in .*baseline train"):
        load_baseline(tmp_path / "missing")
    (tmp_path / "raw-amplitude.npz").write_bytes(b"not a zip")
    with pytest.raises(Wav2AccompError, match="cannot load the raw-amplitude model"):
        load_baseline(tmp_path)


def test_trivial_predictors():
    melody = np.sin(np.arange(1000) / 5.0)
    predictions = trivial_predictions(melody, 0.25 * melody + 0.1)
    assert not predictions["silence"].any()
    assert np.allclose(predictions["scaled melody"], 0.25 * melody, atol=0.01)


def test_training_resumes_to_the_same_weights_and_evaluates(tmp_path):
    stems = synthetic_stems(tmp_path / "stems")
    common = dict(stems=str(stems), chunk=100, hidden=[32], chunks_per_epoch=512, batch_size=64, progress=False)
    whole = train_baseline(BaselineTrainOptions(out=str(tmp_path / "whole"), epochs=2, **common))
    assert len(whole["history"]) == 2 and whole["chunks_per_second"] > 0 and whole["best_epoch"] in (1, 2)
    assert (tmp_path / "whole" / "loss.png").is_file() and (tmp_path / "whole" / "checkpoint.pt").is_file()
    train_baseline(BaselineTrainOptions(out=str(tmp_path / "split"), epochs=1, **common))
    resumed = train_baseline(BaselineTrainOptions(out=str(tmp_path / "split"), epochs=2, resume=True, **common))
    assert resumed["history"] == whole["history"]
    a = np.load(tmp_path / "whole" / "raw-amplitude.npz")
    b = np.load(tmp_path / "split" / "raw-amplitude.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    with pytest.raises(Wav2AccompError, match="different --chunk"):
        train_baseline(BaselineTrainOptions(out=str(tmp_path / "split"), epochs=3, resume=True,
                                            **{**common, "chunk": 50}))

    report = evaluate_baseline(tmp_path / "whole", stems, split="test", progress=False)
    assert report.metadata["songs"] == 2 and report.sections["raw_amplitude"].systems == list(BASELINE_SYSTEMS)
    means = report.sections["raw_amplitude"].means
    assert means["silence"]["snr_db"] == pytest.approx(0.0)
    assert means["scaled melody"]["snr_db"] >= -1e-9          # a least-squares gain never hurts
    assert all(np.isfinite(means[s]["lsd_db"]) for s in BASELINE_SYSTEMS)
    assert "| raw-amplitude |" in report.markdown()


def test_training_needs_train_and_valid_songs(tmp_path):
    stems = synthetic_stems(tmp_path / "stems", per_split={"test": 1})
    with pytest.raises(Wav2AccompError, match="train and valid"):
        train_baseline(BaselineTrainOptions(stems=str(stems), out=str(tmp_path / "run"), progress=False))


def test_ctrl_c_checkpoints_at_a_step_and_resumes_to_the_same_weights(tmp_path, monkeypatch):
    import os
    import signal

    from wav2accomp.baselines import raw_amplitude
    from wav2accomp.models.checkpoints import TrainingInterrupted

    stems = synthetic_stems(tmp_path / "stems")
    common = dict(stems=str(stems), chunk=100, hidden=[32], chunks_per_epoch=512, batch_size=64, epochs=2,
                  progress=False)
    train_baseline(BaselineTrainOptions(out=str(tmp_path / "whole"), **common))
    gather, calls = raw_amplitude.gather, []

    def gather_then_ctrl_c(*args):
        calls.append(1)
        if len(calls) == 11:                       # in epoch 2 (8 training batches an epoch, validation too)
            os.kill(os.getpid(), signal.SIGINT)
        return gather(*args)

    monkeypatch.setattr(raw_amplitude, "gather", gather_then_ctrl_c)
    with pytest.raises(TrainingInterrupted, match=r"epoch 2, batch \d\).*--resume"):
        train_baseline(BaselineTrainOptions(out=str(tmp_path / "split"), **common))
    monkeypatch.setattr(raw_amplitude, "gather", gather)
    assert not (tmp_path / "split" / "raw-amplitude.npz").exists()
    train_baseline(BaselineTrainOptions(out=str(tmp_path / "split"), resume=True, **common))
    a, b = (np.load(tmp_path / run / "raw-amplitude.npz") for run in ("whole", "split"))
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
