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
import functools
import math
import operator
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from policywatch.errors import ExtractError
from policywatch.extract.pdf.layout import Line, PageText, Post, Rule, Segment, Word

# pdfium marks a hyphen that breaks a word at a line end as U+FFFE and drops the
# line break after it: the break stays a word boundary here.
_WORD = re.compile(r"[^\s\ufffe]+\ufffe?")
BULLET_GLYPHS = frozenset("•◦▪▫‣●○■□➢►–§-*")
_ENUMERATOR = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,6})[.)]$")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "\u00ad": ""})
_BOLD_WEIGHT = 600
_BOLD_NAME = re.compile(rb"bold|black|heavy|semibold|demi", re.IGNORECASE)

# A rule is a path at most this thick; a box (cell border, shading) gives two.
_RULE_THICKNESS = 3.0
_RULE_MIN_LENGTH = 20.0
_POST_MIN_LENGTH = 8.0
_BOX_MAX_SEGMENTS = 6
_DOT_MIN, _DOT_MAX = 1.5, 7.0  # points: the size of a bullet drawn as a shape
_BULLET_GAP = 3.0  # of the font size: the most white space between a bullet and its item
_CLOSING = frozenset(".,:;)]")
_SCRIPT = 0.85  # a glyph box this much shorter than the word's first: a super/subscript


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
    rules: list[Rule] = []
    posts: list[Post] = []
    dots: list[tuple[float, float, float, float]] = []
    _rules(page, left, top, rules, posts, dots)
    textpage = page.get_textpage()
    try:
        words = _words(textpage, left, top)
        words += _drawn_bullets(dots, words)
        lines = group_lines(words, posts, _printed_space(textpage))
    finally:
        textpage.close()
    lines = [line for line in lines if line.text.strip()]
    return PageText(right - left, top - bottom, lines, rules, posts)


# --------------------------------------------------------------------------- words


def _fast(function: Any, restype: Any, *argtypes: Any) -> Any:
    """The same pdfium function called with plain addresses: ctypes converts ints to
    pointers far faster than it builds pointer objects, and the word loop makes a
    few calls per word."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    assert address is not None
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


@functools.cache
def _calls() -> tuple[Any, ...]:
    """pdfium's per-character functions, called with plain addresses (see ``_fast``)."""
    import pypdfium2.raw as raw

    vp, i, d = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
    return (
        _fast(raw.FPDFText_GetTextObject, vp, vp, i),
        _fast(raw.FPDFText_GetLooseCharBox, i, vp, i, vp),
        _fast(raw.FPDFText_GetMatrix, i, vp, i, vp),
        _fast(raw.FPDFText_GetFontSize, d, vp, i),
        _fast(raw.FPDFText_GetCharOrigin, i, vp, i, vp, vp),
        _fast(raw.FPDFTextObj_GetFont, vp, vp),
    )


def _words(textpage: Any, left: float, top: float) -> list[Word]:
    """The page's words with their boxes and style (one list: this loop runs per word)."""
    import pypdfium2.raw as raw

    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    text = textpage.get_text_range(0, count)
    text_object, loose_box = _calls()[:2]
    address = ctypes.cast(handle, ctypes.c_void_p).value
    box = (ctypes.c_float * 4)()  # an FS_RECTF: left, top, right, bottom
    box_address = ctypes.addressof(box)
    read_box = memoryview(box).cast("B").cast("f").tolist
    style_of = _Styles(address, top)
    # A text object is one text-showing operation: one font, size and baseline.
    styles: dict[int | None, tuple[float, bool, float]] = {}
    words: list[Word] = []
    append = words.append
    for match in _WORD.finditer(text):
        first, end = match.span()
        obj = text_object(address, first)
        style = styles.get(obj)
        if style is None:
            style = styles[obj] = style_of(first, obj)
        loose_box(address, first, box_address)
        x0, y_top, x1, y_bottom = read_box()
        word = match.group()
        if end - first > 1:
            loose_box(address, end - 1, box_address)
            _, last_top, x1, last_bottom = read_box()
            if (
                last_top - last_bottom < _SCRIPT * (y_top - y_bottom)  # cheap test first
                and word[-1].isalpha()
                and _raised(last_top, last_bottom, y_top, y_bottom)
            ):
                # A note letter set small and raised after the word ("Criteria" + "a").
                words.extend(_split_script(textpage, match, left, top, style))
                continue
        size, bold, baseline = style
        append(
            Word(
                word if word.isascii() else _glyphs(word),
                x0 - left,
                x1 - left,
                top - y_top,
                top - y_bottom,
                size,
                bold,
                baseline,
                first,
            )
        )
    return words


