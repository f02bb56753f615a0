"""Clean extracted text into the canonical line form the parser reads.

Output: one logical block (heading, paragraph, list item, table row) per line,
no blank lines, single spaces, markdown syntax gone except ``# `` before a
marked heading. Two conversions of the same document give the same text:
NBSP vs space, tabs vs spaces, ``•`` vs ``-`` bullets, emphasis, hard wraps and
repeated page furniture all disappear here.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable

from policywatch.errors import ExtractError

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*+•●◦▪■□‣⁃–]|\\-)\s+")
_BULLET_CHARS = set("-*+•●◦▪■□‣⁃–\\")
# Every pattern here runs in linear time on a block of any length: a scan that starts
# at a marker stops at the next marker of its kind ("[", "<", the first backslash
# of a run), so a marker with no partner costs only the text up to the next one.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^)\[]*\)")
_LINK = re.compile(r"\[([^\[\]]+)\]\([^)\[]*\)")
_TAG = re.compile(r"</?(?:sup|sub|i|b|em|strong|u|span|br|small)\b[^<>]*>", re.IGNORECASE)
# Markdown escapes; some converters escape twice (physician\\_gls for physician_gls).
_ESCAPE = re.compile(r"(?<!\\)\\+([`*_{}\[\]()#+\-.!|>~])")
_MATH = re.compile(r"\$\s*([^$]{1,40}?)\s*\$")
_MATH_SYMBOLS = {r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥", r"\times": "×", r"\pm": "±"}
# A URL alone on a line with no closing punctuation: a link target a converter
# spilled out of the page, not part of a sentence.
_BARE_URL = re.compile(r"^https?://\S*[^\s.,;:)]$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?)$", re.IGNORECASE
)
_TERMINAL = (".", ":", ";", "?", "!", '"', "”")
# A header field set with dot leaders: "Effective Date ........ 01/01/2026".
_LEADER_FIELD = re.compile(r"^(?P<label>[^\W\d][^.…:]{1,60}?)\s*[.…]{3,}\s*(?P<value>\S.*)$")
# A list item opens with a bullet or a number / letter / roman numeral and a capital
# ("2. Credible …"); "2. 2023)" is a wrapped sentence, not an item.
# A list item: a bullet or an enumerator before a capital, or a letter and ")" before
# anything ("d) adalimumab-aacf injection"): a wrapped sentence never starts so.
_LIST_START = re.compile(
    r"^(?:- |\(?(?:\d{1,3}|[A-Za-z]|[IVX]{1,5}|[ivx]{1,5})[.)] (?=[A-Z\"“(\[])|[a-z]\) (?=\S))"
)
_DATE_ROW = re.compile(
    r"^\d{1,2}/(?:\d{1,2}/)?\d{4}\b|^(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d\d\b"
)

# A line repeated at least this often may be page furniture.
_MIN_REPEATS = 3

# Bound for one document's cleanup (PDF reading has its own, in extract.pdf). The
# cleanup is linear, so this only stops an input nobody foresaw.
MAX_SECONDS = 60.0


class TimeCap:
    """An overall time budget for one document; raises a one-line ExtractError once
    spent. ``tick`` is cheap enough for every line: it reads the clock every 256 calls."""

    def __init__(self, what: str, seconds: float | None = None) -> None:
        self.what = what  # "text cleanup", "HTML page": the message's subject
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self._ticks = 0

    def tick(self) -> None:
        self._ticks += 1
        if not self._ticks & 255:
            self.check()

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExtractError(
                f"{self.what} took over {self.seconds:.0f} s; it is too large or too complex"
            )


def clean_text(raw: str, cells: bool = False, cap: TimeCap | None = None) -> tuple[str, list[str]]:
    """Raw extracted text → (clean text, removed furniture lines).

    ``cells``: a TAB separates table cells (our PDF and HTML readers write them
    so); in a text edition a TAB is only whitespace. ``cap``: the time budget
    (default: :data:`MAX_SECONDS` from now); every stage is linear in the text."""
    cap = cap or TimeCap("text cleanup")
    if not cells and "\t" in raw:
        raw = raw.replace("\t", " ")
    lines = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        cap.tick()
        line = normalize_line(line)
        lines.append("" if _is_droppable(line) else line)
    cap.check()
    lines, furniture = remove_furniture(lines, cap)
    blocks = []
    for block in unwrap(lines, cap):
        cap.tick()
        block = strip_inline(block)
        if block:
            blocks.append(block)
    cap.check()
    return "\n".join(blocks) + ("\n" if blocks else ""), furniture


def normalize_line(line: str) -> str:
    """One physical line → its markup-free form (heading marker kept as ``# ``)."""
    if not line.isascii():
        line = _INVISIBLE.sub("", line)
    line = _collapse(line)
    heading = line.startswith("#") and bool(_MD_HEADING.match(line))
    if heading:
        line = _MD_HEADING.sub("", line)
    if line[:1] in _BULLET_CHARS:
        line = _collapse(_BULLET.sub("- ", line))
    if line in ("-", "*"):
        return ""
    field = _LEADER_FIELD.match(line) if "...." in line or "…" in line else None
    if field and not field["value"].isdigit():  # a contents entry leads to its page number
        line = f"{field['label']}: {field['value']}"
    return f"# {line}" if heading and line else line


def strip_inline(block: str) -> str:
    """Inline markup, once a block is whole: emphasis and links may span a wrap, and
    line lengths must stay those the document was wrapped at."""
    # Each pass only where its marker occurs: most blocks have no markup at all.
    if "<" in block:
        block = _TAG.sub("", block)
    if "](" in block:
        block = _LINK.sub(r"\1", _IMAGE.sub(r"\1", block))
    if "$" in block:
        block = _MATH.sub(lambda m: _math_text(m.group(1)), block)
    if "*" in block or "__" in block:
        for _ in range(2):  # nested emphasis such as ***x*** or **_x_**
            block = strip_emphasis(block)
        block = block.replace("**", "")
    if "\\" in block:
        block = _ESCAPE.sub(r"\1", block)
    return _collapse(block)


def _collapse(text: str) -> str:
    """Single spaces: str.split() knows NBSP and the other Unicode spaces. A TAB
    between words separates table cells and stays one TAB; leading and trailing
    tabs are indentation and go."""
    if "\t" not in text:
        return " ".join(text.split())
    cells = [" ".join(cell.split()) for cell in text.strip().split("\t")]
    return "\t".join(cells)


_OPENER = re.compile(r"\*|__")
_STAR_OPENER = re.compile(r"\*")
_UNDERSCORE_OPENER = re.compile(r"__")


def strip_emphasis(text: str) -> str:
    """Emphasis markers off: ``re.sub(r"(\\*{1,3}|_{2,3})(?=\\S)(.+?)(?<=\\S)\\1", r"\\2", text)``
    to the character, in linear time.

    That regex scans to the end of the text from every marker without a partner
    ("*a *a *a …"), which is quadratic. Here the search for a closing marker
    resumes where the last search for the same marker stopped: a closing marker
    found (or none) for one opening is the answer for every later opening before it.
    """
    out: list[str] = []
    done = 0  # text[:done] is in out
    pos = 0
    size = len(text)
    newlines = [m.start() for m in re.finditer("\n", text)] if "\n" in text else []
    found: dict[str, tuple[int, int]] = {}  # marker → (searched from, first closing or -1)

    def closing(mark: str, start: int) -> int:
        known = found.get(mark)
        if known is not None and known[0] <= start and (known[1] < 0 or start <= known[1]):
            return known[1]
        at = text.find(mark, start)  # a closing marker follows a non-space (?<=\S)
        while at > 0 and text[at - 1].isspace():
            at = text.find(mark, at + 1)
        found[mark] = (start, at)
        return at

    openers = _OPENER
    while (opener := openers.search(text, pos)) is not None:
        start = opener.start()
        char = text[start]
        run = 1
        while run < 3 and start + run < size and text[start + run] == char:
            run += 1
        end = -1
        for width in range(run, 0 if char == "*" else 1, -1):  # the regex backtracks 3, 2, 1
            inner = start + width
            if inner >= size or text[inner].isspace():
                continue
            close = closing(char * width, inner + 1)
            if close < 0 or _newline_between(newlines, inner, close):
                continue  # "." never crosses a line end
            out += (text[done:start], text[inner:close])
            end = close + width
            break
        if end < 0:
            pos = start + 1
            # No closing "*" ahead means no "**" or "***" either, and none for any later
            # opening: stop looking for that marker (likewise "__" for "___").
            stars, underscores = (found.get(mark, (0, 0))[1] < 0 for mark in ("*", "__"))
            if stars and underscores:
                break
            openers = _UNDERSCORE_OPENER if stars else _STAR_OPENER if underscores else _OPENER
        else:
            done = pos = end
    out.append(text[done:])
    return "".join(out)


def _newline_between(newlines: list[int], start: int, end: int) -> bool:
    index = bisect_left(newlines, start)
    return index < len(newlines) and newlines[index] < end


def _math_text(expr: str) -> str:
    for macro, symbol in _MATH_SYMBOLS.items():
        expr = expr.replace(macro, symbol)
    return expr.replace("\\", "").strip()


def _is_droppable(line: str) -> bool:
    """Lines that are never policy text: bare link targets and page numbers."""
    return bool(_BARE_URL.match(line) or _PAGE_NUMBER.match(line))


def furniture_key(line: str) -> str:
    return strip_inline(line[2:] if line.startswith("# ") else line)


_TRAILING_MARKUP = "*_`\\ "


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_TRAILING_MARKUP).endswith(_TERMINAL)


