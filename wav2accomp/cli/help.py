"""The texts of ``wav2accomp --help`` and of each command's ``--help``: what it does, with examples."""

DESCRIPTION = """\
Hum a tune, get a band: wav2accomp turns a melody (a recording or MIDI) into
multi-track MIDI with generated drums, piano/guitar-like and string-like parts.

Commands:
  accompany   a recording or MIDI melody -> MIDI with a band (+ audio, picture)
  transcribe  turn a sung, hummed or whistled recording into a MIDI melody
  prepare     turn folders of MIDI files into training-ready piano rolls
  inspect     show how a MIDI file's parts are classified (and draw them)
  train       train the model of one accompaniment class on a prepared cache
  train-grooves  learn the groove drummer from the drum parts of a cache
  train-comping  learn how piano and strings play given chords, from a cache
  train-bassline learn how bass parts play chords, from a cache
  train-harmoniser learn to choose chords for a melody, from annotated songs
  train-band  learn how the band plays (dynamics, timing, piano phrases, style)
              from MIDI folders
  evaluate    measure transcription on annotated recordings, generated
              accompaniment against held-out songs, or both routes on stems
  stems       render multitrack stems (one audio file per class) from MIDI
  baseline    the raw-amplitude baseline: train, generate, evaluate
  serve       a web page on this computer: sing into the browser, hear your band

Run `wav2accomp COMMAND --help` for the options and examples of each.
"""

ACCOMPANY_EPILOG = """\
examples:
  wav2accomp accompany hum.wav -o song.mid --render song.wav --plot song.png
  wav2accomp accompany hum.wav -o song.mid --parts drums piano bass --bpm 96 --key "A minor"
  wav2accomp accompany melody.mid -o song.mid --temperature 0.5 --seed 7
  wav2accomp accompany hum.wav -o song.mid --chords "C G Am F"
  wav2accomp accompany hum.wav -o song.mid --style half-time --drums-density 0.7
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/my-models/

IN is a recording (humming, singing or whistling; wav/flac/ogg, mp3 where
your libsndfile can) or a MIDI file whose melody part is used. The MIDI file
holds your melody (time = time in the recording) and one track per part:
drums on channel 10, piano (GM 1), strings (GM 49) and bass (GM 34).

Chords first: the harmoniser chooses a chord per half bar for your melody
(learned from annotated pop songs), and piano, strings and bass play them —
a rhythm and voicing learned from real piano and string parts, and bass
figures real bass players play (roots, fifths, octaves, approach notes).
--chords (or --chords-file) gives your chords instead, played exactly. --key
keeps the chords to the key's own; without it the key is estimated and only
written to the file. --harmony network lets the piano and string networks
choose their own chords as they play. --temperature 0 (default) gives the
most likely chords and parts; 0.3-1 samples more freely, and --seed picks the
variation (same input + seed + temperature = same output).

The drums come from the groove drummer: for each 8-bar section a groove that
real drummers play, chosen for your melody's rhythm and tempo (every second
section the song's second groove: a verse and a chorus feel), varied bar by
bar (fills at phrase ends, a tambourine doubling the backbeat, a crash on
each section, an ending on the last bar). --drums-density leans it sparser
(0.5) or busier (2); --style keeps it to one family (backbeat, eighths,
sixteenths, quarters, ride, four-on-the-floor, half-time); --drummer network
plays the step-by-step percussion network instead.

--render mixes your recording with the synthesised parts. With FluidSynth and
a General MIDI SoundFont it sounds like real instruments (pip install
pyfluidsynth; Debian/Ubuntu: apt install libfluidsynth3 fluid-soundfont-gm;
or --soundfont FILE.sf2); otherwise a small built-in synthesiser plays it.
"""

