"""Small PDFs in the page layouts payers print, for ``test_extract_pdf_layouts.py``.

Each generator returns the bytes of a US-letter PDF drawn with fpdf2 in DejaVu
Sans (Debian's ``fonts-dejavu-core``), line by line at explicit baselines, the
way a word processor places them. The policy text is invented ("Example Health
Plan", "Examplimab"). Every multi-page layout repeats its running header or
footer on 3+ pages, so furniture detection has something to find. Each
generator's docstring says what the page looks like; the module-level
constants are the text the tests look for. Each generator builds its PDF once and
keeps it (``tests/build_cache.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.build_cache import cached

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian: fonts-dejavu-core
PAGE_W, PAGE_H = 612.0, 792.0  # US letter, points
LEFT, RIGHT = 54.0, 558.0  # text block edges
BODY_SIZE, LEADING = 10.0, 13.0
PARAGRAPH_GAP = 8.0

Furniture = Callable[["Sheet", int, int], None]  # (sheet, page number, page count)


class Sheet:
    """An fpdf2 document drawn at baselines; ``y`` is the baseline of the last line.

    Pages break when a line would run past ``bottom``; ``furniture`` draws each
    page's running header and footer once the page count is known.
    """

    def __init__(self, top: float = 72.0, bottom: float = 712.0) -> None:
        from fpdf import FPDF  # here: a run whose PDFs are all kept never imports fpdf2

        pdf = FPDF(unit="pt", format="letter")
        pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.set_auto_page_break(False)
        pdf.set_margins(LEFT, top, PAGE_W - RIGHT)
        self.pdf = pdf
        self.top = top
        self.bottom = bottom
        self.y = top
        # Where the first line of a new page goes (a header block may push it down).
        self.page_top = top

    # -- pages

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = self.page_top

    def room(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def finish(self, furniture: Furniture | None = None) -> bytes:
        total = self.pdf.page_no()
        if furniture is not None:
            for number in range(1, total + 1):
                self.pdf.page = number
                # fpdf2 tracks the font set in the content stream for the last page only.
                self.pdf.current_font_is_set_on_page = False
                furniture(self, number, total)
            self.pdf.page = total
        return bytes(self.pdf.output())

    # -- drawing

    def font(self, size: float = BODY_SIZE, bold: bool = False, family: str = "DejaVu") -> None:
        self.pdf.set_font(family, "B" if bold else "", size)

    def width(self, text: str, size: float = BODY_SIZE, bold: bool = False) -> float:
        self.font(size, bold)
        return float(self.pdf.get_string_width(text))

    def text(
        self, x: float, baseline: float, text: str, size: float = BODY_SIZE, bold: bool = False
    ) -> float:
        """Draw ``text`` starting at ``x``; return the x where it ends."""
        self.font(size, bold)
        self.pdf.text(x, baseline, text)
        return x + float(self.pdf.get_string_width(text))

    def right(
        self, x1: float, baseline: float, text: str, size: float = BODY_SIZE, bold: bool = False
    ) -> None:
        """Draw ``text`` so that it ends at ``x1``."""
        self.text(x1 - self.width(text, size, bold), baseline, text, size, bold)

    def wrap(
        self, text: str, width: float, size: float = BODY_SIZE, bold: bool = False
    ) -> list[str]:
        from tests.pdf_wrap import wrap  # fpdf2 is imported only when a PDF is drawn

        self.font(size, bold)
        return [line.strip() for line in wrap(self.pdf, text, width)]

    def leader(
        self,
        x0: float,
        x1: float,
        baseline: float,
        label: str,
        value: str,
        size: float = BODY_SIZE,
        dot: str = ".",
    ) -> None:
        """``label ........ value``: the label from ``x0``, the value flush right at ``x1``,
        dots filling the space between, one space away from each."""
        start = self.text(x0, baseline, label, size) + self.width(" ", size)
        end = x1 - self.width(value, size) - self.width(" ", size)
        dots = dot * max(3, int((end - start) / self.width(dot, size)))
        self.text(start, baseline, dots, size)
        self.right(x1, baseline, value, size)

    # -- flowing text

    def line(
        self,
        text: str,
        x: float = LEFT,
        size: float = BODY_SIZE,
        bold: bool = False,
        leading: float = LEADING,
    ) -> None:
        self.room(leading)
        self.y += leading
        self.text(x, self.y, text, size, bold)

    def gap(self, height: float = PARAGRAPH_GAP) -> None:
        self.y += height

    def heading(self, text: str, size: float = 12.0) -> None:
        self.room(size * 1.5 + 3 * LEADING)  # kept with the lines after it
        self.gap(4)
        self.line(text, size=size, bold=True, leading=size * 1.5)
        self.gap(2)

    def paragraph(self, text: str, x: float = LEFT, width: float = RIGHT - LEFT) -> None:
        for line in self.wrap(text, width):
            self.line(line, x)
        self.gap()


def _footer(left: str, right_of: Callable[[int, int], str], second: str = "") -> Furniture:
    """A running footer: ``left`` and a page-numbered right cell, and an optional line."""

    def draw(sheet: Sheet, number: int, total: int) -> None:
        base = PAGE_H - 48 if second else PAGE_H - 40
        sheet.text(LEFT, base, left, 8)
        sheet.right(RIGHT, base, right_of(number, total), 8)
        if second:
            sheet.text(LEFT, base + 11, second, 8)

    return draw


def _page_n_of(number: int, total: int) -> str:
    return f"Page {number} of {total}"


# --------------------------------------------------------------------------- body text

# Invented policy prose, reused by the layouts: each entry one paragraph.
BODY = (
    "Example Health Plan considers examplimab medically necessary for adults with moderate "
    "to severe plaque disease when the member has tried and failed at least two conventional "
    "systemic therapies for a minimum of twelve weeks each, unless those therapies are "
    "contraindicated or were not tolerated.",
    "Initial authorization is granted for six months. Reauthorization requires documentation "
    "from the prescribing specialist that the member has achieved a clinically meaningful "
    "response, measured with the same validated scoring tool that was used at baseline.",
    "The requested dose must not exceed the dosing schedule in the product labeling. Requests "
    "for dose escalation or shortened dosing intervals are reviewed case by case by a clinical "
    "pharmacist, who may ask for serum drug levels and antibody testing results.",
    "Examplimab is not covered when it is used together with another biologic "
    "immunomodulator or a targeted synthetic agent, because the combination has not been "
    "shown to improve outcomes and it increases the risk of serious infection.",
    "Administration in a hospital outpatient department is covered only when the member "
    "meets the site of care criteria below. Otherwise the infusion must take place in a "
    "physician office, an ambulatory infusion suite or the member's home.",
    "Members who are new to therapy may receive their first two infusions in a hospital "
    "outpatient setting so that infusion reactions can be observed and managed before the "
    "member moves to a lower cost site of care for the remaining doses.",
    "The clinical evidence for examplimab comes from two randomized, placebo-controlled "
    "trials that enrolled adults with an inadequate response to conventional therapy. In "
    "both trials a larger share of treated members reached the primary endpoint at week "
    "sixteen than members who received placebo.",
    "Long-term extension studies followed participants for up to three years and reported "
    "no new safety signals. Serious infections occurred at a rate similar to that seen with "
    "other agents in the same class, and most resolved with standard treatment.",
)


def _body(sheet: Sheet, headings: tuple[str, ...], per_section: int = 2) -> list[str]:
    """Sections of ``BODY`` paragraphs under ``headings``; returns the paragraphs drawn."""
    drawn: list[str] = []
    paragraphs = iter(BODY * 3)
    for heading in headings:
        sheet.heading(heading)
        for _ in range(per_section):
            text = next(paragraphs)
            sheet.paragraph(text)
            drawn.append(text)
    return drawn


# --------------------------------------------------------------------------- 1. two columns

TOC_TITLE = "Examplimab (Intravenous) Infusion Therapy"
TOC_ENTRIES = (
    ("Coverage Rationale", "1"),
    ("Documentation Requirements", "2"),
    ("Definitions", "2"),
    ("Applicable Codes", "3"),
    ("Background", "3"),
    ("Clinical Evidence", "3"),
    ("U.S. Food and Drug Administration", "4"),
    ("References", "4"),
    ("Policy History", "4"),
)
RELATED_POLICIES = (
    "Examplimab Subcutaneous Injection for Home Infusion Programs",
    "Provider-Administered Specialty Drugs: Site of Care Review Guidelines",
    "Infusion Therapy Coverage for Autoimmune Conditions in Adults",
    "Step Therapy Requirements for Biologic Immunomodulators",
)
TWO_COLUMN_HEADINGS = (
    "Coverage Rationale",
    "Documentation Requirements",
    "Definitions",
    "Background",
    "Clinical Evidence",
    "Policy History",
)


@cached
def two_column_first_page() -> tuple[bytes, list[str]]:
    """A title across the page; under it a "Table of Contents" with dot leaders on the
    left and a boxed "Related Policies" list with wrapping bullets on the right; then
    single-column body text to the end. Returns (PDF, body paragraphs drawn)."""
    sheet = Sheet()
    sheet.new_page()
    sheet.text(LEFT, 84, TOC_TITLE, 16, bold=True)
    # Left column: the contents, dot leaders to the page numbers.
    col_right = 288.0
    sheet.text(LEFT, 118, "Table of Contents", 11, bold=True)
    y = 118.0
    for label, page in TOC_ENTRIES:
        y += 15
        sheet.leader(LEFT, col_right, y, label, page)
    left_end = y
    # Right column: a ruled box with a heading and bullet items whose text wraps.
    box_x0, box_x1 = 318.0, RIGHT
    sheet.text(box_x0 + 10, 118, "Related Policies", 11, bold=True)
    y = 120.0
    for policy in RELATED_POLICIES:
        for n, line in enumerate(sheet.wrap(policy, box_x1 - box_x0 - 34)):
            y += 12.5
            if n == 0:
                sheet.text(box_x0 + 12, y, "•")
            sheet.text(box_x0 + 24, y, line)
        y += 3
    sheet.pdf.set_line_width(0.75)
    sheet.pdf.rect(box_x0, 102, box_x1 - box_x0, y + 8 - 102)
    sheet.y = max(left_end, y + 8) + 10
    drawn = _body(sheet, TWO_COLUMN_HEADINGS, per_section=4)
    second = "Example Health Plan Commercial Medical Policy     Effective 01/01/2026"
    footer = _footer(TOC_TITLE, _page_n_of, second)
    return sheet.finish(footer), drawn


# --------------------------------------------------------------------------- 2. header block

FEP_NUMBER = "5.99.123"
FEP_LETTERHEAD = "Example Federal Employee Program Medical Policy Manual"
FEP_ROWS = (
    ("Section:", "Prescription Drugs", "Effective Date:", "April 1, 2025"),
    ("Subsection:", "Immunomodulators", "Original Policy Date:", "June 3, 2022"),
    ("Subject:", "Examplizumab", "Page:", "{page} of {total}"),
)
# A sentence the page break cuts in two (the block sits between its halves).
FEP_SPLIT = (
    "Coverage of examplizumab for members twelve years of age and older requires that the "
    "diagnosis be confirmed by a board-certified specialist and that the member has "
    "completed an adequate trial of at least one preferred formulary agent, with the dates, "
    "doses and outcome of that trial recorded in the medical record submitted with the "
    "request, and that no contraindication to therapy is present."
)


@cached
def fep_header_block(ruled: bool = True) -> bytes:
    """A header block repeated on every page: the policy number in large bold type over a
    three-row key/value table (its page number changing). On page 1 it sits lower, under a
    letterhead. ``ruled`` draws the table's cell borders; otherwise it is borderless."""
    sheet = Sheet(top=70.0, bottom=730.0)

    def block(top: float, number: int, total: int) -> float:
        sheet.text(LEFT, top + 18, FEP_NUMBER, 18, bold=True)
        widths = (80.0, 170.0, 120.0, RIGHT - LEFT - 370.0)
        y = top + 28
        for row in FEP_ROWS:
            x = LEFT
            for col, (cell, w) in enumerate(zip(row, widths, strict=True)):
                text = cell.format(page=number, total=total)
                sheet.text(x + 4, y + 12, text, 9, bold=col % 2 == 0)
                if ruled:
                    sheet.pdf.set_line_width(0.5)
                    sheet.pdf.rect(x, y, w, 17)
                x += w
            y += 17
        return y

    # Lay the body out first, leaving room for the block; draw the blocks at the end.
    first_top = 120.0  # page 1: the block under the letterhead
    other_top = 36.0
    block_height = 28 + 3 * 17
    sheet.page_top = other_top + block_height + 14
    sheet.new_page()
    sheet.y = first_top + block_height + 14
    sheet.heading("Description", 12)
    sheet.paragraph(BODY[0])
    sheet.paragraph(BODY[6])
    sheet.heading("Policy Statement", 12)
    for text in BODY[1:5]:
        sheet.paragraph(text)
    # FEP_SPLIT starts two lines above the foot of page 1 and runs on to page 2.
    sheet.y = max(sheet.y, sheet.bottom - 2 * LEADING - 4)
    sheet.paragraph(FEP_SPLIT)
    sheet.heading("Rationale", 12)
    for text in BODY[5:] + BODY * 2:
        sheet.paragraph(text)
    sheet.heading("Policy History", 12)
    for text in BODY[:6]:
        sheet.paragraph(text)

    def furniture(sheet_: Sheet, number: int, total: int) -> None:
        if number == 1:
            sheet_.text(LEFT, 60, FEP_LETTERHEAD, 13, bold=True)
            block(first_top, number, total)
        else:
            block(other_top, number, total)

    return sheet.finish(furniture)