def _starts_lower(text: str) -> bool:
    text = text.lstrip("*_`")
    return bool(text) and text[0].islower()


def remove_furniture(lines: list[str], cap: TimeCap | None = None) -> tuple[list[str], list[str]]:
    """Drop running page headers and footers, rejoining what they cut in two.

    A line is furniture when it repeats on several pages and one of its runs
    (consecutive repeated lines) cuts a sentence: the text before the run does
    not end a sentence and the text after it goes on in lower case. Copyright
    lines that repeat are furniture too. The document's own leading header is
    kept once.
    """
    keys = [furniture_key(line) if line else "" for line in lines]
    counts = Counter(key for key in keys if key)
    repeated = {key for key, n in counts.items() if n >= _MIN_REPEATS}
    runs = list(_runs(keys, repeated))
    furniture = {key for key in repeated if _is_copyright(key)}
    for start, end in runs:
        if _cuts_sentence(lines, start, end):
            furniture.update(key for key in keys[start:end] if key)
    if not furniture:
        return lines, []
    keep_first = _document_header(keys, furniture)
    out: list[str | _Block] = []
    removed: list[str] = []
    cut_pending = False
    for index, (line, key) in enumerate(zip(lines, keys, strict=True)):
        if cap is not None:
            cap.tick()
        if line and key in furniture and index not in keep_first:
            if key not in removed:
                removed.append(key)
            cut_pending = True
            continue
        if line and cut_pending:
            _rejoin(out, line)
            cut_pending = False
            continue
        out.append(line)
    return [str(line) for line in out], removed