def _raised(top: float, bottom: float, main_top: float, main_bottom: float) -> bool:
    """A glyph box (PDF y up) shorter than the word's first and lifted well off its
    baseline: a superscript. Small capitals are shorter too, but sit on the baseline."""
    height = main_top - main_bottom
    return top - bottom < _SCRIPT * height and bottom - main_bottom > 0.25 * height


def _split_script(
    textpage: Any, match: re.Match[str], left: float, top: float, style: tuple[float, bool, float]
) -> Iterator[Word]:
    """A word whose last letters are smaller (a superscript note letter): the word, then
    the note as a word of its own. Digits stay glued: "kg/m2" is a unit."""
    boxes = [textpage.get_charbox(i, loose=True) for i in range(match.start(), match.end())]
    heights = [t - b for _, b, _, t in boxes]
    text = match.group()
    cut = len(boxes)
    while (
        cut > 1
        and _raised(boxes[cut - 1][3], boxes[cut - 1][1], boxes[0][3], boxes[0][1])
        and text[cut - 1].isalpha()
    ):
        cut -= 1
    if cut == len(boxes) or not text[cut - 1].isalpha():
        cut = len(boxes)  # not a letter after a letter: keep the word whole
    parts = [(0, cut), (cut, len(boxes))] if cut < len(boxes) else [(0, cut)]
    for start, end in parts:
        part = boxes[start:end]
        size = style[0] * min(1.0, heights[start] / heights[0])
        baseline = style[2] if start == 0 else top - part[0][1] - (style[2] - (top - boxes[0][1]))
        yield Word(
            _glyphs(text[start:end]),
            part[0][0] - left,
            part[-1][2] - left,
            top - max(b[3] for b in part),
            top - min(b[1] for b in part),
            round(size, 1),
            style[1],
            baseline,
            match.start() + start,
        )


def _printed_space(textpage: Any) -> Callable[[int], bool]:
    """Is the character at an index a space the PDF prints (not one pdfium inserted)?"""
    import pypdfium2.raw as raw

    handle = textpage.raw

    def printed(index: int) -> bool:
        return index >= 0 and not raw.FPDFText_IsGenerated(handle, index)

    return printed


class _Styles:
    """(size in points, bold, baseline) of the text object a character belongs to, with
    bold looked up once per font."""

    def __init__(self, address: int | None, top: float) -> None:
        self.address = address
        self.top = top
        self.matrix = (ctypes.c_float * 6)()  # an FS_MATRIX: a, b, c, d, e, f
        self.origin = (ctypes.c_double * 2)()
        self.bold: dict[int | None, bool] = {}

    def __call__(self, index: int, obj: int | None) -> tuple[float, bool, float]:
        _, _, get_matrix, font_size, char_origin, get_font = _calls()
        matrix, origin = self.matrix, self.origin
        get_matrix(self.address, index, ctypes.addressof(matrix))
        # The size set with Tf, scaled by the text matrix (many PDFs set "1 Tf").
        scale = math.hypot(matrix[2], matrix[3]) or 1.0
        size = font_size(self.address, index) * scale
        char_origin(self.address, index, ctypes.addressof(origin), ctypes.addressof(origin) + 8)
        font = get_font(obj) if obj else None
        bold = self.bold.get(font)
        if bold is None:
            bold = self.bold[font] = _is_bold(font)
        return round(size, 1), bold, self.top - origin[1]


