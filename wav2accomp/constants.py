"""Every fixed number and table of wav2accomp, in one place.

Units are given in the names or comments: MIDI note numbers, steps of the
time grid, quarter-note beats, seconds.
"""

# --- Pitch axis of every piano roll -----------------------------------------
#: Lowest MIDI note of the roll (C1).
PITCH_LOW = 24
#: Highest MIDI note of the roll (F7), inclusive.
PITCH_HIGH = 101
#: Number of pitch rows of a roll: MIDI 24..101.
N_PITCHES = PITCH_HIGH - PITCH_LOW + 1

# --- Time axis ----------------------------------------------------------------
#: Grid steps per quarter-note beat (4 = 16th notes).
STEPS_PER_BEAT = 4
#: Length of a training window, in steps (25 beats at 16ths).
WINDOW_STEPS = 100

# --- Cell values of an encoded roll (uint8) -----------------------------------
#: The note is not sounding.
SILENT = 0
#: The note is sounding, continued from the step before.
SUSTAIN = 1
#: The note starts at this step (and sounds).
ONSET = 2

# --- MIDI defaults ------------------------------------------------------------
#: Microseconds per quarter note when a file sets no tempo (120 BPM).
DEFAULT_TEMPO_US = 500_000
#: Resolution of the MIDI files wav2accomp writes, in ticks per quarter note.
OUTPUT_TICKS_PER_BEAT = 480
#: Tempi a MIDI file may set, quarter notes per minute; tempos outside are clamped (with a warning).
MIDI_BPM_RANGE = (10.0, 1000.0)
#: Most notes a melody read from MIDI may hold (a bound like MAX_AUDIO_SECONDS for recordings).
MAX_MELODY_NOTES = 20_000
#: Largest chords file read (--chords-file), bytes: a song's chords take a few kB.
MAX_CHORDS_FILE_BYTES = 1_000_000
#: Zero-based MIDI channel of General MIDI percussion ("channel 10").
DRUM_CHANNEL = 9

# --- Track classes --------------------------------------------------------------
MELODY = "melody"
PERCUSSION = "percussion"
GUITARLIKE = "guitarlike"
STRINGSLIKE = "stringslike"
#: The bass parts among the guitarlike ones (GM bass programs, "bass" in the name): a view of their own in the
#: cache and a part of its own in the band, played by the bassline model; the seed's three classes keep them
#: inside guitarlike.
BASS = "bass"
#: POP909's secondary melody track: neither melody nor accompaniment target.
BRIDGE = "bridge"
#: Sound effects and the like: kept out of training data.
OTHER = "other"

#: The classes a model generates, in a fixed order.
ACCOMPANIMENT_CLASSES = (PERCUSSION, GUITARLIKE, STRINGSLIKE)
#: Every part the band can play: the generated classes and the bass.
BAND_PARTS = ACCOMPANIMENT_CLASSES + (BASS,)

#: Name keywords per class, checked in this order, case-insensitive
#: substring match. "bridge" is POP909's convention for its sub-melody track.
NAME_KEYWORDS = (
    (PERCUSSION, ("drums", "drum", "snare", "shaker")),
    (GUITARLIKE, ("bass", "guitar", "gtr", "banjo", "piano", "keyboard", "harp")),
    (STRINGSLIKE, ("trumpet", "organ", "flute", "sax", "polysynth", "whistle",
                   "cello", "strings", "violin")),
    (MELODY, ("words", "melody", "choir", "voice", "lead", "melodie", "solo")),
    (BRIDGE, ("bridge",)),
)

#: A track name found on this many tracks of a file or more is a title, not an instrument: ignored.
TITLE_NAME_TRACKS = 3

#: General MIDI program families: (first program, last program, family, class).
#: Programs are zero-based (0 = Acoustic Grand Piano).
GM_FAMILIES = (
    (0, 7, "piano", GUITARLIKE),
    (8, 15, "chromatic percussion", GUITARLIKE),
    (16, 23, "organ", STRINGSLIKE),
    (24, 31, "guitar", GUITARLIKE),
    (32, 39, "bass", GUITARLIKE),
    (40, 47, "strings", STRINGSLIKE),
    (48, 55, "ensemble", STRINGSLIKE),
    (56, 63, "brass", STRINGSLIKE),
    (64, 71, "reed", STRINGSLIKE),
    (72, 79, "pipe", STRINGSLIKE),
    (80, 87, "synth lead", MELODY),
    (88, 95, "synth pad", STRINGSLIKE),
    (96, 103, "synth effects", OTHER),
    (104, 111, "ethnic", GUITARLIKE),
    (112, 119, "percussive", OTHER),
    (120, 127, "sound effects", OTHER),
)