def _runs(keys: list[str], repeated: set[str]) -> Iterable[tuple[int, int]]:
    """Maximal spans of non-blank repeated lines (blank lines inside a span allowed)."""
    start: int | None = None
    last = -1
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in repeated:
            if start is None:
                start = index
            last = index
        elif start is not None:
            yield start, last + 1
            start = None
    if start is not None:
        yield start, last + 1


def _neighbour(lines: list[str], index: int, step: int) -> str:
    while 0 <= index < len(lines):
        if lines[index]:
            return lines[index]
        index += step
    return ""


def _cuts_sentence(lines: list[str], start: int, end: int) -> bool:
    before = _neighbour(lines, start - 1, -1)
    after = _neighbour(lines, end, 1)
    if not before or not after or before.startswith("# ") or _LIST_START.match(after):
        return False  # a list item ("i. Patient …") opens a block; it continues nothing
    return not _ends_sentence(before) and _starts_lower(after)


def _is_copyright(key: str) -> bool:
    lowered = key.lower()
    return (
        key.startswith("©") or lowered.startswith("copyright") or "all rights reserved" in lowered
    )


def _document_header(keys: list[str], furniture: set[str], span: int = 12) -> set[int]:
    """First occurrences of furniture among the opening lines: the policy's own header."""
    keep: set[int] = set()
    seen: set[str] = set()
    content = (i for i, key in enumerate(keys) if key)
    for _, index in zip(range(span), content, strict=False):
        key = keys[index]
        if key in furniture and key not in seen:
            seen.add(key)
            keep.add(index)
    return keep


