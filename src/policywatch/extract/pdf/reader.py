"""PDF bytes → pages of printed lines, on pdfium's text layer (pypdfium2).

pdfium decodes the fonts, places every character and inserts the spaces a
reader sees; we ask it for the page's text once and for positions only at
word boundaries, which keeps a page to a few milliseconds. Words become
printed lines (same baseline) split into segments at wide gaps, so table cells
and columns stay apart. Thin horizontal paths are kept as rules: they tell
which lines share a table row.
"""

from __future__ import annotations

import ctypes
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from policywatch.errors import ExtractError
from policywatch.extract.pdf.layout import Line, PageText, Post, Rule, Segment, Word

# pdfium marks a hyphen that breaks a word at a line end as U+FFFE and drops the
# line break after it: the break stays a word boundary here.
_WORD = re.compile(r"[^\s\ufffe]+\ufffe?")
BULLET_GLYPHS = frozenset("•◦▪▫‣●○■□➢►–§-*")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "\u00ad": ""})
_BOLD_WEIGHT = 600
_BOLD_NAME = re.compile(rb"bold|black|heavy|semibold|demi", re.IGNORECASE)

# A rule is a path at most this thick; a box (cell border, shading) gives two.
_RULE_THICKNESS = 3.0
_RULE_MIN_LENGTH = 20.0
_POST_MIN_LENGTH = 8.0
_BOX_MAX_SEGMENTS = 6


def open_pdf(data: bytes, max_pages: int) -> Any:
    """The pypdfium2 document, or a one-line ExtractError saying why not."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _open_error(exc) from exc
    count = len(pdf)
    if count > max_pages:
        pdf.close()
        raise ExtractError(
            f"PDF has {count:,} pages, over the {max_pages:,}-page limit for one policy document"
        )
    if count == 0:
        pdf.close()
        raise ExtractError("PDF has no pages")
    return pdf


def _open_error(exc: Exception) -> ExtractError:
    import pypdfium2.raw as raw

    code = getattr(exc, "err_code", None)
    if code == raw.FPDF_ERR_PASSWORD:
        return ExtractError("PDF is encrypted with a password; its text cannot be read")
    if code == raw.FPDF_ERR_SECURITY:
        return ExtractError("PDF is encrypted in a way that cannot be read")
    reason = " ".join(str(exc).split())[:160] or type(exc).__name__
    return ExtractError(f"PDF is damaged and cannot be read: {reason}")


def read_pages(pdf: Any, max_seconds: float) -> Iterator[PageText]:
    """Each page's lines and rules, within an overall time budget."""
    deadline = time.monotonic() + max_seconds
    for index in range(len(pdf)):
        if time.monotonic() > deadline:
            raise ExtractError(
                f"PDF took over {max_seconds:.0f} s to read at page {index + 1}; "
                "it is too large or too complex"
            )
        page = pdf[index]
        try:
            yield read_page(page)
        except ExtractError:
            raise
        except Exception as exc:
            reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise ExtractError(f"PDF is damaged and cannot be read: {reason}") from exc
        finally:
            page.close()  # pdfium keeps parsed pages alive otherwise: memory stays flat


def read_page(page: Any) -> PageText:
    left, bottom, right, top = page.get_mediabox()
    textpage = page.get_textpage()
    try:
        words = list(_words(textpage, left, top))
    finally:
        textpage.close()
    rules: list[Rule] = []
    posts: list[Post] = []
    _rules(page, left, top, rules, posts)
    lines = [line for line in group_lines(words, posts) if line.text.strip()]
    return PageText(right - left, top - bottom, lines, rules, posts)


# --------------------------------------------------------------------------- words


