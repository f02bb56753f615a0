"""Render the corpus text editions as the PDFs and web pages plans publish.

The tests never commit binaries: they call these generators, which build each PDF
once and keep it (``tests/build_cache.py``: in memory, and on disk for other
processes and later runs, keyed by the generators' source).

- ``pdf_edition(name)``: a multi-page US-letter PDF (fpdf2, DejaVu Sans from
  Debian's ``fonts-dejavu-core``) with a running header, a running footer and
  "Page N of M" on every page, headings in larger bold type, lists indented
  with bullets, code and history tables as ruled table rows, long words
  hyphenated at line ends; 004 is laid out in two columns.
- ``html_edition(name)``: a web page with navigation, a cookie banner, scripts,
  styles, a sidebar and a footer around the policy; criteria as nested lists,
  codes as an HTML table; some pages without <main>, one in windows-1252.

Both start from the same block structure of the text edition
(``text_blocks``), so they carry the same words in the same order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policywatch.model import Policy
from tests.build_cache import cached

FIXTURES = Path(__file__).parent / "fixtures"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian: fonts-dejavu-core

CORPUS = (
    "000_acbc92c6949fa60f.txt",
    "001_6079a787d4731699.txt",
    "002_42bae9da8cbeda42.txt",
    "003_d58e65a9d5ec7deb.txt",
    "004_de06c6c671f2f79f.txt",
)


@dataclass(frozen=True)
class Edition:
    """How one corpus document is published."""

    name: str
    markdown: bool  # inline markdown (emphasis, links) to render rather than print
    columns: int = 1
    # First and last line of a code table the text edition spells with spaces.
    code_table: tuple[str, str] | None = None
    html_main: bool = True  # wrap the article in <main>; else only generic <div>s
    html_encoding: str = "utf-8"


EDITIONS = {
    "000": Edition(
        "000_acbc92c6949fa60f.txt",
        markdown=False,
        code_table=("Codes Number Description", "Place of Service"),
    ),
    "001": Edition("001_6079a787d4731699.txt", markdown=True, html_main=False),
    "002": Edition("002_42bae9da8cbeda42.txt", markdown=True),
    "003": Edition(
        "003_d58e65a9d5ec7deb.txt",
        markdown=False,
        code_table=(
            "CPT codes: Code Description",
            "47383 Ablation, 1 or more liver tumor(s), percutaneous, cryoablation",
        ),
        html_main=False,
        html_encoding="windows-1252",
    ),
    "004": Edition("004_de06c6c671f2f79f.txt", markdown=True, columns=2),
}


def edition_for(name: str) -> Edition:
    return EDITIONS[name[:3]]


def running_header(key: str) -> str:
    """The running header printed on every page of ``key``'s PDF edition."""
    edition = EDITIONS[key]
    text = (FIXTURES / edition.name).read_text(encoding="utf-8")
    return _running_header(text_blocks(text, edition))


# --------------------------------------------------------------------------- comparing

# What "parses the same" means for issue 6, one projection per compared field.
FIELDS: dict[str, Callable[[Policy], object]] = {
    "title": lambda p: p.title,
    "policy_number": lambda p: p.policy_number,
    "reference_number": lambda p: p.reference_number,
    "dates": lambda p: vars(p.dates),
    "coverage_statuses": lambda p: [(c.indication, c.status) for c in p.coverage],
    "codes": lambda p: [(c.system, c.code, c.range) for c in p.codes],
    "evidence_counts": lambda p: [e.counts for e in p.evidence],
    "reference_count": lambda p: len(p.references),
    "history_count": lambda p: len(p.history),
}


def words(text: str) -> list[str]:
    """Words of extracted text, without heading and bullet markers or cell separators.

    URLs are left out: a URL longer than a printed line is cut by the printer.
    """
    text = re.sub(r"^\s*(#+|[-•*])\s+", "", text.replace("\t", " "), flags=re.MULTILINE)
    return [w for w in text.replace("\xa0", " ").split() if "://" not in w and "%20" not in w]