def _rejoin(out: list[str | _Block], line: str) -> None:
    """Append ``line`` to the block a page break cut, if it was cut."""
    prev_index = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
    if prev_index is None:
        out.append(line)
        return
    prev = out[prev_index]
    block = prev if isinstance(prev, _Block) else _Block(prev)
    if block.is_heading() or block.ends_sentence() or not _starts_lower(line):
        out.append(line)
        return
    del out[prev_index + 1 :]
    block.add(line)
    out[prev_index] = block


_SUSPENDED_HYPHEN = re.compile(r"^(?:or|and|to|nor|through)\b")


def _joins_without_space(left_tail: str, right: str) -> bool:
    """Is ``right`` joined to a left side ending in ``left_tail`` (its last two
    characters) without a space? Keep the hyphen: "meta-" + "analyses" is far
    commoner in policies than a soft hyphen, and a kept hyphen never changes a
    word's meaning."""
    return (
        left_tail.endswith("-")
        and len(left_tail) > 1
        and left_tail[-2].isalpha()
        and _starts_lower(right)
        and not _SUSPENDED_HYPHEN.match(right)  # "hydro- or aero-dissection"
    )


def _join(left: str, right: str) -> str:
    return left + right if _joins_without_space(left[-2:], right) else f"{left} {right}"


class _Block:
    """Lines being joined into one block. Kept as parts and joined once at the end:
    joining string by string copies the block each time, quadratic for a long one."""

    __slots__ = ("parts", "_first_word", "_first_shape")

    def __init__(self, line: str) -> None:
        self.parts = [line]
        self._first_word: str | None = None
        self._first_shape: str | None = None

    def __str__(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0]

    def __bool__(self) -> bool:
        return True  # never empty: it starts with a non-empty line

    def add(self, line: str) -> None:
        """``_join(str(self), line)``, without copying the block."""
        tail = self.parts[-1][-2:]
        if len(tail) < 2 and len(self.parts) > 1:
            tail = self.parts[-2][-1:] + tail
        if not _joins_without_space(tail, line):
            self.parts.append(" ")
        self.parts.append(line)

    def is_heading(self) -> bool:
        return "".join(self.parts[:2]).startswith("# ")

    def ends_sentence(self) -> bool:
        """``_ends_sentence(str(self))`` from the last parts alone."""
        for part in reversed(self.parts):
            stripped = part.rstrip(_TRAILING_MARKUP)
            if stripped:
                return stripped.endswith(_TERMINAL)
        return False

    def first_shape(self) -> str:
        """The shape of the block's first word (see :func:`_same_row_shape`)."""
        if self._first_shape is None:
            if self._first_word is None:
                text = str(self)
                space = text.find(" ")
                if space < 0:
                    return _shape(text)  # one word so far: it may still grow
                self._first_word = text[:space]
            self._first_shape = _shape(self._first_word)
        return self._first_shape


