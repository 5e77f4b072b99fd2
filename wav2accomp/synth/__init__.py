"""Hearing MIDI: :mod:`.playback` (notes as a player hears them), two synthesisers (:mod:`.fluidsynth`,
:mod:`.builtin`), :mod:`.render` (choose one and play a song) and :mod:`.mix` (recording + band, audio files)."""