def _is_bold(font: int | None) -> bool:
    """Bold by the font's weight, or by its name when the PDF gives no other weight."""
    import pypdfium2.raw as raw

    if not font:
        return False
    handle = ctypes.cast(font, raw.FPDF_FONT)
    weight = raw.FPDFFont_GetWeight(handle)
    if weight > 0 and weight != 400:
        return bool(weight >= _BOLD_WEIGHT)
    return _bold_font_name(handle)


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


_BASELINE_X = operator.attrgetter("baseline", "x0")
_X0 = operator.attrgetter("x0")
_TOP_X = operator.attrgetter("top", "x0")


def group_lines(
    words: list[Word],
    posts: list[Post] | None = None,
    printed_space: Callable[[int], bool] | None = None,
) -> list[Line]:
    """Words → printed lines (same baseline), split into segments at wide gaps.
    ``printed_space(i)``: the PDF itself prints a space at character ``i``."""
    rows: list[list[Word]] = []
    anchors: list[Word] = []  # each row's largest word: its baseline is the row's
    for word in sorted(words, key=_BASELINE_X):
        anchor = anchors[-1] if anchors else None
        if anchor is not None and (
            abs(word.baseline - anchor.baseline) <= 0.25 * anchor.size  # the common case
            or _same_baseline(anchor, word, rows[-1])
        ):
            rows[-1].append(word)
            if word.size > anchors[-1].size:
                anchors[-1] = word
        else:
            rows.append([word])
            anchors.append(word)
    rows = _attach_scripts(rows, anchors)
    spaced = printed_space or (lambda index: False)
    lines = [_make_line(_respace(sorted(row, key=_X0), spaced), posts or []) for row in rows]
    lines.sort(key=_TOP_X)
    return lines


