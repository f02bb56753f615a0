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

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000\f\v]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*+•●◦▪■□‣⁃–]|\\-)\s+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_TAG = re.compile(r"</?(?:sup|sub|i|b|em|strong|u|span|br|small)\b[^>]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MATH = re.compile(r"\$\s*([^$]{1,40}?)\s*\$")
_MATH_SYMBOLS = {r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥", r"\times": "×", r"\pm": "±"}
_BARE_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?)$", re.IGNORECASE
)
_TERMINAL = (".", ":", ";", "?", "!", '"', "”", ")", "]")
_LIST_START = re.compile(r"^(?:- |\d{1,3}[.)] |[A-Z][.)] |[IVX]{1,5}[.)] )")
_DATE_ROW = re.compile(r"^\d{1,2}/(?:\d{1,2}/)?\d{4}\b|^\d{8}\b")

# A line repeated at least this often may be page furniture.
_MIN_REPEATS = 3


def clean_text(raw: str) -> tuple[str, list[str]]:
    """Raw extracted text → (clean text, removed furniture lines)."""
    lines = [normalize_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = ["" if _is_droppable(line) else line for line in lines]
    lines, furniture = remove_furniture(lines)
    blocks = unwrap(lines)
    return "\n".join(blocks) + ("\n" if blocks else ""), furniture


def normalize_line(line: str) -> str:
    """One physical line → its markup-free form (heading marker kept as ``# ``)."""
    line = _INVISIBLE.sub("", line)
    line = _SPACES.sub(" ", line).strip()
    heading = bool(_MD_HEADING.match(line))
    line = _MD_HEADING.sub("", line)
    line = _TAG.sub("", line)
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _MATH.sub(lambda m: _math_text(m.group(1)), line)
    for _ in range(2):  # nested emphasis such as ***x*** or **_x_**
        line = _EMPHASIS.sub(r"\2", line)
    line = line.replace("**", "")
    line = _ESCAPE.sub(r"\1", line)
    line = _BULLET.sub("- ", line)
    line = _SPACES.sub(" ", line).strip()
    if line in ("-", "*"):
        return ""
    return f"# {line}" if heading and line else line


def _math_text(expr: str) -> str:
    for macro, symbol in _MATH_SYMBOLS.items():
        expr = expr.replace(macro, symbol)
    return expr.replace("\\", "").strip()


def _is_droppable(line: str) -> bool:
    """Lines that are never policy text: bare link targets and page numbers."""
    return bool(_BARE_URL.match(line) or _PAGE_NUMBER.match(line))


def furniture_key(line: str) -> str:
    return line[2:] if line.startswith("# ") else line


def remove_furniture(lines: list[str]) -> tuple[list[str], list[str]]:
    """Drop running page headers and footers, rejoining what they cut in two.

    A line is furniture when it repeats on several pages and one of its runs
    (consecutive repeated lines) cuts a sentence: the text before the run does
    not end a sentence and the text after it goes on in lower case. Copyright
    lines that repeat are furniture too. The document's own leading header is
    kept once.
    """
    counts = Counter(furniture_key(line) for line in lines if line)
    repeated = {key for key, n in counts.items() if n >= _MIN_REPEATS}
    runs = list(_runs(lines, repeated))
    furniture = {key for key in repeated if _is_copyright(key)}
    for start, end in runs:
        if _cuts_sentence(lines, start, end):
            furniture.update(furniture_key(line) for line in lines[start:end] if line)
    if not furniture:
        return lines, []
    keep_first = _leading_run(lines, runs)
    out: list[str] = []
    removed: list[str] = []
    cut_pending = False
    for index, line in enumerate(lines):
        key = furniture_key(line)
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


def _runs(lines: list[str], repeated: set[str]) -> Iterable[tuple[int, int]]:
    """Maximal spans of non-blank repeated lines (blank lines inside a span allowed)."""
    start: int | None = None
    last = -1
    for index, line in enumerate(lines):
        if not line:
            continue
        if furniture_key(line) in repeated:
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
    if not before or not after or before.startswith("# "):
        return False
    return not before.endswith(_TERMINAL) and after[0].islower()


def _is_copyright(key: str) -> bool:
    lowered = key.lower()
    return key.startswith("©") or lowered.startswith("copyright") or "all rights reserved" in lowered


def _leading_run(lines: list[str], runs: list[tuple[int, int]]) -> set[int]:
    """Indexes of the first run when it opens the document: the policy's own header."""
    first_content = next((i for i, line in enumerate(lines) if line), None)
    if not runs or runs[0][0] != first_content:
        return set()
    return set(range(*runs[0]))


def _rejoin(out: list[str], line: str) -> None:
    """Append ``line`` to the block a page break cut, if it was cut."""
    prev_index = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
    if prev_index is None:
        out.append(line)
        return
    prev = out[prev_index]
    if prev.startswith("# ") or prev.endswith(_TERMINAL) or not line[0].islower():
        out.append(line)
        return
    del out[prev_index + 1 :]
    out[prev_index] = _join(prev, line)


def _join(left: str, right: str) -> str:
    if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
        return left[:-1] + right  # a word hyphenated across the break
    return f"{left} {right}"


def unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into blocks; blank lines always end a block."""
    width = wrap_width(lines)
    blocks: list[str] = []
    current: str | None = None
    current_last = ""  # the last physical line of the current block
    for line in lines:
        if not line:
            if current is not None:
                blocks.append(current)
            current = None
            continue
        if current is not None and width and _continues(current_last, line, width):
            current = _join(current, line)
        else:
            if current is not None:
                blocks.append(current)
            current = line
        current_last = line
    if current is not None:
        blocks.append(current)
    return blocks


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


def _continues(prev: str, line: str, width: int) -> bool:
    """Was ``line`` wrapped off the end of ``prev``?"""
    if prev.startswith("# ") or line.startswith("# "):
        return False
    if _LIST_START.match(line) or _DATE_ROW.match(line):
        return False
    if line[0].islower() and not prev.endswith(_TERMINAL):
        return True  # a sentence running on
    first_word = line.split(" ", 1)[0]
    # Proportional fonts wrap short of the widest line: allow 15% slack.
    if len(prev) + 1 + len(first_word) <= width * 0.85:
        return False  # the next word would have fit: prev ended its block
    return not (prev.endswith(_TERMINAL) and _looks_like_heading(line))


def _looks_like_heading(line: str) -> bool:
    return len(line) < 60 and line[0].isupper() and not line.endswith(_TERMINAL + (",",))
