"""Music as symbols: MIDI files, the tempo map and metre, part classes, the piano roll, keys and chords.

:mod:`.tempo_map` (beats <-> seconds, bar lines), :mod:`.midi_io` (a tolerant
reader and a format-1 writer: Song -> Part -> Note), :mod:`.classify`
(melody / percussion / guitarlike / stringslike), :mod:`.roll` (notes <-> the
78-note roll), :mod:`.harmony` (pitch classes, key finding, chord
recognition and names) and :mod:`.chords` (chords a user gives).
"""
