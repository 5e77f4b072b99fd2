"""The one shape every evaluator returns, and the one writer of it (JSON + markdown).

A :class:`Report` is a title, what was evaluated (``metadata``) and one or more
:class:`Section`\\ s. A section compares *systems* (rows) on *metrics* (columns):
the mean of each metric over the items (songs, recordings), and the items
themselves, each ``{"id": ..., system: {metric: value}, ...}``. Markdown shows
each section's means as a table, with the lines the evaluator adds before
(``intro``) and after it (``notes``).
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import Wav2AccompError
from ..fileio import OutputSet, atomic_write, write_json


@dataclass
class Section:
    """Systems x metrics on the same items.

    Attributes
    ----------
    title : str
        Heading of the section ("" for none).
    systems, metrics : list of str
        Rows and columns of the table, in order.
    means : dict
        system -> metric -> mean over the items (NaN values left out; NaN when none is left).
    items : list of dict
        One per song or recording: ``"id"``, then system -> metric -> value, and anything else.
    labels, formats : dict
        Column header and number format (``".3f"`` by default) of a metric.
    row_label : str
        Header of the systems column.
    intro, notes : list of str
        Markdown lines shown before and after the table.
    info : dict
        Anything else of the section (speed, models, ...), kept in the JSON.
    """

    title: str
    systems: list[str]
    metrics: list[str]
    means: dict
    items: list[dict] = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    formats: dict = field(default_factory=dict)
    row_label: str = "system"
    intro: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def cell(self, metric: str, value) -> str:
        """A value as the table shows it ("–" for NaN or missing)."""
        return format_value(value, self.formats.get(metric, ".3f"))

    def table(self) -> list[str]:
        """The means as markdown table lines (none for a section without systems)."""
        if not self.systems:
            return []
        header = [self.row_label] + [self.labels.get(m, m.replace("_", " ")) for m in self.metrics]
        lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(self.metrics)]
        for system in self.systems:
            scores = self.means.get(system, {})
            lines.append(f"| {system} | " + " | ".join(self.cell(m, scores.get(m)) for m in self.metrics) + " |")
        return lines


@dataclass
class Report:
    """What an evaluator found.

    Attributes
    ----------
    name : str
        The files' name: ``NAME.json`` and ``NAME.md``.
    title : str
    metadata : dict
        What was evaluated: folder, split, counts, skipped items with their reasons, ...
    sections : dict of str to Section
        By key, in the order shown.
    notes : list of str
        Markdown lines after every section.
    """

    name: str
    title: str
    metadata: dict
    sections: dict[str, Section] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return asdict(self)

    def markdown(self) -> str:
        """Title, then each section (heading, intro, table of means, notes), then the report's notes."""
        lines = [f"# {self.title}", ""]
        for section in self.sections.values():
            if section.title:
                lines += [f"## {section.title}", ""]
            if section.intro:
                lines += section.intro + [""]
            lines += section.table() + [""]
            if section.notes:
                lines += section.notes + [""]
        if self.notes:
            lines += self.notes + [""]
        return "\n".join(lines)


def format_value(value, spec: str = ".3f") -> str:
    """A number for a table: formatted with `spec`; "–" for None and NaN; text as it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return value if isinstance(value, str) else format(value, spec)


def nan_mean(values) -> float:
    """Mean of the finite values given (NaN and None left out); NaN when none is left."""
    finite = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(finite)) if finite else float("nan")


def means_over(items: list[dict], systems, metrics) -> dict:
    """system -> metric -> :func:`nan_mean` over the items that have it."""
    return {system: {metric: nan_mean([item[system].get(metric) for item in items if system in item])
                     for metric in metrics} for system in systems}


def write_report(report: Report, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``NAME.json`` and ``NAME.md`` into `out_dir` (created), committed together
    (:class:`~wav2accomp.fileio.OutputSet`)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Wav2AccompError(f"cannot create {out}: {exc.strerror or exc}") from exc
    json_path, markdown_path = out / f"{report.name}.json", out / f"{report.name}.md"
    with OutputSet({"json": json_path, "markdown": markdown_path}).writing() as staged:
        write_json(staged["json"], report.to_dict())
        with atomic_write(staged["markdown"], "w") as handle:
            handle.write(report.markdown())
    return json_path, markdown_path
