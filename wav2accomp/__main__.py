"""`python -m wav2accomp`: the same as the `wav2accomp` command."""
from .cli import entry

entry()