#: GM program written for each generated class (zero-based).
CLASS_PROGRAMS = {
    MELODY: 73,        # Flute: a clear, sustained lead
    GUITARLIKE: 0,     # Acoustic Grand Piano
    STRINGSLIKE: 48,   # String Ensemble 1
    BASS: 33,          # Electric Bass (finger)
    PERCUSSION: 0,     # Standard kit (channel 10)
    BRIDGE: 0,
    OTHER: 0,
}
#: Note-on velocity written for each generated class.
CLASS_VELOCITIES = {
    MELODY: 100,
    GUITARLIKE: 80,
    STRINGSLIKE: 70,
    BASS: 90,
    PERCUSSION: 90,
    BRIDGE: 80,
    OTHER: 70,
}

# --- Corpus splits ------------------------------------------------------------
#: Percent of songs per split, assigned from a hash of the file name.
SPLIT_PERCENT = (("train", 80), ("valid", 10), ("test", 10))

# --- Melody identification ----------------------------------------------------
#: Parts with fewer notes are never chosen as the melody.
MELODY_MIN_NOTES = 8
#: Weights of wav2accomp.symbolic.classify.melody_features (9 statistics, then the 16 GM
#: program families). Fitted on the training split of pop-multitrack with
#: `python benchmarks/melody_identification.py --fit`.
MELODY_WEIGHTS = (
    0.404, 0.404, -0.781, 3.082, 1.019, 0.478, 0.478, 0.444, -1.145,
    -0.309, 0.022, 0.198, -0.299, -1.072, -0.026, -0.319, 0.243, 0.908, 0.897, 0.586, -0.064, -0.201, -0.152, -0.242, -0.169,
)

# --- Models -------------------------------------------------------------------
#: Positions in the bar a model tells apart (steps since the downbeat; a 4/4 bar of 16ths).
BAR_POSITIONS = 16
#: Architectures: the seed's configuration and the stronger default.
PAPER_ARCH = "paper"
ALIGNED_ARCH = "aligned"
#: Units of the seed's encoder and decoder LSTMs.
PAPER_UNITS = 50
#: The seed's decoding threshold on note probabilities.
PAPER_THRESHOLD = 0.5
#: Units per direction of the aligned model's beat-level LSTM, and its layers (the step-level LSTM has half).
ALIGNED_UNITS = 128
ALIGNED_LAYERS = 2
#: Training window of the aligned model, steps (64 beats: sixteen 4/4 bars of harmonic context).
ALIGNED_WINDOW_STEPS = 256
#: Weight of the aligned model's chord cross-entropy in its loss (beside the notes' summed BCE).
CHORD_LOSS_WEIGHT = 1.0
#: Epochs over which the learning rate halves (see wav2accomp.models.training.learning_rate_at).
LR_HALF_LIFE_EPOCHS = 8
#: Largest gradient norm in training (clipped above).
GRADIENT_CLIP = 10.0
#: Most notes the decoder lets sound at once, per class.
MAX_POLYPHONY = {PERCUSSION: 4, GUITARLIKE: 8, STRINGSLIKE: 6}
#: Weight of a note outside the chord the aligned decoder chose for its beat (notes of the chord weigh 1).
OUTSIDE_CHORD_WEIGHT = 0.2
#: Lowest onset threshold of a drum. Per-drum thresholds matched to each drum's frequency put rare drums
#: (toms: thresholds near 0.001) on every eighth of some melodies; the floor stops that (test split of
#: percussion: frame F1 0.141 -> 0.183, onset F1 0.145 -> 0.190; benchmarks/RESULTS.md, "Drums decoding").
MIN_DRUM_THRESHOLD = 0.02
#: Weight of a chord outside the key, when the user names the key, beside 1 for the key's diatonic triads
#: (multiplies the model's chord distribution of each beat).
OFF_KEY_CHORD_WEIGHT = 0.0
#: Transposition range of training augmentation, semitones (inclusive).
TRANSPOSE_RANGE = (-5, 6)
#: GM drum numbers per drum family, for the percussion metrics.
DRUM_FAMILIES = {
    "kick": (35, 36),
    "snare": (37, 38, 39, 40),
    "hihat/cymbal": (42, 44, 46, 49, 51, 52, 53, 55, 57, 59),
}

