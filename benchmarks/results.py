"""Write benchmarks/RESULTS.md: today's figures, one section per concern, each re-run by the command it names.

Each concern's commands are run (``--only`` picks some; the others keep the section they last wrote), their
output is kept in ``benchmarks/results/<concern>.md`` under a header that says what is measured (the scripts'
own docstrings), the commands, the date, the commit and the minutes it took, and RESULTS.md is assembled from
those files in the order below, with the lines of what was tried and not shipped for each concern
(``benchmarks/results/tried.md``, one line each; the history of every figure stays in git). A concern whose data
or tools are missing here is left as it was, and says so.

Usage::

    python benchmarks/results.py --data CACHE [--only sound playing ...] [--list]
"""
from __future__ import annotations

import argparse
import ast
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data"
#: concern -> (title, [command, ...], what each command needs to exist). CACHE, SSVD and OUT are filled in.
CONCERNS = {
    "accompaniment": ("Accompaniment against held-out songs (every system, same songs)",
                      [["wav2accomp", "evaluate", "accompaniment", "--data", "CACHE", "--split", "test", "--out",
                        "OUT", "-q"]], ["CACHE"]),
    "playing": ("How the band plays: real players against the band",
                [["python", "benchmarks/playing.py", "--data", "CACHE"],
                 ["python", "benchmarks/playing.py", "--picture", "POP909_SONG", "benchmarks/playing-pop909.png"],
                 ["python", "benchmarks/playing.py", "--picture", "MULTITRACK_SONG",
                  "benchmarks/playing-multitrack.png"]], ["CACHE"]),
    "drums": ("Drums that groove", [["python", "benchmarks/drums.py", "--repeats", "7", "--data", "CACHE"]], ["CACHE"]),
    "harmoniser": ("Chords first: where the harmoniser errs (valid split)",
                   [["python", "benchmarks/harmoniser_errors.py", "--data", "CACHE", "--split", "valid"]], ["CACHE"]),
    "sound": ("Sound: the synthesisers, the mix", [["python", "benchmarks/render.py", "--repeats", "5"]], []),
    "web": ("The web page: the old default sound beside the new",
            [["python", "benchmarks/web.py", "--runs", "4", "--parallel", "20", "--synth", "builtin"],
             ["python", "benchmarks/web.py", "--runs", "4", "--parallel", "20", "--synth", "auto", "--cycles", "4"]],
            ["/usr/bin/chromium", "/usr/bin/chromedriver"]),
    "transcription": ("Hum -> notes: real singing (SSVD) and synthetic voices",
                      [["wav2accomp", "evaluate", "transcription", "SSVD", "--out", "OUT", "-q"],
                       ["python", "benchmarks/transcription.py", "--folder", "NONE", "--repeats", "3"]], ["SSVD"]),
    "transcription-anchors": ("Hum -> notes beside swift-f0 and basic-pitch (benchmark-only environment)",
                              [[".venv-anchors/bin/python", "benchmarks/transcription_anchors.py", "SSVD",
                                "--pyin"]], ["SSVD", ".venv-anchors/bin/python"]),
    "inference": ("Hum -> band without torch", [["python", "benchmarks/inference.py", "--repeats", "5"]], []),
    "accompany-speed": ("Hum -> band, stage by stage", [["python", "benchmarks/accompany.py", "--repeats", "3"]], []),
    "roundtrip": ("Representation round trip (POP909)", [["python", "benchmarks/roundtrip.py"]], []),
    "melody-identification": ("Melody identification (pop-multitrack)",
                              [["python", "benchmarks/melody_identification.py"]], []),
    "prepare-speed": ("Corpus preparation speed", [["python", "benchmarks/prepare_speed.py"]], []),
    "stems": ("Stems and the raw-amplitude baseline",
              [["python", "benchmarks/stems.py", "--pair", "STEMS_POP909", "BASELINE_POP909"]],
              ["STEMS_POP909", "BASELINE_POP909"]),
    "bad-input": ("Bad input", [["python", "-m", "pytest", "-q", "tests/test_bad_inputs.py", "tests/test_fuzz.py",
                                 "tests/test_fileio.py"]], []),
}
#: Lines of other tools' progress that a section leaves out (basic-pitch prints one per file).
NOISE = ("Predicting MIDI for ",)
#: A test song of each corpus for the pictures.
#: Inputs of the stems concern: rendered stems (`wav2accomp stems render`) and a trained raw-amplitude baseline
#: (`wav2accomp baseline train`), both long to make; where they are absent the concern is listed as not measured.
STEMS_INPUTS = {"STEMS_POP909": "/tmp/stems/pop909", "BASELINE_POP909": "/tmp/runs/raw-pop909"}
PICTURE_SONGS = {"POP909_SONG": str(SHARED / "pop909" / "004" / "004.mid"),
                 "MULTITRACK_SONG": str(SHARED / "pop-multitrack" / "Be My Girl - Police.mid")}


def script_doc(command: list[str]) -> str:
    """The first paragraph of the docstring of the benchmark script a command runs, or of the evaluation module
    behind ``wav2accomp evaluate WHAT`` (or "")."""
    paths = [ROOT / word for word in command if word.endswith(".py")]
    if command[:2] == ["wav2accomp", "evaluate"]:
        paths.append(ROOT / "wav2accomp" / "evaluation" / f"{command[2]}.py")
    for path in paths:
        if path.is_file():
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            return doc.split("\n\n")[0].replace("\n", " ")
    return ""


