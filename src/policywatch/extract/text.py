"""Clean extracted text into the canonical line form the parser reads.

Output: one logical block (heading, paragraph, list item, table row) per line,
no blank lines, single spaces, markdown syntax gone except ``# `` before a
marked heading. Two conversions of the same document give the same text:
NBSP vs space, tabs vs spaces, ``•`` vs ``-`` bullets, emphasis, hard wraps and
repeated page furniture all disappear here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*+•●◦▪■□‣⁃–]|\\-)\s+")
_BULLET_CHARS = set("-*+•●◦▪■□‣⁃–\\")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_TAG = re.compile(r"</?(?:sup|sub|i|b|em|strong|u|span|br|small)\b[^>]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
# Markdown escapes; some converters escape twice (physician\\_gls for physician_gls).
_ESCAPE = re.compile(r"\\+([`*_{}\[\]()#+\-.!|>~])")
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
_LIST_START = re.compile(
    r"^(?:- |\(?(?:\d{1,3}|[A-Za-z]|[IVX]{1,5}|[ivx]{1,5})[.)] (?=[A-Z\"“(\[]))"
)
_DATE_ROW = re.compile(
    r"^\d{1,2}/(?:\d{1,2}/)?\d{4}\b|^(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d\d\b"
)

# A line repeated at least this often may be page furniture.
_MIN_REPEATS = 3


def clean_text(raw: str, cells: bool = False) -> tuple[str, list[str]]:
    """Raw extracted text → (clean text, removed furniture lines).

    ``cells``: a TAB separates table cells (our PDF and HTML readers write them
    so); in a text edition a TAB is only whitespace."""
    if not cells and "\t" in raw:
        raw = raw.replace("\t", " ")
    lines = [
        normalize_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    lines = ["" if _is_droppable(line) else line for line in lines]
    lines, furniture = remove_furniture(lines)
    blocks = [block for block in (strip_inline(b) for b in unwrap(lines)) if block]
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
            block = _EMPHASIS.sub(r"\2", block)
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


def _math_text(expr: str) -> str:
    for macro, symbol in _MATH_SYMBOLS.items():
        expr = expr.replace(macro, symbol)
    return expr.replace("\\", "").strip()


def _is_droppable(line: str) -> bool:
    """Lines that are never policy text: bare link targets and page numbers."""
    return bool(_BARE_URL.match(line) or _PAGE_NUMBER.match(line))


def furniture_key(line: str) -> str:
    return strip_inline(line[2:] if line.startswith("# ") else line)


def _ends_sentence(text: str) -> bool:
    return text.rstrip("*_`\\ ").endswith(_TERMINAL)


def _starts_lower(text: str) -> bool:
    text = text.lstrip("*_`")
    return bool(text) and text[0].islower()


def remove_furniture(lines: list[str]) -> tuple[list[str], list[str]]:
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
    out: list[str] = []
    removed: list[str] = []
    cut_pending = False
    for index, (line, key) in enumerate(zip(lines, keys, strict=True)):
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
    return out, removed


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


def _rejoin(out: list[str], line: str) -> None:
    """Append ``line`` to the block a page break cut, if it was cut."""
    prev_index = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
    if prev_index is None:
        out.append(line)
        return
    prev = out[prev_index]
    if prev.startswith("# ") or _ends_sentence(prev) or not _starts_lower(line):
        out.append(line)
        return
    del out[prev_index + 1 :]
    out[prev_index] = _join(prev, line)


_SUSPENDED_HYPHEN = re.compile(r"^(?:or|and|to|nor|through)\b")


def _join(left: str, right: str) -> str:
    if (
        left.endswith("-")
        and len(left) > 1
        and left[-2].isalpha()
        and _starts_lower(right)
        and not _SUSPENDED_HYPHEN.match(right)  # "hydro- or aero-dissection"
    ):
        # Keep the hyphen: "meta-" + "analyses" is far commoner in policies than a
        # soft hyphen, and a kept hyphen never changes a word's meaning.
        return left + right
    return f"{left} {right}"


def unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into blocks; blank lines always end a block."""
    width = wrap_width(lines)
    blocks: list[str] = []
    current: str | None = None
    current_last = ""  # the last physical line of the current block
    for index, line in enumerate(lines):
        if not line:
            if current is not None:
                blocks.append(current)
            current = None
            continue
        following = next((later for later in lines[index + 1 :] if later), "")
        if current is None and blocks and _cut_across_blank(blocks[-1], line):
            current = _join(blocks.pop(), line)  # a page break left a blank inside a sentence
        elif current is not None and _continues(current, current_last, line, following, width):
            current = _join(current, line)
        else:
            if current is not None:
                blocks.append(current)
            current = line
        current_last = line
    if current is not None:
        blocks.append(current)
    return blocks


def _cut_across_blank(prev: str, line: str) -> bool:
    """A sentence that runs on past a blank line (the trace of a removed page break)."""
    return (
        _starts_lower(line)
        and not prev.startswith("# ")
        and not _ends_sentence(prev)
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


def _continues(block: str, prev: str, line: str, following: str, width: int) -> bool:
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


def _shape(token: str) -> str:
    return re.sub(r"(\d)+", "9", re.sub(r"[A-Za-z]+", "A", token))


def _same_row_shape(block: str, line: str) -> bool:
    """Table rows keyed by IDs of one shape (NCT01234567, 47371): each line a new row."""
    first, new = block.split(" ", 1)[0], line.split(" ", 1)[0]
    return bool(re.fullmatch(r"[A-Z]*\d[A-Z0-9]{3,}", new)) and _shape(first) == _shape(new)


def _looks_like_heading(line: str, width: int) -> bool:
    """Short, capitalised, unpunctuated: a heading after a full last line, not a wrap."""
    return (
        len(line) < width * 0.7
        and line[0].isupper()
        and not _ends_sentence(line)
        and not line.rstrip("*_").endswith(",")
        and not re.search(r"\d{4,}", line)
    )