# --------------------------------------------------------------------------- 3. small caps


SMALL_CAPS_HEADINGS = (  # drawn as a capital in 14 pt and the rest of each word in 11 pt
    "PRIOR AUTHORIZATION POLICY",
    "CLINICAL BACKGROUND",
    "REFERENCES AND RESOURCES",
)
SPACED_HEADING = "COVERAGE CRITERIA"  # one text run with 3 pt character spacing (Tc)
GLYPH_SPACED_HEADINGS = (  # (heading, extra points between letters), placed glyph by glyph
    ("DOCUMENTATION REQUIREMENTS", 3.0),
    ("DOSING AND ADMINISTRATION", 1.5),
)


def _small_caps(sheet: Sheet, text: str) -> None:
    sheet.room(3 * LEADING)
    sheet.gap(10)
    sheet.y += 16
    x = LEFT
    for word in text.split():
        x = sheet.text(x, sheet.y, word[0], 14, bold=True)
        x = sheet.text(x, sheet.y, word[1:], 11, bold=True)
        x += sheet.width(" ", 11, bold=True)
    sheet.gap(6)


def _letter_spaced(sheet: Sheet, text: str, spacing: float = 3.0) -> None:
    """One text run, the spacing set with fpdf2's ``set_char_spacing`` (the Tc operator)."""
    sheet.room(3 * LEADING)
    sheet.gap(10)
    sheet.y += 14
    sheet.font(11, bold=True)
    sheet.pdf.set_char_spacing(spacing)
    sheet.pdf.text(LEFT, sheet.y, text)
    sheet.pdf.set_char_spacing(0)
    sheet.gap(6)