TRAIN_GROOVES_EPILOG = """\
example:
  wav2accomp train-grooves --data cache/ --out runs/grooves/
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/grooves/

Reads the percussion parts of the cache's train split (numpy only, about a
minute for 1,800 songs), and writes OUT/groove-percussion.npz/.json: the
grooves and bar edits found in at least --min-songs songs (what drummers
commonly play, never one song's own part), their probabilities per place in
the phrase, and the groove choice from the melody's rhythm and tempo.
"""

TRAIN_COMPING_EPILOG = """\
example:
  wav2accomp train-comping --data cache/ --out runs/comping/
  wav2accomp accompany hum.wav -o song.mid --chords "C G Am F" --model-dir runs/comping/

Reads the guitarlike and stringslike parts of the cache's train split with
their chords (POP909's annotations, else the chords recognised in the part)
and writes OUT/comping-guitarlike and OUT/comping-stringslike (.npz/.json):
the bar rhythms found in at least --min-songs songs, the one to play per
tempo and melody density, and the voicing of a major and a minor chord in
the part's register. With --chords, accompany's piano and strings play them.
"""

TRAIN_BAND_EPILOG = """\
example:
  wav2accomp train-band data/pop909/ data/pop-multitrack/ --out runs/band/
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/band/

Reads the train split (by file name) of the MIDI folders and writes
OUT/dynamics-band.npz/.json (per player: piano from POP909's performed piano
parts; strings, bass and each drum family from the other corpora: the level,
accents per 16th of the bar, bar-to-bar swells, touch, timing offsets and
velocity palettes of real parts, as statistics) and OUT/phrases-piano.npz/.json
(POP909's two-bar piano phrases under its chord annotations, note by note, as
played: the piano's textures). accompany's band plays with them.
"""

TRAIN_BASSLINE_EPILOG = """\
example:
  wav2accomp train-bassline --data cache/ --out runs/bass/
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/bass/

Reads the bass parts of the cache's train split (GM bass programs, or "bass"
in the track name) with the chords their songs' other harmony parts sound,
and writes OUT/bassline-bass.npz/.json: the bar figures (rhythm and degree:
root, fifth, octave, third, approach note) found in at least --min-songs
songs, ranked per tempo and melody density, and the bass's register.
"""

TRAIN_HARMONISER_EPILOG = """\
examples:
  wav2accomp train-harmoniser --data cache/ --out runs/harmony/
  wav2accomp accompany hum.wav -o song.mid --model-dir runs/harmony/
  wav2accomp train-harmoniser --data cache/ --out runs/wide/ --hidden 384 --average-with runs/harmony/harmoniser-chords

Learns, from the cache's songs with chord annotations (POP909's), the chord of
each beat (24 major/minor triads or none) from the melody around it, read from
every possible root (so every song teaches every key); the train split learns,
the valid split picks the best epoch; each song is also learned once as a
transcription may mishear its grid (--misheard-weight). Needs torch (pip install
"wav2accomp[train]"); about 25 minutes on two cores with the defaults. OUT
holds checkpoint.pt (--resume continues it), log.json, loss.png and
harmoniser-chords.npz/.json, which `accompany` uses to choose the chords the
piano, strings and bass play. With --average-with the model written averages
its chord scores with those of the harmonisers named (the shipped one: a
384-unit and a 256-unit run); on --resume of a finished run it averages
without training again.
"""

SERVE_EPILOG = """\
examples:
  wav2accomp serve --open
  wav2accomp serve --port 8080 --workers 1 --max-mb 20

Serves one page at http://127.0.0.1:8000/ (this computer only; --host
0.0.0.0 opens it to the network, with a warning). On the page: record from
the microphone (a level meter, a one-bar count-in at the tempo chosen) or
drop a recording or a MIDI melody; see the piano roll of the melody and
every part, play the band with any part muted, download the MIDI, WAV and
PNG, and arrange again with other parts, tempo, key, chords, temperature or
the next seed without sending the melody again. Everything runs here:
nothing is downloaded, nothing is sent elsewhere. The same JSON API is open
to scripts (curl examples in the README). Needs the [web] extra:
pip install 'wav2accomp[web]'.
"""