#: Highest sampling temperature accepted (beyond it the models' probabilities no longer matter).
MAX_TEMPERATURE = 10.0

# --- Audio input ----------------------------------------------------------------
#: Sample rate every recording is brought to for pitch tracking, Hz.
ANALYSIS_SAMPLE_RATE = 22050
#: Shortest recording accepted, seconds.
MIN_AUDIO_SECONDS = 0.5
#: Longest recording accepted by default, seconds (10 minutes).
MAX_AUDIO_SECONDS = 600.0
#: A recording whose peak stays below this (full scale = 1) is treated as silence (about -80 dBFS).
SILENCE_PEAK = 1e-4

# --- Pitch tracking ------------------------------------------------------------
#: Sample rate the pitch tracker analyses at, Hz (half the analysis rate: ample for f0 up to PITCH_FMAX).
PITCH_SAMPLE_RATE = 11025
#: Analysis hop, samples at PITCH_SAMPLE_RATE (about 11.6 ms).
PITCH_HOP = 128
#: Analysis frame, samples at PITCH_SAMPLE_RATE (about 139 ms: the lowest pitch's lag plus several periods;
#: chosen on SSVD among 46 to 186 ms, see benchmarks/RESULTS.md).
PITCH_FRAME = 1536
#: Frames per block of FFTs (bounds the tracker's memory on long recordings).
PITCH_BLOCK_FRAMES = 512
#: Pitch range searched, Hz (C2 to C6: low hums to whistling).
PITCH_FMIN = 65.0
PITCH_FMAX = 1050.0
#: The period is the first lag whose YIN difference dips below this (else the deepest dip).
YIN_PICK_THRESHOLD = 0.1
#: A frame is voiced when its deepest YIN dip (aperiodicity) is below this.
YIN_THRESHOLD = 0.2
#: A voiced run holds through frames whose dip stays below this (voicing hysteresis: a note's rougher frames,
#: a low voice's creak, stay in the note once a frame below YIN_THRESHOLD started it). Chosen on the 67 SSVD
#: train/valid recordings (COnP / COnPOff 0.608 / 0.519 without it; 0.611, 0.612, 0.609, 0.607 COnP at 0.25, 0.3,
#: 0.35, 0.4); the synthetic set keeps note F1 1.000 at every value tried.
YIN_HOLD_THRESHOLD = 0.3
#: Frames quieter than this, relative to the recording's loudest frame (dB), are unvoiced.
VOICING_FLOOR_DB = -40.0

