"""PDF extraction speed, pdfium path against the old pdfplumber path, plus real-PDF checks.

Usage: python benchmarks/extract.py [ROUNDS]

Everything runs in one process pinned to one core. Each document is read
ROUNDS times (default 3) by each path and the median time is reported:

- new: ``pdf_to_text(data)``, the whole PDF stage on pypdfium2 (read the
  pages, remove running furniture, order columns, merge table rows, render);
- pdfplumber: the page-reading work the old pdfplumber reader did, kept
  here as the baseline (see ``pdfplumber_read``): open the document and, per
  page, ``find_tables()``, drop the characters inside the tables,
  ``extract_words(extra_attrs=["size", "fontname"], x_tolerance=1.5,
  y_tolerance=3)``, ``table.extract()`` for each table, and group the words
  into printed lines. It leaves out the old reader's furniture, layout and
  rendering steps, so it is a lower bound on that reader's cost and the
  ratio (pdfplumber / new) understates the speed-up.

Inputs: the generated PDF editions of the corpus (``tests/editions.py``) and,
when ``../shared/realworld/docs`` exists next to the project, every PDF in it
(read in place, never copied). Pages are counted with pypdfium2.

For each real PDF a check table follows (facts from ``../shared/realworld/facts.json``):

- furniture: no parsed section still holds running furniture (see
  ``leftover_furniture``);
- title / number / effective: the expected title, policy (or reference)
  number and effective date are readable in ``extract(data).text`` (whitespace
  collapsed, any case, not inside a longer word or number); a date counts in
  any of MM/DD/YYYY, M/D/YYYY and "Month D, YYYY" ("Month YYYY", MM/YYYY or
  M/YYYY for a month-precision fact); "-" when the facts have no such value.

- coverage: the share of the words pdfium reads on the pages that come out in
  ``read_pdf``'s text and footer (``policywatch.extract.pdf.coverage``: page
  numbers and repeated copies of running lines apart); OK at 0.99 or more, the
  ratio is printed, and the missing words of any document below 1.

Then ``checks: K/N`` over the cells that have a value.
"""

from __future__ import annotations

import calendar
import io
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT.parent / "shared" / "realworld"
sys.path.insert(0, str(ROOT))  # the edition generators live with the tests

import pypdfium2  # noqa: E402

from policywatch.extract import Extracted, extract  # noqa: E402
from policywatch.extract.pdf import pdf_to_text, read_pdf  # noqa: E402
from policywatch.extract.pdf.coverage import word_coverage  # noqa: E402
from policywatch.parse import parse_bytes  # noqa: E402
from tests import editions  # noqa: E402

# --------------------------------------------------------------------------- baseline


def pdfplumber_read(data: bytes) -> list[list[Any]]:
    """The old reader's per-page pdfplumber work: tables, words outside them, lines."""
    import pdfplumber

    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            pages.append(_pdfplumber_page(page))
            page.close()  # as the old reader did: memory stays flat
    return pages


