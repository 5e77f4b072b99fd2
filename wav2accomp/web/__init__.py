"""The local web page (``wav2accomp serve``): :mod:`~wav2accomp.web.jobs` keeps uploads and arranges them on a
bounded worker pool; :mod:`~wav2accomp.web.app` serves the page (``static/``) and the JSON API over it."""