def _glyph_spaced(sheet: Sheet, text: str, spacing: float) -> None:
    """Each letter placed on its own, ``spacing`` points after the previous one's advance
    (how layout programs export tracked text)."""
    sheet.room(3 * LEADING)
    sheet.gap(10)
    sheet.y += 14
    x = LEFT
    for char in text:
        x = sheet.text(x, sheet.y, char, 11, bold=True) + spacing
    sheet.gap(6)


@cached
def small_capitals() -> bytes:
    """Headings set in small capitals (a larger capital, then the smaller rest of the
    word) and in letter-spaced capitals, over body text on three pages."""
    sheet = Sheet()
    sheet.new_page()
    _small_caps(sheet, SMALL_CAPS_HEADINGS[0])
    sheet.paragraph(BODY[0])
    sheet.paragraph(BODY[1])
    _letter_spaced(sheet, SPACED_HEADING)
    for text in BODY[2:6]:
        sheet.paragraph(text)
    _glyph_spaced(sheet, *GLYPH_SPACED_HEADINGS[0])
    for text in BODY[6:] + BODY[:2]:
        sheet.paragraph(text)
    sheet.new_page()
    _small_caps(sheet, SMALL_CAPS_HEADINGS[1])
    for text in BODY[2:7]:
        sheet.paragraph(text)
    _glyph_spaced(sheet, *GLYPH_SPACED_HEADINGS[1])
    for text in BODY[7:] + BODY[:3]:
        sheet.paragraph(text)
    sheet.new_page()
    _small_caps(sheet, SMALL_CAPS_HEADINGS[2])
    for text in BODY[3:]:
        sheet.paragraph(text)
    footer = _footer("Example Health Plan Pharmacy Prior Authorization Program", _page_n_of)
    return sheet.finish(footer)