def _words(textpage: Any, left: float, top: float) -> Iterator[Word]:
    import pypdfium2.raw as raw

    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    text = textpage.get_text_range(0, count)
    box = raw.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    loose_box, char_origin = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharOrigin
    text_object = raw.FPDFText_GetTextObject
    styles: dict[int | None, tuple[float, bool]] = {}
    for match in _WORD.finditer(text):
        first, last = match.start(), match.end() - 1
        loose_box(handle, first, box)
        x0, y_top, y_bottom = box.left, box.top, box.bottom
        loose_box(handle, last, box)
        char_origin(handle, first, origin_x, origin_y)
        obj = text_object(handle, first)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        style = styles.get(key)
        if style is None:
            style = styles[key] = _style(handle, first, obj)
        yield Word(
            text=_glyphs(match.group()),
            x0=x0 - left,
            x1=box.right - left,
            top=top - y_top,
            bottom=top - y_bottom,
            size=style[0],
            bold=style[1],
            baseline=top - origin_y.value,
        )


def _style(handle: Any, index: int, obj: Any) -> tuple[float, bool]:
    """(size in points, bold) of the text object a character belongs to."""
    import pypdfium2.raw as raw

    matrix = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(handle, index, matrix)
    # The size set with Tf, scaled by the text matrix (many PDFs set "1 Tf").
    size = raw.FPDFText_GetFontSize(handle, index) * (math.hypot(matrix.c, matrix.d) or 1.0)
    weight = raw.FPDFText_GetFontWeight(handle, index)
    if weight > 0 and weight != 400:
        return round(size, 1), weight >= _BOLD_WEIGHT
    font = raw.FPDFTextObj_GetFont(obj) if obj else None
    return round(size, 1), bool(font) and _bold_font_name(font)


def _glyphs(text: str) -> str:
    """Ligatures spelled out; a symbol font's private-use glyph (a bullet, an arrow) is a
    bullet."""
    if all("\ue000" <= ch <= "\uf8ff" for ch in text):
        return "•"
    return text.translate(_LIGATURES).replace("\ufffe", "-")


def _bold_font_name(font: Any) -> bool:
    import pypdfium2.raw as raw

    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
    if size <= 0:
        return False
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFFont_GetBaseFontName(font, buffer, size)
    return bool(_BOLD_NAME.search(buffer.value))


# --------------------------------------------------------------------------- lines


def group_lines(words: list[Word], posts: list[Post] | None = None) -> list[Line]:
    """Words → printed lines (same baseline), split into segments at wide gaps."""
    rows: list[list[Word]] = []
    anchors: list[Word] = []  # each row's largest word: its baseline is the row's
    for word in sorted(words, key=lambda w: (w.baseline, w.x0)):
        if rows and _same_baseline(anchors[-1], word, rows[-1]):
            rows[-1].append(word)
            if word.size > anchors[-1].size:
                anchors[-1] = word
        else:
            rows.append([word])
            anchors.append(word)
    lines = [_make_line(_respace(sorted(row, key=lambda w: w.x0)), posts or []) for row in rows]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _same_baseline(anchor: Word, word: Word, row: list[Word]) -> bool:
    """On the row's baseline, or a smaller super- or subscript right beside its text."""
    big, small = max(anchor.size, word.size), min(anchor.size, word.size)
    shift = abs(word.baseline - anchor.baseline)
    if shift <= 0.25 * big:
        return True
    if not (0.4 * big <= small < 0.85 * big and shift <= 0.5 * big):
        return False
    reach = 0.3 * big
    return any(-reach <= word.x0 - w.x1 <= reach or -reach <= w.x0 - word.x1 <= reach for w in row)


def _respace(words: list[Word]) -> list[Word]:
    """Join what only looks like separate words: letter-spaced capitals ("P R I O R")
    and small capitals set in two sizes ("P" + "RIOR")."""
    out: list[Word] = []
    for word in words:
        if out and _same_word(out[-1], word, words):
            prev = out[-1]
            out[-1] = Word(
                prev.text + word.text,
                prev.x0,
                word.x1,
                min(prev.top, word.top),
                max(prev.bottom, word.bottom),
                max(prev.size, word.size),
                prev.bold and word.bold,
            )
        else:
            out.append(word)
    return out


