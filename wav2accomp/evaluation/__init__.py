"""Measuring both routes: :mod:`.metrics` (every metric), :mod:`.report` (the one report shape and its
writer), and an evaluator per job — :mod:`.transcription`, :mod:`.accompaniment`, :mod:`.stems`."""