# --- Note segmentation ------------------------------------------------------------
#: Shortest note kept, seconds (configurable per call).
MIN_NOTE_SECONDS = 0.07
#: Beyond MIN_NOTE_SECONDS, a transcription keeps no note shorter than this share of a 16th note at the tempo
#: it found (the grid cannot hold it: it is a scoop into a note or a fragment of one), per tracker. YIN's
#: segmentation, measured on the 67 SSVD recordings: COnP 0.621 / 0.628 / 0.637 / 0.644 at 0 / 0.75 / 1 / 1.25; at
#: 1.25 synthetic 8ths at 150 BPM and 16ths at 100 BPM start losing notes, at 1 they keep all. swift-f0's notes,
#: trimmed to where they sound, are shorter than YIN's: at 1 they lost real 16ths of 20 POP909 melodies sung by the
#: synthetic voice (note F1 0.914; 0.968 / 0.993 / 0.995 at 0.75 / 0.6 / 0.5), for +0.004 COnP on SSVD (0.683 at 0.5).
GRID_NOTE_SHARE = {"swift-f0": 0.5, "yin": 1.0, "pyin": 1.0}
#: Unvoiced gaps up to this long inside a sung phrase are bridged, seconds.
VOICING_GAP_SECONDS = 0.035
#: A note sounds from its first to its last frame within this many dB of its peak level (its start counted so
#: only where the voice begins, after silence): the tracker's 139 ms frames hear a voice tens of ms before it
#: starts and after it stops (+37 ms median offset error on synthetic voices with known notes,
#: wav2accomp.testing.singer.synthetic_set). Chosen for the offsets on that set, where the truth is exact: 12 dB
#: brings their median error nearest 0 (-1.7 ms; 15 dB +4.1 ms, 9 dB -6.6 ms). On the 67 SSVD recordings the same
#: rule for the start raised COnP from 0.612 to 0.621 (10-15 dB alike; synthetic onsets unchanged).
NOTE_LEVEL_DROP_DB = 12.0
#: Frames further than ~an octave from the median of this window are folded back by octaves, seconds.
OCTAVE_WINDOW_SECONDS = 0.2
#: Cost of changing semitone in the note path (emission cost: squared deviation in semitones, capped).
SEMITONE_SWITCH_COST = 8.0
SEMITONE_DEVIATION_CAP = 4.0
#: A dip in level at least this deep (dB below both sides) inside a note re-attacks it (repeated notes split).
REATTACK_DIP_DB = 10.0
#: A dip's depth is measured against the loudest level this long before and after it, seconds.
REATTACK_WINDOW_SECONDS = 0.15
#: ... or a shallower dip followed by a fast rise (an attack under reverb or legato): dip dB, rise dB within seconds.
REATTACK_SHALLOW_DIP_DB = 4.0
REATTACK_RISE_DB = 8.0
REATTACK_RISE_SECONDS = 0.045
#: A note's onset is the steepest level rise from this long before its boundary to this long after, seconds.
ATTACK_SEARCH_SECONDS = (0.035, 0.09)
#: A note whose steepest level rise near its start is below this (dB over two frames) has no attack: a legato
#: pitch change, whose onset is where the pitch changes.
LEGATO_RISE_DB = 2.0
#: A legato note starts this long before the frame where the tracked pitch path changes semitone, seconds (the
#: path changes half-way through a glide, and the tracker's long frames hear the new pitch late). Chosen on the
#: synthetic legato cases (wav2accomp.testing.singer.synthetic_set): 0.04 s puts their median onset error at
#: +8 ms (90th percentile +18 ms) with every case at note F1 1.000; 0 s left glides 50-130 ms late, 0.06 s
#: made plain legato steps early.
LEGATO_LEAD_SECONDS = 0.04
#: Level envelope frame, samples at PITCH_SAMPLE_RATE (23 ms).
LEVEL_FRAME = 256
#: Share of a note's frames at each end left out of its pitch average (glides in and out).
NOTE_EDGE_SHARE = 0.2

# --- Tempo of a recording -------------------------------------------------------
#: Tempi a user may give (``--bpm``), quarter notes per minute.
USER_BPM_RANGE = (20.0, 400.0)
#: Tempi considered when estimating, quarter notes per minute, and the spacing of candidates (ratio).
TEMPO_RANGE_BPM = (50.0, 200.0)
TEMPO_STEP_RATIO = 1.004
#: Log-normal prior on tempo: centre (BPM) and width (octaves); it settles half/double-tempo ties.
TEMPO_PRIOR_BPM = 110.0
TEMPO_PRIOR_OCTAVES = 0.8
#: Log-normal prior on the melody's median inter-onset interval in beats (centre, width in octaves): tunes
#: move mostly in quarters and eighths, so a tempo that makes most notes half notes is unlikely.
TEMPO_IOI_PRIOR_BEATS = 0.75
TEMPO_IOI_PRIOR_OCTAVES = 1.0
#: Weight of eighth-note regularity beside beat regularity in the tempo score.
EIGHTH_WEIGHT = 0.5
#: Beats per bar of a transcription (4/4).
BEATS_PER_BAR = 4