def _same_word(prev: Word, word: Word, line: list[Word]) -> bool:
    gap = word.x0 - prev.x1
    size = min(prev.size, word.size)
    if gap > 0.25 * size or not (prev.text[-1:].isalpha() and word.text[:1].isalpha()):
        return False
    if gap < 0.08 * size:
        return True  # closer than any word space
    # Small capitals: a capital followed by capitals set smaller.
    if prev.size > word.size * 1.1 and len(prev.text) == 1 and word.text.isupper():
        return prev.text.isupper()
    # Letter-spaced: single letters at an even pitch, narrower than the line's spaces.
    spaced = sum(1 for w in line if len(w.text) == 1 and w.text.isalpha())
    return spaced >= 3 and len(prev.text.rstrip()) >= 1 and len(word.text) == 1 and gap < (
        0.2 * size
    )


def _make_line(words: list[Word], posts: list[Post]) -> Line:
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:], strict=False)]
    middle = (words[0].top + words[0].bottom) / 2
    walls = [p.x for p in posts if p.top <= middle <= p.bottom]
    # Justified text stretches every space of a line alike; a cell or column
    # boundary is a gap over ~1.2 em that is also far wider than the line's
    # narrowest space.
    narrowest = min(gaps) if len(gaps) > 1 else 0.0
    groups: list[list[Word]] = [[words[0]]]
    for word, gap in zip(words[1:], gaps, strict=True):
        bullet = len(groups) == 1 and len(groups[0]) == 1 and _is_bullet(groups[0][0].text)
        previous = groups[-1][-1]
        walled = any(previous.x1 - 1 <= x <= word.x0 + 1 for x in walls)
        if not walled and (bullet or gap <= max(1.2 * word.size, 2.5 * narrowest)):
            groups[-1].append(word)
        else:
            groups.append([word])
    return Line(
        top=min(w.top for w in words),
        bottom=max(w.bottom for w in words),
        segments=[_segment(group) for group in groups],
    )


def _is_bullet(text: str) -> bool:
    """A list marker: a bullet glyph, or the "o" a symbol font prints for a hollow one."""
    return text in BULLET_GLYPHS or text == "o"


def _segment(words: list[Word]) -> Segment:
    sizes: Counter[float] = Counter()
    for w in words:
        sizes[w.size] += len(w.text)
    return Segment(
        x0=words[0].x0,
        x1=words[-1].x1,
        top=min(w.top for w in words),
        bottom=max(w.bottom for w in words),
        text=" ".join(w.text for w in words),
        size=sizes.most_common(1)[0][0],
        bold=all(w.bold for w in words),
    )


# --------------------------------------------------------------------------- rules


def _rules(page: Any, left: float, top: float, rules: list[Rule], posts: list[Post]) -> None:
    """Rules and posts: thin paths, and the edges of small boxes (cell borders, shading)."""
    import pypdfium2.raw as raw

    handle = page.raw
    l_, b_, r_, t_ = (ctypes.c_float() for _ in range(4))
    for index in range(raw.FPDFPage_CountObjects(handle)):
        obj = raw.FPDFPage_GetObject(handle, index)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPageObj_GetBounds(obj, l_, b_, r_, t_):
            continue
        x0, x1 = l_.value - left, r_.value - left
        y0, y1 = top - t_.value, top - b_.value
        thin_x, thin_y = x1 - x0 <= _RULE_THICKNESS, y1 - y0 <= _RULE_THICKNESS
        if thin_y and x1 - x0 >= _RULE_MIN_LENGTH:
            rules.append(Rule((y0 + y1) / 2, x0, x1))
        elif thin_x and y1 - y0 >= _POST_MIN_LENGTH:
            posts.append(Post((x0 + x1) / 2, y0, y1))
        elif not (thin_x or thin_y) and raw.FPDFPath_CountSegments(obj) <= _BOX_MAX_SEGMENTS:
            if x1 - x0 >= _RULE_MIN_LENGTH:
                rules += [Rule(y0, x0, x1), Rule(y1, x0, x1)]
            posts += [Post(x0, y0, y1), Post(x1, y0, y1)]