# --------------------------------------------------------------------------- 4. dot leaders

LEADER_FIELDS = (  # (label, leader, value), right-aligned at the top right of page 1
    ("Effective Date", ".", "01/01/2026"),
    ("Next Review Date", ".", "01/01/2027"),
    ("Coverage Policy Number", ".", "IP0123"),
)
LEADER_TITLE = ("Policy Title", "Examplimab Intravenous Products")
LEADER_BODY_HEADINGS = (
    "Overview",
    "Coverage Policy",
    "Conditions Not Covered",
    "Background",
    "Clinical Evidence",
    "Coding Information",
)


@cached
def dot_leader_fields() -> bytes:
    """Page 1 opens with the plan's name on the left and, at the top right, header fields
    whose labels run to their values on dot leaders; the last one ("Policy Title……. …")
    has a short leader of ellipsis characters. Body text on three pages follows."""
    sheet = Sheet()
    sheet.new_page()
    sheet.text(LEFT, 60, "Example Health Plan", 18, bold=True)
    sheet.text(LEFT, 80, "Drug Coverage Policy", 12, bold=True)
    x0 = 340.0
    y = 52.0
    for label, dot, value in LEADER_FIELDS:
        y += 13
        sheet.leader(x0, RIGHT, y, label, value, size=9, dot=dot)
    y += 13
    label, value = LEADER_TITLE
    leader = f"{label}……. "
    sheet.right(RIGHT, y, leader + value, 9)
    sheet.pdf.set_line_width(0.75)
    sheet.pdf.line(LEFT, y + 10, RIGHT, y + 10)
    sheet.y = y + 16
    _body(sheet, LEADER_BODY_HEADINGS, 4)

    def numbered(sheet_: Sheet, number: int, total: int) -> None:
        sheet_.text(LEFT, PAGE_H - 40, _page_n_of(number, total), 8)
        sheet_.right(RIGHT, PAGE_H - 40, "Coverage Policy Number: IP0123", 8)

    return sheet.finish(numbered)


# --------------------------------------------------------------------------- 5. references

_STUDIES = (
    ("Adams RT", "Examplimab in moderate to severe plaque disease: a randomized trial"),
    ("Baker LM", "Long-term safety of interleukin blockade in adults"),
    ("Chen Y", "Infusion reactions with monoclonal antibodies in outpatient care"),
    ("Dorsey KA", "Site of care and total cost of specialty infusions"),
    ("Evans PJ", "Antidrug antibodies and loss of response to biologics"),
    ("Foster NB", "Dose escalation strategies for partial responders"),
)
_JOURNALS = (
    "J Example Dermatol",
    "Clin Immunol Rev",
    "Am J Infus Ther",
    "Health Econ Outcomes",
    "Int J Biol Med",
    "Ann Exemplary Med",
)
REFERENCES = tuple(  # 36 entries, most wrapping onto a second line
    f"{author} et al. {title}. {journal}. {2000 + n % 24};{10 + n}({1 + n % 4}):"
    f"{100 + 7 * n}-{109 + 7 * n}."
    for n, ((author, title), journal) in enumerate(
        ((study, journal) for journal in _JOURNALS for study in _STUDIES), start=1
    )
)
REFERENCE_FOOTER = (
    "Examplimab Policy",
    "Effective 05/01/2025",
    "Proprietary Information of Example Health Plan",
)


def _draw_references(sheet: Sheet) -> None:
    for number, entry in enumerate(REFERENCES, start=1):
        lines = sheet.wrap(entry, RIGHT - LEFT - 22)
        for n, line in enumerate(lines):
            sheet.line(line, LEFT + 22, leading=12.5)
            if n == 0:
                sheet.text(LEFT, sheet.y, f"{number}.")
        sheet.gap(3)


