"""Accompaniment quality on held-out songs: real (ceiling), trivial, other song, paper, aligned.

All systems on the same songs in one run (the metrics of wav2accomp.evaluation.metrics); prints the
markdown tables and writes them, the JSON and a few piano rolls to --out.
The same as `wav2accomp evaluate accompaniment`.

Usage::

    python benchmarks/accompaniment.py --data CACHE [--split test] [--out benchmarks/accompaniment]
"""
from __future__ import annotations

import argparse

from wav2accomp.evaluation.accompaniment import evaluate_accompaniment
from wav2accomp.evaluation.report import write_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared cache")
    parser.add_argument("--split", default="test")
    parser.add_argument("--model-dir", default=None, help="default: the shipped models")
    parser.add_argument("--out", default="accompaniment-evaluation")
    args = parser.parse_args()
    report = evaluate_accompaniment(args.data, split=args.split, model_dir=args.model_dir, plots_dir=args.out)
    print(report.markdown())
    write_report(report, args.out)


if __name__ == "__main__":
    main()