def _attach_scripts(rows: list[list[Word]], anchors: list[Word]) -> list[list[Word]]:
    """A row of only a superscript (a note number raised above the line it follows, so
    sorted before it) or a subscript joins the line it is printed beside."""
    out: list[list[Word]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        after = index + 1 < len(rows) and _beside(row, anchors[index + 1], rows[index + 1])
        if after:
            rows[index + 1] += row
        elif out and _beside(row, anchors[index - 1], out[-1]):
            out[-1] += row
        else:
            out.append(row)
        index += 1
    return out


def _beside(row: list[Word], anchor: Word, line: list[Word]) -> bool:
    return all(w.size < anchor.size and _same_baseline(anchor, w, line) for w in row)


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


def _respace(words: list[Word], printed_space: Callable[[int], bool]) -> list[Word]:
    """Join what only looks like separate words: letter-spaced capitals ("P R I O R")
    and small capitals set in two sizes ("P" + "RIOR"). A space the PDF prints is a word
    break however narrow (an italic "f" overhangs it: "of Use")."""
    out: list[Word] = []
    pitch: list[float | None] = []  # the line's letter pitch, once asked for
    for word in words:
        prev = out[-1] if out else None
        if prev is None:
            out.append(word)
            continue
        gap = word.x0 - prev.x1
        # Only a gap under a quarter em, or a lone letter, can be inside a word.
        if (
            gap <= 0.5 * word.size
            and (gap < 0.25 * word.size or len(word.text) == 1)
            and _same_word(prev, word, words, pitch)
            and not printed_space(word.start - 1)
        ):
            out[-1] = Word(
                prev.text + word.text,
                prev.x0,
                word.x1,
                min(prev.top, word.top),
                max(prev.bottom, word.bottom),
                max(prev.size, word.size),
                prev.bold and word.bold,
                prev.baseline if prev.size >= word.size else word.baseline,
                prev.start,
            )
        else:
            out.append(word)
    return out


def _same_word(prev: Word, word: Word, line: list[Word], pitch: list[float | None]) -> bool:
    gap = word.x0 - prev.x1
    size = min(prev.size, word.size)
    if word.text[:1] in _CLOSING and gap < 0.08 * size:
        return True  # punctuation set right after a note mark: "Criteria" "a" ":"
    if not (prev.text[-1:].isalpha() and word.text[:1].isalpha()):
        return False
    if abs(prev.baseline - word.baseline) > 0.15 * size:
        return False  # a superscript note mark ("Criteria" + "a") is a word of its own
    if gap < 0.08 * size:
        return True  # closer than any word space
    # Small capitals: a capital followed by capitals set smaller.
    if prev.size > word.size * 1.1 and len(prev.text) == 1 and word.text.isupper():
        return prev.text.isupper() and gap < 0.25 * size
    # Letter-spaced: single letters at an even pitch; a word space is far wider.
    if len(word.text) != 1:
        return False
    if not pitch:
        pitch.append(_letter_pitch(line))
    return pitch[0] is not None and gap <= 1.5 * pitch[0]


def _letter_pitch(line: list[Word]) -> float | None:
    """The narrowest gap between two single letters, when 3+ letters stand alone."""
    gaps = [
        b.x0 - a.x1
        for a, b in zip(line, line[1:], strict=False)
        if len(a.text) == 1 and len(b.text) == 1 and a.text.isalpha() and b.text.isalpha()
    ]
    return max(min(gaps), 0.0) if len(gaps) >= 2 else None


def _make_line(words: list[Word], posts: list[Post]) -> Line:
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:], strict=False)]
    middle = (words[0].top + words[0].bottom) / 2
    walls = [p.x for p in posts if p.top <= middle <= p.bottom] if posts else []
    # Justified text stretches every space of a line alike; a cell or column
    # boundary is a gap over ~1.2 em that is also far wider than the line's
    # narrowest space.
    narrowest = 2.5 * min(gaps) if len(gaps) > 1 else 0.0
    current = [words[0]]
    groups: list[list[Word]] = [current]
    previous = words[0]
    for word, gap in zip(words[1:], gaps, strict=True):
        if walls and any(previous.x1 - 1 <= x <= word.x0 + 1 for x in walls):
            current = [word]  # a cell border between them
            groups.append(current)
        elif (
            gap <= 1.2 * word.size
            or gap <= narrowest
            or (len(current) == 1 and _is_bullet(previous.text))  # a bullet and its item
        ):
            current.append(word)
        else:
            current = [word]
            groups.append(current)
        previous = word
    segments = [_segment(group) for group in groups]
    return Line(
        top=min(s.top for s in segments),
        bottom=max(s.bottom for s in segments),
        segments=segments,
    )


def _is_bullet(text: str) -> bool:
    """A list marker: a bullet glyph, the "o" a symbol font prints for a hollow one, or an
    enumerator ("1.", "A)", "ii.", "(b)"); a tab stop after it never makes it a cell."""
    return text in BULLET_GLYPHS or text == "o" or bool(_ENUMERATOR.match(text))


def _segment(words: list[Word]) -> Segment:
    first = words[0]
    size = first.size
    if any(w.size != size for w in words):
        sizes: dict[float, int] = {}
        for w in words:
            sizes[w.size] = sizes.get(w.size, 0) + len(w.text)
        size = max(sizes, key=sizes.__getitem__)  # the size most of its characters have
    return Segment(
        x0=first.x0,
        x1=words[-1].x1,
        top=min([w.top for w in words]),
        bottom=max([w.bottom for w in words]),
        text=" ".join([w.text for w in words]),
        size=size,
        bold=all([w.bold for w in words]),
    )


# --------------------------------------------------------------------------- rules