def edition_words(key: str) -> list[str]:
    """The words a faithful PDF or HTML edition of ``key`` carries, in order."""
    edition = EDITIONS[key]
    text = (FIXTURES / edition.name).read_text(encoding="utf-8")
    out: list[str] = []
    for block in text_blocks(text, edition):
        if block.kind == "rows":
            out += words("\n".join(" ".join(row) for row in block.rows))
        elif block.kind != "gap":
            out += words(f"{block.ordered} {block.text}")
    return out


# --------------------------------------------------------------------------- blocks


@dataclass
class Block:
    kind: str  # "heading" | "line" | "item" | "rows" | "gap"
    text: str = ""
    level: int = 0  # heading level, or list nesting depth
    ordered: str = ""  # "7." for an ordered item, "" for a bullet
    rows: list[list[str]] = field(default_factory=list)
    html: str = ""  # the text as inline HTML (emphasis, links, superscripts)


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^(\s*)([-*•])\s+(.*)$")
_ORDERED = re.compile(r"^(\s*)(\d{1,3})\.\s+(.*)$")
_CODE = (
    r"(?:[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})*(?:-[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?)?"
    r"|\d{4}[0-9A-Z](?:-\d{4}[0-9A-Z])?|\d{2,3}\.\d{1,2}|[0-9A-Z]{7})"
)
_CODE_ROW = re.compile(rf"^(?P<label>.*?)\s*(?<!\S)(?P<code>{_CODE})\s+(?P<desc>\S.*)$")


def text_blocks(text: str, edition: Edition) -> list[Block]:
    """The text edition as headings, lines, list items and table rows."""
    blocks: list[Block] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        if edition.code_table and raw.strip(" \xa0") == edition.code_table[0]:
            i = _code_table(lines, i, edition.code_table[1], blocks)
            continue
        if "\t" in raw:
            rows = []
            while i < len(lines) and "\t" in lines[i]:
                rows.append([_inline(c, edition).strip() for c in lines[i].rstrip().split("\t")])
                i += 1
            blocks.append(Block("rows", rows=rows))
            continue
        blocks.append(_line_block(raw, edition))
        i += 1
    return _squeeze_gaps(blocks)


def _line_block(raw: str, edition: Edition) -> Block:
    if not raw.strip(" \xa0"):
        return Block("gap")
    heading = _HEADING.match(raw) if edition.markdown else None
    if heading:
        return _block("heading", heading.group(2), edition, level=len(heading.group(1)))
    item = _ITEM.match(raw)
    if item and (edition.markdown or item.group(2) == "•"):
        depth = len(item.group(1)) // 2 if edition.markdown else 0
        return _block("item", item.group(3), edition, level=depth)
    ordered = _ORDERED.match(raw) if edition.markdown else None
    if ordered:
        depth = len(ordered.group(1)) // 2
        return _block("item", ordered.group(3), edition, depth, ordered.group(2) + ".")
    return _block("line", raw.strip(" "), edition)


def _block(kind: str, source: str, edition: Edition, level: int = 0, ordered: str = "") -> Block:
    text = _inline(source, edition)
    markup = _inline(source, edition, markup=True)
    return Block(kind, text.strip(" "), level=level, ordered=ordered, html=markup.strip(" "))


def _code_table(lines: list[str], start: int, last: str, blocks: list[Block]) -> int:
    """A space-separated code table → rows of (label, code, description)."""
    rows: list[list[str]] = []
    i = start
    while i < len(lines):
        line = lines[i].replace("\xa0", " ").strip()
        i += 1
        if line:
            match = _CODE_ROW.match(line)
            rows.append([match["label"], match["code"], match["desc"]] if match else [line])
        if line == last:
            break
    if all(len(r) == 1 or not r[0] for r in rows):  # no system labels: drop that column
        rows = [r[1:] if len(r) == 3 else r for r in rows]
    blocks.append(Block("rows", rows=rows))
    return i


def _squeeze_gaps(blocks: list[Block]) -> list[Block]:
    result: list[Block] = []
    for block in blocks:
        if block.kind == "gap" and (not result or result[-1].kind == "gap"):
            continue
        result.append(block)
    while result and result[-1].kind == "gap":
        result.pop()
    return result


_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\(([^)\s]*)\)")


