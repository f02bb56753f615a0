"""Normalization and similarity shared by the change kinds.

Comparisons run on normalized text so that formatting (wrapping, non-breaking
spaces, curly quotes, case in keys) never reads as a change.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_PUNCT_TRANSLATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
    }
)

# Words that carry no identity in an indication or population.
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "and", "any", "as", "at", "be", "by", "either", "for", "from", "in", "is",
    "its", "of", "on", "or", "the", "their", "to", "who", "with",
})
# fmt: on


def norm_text(text: str | None) -> str:
    """Text as a reader sees it: NFKC, plain quotes and dashes, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_TRANSLATION)
    return _SPACE.sub(" ", text).strip()


def norm_key(text: str | None) -> str:
    """An identity key: case, punctuation and spacing removed."""
    return _NON_WORD.sub(" ", norm_text(text).casefold()).strip()


def content_tokens(text: str | None) -> frozenset[str]:
    return frozenset(t for t in norm_key(text).split() if t not in STOPWORDS)


def idf_weights(token_sets: Iterable[frozenset[str]]) -> dict[str, float]:
    """Rare tokens weigh more: "neuroendocrine" identifies a population, "liver" does not."""
    sets = list(token_sets)
    df = Counter(t for s in sets for t in s)
    n = len(sets)
    return {t: math.log(1 + n / d) for t, d in df.items()}


def weighted_jaccard(a: frozenset[str], b: frozenset[str], weights: dict[str, float]) -> float:
    union = a | b
    if not union:
        return 1.0
    total = sum(weights.get(t, 1.0) for t in union)
    return sum(weights.get(t, 1.0) for t in a & b) / total


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    """Share of ``part``'s tokens found in ``whole``."""
    return len(part & whole) / len(part) if part else 0.0


def shorten(text: str | None, width: int = 90) -> str:
    return clip(norm_text(text), width)


def clip(text: str, width: int) -> str:
    """Cut already-normalized text to ``width`` (NFKC would turn '…' into '...')."""
    return text if len(text) <= width else text[: width - 1].rstrip() + ELLIPSIS


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def status_label(status: str) -> str:
    return status.replace("_", " ")


def changed_excerpts(before: str | None, after: str | None, context: int = 2) -> tuple[str, str]:
    """The differing middle of two texts with a little context: what a summary should show.

    'Ablation, 1 or more liver tumor(s), percutaneous, cryoablation' →
    '…, cryoablation, including imaging guidance' reads as ('… percutaneous,
    cryoablation', '… percutaneous, cryoablation, including imaging guidance').
    """
    a, b = norm_text(before).split(), norm_text(after).split()
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - context)
    keep_suffix = max(0, suffix - context)

    def excerpt(words: list[str]) -> str:
        middle = " ".join(words[start : len(words) - keep_suffix])
        lead = f"{ELLIPSIS} " if start else ""
        tail = f" {ELLIPSIS}" if keep_suffix else ""
        return f"{lead}{middle}{tail}".strip()

    return excerpt(a), excerpt(b)
