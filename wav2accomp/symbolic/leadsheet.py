"""A lead sheet as MusicXML: the melody on the 16th grid, the chord symbols the band plays, key, tempo, metre.

:func:`lead_sheet_xml` writes one part ("Melody") of measures in the song's first time signature: each note
and rest split at bar lines (tied across them) and where a chord symbol begins, spelled as notated values
(whole to 16th, dotted where they fit), the chord symbols as ``<harmony>`` elements at their places, the key
(fifths and mode) and the tempo (a metronome mark and a ``<sound>``) at the start. It opens in MuseScore and
parses with music21. A melody that sounds two notes at once keeps the upper one.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np

from ..constants import STEPS_PER_BEAT
from .harmony import NO_CHORD

#: Notated lengths in 16ths, longest first: (16ths, MusicXML type, dotted).
NOTATED = ((16, "whole", False), (12, "half", True), (8, "half", False), (6, "quarter", True),
           (4, "quarter", False), (3, "eighth", True), (2, "eighth", False), (1, "16th", False))
#: Pitch-class spellings (step, alter), sharps in sharp keys and flats in flat ones.
SHARPS = (("C", 0), ("C", 1), ("D", 0), ("D", 1), ("E", 0), ("F", 0), ("F", 1), ("G", 0), ("G", 1), ("A", 0),
          ("A", 1), ("B", 0))
FLATS = (("C", 0), ("D", -1), ("D", 0), ("E", -1), ("E", 0), ("F", 0), ("G", -1), ("G", 0), ("A", -1), ("A", 0),
         ("B", -1), ("B", 0))
#: Circle-of-fifths position of each major key's tonic pitch class (F# as 6, Db as -5, ...).
MAJOR_FIFTHS = (0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5)


def key_fifths(tonic: int, mode: str) -> int:
    """The key signature (sharps > 0, flats < 0) of a key: tonic pitch class and ``"maj"``/``"min"``."""
    return MAJOR_FIFTHS[(tonic + (3 if mode == "min" else 0)) % 12]


def notated_pieces(length: int) -> list[tuple[int, str, bool]]:
    """A length in 16ths as notated values, longest first (e.g. 5 -> quarter + 16th)."""
    pieces = []
    while length > 0:
        piece = next(p for p in NOTATED if p[0] <= length)
        pieces.append(piece)
        length -= piece[0]
    return pieces


def _pitch_xml(pitch: int, spelling) -> str:
    step, alter = spelling[pitch % 12]
    octave = pitch // 12 - 1
    return (f"<pitch><step>{step}</step>{f'<alter>{alter}</alter>' if alter else ''}"
            f"<octave>{octave}</octave></pitch>")


def _harmony_xml(chord: int, spelling) -> str:
    step, alter = spelling[chord % 12]
    kind = "minor" if chord >= 12 else "major"
    return (f"<harmony><root><root-step>{step}</root-step>{f'<root-alter>{alter}</root-alter>' if alter else ''}"
            f"</root><kind>{kind}</kind></harmony>")


def lead_sheet_xml(melody: list[tuple[int, int, int]], chords: np.ndarray | None, *, n_steps: int,
                   bar_steps: int = 16, numerator: int = 4, denominator: int = 4, tonic: int = 0,
                   mode: str = "maj", bpm: float = 120.0, title: str = "") -> str:
    """The MusicXML text of a lead sheet.

    Parameters
    ----------
    melody : list of (int, int, int)
        (MIDI pitch, start step, end step) on the 16th grid.
    chords : np.ndarray or None
        ``(T,)`` the chord index per step the band plays (a symbol where it changes; none on no chord).
    n_steps : int
        Length of the song, steps (rounded up to whole bars).
    bar_steps, numerator, denominator : int
        The bar's length in steps and its time signature.
    tonic, mode : int, str
        The key.
    bpm : float
        Quarter notes per minute.
    title : str
    """
    spelling = FLATS if key_fifths(tonic, mode) < 0 else SHARPS
    n_bars = max(-(-n_steps // bar_steps), 1)
    total = n_bars * bar_steps
    pitch_at = np.full(total, -1)
    onset = np.zeros(total, dtype=bool)
    for pitch, start, end in sorted(melody, key=lambda n: (n[1], -n[0])):
        start, end = max(int(start), 0), min(max(int(end), int(start) + 1), total)
        if start >= total or (onset[start] and pitch_at[start] > pitch):
            continue
        pitch_at[start:end] = pitch
        onset[start] = True
    chord_at = np.full(total, NO_CHORD)
    if chords is not None:
        chord_at[:min(len(chords), total)] = np.asarray(chords)[:total]
    changes = np.zeros(total, dtype=bool)
    changes[0] = chord_at[0] != NO_CHORD
    changes[1:] = (chord_at[1:] != chord_at[:-1]) & (chord_at[1:] != NO_CHORD)
    # an event (note, rest) begins at every onset, pitch change, bar line and chord change
    begins = onset | np.r_[True, pitch_at[1:] != pitch_at[:-1]] | changes
    begins[::bar_steps] = True
    measures = []
    starts = np.flatnonzero(begins)
    ends = np.append(starts[1:], total)
    for bar in range(n_bars):
        body = []
        if bar == 0:
            body.append(f"<attributes><divisions>{STEPS_PER_BEAT}</divisions><key><fifths>"
                        f"{key_fifths(tonic, mode)}</fifths><mode>{'minor' if mode == 'min' else 'major'}</mode>"
                        f"</key><time><beats>{numerator}</beats><beat-type>{denominator}</beat-type></time>"
                        f"<clef><sign>G</sign><line>2</line></clef></attributes>")
            body.append(f"<direction placement=\"above\"><direction-type><metronome><beat-unit>quarter"
                        f"</beat-unit><per-minute>{bpm:.0f}</per-minute></metronome></direction-type>"
                        f"<sound tempo=\"{bpm:.2f}\"/></direction>")
        for start, end in zip(starts.tolist(), ends.tolist()):
            if not bar * bar_steps <= start < (bar + 1) * bar_steps:
                continue
            if changes[start]:
                body.append(_harmony_xml(int(chord_at[start]), spelling))
            pitch = int(pitch_at[start])
            tied_before = pitch >= 0 and not onset[start]
            tied_after = pitch >= 0 and end < total and pitch_at[end] == pitch and not onset[end]
            pieces = notated_pieces(end - start)
            for index, (length, kind, dotted) in enumerate(pieces):
                tie_in = tied_before or index > 0
                tie_out = tied_after or index < len(pieces) - 1
                ties = (("<tie type=\"stop\"/>" if tie_in and pitch >= 0 else "")
                        + ("<tie type=\"start\"/>" if tie_out and pitch >= 0 else ""))
                notations = (("<tied type=\"stop\"/>" if tie_in and pitch >= 0 else "")
                             + ("<tied type=\"start\"/>" if tie_out and pitch >= 0 else ""))
                body.append("<note>" + (_pitch_xml(pitch, spelling) if pitch >= 0 else "<rest/>")
                            + f"<duration>{length}</duration>{ties}<type>{kind}</type>"
                            + ("<dot/>" if dotted else "")
                            + (f"<notations>{notations}</notations>" if notations else "") + "</note>")
        measures.append(f"<measure number=\"{bar + 1}\">{''.join(body)}</measure>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" "
            "\"http://www.musicxml.org/dtds/partwise.dtd\">\n"
            f"<score-partwise version=\"4.0\"><work><work-title>{escape(title)}</work-title></work>"
            "<part-list><score-part id=\"P1\"><part-name>Melody</part-name></score-part></part-list>"
            f"<part id=\"P1\">{''.join(measures)}</part></score-partwise>\n")

