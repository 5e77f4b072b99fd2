"""Test material the project makes itself: :mod:`.singer`, a voice-like synthesiser with known notes (used by
the tests, the benchmarks and ``samples/make_samples.py``)."""