@cached
def references_with_footers() -> bytes:
    """A long numbered reference list (hanging indent, entries wrapping) flowing over
    pages, cut by a two-line running footer whose page number changes."""
    sheet = Sheet(bottom=712.0)
    sheet.new_page()
    sheet.text(LEFT, 84, "Examplimab (Intravenous)", 16, bold=True)
    sheet.y = 96
    _body(sheet, ("Coverage Rationale", "Clinical Evidence"), 3)
    sheet.heading("References")
    _draw_references(sheet)
    name, effective, owner = REFERENCE_FOOTER

    def footer(sheet_: Sheet, number: int, total: int) -> None:
        sheet_.text(LEFT, PAGE_H - 52, name, 8)
        sheet_.right(RIGHT, PAGE_H - 52, _page_n_of(number, total), 8)
        sheet_.text(LEFT, PAGE_H - 41, effective, 8)
        sheet_.right(RIGHT, PAGE_H - 41, owner, 8)

    return sheet.finish(footer)


# --------------------------------------------------------------------------- 6. bullets

BULLET_ITEMS = tuple(
    f"{lead} {rest}"
    for lead, rest in (
        ("The member is at least eighteen years of age", "at the start of therapy;"),
        (
            "The diagnosis has been confirmed by a specialist",
            "in dermatology or rheumatology, with the clinical findings documented in the chart;",
        ),
        (
            "A tuberculosis screening test",
            "was performed within the twelve months before the "
            "first dose and any latent infection has been treated;",
        ),
        (
            "The member has tried at least two conventional",
            "systemic therapies for twelve weeks each without an adequate response;",
        ),
        (
            "The prescriber has documented the baseline",
            "severity score and body surface area involved;",
        ),
        (
            "Examplimab will not be used together with",
            "another biologic immunomodulator or a targeted synthetic agent;",
        ),
        ("Live vaccines have not been given", "within the four weeks before the first dose;"),
        ("The dose does not exceed", "the maximum in the product labeling;"),
        (
            "Hepatitis B screening",
            "has been completed and any active infection has been treated before therapy begins;",
        ),
        (
            "The member is not pregnant",
            "or has been counseled on the risks of therapy during pregnancy;",
        ),
        (
            "The infusion will be given",
            "in the lowest cost site of care that meets the member's clinical needs;",
        ),
        (
            "Continued therapy is requested",
            "only when the member has achieved at least a "
            "fifty percent improvement from the baseline severity score;",
        ),
        (
            "Reauthorization requests include",
            "the dates of every infusion given during the previous authorization period;",
        ),
        ("Requests for members under eighteen", "are reviewed by a pediatric specialist."),
    )
)


BULLET_INTRO = (
    "Examplimab is covered in a hospital outpatient setting when all of the following "
    "criteria are met:"
)


@cached
def bullets_across_pages(second_glyph: str = "▪") -> bytes:
    """One bullet list running over three pages: "•" on page 1, ``second_glyph`` on page 2
    ("o" is drawn in Courier, as word processors print a hollow bullet), and on page 3 no
    glyph in the text layer (a small drawn dot) at the same hanging indent. Items wrap, and
    each page break falls after the first line of an item (items 6 and 11)."""
    sheet = Sheet(bottom=700.0)
    bottom = sheet.bottom
    sheet.new_page()
    sheet.text(LEFT, 84, "Examplimab Site of Care Criteria", 16, bold=True)
    sheet.y = 96
    sheet.heading("Coverage Criteria")
    sheet.paragraph(BODY[0])
    sheet.paragraph(BODY[1])
    sheet.paragraph(BULLET_INTRO)
    x, hang, width = LEFT + 18, 14.0, 300.0
    for index, item in enumerate(BULLET_ITEMS):
        if index in (5, 10):  # the page ends after this item's first line
            sheet.bottom = sheet.y + LEADING + 0.5
        for n, line in enumerate(sheet.wrap(item, width)):
            page = sheet.pdf.page_no()
            sheet.line(line, x + hang)
            if sheet.pdf.page_no() != page:
                sheet.bottom = bottom
            if n:
                continue
            if page == 1:
                sheet.text(x, sheet.y, "•")
            elif page == 2 and second_glyph == "o":
                sheet.pdf.set_font("courier", "", BODY_SIZE)
                sheet.pdf.text(x, sheet.y, "o")
            elif page == 2:
                sheet.text(x, sheet.y, second_glyph)
            else:
                sheet.pdf.circle(x + 2.5, sheet.y - 3.5, 1.6, style="F")
        sheet.gap(3)
    sheet.gap()
    sheet.paragraph(BODY[2])
    header = "Examplimab Site of Care Criteria    Example Health Plan"

    def furniture(sheet_: Sheet, number: int, total: int) -> None:
        if number > 1:
            sheet_.text(LEFT, 44, header, 8)
        sheet_.text(LEFT, PAGE_H - 44, "Example Health Plan Medical Policy", 8)
        sheet_.right(RIGHT, PAGE_H - 44, _page_n_of(number, total), 8)

    return sheet.finish(furniture)


# --------------------------------------------------------------------------- code tables

CODE_ROWS = (
    (
        "43644",
        "Laparoscopy, surgical, gastric restrictive procedure; with gastric bypass and "
        "Roux-en-Y gastroenterostomy (roux limb 150 cm or less)",
    ),
    (
        "43645",
        "Laparoscopy, surgical, gastric restrictive procedure; with gastric bypass and "
        "small intestine reconstruction to limit absorption",
    ),
    (
        "43770",
        "Laparoscopy, surgical, gastric restrictive procedure; placement of adjustable "
        "gastric restrictive device (eg, gastric band and subcutaneous port components)",
    ),
    (
        "43775",
        "Laparoscopy, surgical, gastric restrictive procedure; longitudinal gastrectomy "
        "(ie, sleeve gastrectomy)",
    ),
    (
        "43842",
        "Gastric restrictive procedure, without gastric bypass, for morbid obesity; "
        "vertical-banded gastroplasty",
    ),
)