TRANSCRIBE_EPILOG = """\
examples:
  wav2accomp transcribe hum.wav -o melody.mid
  wav2accomp transcribe hum.wav -o melody.mid --plot hum.png
  wav2accomp transcribe song.flac -o melody.mid --bpm 96 --min-note 0.1
  wav2accomp transcribe hum.wav -o sung.mid --quantize none

Reads wav/flac/ogg (mp3 where your libsndfile can), any sample rate, stereo
or mono. Tracks the pitch (swift-f0, a small learned tracker; --tracker yin
for the FFT tracker), finds the notes (tuning offset removed, vibrato and
glides kept in one note, repeated notes split at re-attacks), estimates
tempo and bar lines (or takes --bpm) and snaps the notes to a 16th-note
grid (--quantize 8th for a coarser one, none to keep the timing you sang).
In the MIDI file, time equals time in the recording: the first bar is a
pickup whose length makes the grid land on your beats. --plot draws the
spectrogram, the f0 track, the notes and the bar lines.
"""

TRANSCRIBE_EVALUATE_EPILOG = """\
examples:
  wav2accomp evaluate transcription ../shared/data/singing/ssvd --out eval-transcription/
  wav2accomp evaluate transcription my_recordings/ --trackers yin --limit 5

DIR holds recordings with their annotations beside them: NAME.txt or NAME.csv
with one note per line (onset offset midi_pitch; onset offset Hz; or onset
Hz duration; seconds), optionally NAME.f0.csv with time,Hz per frame (else
the reference f0 is each note's pitch over its span). For every tracker on
the same files: mir_eval.melody raw pitch / raw chroma / overall accuracy,
mir_eval.transcription note P/R/F1 (onset only, 50 ms; and with offsets) and
the speed as a multiple of real time. Writes OUT/report.json and report.md.
"""

PREPARE_EPILOG = """\
examples:
  wav2accomp prepare ../shared/data/pop909 ../shared/data/pop-multitrack -o cache/
  wav2accomp prepare my_midi_folder/ -o cache/ --jobs 4

Each song becomes CACHE/songs/<corpus>/<name>.npz holding a 78-note roll
(MIDI 24-101, 16th-note grid) for the melody and for each accompaniment class
present (percussion, guitarlike, stringslike), beat and downbeat steps and,
for POP909, chord labels. CACHE/index.json lists the songs with their split
(train/valid/test ~ 80/10/10, stable per file name); CACHE/report.json says
what was read, what was skipped and why, and which rule classified the parts.
"""

INSPECT_EPILOG = """\
examples:
  wav2accomp inspect song.mid
  wav2accomp inspect song.mid --plot song.png
  wav2accomp inspect song.mid --ignore-names     # classify as if track names were junk
"""

TRAIN_EPILOG_TEMPLATE = """\
examples:
  wav2accomp train --data cache/ --part guitarlike --arch aligned --out runs/guitarlike
  wav2accomp train --data cache/ --part percussion --arch paper --out runs/paper-drums --max-minutes 5
  wav2accomp train --data cache/ --part guitarlike --arch aligned --out runs/guitarlike --resume
  torchrun --nproc_per_node=4 -m wav2accomp train --data cache/ --part stringslike --out runs/strings

{architectures}

An epoch is --windows-per-epoch random windows of the train split (random
transpositions for augmentation); the valid split gives early stopping and the
decoding threshold; the test split is never read. OUT gets checkpoint.pt
(written atomically at every epoch end and every --checkpoint-seconds),
log.json, loss.png and the best model, <arch>-<part>.npz/.json, which
`--model-dir OUT` loads. Same data + same --seed = same weights, also after
an interruption and --resume. A run stopped by --max-minutes goes on when
resumed with a larger --max-minutes.
"""