def _inline(text: str, edition: Edition, markup: bool = False) -> str:
    """Markdown inline syntax → plain text (or HTML when ``markup``)."""
    if not edition.markdown:
        return html.escape(text, quote=False) if markup else text
    out = text
    if markup:
        out = html.escape(out, quote=False)
    out = re.sub(r"\$\s*([^$]*?)\s*\$", lambda m: _latex(m.group(1)), out)
    link = r'<a href="\2">\1</a>' if markup else r"\1"
    out = _LINK.sub(link, out)
    out = re.sub(r"&lt;(/?)(sup|i)&gt;" if markup else r"<(/?)(sup|i)>", _tag(markup), out)
    strong = r"<strong>\1</strong>" if markup else r"\1"
    emph = r"<em>\1</em>" if markup else r"\1"
    out = re.sub(r"\*\*\*(.+?)\*\*\*", strong, out)
    out = re.sub(r"\*\*(.+?)\*\*", strong, out)
    out = re.sub(r"(?<![\w*\\])\*(?=\S)(.+?)(?<=[^\s\\])\*(?![\w*])", emph, out)
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", out)


def _tag(markup: bool):  # type: ignore[no-untyped-def]
    def replace(match: re.Match[str]) -> str:
        return f"<{match.group(1)}{match.group(2)}>" if markup else ""

    return replace


def _latex(expr: str) -> str:
    return expr.replace("\\leq", "≤").replace("\\geq", "≥").replace("\\times", "×").strip()


# --------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = 612.0, 792.0  # US letter, points
MARGIN_X = 54.0
BODY_TOP, BODY_BOTTOM = 66.0, PAGE_H - 66.0
BODY_SIZE, LEADING = 10.0, 13.0
PARAGRAPH_GAP = 7.0
GUTTER = 24.0
HEADING_SIZES = {1: 16.0, 2: 14.0, 3: 12.5, 4: 11.0, 5: 10.5, 6: 10.5}
FOOTER_TEXT = "Printed copies are uncontrolled. See the plan website for the current version."


def pdf_edition(name: str, text: str | None = None) -> bytes:
    """The corpus document ``name`` (or ``text`` laid out like it) as a PDF.

    Built once per (edition, text) and kept (``tests/build_cache.py``): every test
    and xdist worker asking for the same edition reads the same PDF.
    """
    edition = edition_for(name)
    if text is None:
        text = (FIXTURES / edition.name).read_text(encoding="utf-8")
    return _pdf_edition(edition.name, text)


@cached
def _pdf_edition(name: str, text: str) -> bytes:
    edition = edition_for(name)
    blocks = text_blocks(text, edition)
    header = _running_header(blocks)
    pdf = _new_pdf(header)
    _PdfLayout(pdf, edition.columns).render(blocks)
    return bytes(pdf.output())


def _running_header(blocks: list[Block]) -> str:
    """Plans print the policy title at the top of every page."""
    title = next(
        b.text for b in blocks if b.kind in ("heading", "line") and len(b.text.split()) >= 3
    )
    return title.strip()


def _new_pdf(header: str):  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    class PolicyPDF(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", size=8)
            self.set_xy(MARGIN_X, 30)
            self.cell(PAGE_W - 2 * MARGIN_X, 10, header[:110])
            self.set_y(BODY_TOP)  # a table breaking across pages goes on below it

        def footer(self) -> None:
            self.set_font("DejaVu", size=8)
            self.set_xy(MARGIN_X, PAGE_H - 42)
            self.cell(PAGE_W - 2 * MARGIN_X - 80, 10, FOOTER_TEXT)
            self.set_xy(PAGE_W - MARGIN_X - 80, PAGE_H - 42)
            self.cell(80, 10, f"Page {self.page_no()} of {{nb}}", align="R")

    pdf = PolicyPDF(unit="pt", format="letter")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=PAGE_H - BODY_BOTTOM)
    pdf.set_margins(MARGIN_X, BODY_TOP, MARGIN_X)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


