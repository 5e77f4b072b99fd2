"""The audio front end: a recording -> f0 -> sung notes -> a beat grid -> a melody on the 16th grid.

In data-flow order: :mod:`.recording` (read, validate, resample), :mod:`.pitch`
(YIN f0 track), :mod:`.segmentation` (note events), :mod:`.beats` (tempo and
bar lines of a hum, MIDI timing) and :mod:`.transcribe` (all of them as one
call, :func:`~wav2accomp.audio.transcribe.transcribe`).
"""