# --- Rendering (MIDI -> audio) ---------------------------------------------------
#: Sample rate of rendered audio, Hz.
RENDER_SAMPLE_RATE = 44100
#: Audio rendered after the last note-off (release and reverb tails), seconds.
RENDER_TAIL_SECONDS = 1.0
#: Level of the accompaniment relative to the melody in a mix, dB (of their active RMS).
ACCOMPANIMENT_MIX_DB = -3.0
#: Peak of a mix, full scale = 1 (the mix is scaled down to it when louder).
MIX_PEAK = 0.9
#: Where each part sits in the stereo field (MIDI controller 10: 0 left, 64 centre, 127 right), as a band is
#: usually mixed: the voice, the kit (kick and snare) and the bass centred, the piano left of centre, the
#: strings right; written into the MIDI file, so a DAW opens the same picture.
MIX_PAN = {MELODY: 64, PERCUSSION: 64, BASS: 64, GUITARLIKE: 40, STRINGSLIKE: 88}
#: Each part's send to the shared reverb (MIDI controller 91, 0..127): a light room, the bass and kit drier.
MIX_REVERB = {MELODY: 40, PERCUSSION: 24, BASS: 8, GUITARLIKE: 40, STRINGSLIKE: 56}
#: Loudness a rendered mix is brought to, LUFS (ITU-R BS.1770 integrated), and its true-peak ceiling, dBTP.
MIX_LOUDNESS_LUFS = -14.0
MIX_TRUE_PEAK_DB = -1.0
#: The mix bus compressor: threshold (dB below the mix's peak RMS level) and ratio, gentle.
BUS_COMPRESSOR = (-12.0, 2.0)
#: Synthesisers: "auto" (FluidSynth when a SoundFont is named and FluidSynth is here, else the sampled
#: instruments, else FluidSynth with an OS SoundFont, else the built-in one), or one by name.
SYNTH_ENGINES = ("auto", "sampled", "fluidsynth", "builtin")
#: Environment variable naming a General MIDI SoundFont for rendering.
SOUNDFONT_ENV = "WAV2ACCOMP_SOUNDFONT"
#: Where General MIDI SoundFonts from OS packages lie, most complete first (Debian/Ubuntu fluid-soundfont-gm,
#: musescore-general-soundfont, timgm6mb-soundfont; Fedora/Arch; Homebrew).
SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/default.sf3",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)

# --- Stems ------------------------------------------------------------------------
#: Sample rate every stem is read and rendered at, Hz (ample for the baseline's waveforms, half the cost of 44.1k).
STEMS_SAMPLE_RATE = 22050
#: A stem whose name contains one of these (case-insensitive) is the melody stem.
MELODY_STEM_KEYWORDS = ("vocal", "voice", "vox", "lead", "melody", "sing")
#: Stem names that are premixes, never summed into the accompaniment.
MIX_STEM_NAMES = ("mix", "mixture")

#: The kit of the groove model (wav2accomp.models.groove): voice -> the GM drums it stands for in real parts
#: (one voice plays one drum, the one the corpus uses most). Drums outside the kit are not learned.
DRUM_KIT = {
    "kick": (35, 36), "side stick": (37,), "snare": (38, 40), "clap": (39,),
    "closed hi-hat": (42, 44), "open hi-hat": (46,), "crash": (49, 52, 55, 57), "ride": (51, 53, 59),
    "low tom": (41, 43), "mid tom": (45, 47), "high tom": (48, 50), "tambourine": (54,), "shaker": (69, 70),
}
#: Fewest songs a groove or a bar edit must be found in to enter the groove model: it learns what drummers
#: commonly play, never one song's own part.
GROOVE_MIN_SONGS = 5
#: Bars of a phrase; sections start every this many bars from the melody's entry.
PHRASE_BARS = 8
#: Who plays the drums: the groove model (default) or the chosen architecture's percussion network.
DRUMMERS = ("groove", "network")
#: Range of the groove drummer's density (1 = as the melody suggests).
DRUM_DENSITY_RANGE = (0.25, 4.0)
#: Groove families a user may ask the groove drummer for (wav2accomp.models.groove.STYLES tests each).
DRUM_STYLES = ("backbeat", "eighths", "sixteenths", "quarters", "ride", "four-on-the-floor", "half-time")
#: File stem of the groove model among the shipped (or a user's) models.
GROOVE_MODEL = "groove-percussion"
#: File stem prefix of the comping models (chords first: a pitched part playing given chords), one per pitched
#: class: ``comping-guitarlike``, ``comping-stringslike``.
COMPING_MODEL = "comping"
#: File stem of the bassline model (the bass part playing a chord sequence).
BASSLINE_MODEL = "bassline-bass"
#: File stem of the harmoniser (the chord sequence for a melody: chords first).
HARMONISER_MODEL = "harmoniser-chords"
#: Who chooses the chords when none are given: the harmoniser (default; the comping models and the bassline then
#: play them) or the chosen architecture's own networks (the pitched parts choose their chords as they play).
HARMONY_SOURCES = ("harmoniser", "network")
#: What the harmoniser's training loss scores: each beat alone (the default), or each beat's chord as its half bar
#: decodes it.
HARMONISER_LOSSES = ("beat", "half-bar")
#: GM bass programs (zero-based): a part playing one of them is a bass unless its name says otherwise.
BASS_PROGRAMS = range(32, 40)
#: Grids a transcription's MIDI notes may be written on: 16th notes (what the accompaniment hears), 8th notes,
#: or none (the sung timing).
QUANTIZE_GRIDS = ("16th", "8th", "none")
#: Pitch trackers of the audio front end: swift-f0 (default: a learned tracker with its own notes), the
#: vectorised YIN (pure numpy, the FFT tracker the design starts from) and librosa's pyin (slower; probabilistic
#: voicing).
TRACKERS = ("swift-f0", "yin", "pyin")
#: The trackers `evaluate transcription` compares by default.
EVALUATED_TRACKERS = TRACKERS
#: pyin's analysis: 22050 Hz, 93 ms frames, the same hop as YIN.
PYIN_FRAME = 2048
PYIN_HOP = PITCH_HOP * ANALYSIS_SAMPLE_RATE // PITCH_SAMPLE_RATE

