"""The accompaniment models: melody roll -> one part's roll.

:mod:`.registry` names the architectures (no torch); each lives in a module of
its own (:mod:`.paper`, the seed's configuration; :mod:`.aligned`, the default)
as an :class:`~wav2accomp.models.architecture.Architecture` whose forward pass
runs in numpy (:mod:`.layers`), so generating needs no torch; their torch
networks (:mod:`.paper_network`, :mod:`.aligned_network`) are for training.
Around them: :mod:`.config` (what defines a model), :mod:`.conditioning`
(inputs per step), :mod:`.decoding` (probabilities -> rolls), :mod:`.generate`
(the shipped models at work), :mod:`.dataset` (training windows),
:mod:`.checkpoints` (a run folder) and :mod:`.training` (``wav2accomp train``).
"""
