"""Render stage: every output a person or a tool reads, in one package.

``diff`` computes and ``report`` collects; this package only shows. Nothing
in ``diff`` or ``report`` imports it: the CLI calls it.

- :mod:`.labels` — the one label for each kind, severity, action and status,
  the reading order of changes, the tally line, how moments and commits are written.
- :mod:`.text` — the terminal diff, ``parse --format text``, ``log``'s lines.
- :mod:`.json` — a diff (DESIGN.md's contract) and the report, through
  :func:`policywatch.model.canonical_json`.
- :mod:`.html`, :mod:`.views`, ``templates/`` — the monthly report and the
  single-policy page (jinja2, autoescape on, no scripts).
- :mod:`.csv` — the report as one row per change, safe for spreadsheets;
  :mod:`.xlsx` — the report as a workbook with typed cells.
- :mod:`.portfolio`, :mod:`.compare`, :mod:`.table` — ``list``, ``find`` and
  ``compare`` as terminal tables, JSON, CSV and (compare) a self-contained page.
- :mod:`.output` — a ``--format`` name → the text; where a report is written.
"""

from __future__ import annotations

from policywatch.render.compare import COMPARE_FORMATS, compare_output
from policywatch.render.csv import CSV_COLUMNS, report_csv, safe_cell, side_text
from policywatch.render.html import render_html, render_report
from policywatch.render.json import render_json, report_data, report_json
from policywatch.render.labels import grouped, status_label, tally
from policywatch.render.output import (
    DIFF_FORMATS,
    FORMATS,
    default_output,
    diff_output,
    report_output,
    write,
)
from policywatch.render.portfolio import LIST_FORMATS, find_output, list_output
from policywatch.render.text import policy_summary, render_text, version_summary
from policywatch.render.xlsx import report_xlsx

__all__ = [
    "COMPARE_FORMATS",
    "CSV_COLUMNS",
    "DIFF_FORMATS",
    "FORMATS",
    "LIST_FORMATS",
    "compare_output",
    "default_output",
    "diff_output",
    "find_output",
    "grouped",
    "list_output",
    "policy_summary",
    "render_html",
    "render_json",
    "render_report",
    "render_text",
    "report_csv",
    "report_data",
    "report_json",
    "report_xlsx",
    "report_output",
    "safe_cell",
    "side_text",
    "status_label",
    "tally",
    "version_summary",
    "write",
]
