"""How the band plays: the parts the models write, played as people play them.

Between the models (rolls on the 16th grid) and the synthesisers: :mod:`.perform` (``play_band``) plays each
part with the piano's real phrases (:mod:`.phrases`), voice-led chords (:mod:`.voicing`), velocities and timing
learned from real players (:mod:`.dynamics`) and the arrangement's arc (:mod:`.arc`), on the melody's own grid
(:mod:`.grid`); :mod:`.fit` learns the players from MIDI folders (``wav2accomp train-band``).
"""