def commit() -> str:
    """The commit measured (with "+ changes" when the tree differs from it)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!benchmarks/results", ":!benchmarks/RESULTS.md", ":!benchmarks/*.png"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()   # this script's own outputs aside
    return head.strip() + (" + uncommitted changes" if dirty else "")


def run_concern(key: str, cache: str, scratch: Path) -> str:
    """Run one concern's commands; its section's markdown."""
    title, commands, needs = CONCERNS[key]
    fill = {"CACHE": cache, "SSVD": str(SHARED / "singing" / "ssvd"), **PICTURE_SONGS, **STEMS_INPUTS}
    began, outputs, measured_at = time.perf_counter(), [], commit()   # the code the commands are about to run
    shown = []
    for number, command in enumerate(commands):
        out = scratch / f"{key}-{number}"
        argv = [fill.get(word, str(out) if word == "OUT" else word) for word in command]
        if argv[0] == "python":
            argv[0] = sys.executable
        elif argv[0] == "wav2accomp":
            argv = [sys.executable, "-m", "wav2accomp", *argv[1:]]
        shown.append(" ".join(w if " " not in w else f'"{w}"' for w in
                              [fill.get(word, "EVAL" if word == "OUT" else word) for word in command]))
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        text = "\n".join(line for line in result.stdout.strip().splitlines()
                         if not line.startswith(NOISE))   # a tool's own progress lines
        if (out / "accompaniment.md").is_file() or (out / "transcription.md").is_file():
            text = next(p for p in (out / "accompaniment.md", out / "transcription.md") if p.is_file()).read_text()
        if result.returncode != 0:
            text += f"\n\n(exit {result.returncode}: {result.stderr.strip().splitlines()[-1:]})"
        outputs.append(text)
    minutes = (time.perf_counter() - began) / 60
    what = " ".join(dict.fromkeys(d for d in (script_doc(c) for c in commands) if d))
    lines = [f"## {title}", "", what or "", "",
             "Commands: " + "; ".join(f"`{c}`" for c in shown) + ".", "",
             f"Measured {datetime.date.today().isoformat()} at commit {measured_at}, {minutes:.1f} min, "
             f"on this project's machine (2 cores).", ""]
    for command, text in zip(shown, outputs):
        pictures = [w for w in command.split() if w.startswith("benchmarks/") and w.endswith(".png")]
        lines += [f"**`{command}`**", "", text, ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in pictures]
        lines += [""] if pictures else []
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a prepared cache (wav2accomp prepare) for the corpus concerns")
    parser.add_argument("--only", nargs="+", choices=list(CONCERNS), default=None)
    parser.add_argument("--list", action="store_true", help="list the concerns and their commands")
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="keep the commands' output folders here (e.g. the evaluation's JSON for the model card)")
    args = parser.parse_args()
    if args.list:
        for key, (title, commands, _) in CONCERNS.items():
            print(f"{key}: {title}\n    " + "\n    ".join(" ".join(c) for c in commands))
        return
    sections = HERE / "results"
    sections.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        scratch = args.keep or temporary
        Path(scratch).mkdir(parents=True, exist_ok=True)
        for key in args.only or list(CONCERNS):
            needs = [STEMS_INPUTS.get(n, n).replace("CACHE", args.data or "").replace(
                "SSVD", str(SHARED / "singing" / "ssvd")) for n in CONCERNS[key][2]]
            missing = [n for n in needs if not n or not (Path(n) if Path(n).is_absolute() else ROOT / n).exists()]
            if missing:
                print(f"{key}: left as it was (missing: {', '.join(m or '--data' for m in missing)})")
                continue
            print(f"{key}: running ...", flush=True)
            (sections / f"{key}.md").write_text(run_concern(key, args.data or "", Path(scratch)) + "\n")
    tried = (sections / "tried.md").read_text() if (sections / "tried.md").is_file() else ""
    parts = ["# Benchmark results", "",
             "Today's figures, one section per concern, each with the commands that measured it, the date and the "
             "commit. `python benchmarks/results.py --data CACHE` re-runs them (`--only CONCERN ...` for some) and "
             "rewrites this page; `--list` shows the commands. What was tried and not shipped is listed last, one "
             "line each; the history of every figure is in git (`git log -p benchmarks/RESULTS.md`).", "",
             "Contents: " + ", ".join(f"[{CONCERNS[k][0]}](#{k})" for k in CONCERNS
                                      if (sections / f"{k}.md").is_file()), ""]
    for key in CONCERNS:
        if (sections / f"{key}.md").is_file():
            parts += [f'<a id="{key}"></a>', "", (sections / f"{key}.md").read_text().strip(), ""]
    missing = [k for k in CONCERNS if not (sections / f"{k}.md").is_file()]
    if missing:
        parts += ["## Not measured on this page", "",
                  *[f"- {CONCERNS[k][0]}: `{' '.join(CONCERNS[k][1][0])}` needs "
                    f"{', '.join(STEMS_INPUTS.get(n, n) for n in CONCERNS[k][2])}, which this run did not have; its "
                    "last figures are in git history." for k in missing], ""]
    if tried:
        parts += [tried.strip(), ""]
    (HERE / "RESULTS.md").write_text("\n".join(parts))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