@cached
def code_table(ruled: bool) -> bytes:
    """A two-column code table (Code, Description) whose descriptions wrap onto two or
    three lines in a narrow column, ruled (cell borders) or borderless, with body text
    before and after it on two pages."""
    sheet = Sheet()
    sheet.new_page()
    sheet.text(LEFT, 84, "Bariatric Surgery Coding Summary", 16, bold=True)
    sheet.y = 96
    sheet.heading("Applicable Codes")
    sheet.paragraph(
        "The following list of codes is provided for reference only and does not imply that "
        "a service is covered or not covered."
    )
    code_w, desc_w = 70.0, 250.0
    y = sheet.y + 4
    rows = (("CPT Code", "Description"), *CODE_ROWS)
    for index, (code, description) in enumerate(rows):
        lines = sheet.wrap(description, desc_w - 12, 9) if index else [description]
        height = 6 + 11 * len(lines)
        bold = index == 0
        sheet.text(LEFT + 5, y + 12, code, 9, bold=bold)
        for n, line in enumerate(lines):
            sheet.text(LEFT + code_w + 5, y + 12 + 11 * n, line, 9, bold=bold)
        if ruled:
            sheet.pdf.set_line_width(0.5)
            sheet.pdf.rect(LEFT, y, code_w, height)
            sheet.pdf.rect(LEFT + code_w, y, desc_w, height)
        y += height + (0 if ruled else 2)
    sheet.y = y + 6
    sheet.paragraph(BODY[0])
    sheet.new_page()
    sheet.paragraph(BODY[1])
    sheet.paragraph(BODY[2])
    return sheet.finish(_footer("Example Health Plan", _page_n_of))


# --------------------------------------------------------------------------- history tables

HISTORY_ROWS = (  # (date, action): a borderless Date | Action table under a boxed header row
    ("March 2021", "Addition to PA"),
    (
        "April 2021",
        "Revised the no prior therapy and no dual therapy statements to include any "
        "other gene therapy",
    ),
    ("June 2021", "Annual review and reference update"),
    ("September 2021", "Annual review and reference update"),
    (
        "March 2022",
        "Annual review and reference update. Per the committee, removed the "
        "requirement for prior stem cell transplantation and added the requirement that the "
        "patient has adequate organ and bone marrow function as determined by the prescriber",
    ),
    (
        "July 2022",
        "Addition of indications: patients with disease refractory to first-line "
        "therapy or relapsed within twelve months of first-line therapy",
    ),
    ("October 2022", "Removed duration from PA"),
    ("December 2022", "Annual review"),
    ("March 2023", "Annual review and reference update"),
    ("September 2023", "Annual review and reference update"),
    (
        "March 2024",
        "Per label update, added the indication of chronic lymphocytic leukemia "
        "after two prior lines of therapy",
    ),
    ("March 2025", "Annual review and reference update"),
)
APPROVAL_ROWS = (  # a ruled grid near the foot of the last page: dates like "n/N" pages
    ("Original approval date", "01/2020", "01/2020"),
    ("Converted to new template", "07/2020", "10/2020"),
    ("Annual review; references reviewed and updated", "2/2021", "3/2021"),
)
NARROW_SPACE = "Limitation of Use:"  # its last space narrower than an italic overhang


def _boxed_heading(sheet: Sheet, text: str, y: float, size: float = 13.0) -> None:
    sheet.pdf.set_line_width(0.75)
    sheet.pdf.rect(LEFT, y, RIGHT - LEFT, size + 6)
    sheet.text(LEFT + 3, y + size + 1, text, size, bold=True)


def _narrow_space(sheet: Sheet, text: str) -> None:
    """``text`` as one line whose last space is printed but nearly covered: the word after
    it starts 0.3 pt right of the glyph before it (as an italic "f" overhangs its space)."""
    head, _, tail = text.rpartition(" ")
    sheet.room(LEADING)
    sheet.y += LEADING
    x = sheet.text(LEFT, sheet.y, head + " ")
    sheet.text(x - sheet.width(" ") + 0.3, sheet.y, tail)


