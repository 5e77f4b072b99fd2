"""Corpora for training and evaluation: MIDI folders -> a cache of rolls (:mod:`.corpus`), and multitrack
stems, read or rendered from MIDI (:mod:`.stems`)."""