EVALUATE_EPILOG = """\
examples:
  wav2accomp evaluate accompaniment --data cache/ --split test --out eval/
  wav2accomp evaluate accompaniment --data cache/ --parts guitarlike --limit 20 --model-dir runs/guitarlike

On the same songs in one run it compares the real accompaniment (the ceiling), a
trivial baseline (tonic triad on every beat; a rock beat for drums), the real
accompaniment of another song, the seed's `paper` model and the `aligned` model,
and the newer players (the groove drummer; the comping models on the true
chords, on the aligned chord head and on the harmoniser's chords): frame P/R/F1,
note-onset F1, chord accuracy against POP909's annotations, melody chord-tone
ratio and consonance, polyphony, empty-beat rate, pitch-class entropy, groove
consistency (drums: onset F1 per family, backbeat, fills, repeats). The bass
section scores the bassline model (root agreement with the song's chords); the
harmony section scores the chord sequences themselves (real, tonic triad, the
classic HMM harmoniser, the aligned chord head, the harmoniser: majmin/root
accuracy, CTnCTR, PCS, MCTD, chord entropy and changes). --split all evaluates a
corpus never seen as a whole.
Writes OUT/accompaniment.json, OUT/accompaniment.md and a few piano-roll PNGs.
"""


STEMS_EPILOG = """\
examples:
  wav2accomp stems render ../shared/data/pop909 -o stems/pop909 --max-seconds 60
  wav2accomp stems render ../shared/data/pop-multitrack -o stems/multitrack --split test --limit 20

Each MIDI file becomes STEMS_DIR/<corpus>__<name>/ with one stem per class
(melody, percussion, guitarlike, stringslike: the class rules of `inspect`),
mix.flac and a copy of the MIDI file, all the same length, rendered with
FluidSynth and a General MIDI SoundFont (see `accompany --help`) or the
built-in synthesiser, in parallel. --split keeps the songs of one split of
the MIDI corpus (the same split `prepare` gives them). Files without a melody
or accompaniment are skipped with their reason.

A stems folder (rendered or recorded) is <root>/<song>/<stem>.wav|flac|ogg:
the stem whose name says vocal, voice, vox, lead, melody or sing is the
melody (--melody-stem WORD replaces that list in `baseline` and `evaluate
stems`); every other stem except mix/mixture is summed into the accompaniment.
"""

BASELINE_EPILOG = """\
examples:
  wav2accomp baseline train --stems stems/pop909 --out runs/raw --epochs 20
  wav2accomp baseline train --stems stems/pop909 --out runs/raw --epochs 40 --resume
  wav2accomp baseline generate --model runs/raw hum.wav -o accompaniment.wav --overlap 0.5
  wav2accomp baseline evaluate --model runs/raw --stems stems/pop909 --split test

The seed's experiment: a fully connected network maps each chunk of --chunk
melody samples (500 = 23 ms at 22050 Hz) to the same chunk of the summed
accompaniment stems, trained with an L2 loss on the train split (valid split
for the best epoch). Evaluation scores MSE, SNR and log-spectral distance
beside two trivial predictors: silence, and the melody scaled by its
least-squares gain.
"""


def train_epilog() -> str:
    """``train --help``'s text, with every registered architecture and its default sizes."""
    from textwrap import fill

    from ..constants import ALIGNED_ARCH
    from ..models.registry import ARCHITECTURES

    lines = ["Architectures (--arch; default sizes from the registry):"]
    for name, entry in ARCHITECTURES.items():
        default = " (default)" if name == ALIGNED_ARCH else ""
        text = (f"{name}{default}: {entry.summary}; {entry.units} units, {entry.layers} "
                f"layer{'s' if entry.layers > 1 else ''}, windows of {entry.window} steps.")
        lines.append(fill(text, width=78, initial_indent="  ", subsequent_indent="    "))
    return TRAIN_EPILOG_TEMPLATE.format(architectures="\n".join(lines))