# --- The local web server (wav2accomp serve) ------------------------------------------------------------------
#: Address and port it binds by default: this machine only.
SERVE_HOST, SERVE_PORT = "127.0.0.1", 8000
#: Largest upload, bytes, and longest recording or MIDI melody, seconds.
SERVE_MAX_BYTES = 50_000_000
SERVE_MAX_SECONDS = 600.0
#: Arrangements running at once, and waiting beyond those (one more is answered 503 with a retry hint).
SERVE_WORKERS, SERVE_QUEUE = 2, 16
#: Most jobs a server keeps (uploads and results; about 2 GB at the largest uploads): beyond it the least recently
#: used idle job is removed.
SERVE_MAX_JOBS = 32
#: A job (its upload and results) is removed this long after its last use, seconds.
SERVE_JOB_SECONDS = 3600.0
#: Most processes the server keeps warm to synthesise a song's tracks side by side (the sampled instruments).
SERVE_RENDER_PROCESSES = 4
#: Sample rate of the audio the page plays, Hz.
SERVE_SAMPLE_RATE = 22050
#: Seconds a client is told to wait before retrying when the server is busy.
SERVE_RETRY_SECONDS = 2

# --- How the band plays (wav2accomp.band) -----------------------------------------------------------------------
#: How far from the 16th grid the band plays: exactly on it (for editing in a DAW), as the corpus's players do
#: (default), or twice as far.
FEELS = ("natural", "grid", "loose")
#: Scale of the learned timing offsets per feel.
FEEL_TIMING_SCALE = {"natural": 1.0, "grid": 0.0, "loose": 2.0}
#: The band's bass draws a figure per two-bar phrase at least this freely (weights: corpus counts to the power
#: 1 / temperature), so the line varies as real bass lines do even at temperature 0.
BASS_FIGURE_TEMPERATURE = 2.0
#: ... and draws anew every this many bars.
BASS_FIGURE_BARS = 1
#: File stem of the dynamics model (velocities and timing per player) among the shipped (or a user's) models.
DYNAMICS_MODEL = "dynamics-band"
#: File stem of the piano phrase library (real POP909 piano phrases, chord-relative).
PHRASES_MODEL = "phrases-piano"
#: File stem of the metre template of melodies (:mod:`wav2accomp.symbolic.metre`).
METRE_MODEL = "metre-melody"
#: File stem of the style model (a piano's or a band's song, from the melody: :mod:`wav2accomp.band.style`).
STYLE_MODEL = "style-melody"
#: How much likelier (nats a note) a MIDI melody must be under bars of its own than under its file's for the
#: band to take its own (a margin chosen on held-out POP909 songs against multi-track files' own bars).
OWN_BARS_MARGIN = 0.1