class _PdfLayout:
    """Places blocks line by line in one or two columns, breaking pages itself."""

    def __init__(self, pdf, columns: int) -> None:  # type: ignore[no-untyped-def]
        self.pdf = pdf
        self.columns = columns
        self.column = 0
        self.top = BODY_TOP
        self.y = BODY_TOP
        self.width = (PAGE_W - 2 * MARGIN_X - GUTTER * (columns - 1)) / columns

    def render(self, blocks: list[Block]) -> None:
        for index, block in enumerate(blocks):
            if index == 0 and self.columns > 1 and block.kind == "heading":
                self._title_across(block)  # the title spans both columns
                continue
            getattr(self, "_" + block.kind)(block)

    # -- placement

    @property
    def x(self) -> float:
        return MARGIN_X + self.column * (self.width + GUTTER)

    def _room(self, height: float) -> None:
        if self.y + height <= BODY_BOTTOM:
            return
        if self.column + 1 < self.columns:
            self.column += 1
        else:
            self.pdf.add_page()
            self.column, self.top = 0, BODY_TOP
        self.y = self.top

    def _wrap(self, text: str, width: float) -> list[str]:
        from tests.pdf_wrap import wrap  # fpdf2 is imported only when a PDF is drawn

        return wrap(self.pdf, text, width)

    def _print(self, x: float, text: str, height: float) -> None:
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(0 if self.columns == 1 else self.width, height, text)
        self.y += height

    # -- blocks

    def _title_across(self, block: Block) -> None:
        self.pdf.set_font("DejaVu", "B", HEADING_SIZES[1])
        saved, self.columns = self.columns, 1
        for line in self._wrap(block.text, PAGE_W - 2 * MARGIN_X):
            self._print(MARGIN_X, line, HEADING_SIZES[1] * 1.4)
        self.columns = saved
        self.y += PARAGRAPH_GAP
        self.top = self.y

    def _heading(self, block: Block) -> None:
        size = HEADING_SIZES[block.level]
        self.pdf.set_font("DejaVu", "B", size)
        lines = self._wrap(block.text, self.width)
        self.y += 4
        self._room(size * 1.4 * len(lines) + LEADING * 2)  # keep with the next lines
        for line in lines:
            self._print(self.x, line, size * 1.4)
        self.y += 2

    def _line(self, block: Block) -> None:
        self.pdf.set_font("DejaVu", "", BODY_SIZE)
        for line in self._wrap(_hyphenatable(block.text), self.width):
            self._room(LEADING)
            self._print(self.x, line, LEADING)

    def _item(self, block: Block) -> None:
        self.pdf.set_font("DejaVu", "", BODY_SIZE)
        indent = 18.0 * block.level
        marker = block.ordered or "•"
        hang = self.pdf.get_string_width(marker + " ") + 2
        lines = self._wrap(_hyphenatable(block.text), self.width - indent - hang)
        for n, line in enumerate(lines):
            self._room(LEADING)
            if n == 0:
                self.pdf.set_xy(self.x + indent, self.y)
                self.pdf.cell(hang, LEADING, marker)
            self._print(self.x + indent + hang, line, LEADING)

    def _gap(self, block: Block) -> None:
        self.y += PARAGRAPH_GAP

    def _rows(self, block: Block) -> None:
        if self.columns > 1:
            self._rows_borderless(block)
            return
        self.pdf.set_font("DejaVu", "", 9)
        widths = self._column_widths(block.rows)
        ncols = len(widths)
        self._room(LEADING * 3)
        self.pdf.set_xy(MARGIN_X, self.y + 4)
        with self.pdf.table(
            col_widths=widths,
            first_row_as_headings=False,
            line_height=11,
            text_align="LEFT",
            width=PAGE_W - 2 * MARGIN_X,
        ) as table:
            for cells in block.rows:
                row = table.row()
                for c in range(ncols):
                    row.cell(cells[c] if c < len(cells) else "")
        self.y = self.pdf.get_y() + 6
        if self.pdf.page_no() and self.y > BODY_BOTTOM:
            self._room(BODY_BOTTOM)

    def _column_widths(self, rows: list[list[str]]) -> list[float]:
        """Each column as wide as its longest word (codes never wrap), the rest shared
        by how much text the columns hold."""
        ncols = max(len(r) for r in rows)
        columns = [[r[c] for r in rows if c < len(r)] for c in range(ncols)]
        width = self.pdf.get_string_width
        floor = [max((width(w) for t in col for w in t.split()), default=0) + 8 for col in columns]
        text = [max(max((width(t) for t in col), default=0), 1) for col in columns]
        spare = max(0.0, PAGE_W - 2 * MARGIN_X - sum(floor))
        share = [min(t, 300.0) for t in text]
        return [f + spare * s / sum(share) for f, s in zip(floor, share, strict=True)]

    def _rows_borderless(self, block: Block) -> None:
        """A narrow table (a table of contents) as text left, last cell flush right."""
        self.pdf.set_font("DejaVu", "", BODY_SIZE)
        for cells in block.rows:
            self._room(LEADING)
            first = " ".join(c for c in cells[:-1] if c)
            self.pdf.set_xy(self.x, self.y)
            self.pdf.cell(self.width - 30, LEADING, first)
            self.pdf.set_xy(self.x + self.width - 30, self.y)
            self.pdf.cell(30, LEADING, cells[-1], align="R")
            self.y += LEADING