def _pdfplumber_page(page: Any) -> list[Any]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside_tables(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    body = page.filter(outside_tables) if boxes else page
    words = body.extract_words(extra_attrs=["size", "fontname"], x_tolerance=1.5, y_tolerance=3)
    return _group_lines(words) + [table.extract() for table in tables]


def _group_lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words → printed lines (same baseline), left to right, as the old reader grouped them."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["bottom"], w["x0"])):
        if rows and abs(word["bottom"] - rows[-1][-1]["bottom"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    name: str
    pages: int
    new_ms: float  # median ms for the whole document
    old_ms: float

    @property
    def new_per_page(self) -> float:
        return self.new_ms / self.pages

    @property
    def old_per_page(self) -> float:
        return self.old_ms / self.pages


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def median_ms(function: Callable[[bytes], object], data: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def page_count(data: bytes) -> int:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def time_documents(docs: dict[str, bytes], rounds: int) -> list[Timing]:
    width = max(len(name) for name in docs) + 2
    header = f"{'pages':>6}{'new ms/page':>13}{'pdfplumber ms/page':>20}{'ratio':>8}"
    print(f"{'document':<{width}}{header}")
    timings = []
    for name, data in docs.items():
        t = Timing(
            name,
            page_count(data),
            median_ms(pdf_to_text, data, rounds),
            median_ms(pdfplumber_read, data, rounds),
        )
        timings.append(t)
        print(
            f"{name:<{width}}{t.pages:>6}{t.new_per_page:>13.1f}"
            f"{t.old_per_page:>20.1f}{t.old_ms / t.new_ms:>7.1f}x"
        )
    return timings


def print_summary(label: str, timings: list[Timing]) -> None:
    pages = sum(t.pages for t in timings)
    new_total = sum(t.new_ms for t in timings)
    old_total = sum(t.old_ms for t in timings)
    new_median = statistics.median(t.new_per_page for t in timings)
    old_median = statistics.median(t.old_per_page for t in timings)
    print(f"{label}: {len(timings)} documents, {pages} pages")
    print(
        f"  median over documents of ms/page: new {new_median:.1f}, "
        f"pdfplumber {old_median:.1f} ({old_median / new_median:.1f}x)"
    )
    print(
        f"  total ms / total pages:           new {new_total / pages:.1f}, "
        f"pdfplumber {old_total / pages:.1f} ({old_total / new_total:.1f}x)"
    )


# --------------------------------------------------------------------------- checks

_PAGE_OF = re.compile(r"\bPage \d+ of \d+\b|\b\d+ of \d+ Pages?\b")
MIN_FURNITURE_CHARS = 15  # shorter lines ("Policy", "-AND-") recur in any body text


def _squash(text: str) -> str:
    return " ".join(text.split())


def running_lines(text: str, pages: int) -> set[str]:
    """Lines of the extracted text that recur like a running header or footer.

    The text has no page breaks, so it is cut into ``pages`` windows of equal
    length, one per page. A line (15+ characters) is running when it occurs in
    at least 3 windows, i.e. 3+ times more than a page apart, and in at least
    two thirds of all windows: furniture is printed on (nearly) every page,
    while a criterion a plan repeats for each indication ("Patient meets BOTH
    of the following (i and ii):") recurs on about half of them at most.
    """
    page_chars = len(text) / max(pages, 1)
    windows: dict[str, set[int]] = {}
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = _squash(raw)
        if len(line) >= MIN_FURNITURE_CHARS:
            windows.setdefault(line, set()).add(int(offset // page_chars))
        offset += len(raw)
    need = max(3, -(-2 * pages // 3))  # ceil(2/3 of the pages)
    return {line for line, seen in windows.items() if len(seen) >= need}


def leftover_furniture(extracted: Extracted, sections: list[Any], pages: int) -> str | None:
    """The first piece of running furniture found inside the parsed sections, if any.

    Furniture is a page number ("Page 3 of 53", "3 of 53 Pages") anywhere in a
    section's text, or a removed furniture line (``Extracted.furniture``, 15+
    characters) or ``running_lines`` line that two or more section lines
    still are (whitespace collapsed). Two, because one copy of the running
    header is kept on purpose as the masthead (the policy number and dates are
    printed there). Whole lines, not substrings: a footer that prints the
    title ("Bariatric Surgery") must not flag every sentence naming it, and
    furniture, printed on a line of its own, stays one.
    """
    suspects = {_squash(line) for line in extracted.furniture}
    suspects = {line for line in suspects if len(line) >= MIN_FURNITURE_CHARS}
    suspects |= running_lines(extracted.text, pages)
    copies: Counter[str] = Counter()
    for section in sections:
        if match := _PAGE_OF.search(_squash(section.text)):
            return f"{section.heading!r}: page number {match.group()!r}"
        copies.update(_squash(line) for line in section.text.splitlines())
    leftover = sorted(line for line in suspects if copies[line] >= 2)
    return f"{copies[leftover[0]]} copies of {leftover[0]!r}" if leftover else None


def date_spellings(iso: str) -> list[str]:
    """How a plan may print an ISO date (YYYY-MM-DD, or YYYY-MM for month precision)."""
    parts = [int(p) for p in iso.split("-")]
    month = calendar.month_name[parts[1]]
    if len(parts) == 2:
        year, mm = parts
        return [f"{month} {year}", f"{mm:02d}/{year}", f"{mm}/{year}"]
    year, mm, dd = parts
    return [f"{mm:02d}/{dd:02d}/{year}", f"{mm}/{dd}/{year}", f"{month} {dd}, {year}"]


def readable(text: str, spelling: str) -> bool:
    """``spelling`` in ``text``, whitespace collapsed, ignoring case, never inside a
    longer number or date ("1/1/2026" is not read in "11/1/2026")."""
    pattern = rf"(?<![\w/]){re.escape(_squash(spelling))}(?![\w/])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def expected_facts(facts: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Column → the spellings of the expected value, any one of which must be readable."""
    wanted: dict[str, list[str]] = {}
    for fact in facts:
        path, value = fact.get("path"), fact.get("value")
        if path == "title":
            wanted["title"] = [value]
        elif path in ("policy_number", "reference_number"):
            wanted["number"] = [value]
        elif path == "dates.effective":
            wanted["effective"] = date_spellings(value)
    return wanted


COLUMNS = ("furniture", "title", "number", "effective", "coverage")
MIN_COVERAGE = 0.99  # of the words on the pages; nothing should ever be dropped


def check_document(data: bytes, pages: int, facts: list[dict[str, Any]]) -> dict[str, Any]:
    """Column → True / False / None (no such fact), and "note": the leftover furniture."""
    extracted = extract(data)
    note = leftover_furniture(extracted, parse_bytes(data).sections, pages)
    cells: dict[str, Any] = {"furniture": note is None, "note": note}
    text = _squash(extracted.text)
    wanted = expected_facts(facts)
    for column in ("title", "number", "effective"):
        spellings = wanted.get(column)
        cells[column] = None if spellings is None else any(readable(text, s) for s in spellings)
    pdf_text, footer = read_pdf(data)
    coverage = word_coverage(data, pdf_text, footer)
    cells["coverage"] = coverage.ratio >= MIN_COVERAGE
    cells["ratio"] = coverage.ratio
    cells["missing"] = coverage.missing
    return cells


def run_checks(docs: dict[str, bytes], pages: dict[str, int]) -> None:
    facts = json.loads((REALWORLD / "facts.json").read_text(encoding="utf-8"))
    width = max(len(name) for name in docs) + 2
    print(f"{'document':<{width}}" + "".join(f"{c:>11}" for c in COLUMNS))
    passed = total = 0
    notes = []
    for name, data in docs.items():
        cells = check_document(data, pages[name], facts.get(f"docs/{name}.pdf", []))
        row = f"{name:<{width}}"
        for column in COLUMNS:
            ok = cells[column]
            label = "-" if ok is None else "OK" if ok else "MISSING"
            if column == "coverage":
                label = f"{cells['ratio']:.4f}" + ("" if ok else "!")
            row += f"{label:>11}"
            if ok is not None:
                total += 1
                passed += ok
        print(row)
        if cells["note"]:
            notes.append(f"  {name}: furniture left in sections: {cells['note']}")
        if cells["missing"]:
            lost = ", ".join(f"{w}×{n}" for w, n in cells["missing"].most_common(8))
            notes.append(f"  {name}: words not in the output: {lost}")
    for note in notes:
        print(note)
    print(f"checks: {passed}/{total}")


# --------------------------------------------------------------------------- main


def real_pdfs() -> dict[str, bytes]:
    folder = REALWORLD / "docs"
    if not folder.is_dir():
        return {}
    return {path.stem: path.read_bytes() for path in sorted(folder.glob("*.pdf"))}


def main(rounds: int = 3) -> None:
    pin_to_one_core()
    generated = {f"{key}.pdf": editions.pdf_edition(e.name) for key, e in editions.EDITIONS.items()}
    pdf_to_text(generated["004.pdf"])  # warm up imports on both paths
    pdfplumber_read(generated["004.pdf"])
    print(f"ROUNDS={rounds}, medians, one core\n")

    summary_generated = time_documents(generated, rounds)
    real = real_pdfs()
    summary_real: list[Timing] = []
    if real:
        print()
        summary_real = time_documents(real, rounds)
    else:
        print(f"\n(no real PDFs: {REALWORLD / 'docs'} is absent)")

    print()
    print_summary("generated editions", summary_generated)
    if summary_real:
        print_summary("real PDFs", summary_real)
        print()
        run_checks(real, {t.name: t.pages for t in summary_real})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
