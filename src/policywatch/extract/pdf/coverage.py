"""A safety net: how much of pdfium's raw page text the extracted text still holds.

Every word printed on a page must come out somewhere, in the text or in the
running footer: ordering, joining and table logic may rearrange words, never
lose them. The check compares word multisets (case, hyphens and ligatures
folded, so "treat-" / "ment" and "treatment" count alike). Two removals are
meant and are not counted as losses: page numbers, and running lines — a line
printed at the same height near the top or bottom of at least half of the
pages — which must come out once (as the masthead, in the footer, or where page
1 prints them in its body), not once per page.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_PAGE_NUMBER = re.compile(
    r"\bpage\s*:?\s*\d+(?:\s*of\s*\d+)?\b|\b\d+(?:\s+of\s+\d+)?\s+pages?\b|^\s*\d{1,4}\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_HOLLOW_BULLET = re.compile(r"^\s*o\s+", re.MULTILINE)  # rendered as "- "
_TOP_ZONE, _BOTTOM_ZONE = 0.3, 0.25  # of the page height: where running lines are printed
_SAME_PLACE = 0.01  # of the page height (~8 pt): a running line's copies line up
# pdfium's U+FFFE is a hyphen that broke a word at a line end.
_BROKEN = re.compile(r"\ufffe\s*|-[ \t]*[\r\n]\s*")


@dataclass
class Coverage:
    words: int  # words on the pages that must come out
    missing: Counter[str]  # those that did not, with how many copies are missing

    @property
    def ratio(self) -> float:
        return 1.0 - sum(self.missing.values()) / self.words if self.words else 1.0


def word_coverage(data: bytes, text: str, footer: Sequence[str] = ()) -> Coverage:
    """Share of the words of the PDF's pages found in ``text`` plus ``footer``."""
    body, running = _split_running(raw_pages(data))
    wanted = Counter(words("\n".join(body)))
    found_words = words("\n".join([text, *footer]))
    found = Counter(found_words)
    missing = _split_matches(wanted - found, found - wanted)
    # A running line comes out once, its words in a row somewhere.
    stream = f" {' '.join(found_words)} "
    lines = [words(line) for line in running]
    for tokens in lines:
        if tokens and f" {' '.join(tokens)} " not in stream:
            missing.update(tokens)
    total = sum(wanted.values()) + sum(len(tokens) for tokens in lines)
    return Coverage(total, missing)


def words(text: str) -> list[str]:
    """Lower-cased word tokens; a hyphen at a line break joins, other hyphens go."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = _BROKEN.sub("", text).replace("-", "")
    return [w.lower() for w in re.findall(r"\w+", text)]


def _split_matches(missing: Counter[str], extra: Counter[str]) -> Counter[str]:
    """Words cut or joined differently are not missing: a word that came out in two
    parts ("extended-release" wrapped inside a table cell), parts that came out as one
    word (a URL broken at the margin, rejoined), letters printed apart ("P R I O R")."""
    missing, extra = +missing, +extra
    for word in list(missing.elements()):
        cut = _cut(word, extra)
        if cut:
            missing[word] -= 1
            extra[word[:cut]] -= 1
            extra[word[cut:]] -= 1
    for word in list(extra.elements()):
        cut = _cut(word, missing)
        if cut:
            extra[word] -= 1
            missing[word[:cut]] -= 1
            missing[word[cut:]] -= 1
        elif all(missing[ch] > 0 for ch in word) and not Counter(word) - missing:
            missing -= Counter(word)
    return +missing


def _cut(word: str, parts: Counter[str]) -> int:
    """Where ``word`` splits into two words both still in ``parts`` (0: nowhere)."""
    for i in range(1, len(word)):
        if (
            parts[word[:i]] > 0
            and parts[word[i:]] > 0
            and (word[:i] != word[i:] or parts[word[:i]] > 1)
        ):
            return i
    return 0


def raw_pages(data: bytes) -> list[list[tuple[str, float]]]:
    """pdfium's text of each page as it reads the content stream, line by line, each
    line with its height on the page (0 at the top, 1 at the bottom)."""
    import pypdfium2 as pdfium

    pdf: Any = pdfium.PdfDocument(data)
    pages = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            height = page.get_height() or 1.0
            text = textpage.get_text_range()
            lines = []
            for match in re.finditer(r"[^\r\n]+", text):
                top = textpage.get_charbox(match.start())[3]
                lines.append((match.group(), 1.0 - top / height))
            pages.append(lines)
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages


def _split_running(pages: list[list[tuple[str, float]]]) -> tuple[list[str], list[str]]:
    """(the pages' lines but running ones, one copy of each running line); page numbers
    removed from both."""
    keyed = [[(_key(_unnumbered(text)), text, y) for text, y in lines] for lines in pages]
    places: dict[str, list[float]] = {}
    for lines in keyed:
        for key, _, y in lines:
            if y <= _TOP_ZONE or y >= 1 - _BOTTOM_ZONE:
                places.setdefault(key, []).append(y)
    need = max(2, (len(pages) + 1) // 2)
    body: list[str] = []
    running: dict[str, str] = {}
    for lines in keyed:
        for key, text, y in lines:
            if sum(abs(y - other) <= _SAME_PLACE for other in places.get(key, ())) >= need:
                running.setdefault(key, _unnumbered(text))
            else:
                body.append(_unnumbered(text))
    return body, list(running.values())


def _unnumbered(text: str) -> str:
    return _HOLLOW_BULLET.sub("", _PAGE_NUMBER.sub(" ", text))


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))