def unwrap(lines: list[str], cap: TimeCap | None = None) -> list[str]:
    """Join hard-wrapped lines back into blocks; blank lines always end a block."""
    width = wrap_width(lines)
    following = _following_lines(lines)
    blocks: list[_Block] = []
    current: _Block | None = None
    current_last = ""  # the last physical line of the current block
    for index, line in enumerate(lines):
        if cap is not None:
            cap.tick()
        if not line:
            if current is not None:
                blocks.append(current)
            current = None
            continue
        if current is None and blocks and _cut_across_blank(blocks[-1], line):
            current = blocks.pop()  # a page break left a blank inside a sentence
            current.add(line)
        elif current is not None and _continues(
            current, current_last, line, following[index], width
        ):
            current.add(line)
        else:
            if current is not None:
                blocks.append(current)
            current = _Block(line)
        current_last = line
    if current is not None:
        blocks.append(current)
    return [str(block) for block in blocks]


def _following_lines(lines: list[str]) -> list[str]:
    """For each line, the next non-blank line after it ("" after the last)."""
    following = [""] * len(lines)
    after = ""
    for index in range(len(lines) - 1, -1, -1):
        following[index] = after
        if lines[index]:
            after = lines[index]
    return following


def _cut_across_blank(prev: _Block, line: str) -> bool:
    """A sentence that runs on past a blank line (the trace of a removed page break)."""
    return (
        _starts_lower(line)
        and not prev.is_heading()
        and not prev.ends_sentence()
        and not _LIST_START.match(line)
    )


def wrap_width(lines: list[str]) -> int:
    """The width a hard-wrapped document was wrapped at, or 0 if it was not."""
    lengths = sorted(len(line) for line in lines if len(line.split()) >= 3)
    if len(lengths) < 8:
        return 0
    width = lengths[int(len(lengths) * 0.95) - 1]
    if width > 200:
        return 0
    near_full = sum(1 for n in lengths if n >= width * 0.75)
    return width if near_full >= len(lengths) * 0.35 else 0


def _continues(block: _Block, prev: str, line: str, following: str, width: int) -> bool:
    """Was ``line`` wrapped off the end of ``prev`` (the last line of ``block``)?"""
    if prev.startswith("# ") or line.startswith("# ") or "\t" in prev or "\t" in line:
        return False  # headings and table rows are never wrapped prose
    if _LIST_START.match(line) or _DATE_ROW.match(line) or _same_row_shape(block, line):
        return False
    if _starts_lower(line) and not _ends_sentence(prev):
        return True  # a sentence running on
    if not width:
        return False
    first_word = line.split(" ", 1)[0]
    # Proportional fonts wrap short of the widest line: allow 10% slack.
    if len(prev) + 1 + len(first_word) <= width * 0.9:
        return False  # the next word would have fit: prev ended its block
    if not _ends_sentence(prev):
        return True
    heading = _looks_like_heading(line, width) and not _starts_lower(following)
    return not heading


_ROW_ID = re.compile(r"[A-Z]*\d[A-Z0-9]{3,}")


def _shape(token: str) -> str:
    return re.sub(r"(\d)+", "9", re.sub(r"[A-Za-z]+", "A", token))


def _same_row_shape(block: _Block, line: str) -> bool:
    """Table rows keyed by IDs of one shape (NCT01234567, 47371): each line a new row."""
    new = line.split(" ", 1)[0]
    return bool(_ROW_ID.fullmatch(new)) and block.first_shape() == _shape(new)


def _looks_like_heading(line: str, width: int) -> bool:
    """Short, capitalised, unpunctuated: a heading after a full last line, not a wrap."""
    return (
        len(line) < width * 0.7
        and line[0].isupper()
        and not _ends_sentence(line)
        and not line.rstrip("*_").endswith(",")
        and not re.search(r"\d{4,}", line)
    )