@cached
def history_tables() -> bytes:
    """Three pages under a boxed header block (number and subject, its bottom rule full
    width). Page 1: body text, a line with a narrow printed space. Then a boxed "Policy
    History" heading, a boxed "Date | Action" header row and borderless rows whose actions
    wrap, running on under page 2's header block; then a boxed "Keywords" heading, and at
    the foot of the last page a ruled grid "Reviews, Revisions, and Approvals | Date |
    Approval Date" with month/year dates."""
    sheet = Sheet(top=40.0, bottom=700.0)
    block_bottom = 92.0
    sheet.page_top = block_bottom + 14
    sheet.new_page()
    sheet.heading("Description", 12)
    sheet.paragraph(BODY[0])
    _narrow_space(sheet, NARROW_SPACE)
    sheet.paragraph(BODY[1])
    for text in BODY[2:] + BODY[:2]:
        sheet.paragraph(text)
    sheet.y += 10
    _boxed_heading(sheet, "Policy History", sheet.y)
    sheet.y += 26
    date_x, action_x = LEFT + 3, LEFT + 120
    sheet.pdf.rect(LEFT, sheet.y, RIGHT - LEFT, 15)
    sheet.text(date_x, sheet.y + 11, "Date", 11)
    sheet.text(action_x + 6, sheet.y + 11, "Action", 11)
    sheet.y += 15
    for date, action in HISTORY_ROWS:
        lines = sheet.wrap(action, RIGHT - action_x - 10, 11)
        sheet.room(len(lines) * 14.5)
        for n, line in enumerate(lines):
            sheet.y += 14.5
            if n == 0:
                sheet.text(date_x, sheet.y, date, 11)
            sheet.text(action_x, sheet.y, line, 11)
    sheet.y += 10
    _boxed_heading(sheet, "Keywords", sheet.y)
    sheet.y += 30
    for text in BODY[2:]:
        sheet.paragraph(text)
    sheet.y = max(sheet.y, 610.0)  # the grid sits in the bottom quarter of the page
    widths = (300.0, 70.0, RIGHT - LEFT - 370.0)
    rows = (("Reviews, Revisions, and Approvals", "Date", "Approval Date"), *APPROVAL_ROWS)
    sheet.pdf.set_line_width(0.5)
    for index, row in enumerate(rows):
        x = LEFT
        for cell, w in zip(row, widths, strict=True):
            sheet.pdf.rect(x, sheet.y, w, 15)
            sheet.text(x + 5, sheet.y + 11, cell, 9, bold=index == 0)
            x += w
        sheet.y += 15

    def furniture(sheet_: Sheet, number: int, total: int) -> None:
        sheet_.text(LEFT, 58, "Example Plan Pharmacy Policy 5.99.321", 14, bold=True)
        sheet_.text(LEFT, 80, "Subject: Examplicel", 10)
        sheet_.right(RIGHT, 80, f"Page: {number} of {total}", 10)
        sheet_.pdf.set_line_width(0.75)
        sheet_.pdf.line(LEFT, block_bottom, RIGHT, block_bottom)

    return sheet.finish(furniture)


# --------------------------------------------------------------------------- header fields

FIELD_TOC = (  # (entry, page): the contents on the left, dot leaders to the page numbers
    ("Application", "1"),
    ("Coverage Rationale", "1"),
    ("Documentation Requirements", "3"),
    ("Definitions", "3"),
    ("Applicable Codes", "4"),
    ("Description of Services", "5"),
    ("Benefit Considerations", "8"),
    ("Clinical Evidence", "8"),
    ("References", "12"),
    ("Policy History/Revision Information", "14"),
)
FIELD_RELATED = (  # bullet items in a box on the right, the first one wrapping
    "Minimally Invasive Procedures for the Treatment of Upper Gastrointestinal Diseases",
    "Obstructive and Central Sleep Apnea Treatment",
    "Robotic-Assisted Surgery Policy, Professional",
)
FIELD_COMMUNITY = "Examplimab Infusion Services"  # under a second box heading
FIELD_LINES = ("Policy Number: 2026T0999QQ", "Effective Date: January 1, 2026")


@cached
def header_fields_beside_columns() -> bytes:
    """Page 1: a title; the header fields on the left, the first of a small box's bullet
    ("• Instructions for Use") at the right margin on the Effective Date's baseline; then
    "Table of Contents | Page | Related Policies" on one baseline, the contents (dot
    leaders) below on the left and, in a box on the right at a leading of its own, the
    related policies' bullets and a "Community Plan Policy" heading; then a larger
    "Application" heading and body text over three pages."""
    sheet = Sheet()
    sheet.new_page()
    sheet.text(220, 90, "Example Health Plan Medical Policy", 12, bold=True)
    sheet.text(220, 118, "Examplimab Surgery", 20, bold=True)
    sheet.text(LEFT, 150, FIELD_LINES[0])
    sheet.text(LEFT, 162, FIELD_LINES[1])
    sheet.pdf.set_line_width(0.5)
    sheet.pdf.rect(470, 152, RIGHT - 470, 14)
    sheet.text(476, 162, "• Instructions for Use")
    col = 300.0
    sheet.text(LEFT, 186, "Table of Contents", bold=True)
    sheet.right(col, 186, "Page", bold=True)
    box = 324.0
    sheet.text(box + 6, 186, "Related Policies", bold=True)
    y = 186.0
    for label, page in FIELD_TOC:
        y += 11.5
        sheet.leader(LEFT, col, y, label, page)
    toc_end = y
    y = 189.0
    right_lines: list[tuple[str, float, bool]] = []
    for item in FIELD_RELATED:
        for n, line in enumerate(sheet.wrap(item, RIGHT - box - 30)):
            y += 13.0
            right_lines.append(
                (("• " if n == 0 else "") + line, box + (6 if n == 0 else 16), False)
            )
    y += 6
    right_lines.append(("Community Plan Policy", box + 6, True))
    right_lines.append((f"• {FIELD_COMMUNITY}", box + 6, False))
    y = 189.0
    for text, x, bold in right_lines:
        y += 13.0 if not bold else 19.0
        sheet.text(x, y, text, bold=bold)
    sheet.pdf.rect(box, 176, RIGHT - box, y + 6 - 176)
    sheet.y = max(toc_end, y) + 24
    sheet.line("Application", size=14, bold=True, leading=16)
    sheet.gap(6)
    for text in BODY * 3:
        sheet.paragraph(text)
    return sheet.finish(_footer("Examplimab Surgery", _page_n_of))