def _rules(
    page: Any,
    left: float,
    top: float,
    rules: list[Rule],
    posts: list[Post],
    dots: list[tuple[float, float, float, float]],
) -> None:
    """Rules and posts: thin paths, and the edges of small boxes (cell borders, shading);
    ``dots``: small filled shapes (x0, top, x1, bottom), which may be drawn bullets."""
    import pypdfium2.raw as raw

    count, get_object, get_type, get_bounds = _object_calls()
    handle = ctypes.cast(page.raw, ctypes.c_void_p).value
    bounds = (ctypes.c_float * 4)()  # left, bottom, right, top
    at = ctypes.addressof(bounds)
    read_bounds = memoryview(bounds).cast("B").cast("f").tolist
    path_type = raw.FPDF_PAGEOBJ_PATH
    for index in range(count(handle)):
        address = get_object(handle, index)
        if get_type(address) != path_type or not get_bounds(address, at, at + 4, at + 8, at + 12):
            continue
        obj = ctypes.cast(address, raw.FPDF_PAGEOBJECT)
        b_left, b_bottom, b_right, b_top = read_bounds()
        x0, x1 = b_left - left, b_right - left
        y0, y1 = top - b_top, top - b_bottom
        if _DOT_MIN <= x1 - x0 <= _DOT_MAX and _DOT_MIN <= y1 - y0 <= _DOT_MAX:
            if _filled(obj):
                dots.append((x0, y0, x1, y1))
            continue
        thin_x, thin_y = x1 - x0 <= _RULE_THICKNESS, y1 - y0 <= _RULE_THICKNESS
        if thin_y and x1 - x0 >= _RULE_MIN_LENGTH:
            rules.append(Rule((y0 + y1) / 2, x0, x1))
        elif thin_x and y1 - y0 >= _POST_MIN_LENGTH:
            posts.append(Post((x0 + x1) / 2, y0, y1))
        elif not (thin_x or thin_y) and raw.FPDFPath_CountSegments(obj) <= _BOX_MAX_SEGMENTS:
            if x1 - x0 >= _RULE_MIN_LENGTH:
                rules += [Rule(y0, x0, x1), Rule(y1, x0, x1)]
            posts += [Post(x0, y0, y1), Post(x1, y0, y1)]


@functools.cache
def _object_calls() -> tuple[Any, ...]:
    """pdfium's page-object walk, called with plain addresses (see ``_fast``): a page
    has hundreds of text objects to skip past."""
    import pypdfium2.raw as raw

    vp, i = ctypes.c_void_p, ctypes.c_int
    return (
        _fast(raw.FPDFPage_CountObjects, i, vp),
        _fast(raw.FPDFPage_GetObject, vp, vp, i),
        _fast(raw.FPDFPageObj_GetType, i, vp),
        _fast(raw.FPDFPageObj_GetBounds, i, vp, vp, vp, vp, vp),
    )


def _filled(path: Any) -> bool:
    import pypdfium2.raw as raw

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(path, fill, stroke):
        return False
    return bool(fill.value != raw.FPDF_FILLMODE_NONE)


def _drawn_bullets(dots: list[tuple[float, float, float, float]], words: list[Word]) -> list[Word]:
    """A small filled shape just left of a line's first word, level with its letters, is
    a bullet drawn instead of printed: a "•" word on that word's baseline."""
    bullets: list[Word] = []
    for x0, top, x1, bottom in dots:
        middle = (top + bottom) / 2
        beside = [
            w
            for w in words
            if w.top <= middle <= w.bottom and 0 <= w.x0 - x1 <= _BULLET_GAP * w.size
        ]
        if not beside:
            continue
        item = min(beside, key=lambda w: w.x0)
        if any(
            w.top <= middle <= w.bottom and x0 - 1 <= w.x1 <= item.x0 and w is not item
            for w in words
        ):
            continue  # text between the shape and the word, or just before it: no bullet
        bullets.append(
            Word("•", x0, x1, item.top, item.bottom, item.size, False, item.baseline, -1)
        )
    return bullets