def _hyphenatable(text: str) -> str:
    """Allow a break with a printed hyphen inside long plain words (soft hyphens)."""
    return re.sub(r"(?<![^\s(])([a-z]{6})([a-z]{6,})(?=[\s,.;:)]|$)", "\\1\u00ad\\2", text)


# --------------------------------------------------------------------------- HTML

_PAGE_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | Example Health Plan</title>
<link rel="stylesheet" href="/assets/site.css">
<style>
  body {{ font-family: Arial, sans-serif; }}
  .cookie-banner {{ position: fixed; bottom: 0; }}
  table td {{ padding: 2px 6px; }}
</style>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());
  document.write("<p>Policy loading…</p>");
</script>
</head>
<body class="policy-page">
<div id="onetrust-consent-sdk" class="cookie-banner" role="dialog" aria-label="Cookie consent">
  <p>We use cookies to give you the best experience on our website. By clicking
  &ldquo;Accept all cookies&rdquo;, you agree to the storing of cookies on your device.</p>
  <button type="button">Accept all cookies</button> <a href="/privacy">Cookie settings</a>
</div>
<a class="skip-link" href="#content">Skip to main content</a>
<header class="site-header" role="banner">
  <a href="/" class="logo">Example Health Plan</a>
  <nav aria-label="Primary"><ul>
    <li><a href="/members">Members</a></li><li><a href="/providers">Providers</a></li>
    <li><a href="/employers">Employers</a></li>
    <li><a href="/medical-policies">Medical Policies</a></li>
  </ul></nav>
  <form class="search" action="/search">
    <input name="q" placeholder="Search"><button>Go</button>
  </form>
</header>
<nav class="breadcrumb" aria-label="Breadcrumb"><ol>
  <li><a href="/">Home</a></li><li><a href="/providers">Providers</a></li>
  <li>Medical policy</li></ol></nav>
"""

_PAGE_TAIL = """
<footer class="site-footer" role="contentinfo">
  <p>&copy; 2024 Example Health Plan. All rights reserved. An independent licensee.</p>
  <ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms of use</a></li>
  <li><a href="/nondiscrimination">Nondiscrimination notice</a></li></ul>
</footer>
<div class="modal" style="display: none"><p>Your session is about to expire.</p></div>
<div hidden><p>Policy PDF download counter</p></div>
<noscript><p>Please enable JavaScript to use this site.</p></noscript>
<script src="/assets/analytics.js"></script>
<script>trackPageView({"page": "policy"});</script>
</body>
</html>
"""

_SIDEBAR = """<aside class="related" role="complementary">
  <h2>Related policies</h2>
  <ul><li><a href="/policy/1">Microwave Tumor Ablation</a></li>
  <li><a href="/policy/2">Radiofrequency Ablation of Liver Tumors</a></li></ul>
  <p>Questions? Call Provider Services at 1-800-555-0100.</p>