# --------------------------------------------------------------------------- long table

LINK_FIELDS = (  # (header field on the left, a contents link flush right on its baseline)
    ("Reference Number: CP.EX.99", "Coding Implications"),
    ("Last Review Date: 07/2020", "Revision Log"),
)
LONG_TABLE_HEADER = ("ICD-10-CM Code", "Description")
_SITES = ("retina", "choroid", "macula", "optic disc", "vitreous", "sclera", "iris")
_FINDINGS = ("degeneration", "detachment", "hemorrhage", "inflammation", "scarring", "edema")
_SIDES = ("right eye", "left eye", "bilateral", "unspecified eye")
LONG_TABLE_ROWS = tuple(  # 150 codes, each description different in its words
    (
        f"H{30 + n // 10}.{n % 10}{n % 3 + 1}",
        f"{_FINDINGS[n % 6].capitalize()} of the {_SITES[n // 6 % 7]}, {_SIDES[n // 42 % 4]}",
    )
    for n in range(150)
)


@cached
def long_table_with_repeated_header() -> bytes:
    """Page 1: a title, header fields each with a contents link set flush right on its
    baseline, a sentence ending in a bold word, then body text. Page 2: a heading and a
    two-column code table whose header row ("ICD-10-CM Code | Description") is printed
    again at the top of every page the table runs over (about four), under a running
    header; then a closing paragraph."""
    sheet = Sheet(top=80.0)
    sheet.new_page()
    sheet.text(LEFT, 96, "Clinical Policy: Example Ophthalmoscopy", 18)
    y = 96.0
    for field, link in LINK_FIELDS:
        y += 13
        sheet.text(LEFT, y, field)
        sheet.right(RIGHT, y, link)
    reminder = "See Important Reminder at the end of this policy for important regulatory and legal"
    sheet.text(LEFT, y + 26, reminder)
    sheet.text(LEFT, y + 39, "information.", bold=True)
    sheet.y = y + 50
    sheet.heading("Description", 12)
    for text in BODY[:5]:
        sheet.paragraph(text)
    sheet.new_page()
    sheet.heading("Diagnosis Codes that Support Coverage Criteria", 12)
    sheet.paragraph(BODY[5])
    header_at: list[float] = []

    def header_row(top: float) -> float:
        header_at.append(top)
        sheet.text(LEFT + 4, top + 11, LONG_TABLE_HEADER[0], 10, bold=True)
        sheet.text(LEFT + 124, top + 11, LONG_TABLE_HEADER[1], 10, bold=True)
        return top + 16

    y = header_row(sheet.y + 6)
    for code, description in LONG_TABLE_ROWS:
        if y + 14 > sheet.bottom:
            sheet.new_page()
            y = header_row(sheet.top)
        sheet.text(LEFT + 4, y + 11, code, 10)
        sheet.text(LEFT + 124, y + 11, description, 10)
        y += 14
    sheet.y = y + 10
    sheet.paragraph(BODY[6])
    sheet.paragraph(BODY[7])

    def furniture(sheet_: Sheet, number: int, total: int) -> None:
        if number > 1:
            sheet_.text(LEFT, 50, "CLINICAL POLICY", 14, bold=True)
            sheet_.text(LEFT, 66, "Example Ophthalmoscopy", 12, bold=True)
        sheet_.text(280, PAGE_H - 30, _page_n_of(number, total), 10)

    return sheet.finish(furniture)


# --------------------------------------------------------------------------- lettered criteria

CRITERIA_INDICATIONS = ("A. Atopic Dermatitis", "B. Asthma", "C. Eosinophilic Esophagitis")
CRITERIA_DURATION = "Authorization will be issued for 12 months."


@cached
def lettered_criteria() -> bytes:
    """A drug policy's criteria: the bold heading "2. Coverage Criteria" with a raised
    note letter "a" and its colon; under it each indication as a bold lettered line, its
    numbered criteria, and a bold duration sentence; the next indication's lettered line
    follows the duration at the same line spacing. Three pages, running footer."""
    sheet = Sheet()
    sheet.new_page()
    sheet.text(LEFT, 84, "Examplimab - Prior Authorization/Medical Necessity", 14, bold=True)
    sheet.y = 100
    sheet.paragraph(BODY[0])
    sheet.line("2. Coverage Criteria", bold=True, leading=22)
    x = LEFT + sheet.width("2. Coverage Criteria", bold=True)
    sheet.text(x, sheet.y - 4, "a", 6.5, bold=True)
    sheet.text(x + sheet.width("a", 6.5, bold=True), sheet.y, ":", bold=True)
    for indication in CRITERIA_INDICATIONS * 2:
        sheet.line(indication, x=LEFT + 8, bold=True, leading=22)
        sheet.line("1. Initial Authorization", x=LEFT + 26, leading=22)
        for n, text in enumerate(BODY[1:4], start=1):
            for k, line in enumerate(sheet.wrap(f"({n}) {text}", 380)):
                sheet.line(line, x=LEFT + 62 + (14 if k else 0), leading=13 if k else 22)
        sheet.line(CRITERIA_DURATION, x=LEFT + 26, bold=True, leading=22)
    sheet.line("a State mandates may apply.", size=8, leading=22)
    return sheet.finish(_footer("Example Health Plan Pharmacy Program", _page_n_of))
