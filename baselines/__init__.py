"""Baselines installed as ``wav2accomp.baselines`` (see pyproject.toml).

:mod:`wav2accomp.baselines.raw_amplitude`: the seed's raw-amplitude network (a
fully connected map from chunks of melody-stem samples to the same chunks of
the accompaniment), trained and evaluated on multitrack stems
(``wav2accomp baseline train|generate|evaluate``).
"""