</aside>"""


def html_edition(name: str, text: str | None = None) -> bytes:
    """The corpus document ``name`` as a plan's web page (bytes in its declared charset)."""
    edition = edition_for(name)
    if text is None:
        text = (FIXTURES / edition.name).read_text(encoding="utf-8")
    blocks = text_blocks(text, edition)
    title = _running_header(blocks)
    article = "\n".join(_html_blocks(blocks, edition))
    if edition.html_main:
        content = (
            f'<main id="content" role="main">\n<article class="policy">\n{article}\n'
            f"</article>\n{_SIDEBAR}\n</main>"
        )
    else:  # an older CMS: the policy sits in generic containers beside a sidebar
        content = (
            f'<div id="page"><div class="col-left">{_SIDEBAR}</div>\n'
            f'<div class="col-main" id="content">\n{article}\n</div></div>'
        )
    page = (
        _PAGE_HEAD.format(charset=edition.html_encoding, title=html.escape(title))
        + content
        + _PAGE_TAIL
    )
    return page.encode(edition.html_encoding, errors="xmlcharrefreplace")


def _html_blocks(blocks: list[Block], edition: Edition) -> list[str]:
    out: list[str] = []
    paragraph: list[str] = []
    lists: list[str] = []  # open list tags, innermost last

    def close_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>\n".join(paragraph) + "</p>")
            paragraph.clear()

    def close_lists(depth: int) -> None:
        while len(lists) > depth:
            out.append(f"</li></{lists.pop()}>")

    for block in blocks:
        if block.kind != "item":
            close_lists(0)
        if block.kind != "line":
            close_paragraph()
        if block.kind == "line":
            paragraph.append(_nbsp(block.html))
        elif block.kind == "heading":
            out.append(f"<h{block.level}>{_nbsp(block.html)}</h{block.level}>")
        elif block.kind == "item":
            _html_item(block, edition, out, lists)
        elif block.kind == "rows":
            out.append(_html_table(block.rows, edition))
    close_paragraph()
    close_lists(0)
    return out


def _html_item(block: Block, edition: Edition, out: list[str], lists: list[str]) -> None:
    tag = "ol" if block.ordered else "ul"
    depth = block.level + 1
    while len(lists) > depth:
        out.append(f"</li></{lists.pop()}>")
    if len(lists) == depth and lists[-1] != tag:
        out.append(f"</li></{lists.pop()}>")
    if len(lists) == depth:
        out.append("</li>")
    while len(lists) < depth:
        start = f' start="{block.ordered[:-1]}"' if block.ordered else ""
        out.append(f"<{tag}{start}>")
        lists.append(tag)
    value = f' value="{block.ordered[:-1]}"' if block.ordered else ""
    out.append(f"<li{value}>" + _nbsp(block.html))


def _html_table(rows: list[list[str]], edition: Edition) -> str:
    body = []
    for cells in rows:
        tds = "".join(f"<td>{_nbsp(html.escape(c, quote=False))}</td>" for c in cells)
        body.append(f"<tr>{tds}</tr>")
    return '<table class="codes">\n<tbody>\n' + "\n".join(body) + "\n</tbody>\n</table>"


def _nbsp(markup: str) -> str:
    """NBSP written as the entity most sites use."""
    return markup.replace("\xa0", "&nbsp;")


# --------------------------------------------------------------------------- broken PDFs


def image_only_pdf() -> bytes:
    """A scanned policy: two pages of pictures, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    scan = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(scan)
    for row in range(60, 1040, 22):  # grey bars where the scanned lines of text are
        draw.rectangle((70, row, 780 - (row * 7) % 200, row + 9), fill=(90, 90, 90))
    pdf = FPDF(unit="pt", format="letter")
    for _ in range(2):
        pdf.add_page()
        pdf.image(scan, x=0, y=0, w=PAGE_W, h=PAGE_H)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str | None = "reader") -> bytes:
    """A policy PDF encrypted with an owner password and, unless None, a user password."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    statement = "Cryosurgical ablation of liver tumors is considered investigational. "
    pdf.multi_cell(0, 14, statement * 8)
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    return bytes(pdf.output())


@cached
def many_pages_pdf(pages: int) -> bytes:
    """A compendium-sized PDF: one short line on each of ``pages`` pages."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(200, 12, f"Policy appendix line {number}")
    return bytes(pdf.output())


def justified_pdf(paragraph: str, width: float = 300.0) -> bytes:
    """One paragraph set justified in a narrow measure: some spaces stretch very wide."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=BODY_SIZE)
    pdf.multi_cell(width, LEADING, paragraph, align="J")
    return bytes(pdf.output())
