"""Baselines installed as ``wav2accomp.baselines`` (see pyproject.toml).

The raw-amplitude baseline (a fully connected network from melody-stem
samples to accompaniment samples) lands here.
"""
