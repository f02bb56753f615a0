"""Header fields in every layout payers print them, named by the vocabulary.

Layouts: ``Label: value`` (several on one line too: "Section: Drugs Effective
Date: April 1, 2025"); a key/value table row (``Program Number<TAB>2024 P
2116-18``); a label alone on its line with the value on the next; and, for dates
and numbers, ``Label value`` without a colon when the value has the right shape.
Dot leaders were already turned into ``Label: value`` by extraction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from policywatch.model import DATE_FIELDS
from policywatch.parse.dates import parse_date
from policywatch.parse.doc import Doc, Line
from policywatch.parse.vocabulary import Vocabulary, fold_label, vocabulary

_NUMBER_FIELDS = ("policy_number", "reference_number")
_COLON = re.compile(r"\s*:\s*")
_MAX_FIELD_LINE = 240


@dataclass(frozen=True)
class Field:
    name: str  # the vocabulary's field name: "title", "policy_number", "effective", …
    label: str  # as printed
    value: str
    line: int  # index into doc.lines


def header_fields(doc: Doc) -> list[Field]:
    """Every labelled field in document order."""
    vocab = vocabulary()
    found: list[Field] = []
    for index, line in enumerate(doc.lines):
        if len(line.text) <= _MAX_FIELD_LINE:
            found.extend(_line_fields(doc, index, line, vocab))
    return found


def first(fields: list[Field], name: str) -> Field | None:
    return next((f for f in fields if f.name == name), None)


def _line_fields(doc: Doc, index: int, line: Line, vocab: Vocabulary) -> Iterator[Field]:
    if line.cells:
        yield from _cell_fields(index, line.cells, vocab)
        return
    colon = list(_colon_fields(index, line.text, vocab))
    if colon:
        yield from colon
        return
    bare = _bare_field(index, line.text, vocab)
    if bare:
        yield bare
        return
    yield from _label_above_value(doc, index, line, vocab)


def _cell_fields(index: int, cells: tuple[str, ...], vocab: Vocabulary) -> Iterator[Field]:
    """A key/value row: label cell, value cell (twice over in a four-cell row)."""
    texts = [cell for cell in cells if cell]
    for label, value in zip(texts[::2], texts[1::2], strict=False):
        name = vocab.field_of(label)
        if name and _plausible(name, value):
            yield Field(name, label, value, index)
        elif not name:
            yield from _colon_fields(index, label, vocab)


def _colon_fields(index: int, text: str, vocab: Vocabulary) -> Iterator[Field]:
    """``Label: value [Label: value …]`` where the first label opens the line."""
    cuts = list(_label_colons(text, vocab))
    if not cuts or cuts[0][0] != 0:
        return
    for (start, colon_end, name), following in zip(cuts, cuts[1:] + [None], strict=True):
        value = text[colon_end : following[0] if following else len(text)].strip()
        label = _COLON.split(text[start:colon_end], maxsplit=1)[0]
        if value and _plausible(name, value):
            yield Field(name, label.strip(), value, index)


def _label_colons(text: str, vocab: Vocabulary) -> Iterator[tuple[int, int, str]]:
    """(label start, value start, field) for each known label followed by a colon."""
    for colon in _COLON.finditer(text):
        before = text[: colon.start()].split(" ")
        for size in range(min(len(before), vocab.longest_label_words), 0, -1):
            label = " ".join(before[-size:])
            name = vocab.field_of(label)
            if name:
                yield colon.start() - len(label), colon.end(), name
                break


def _bare_field(index: int, text: str, vocab: Vocabulary) -> Field | None:
    """``Effective Date 6/1/2024``, ``Program Number 2024 P 2116-18``: no colon, so
    only a value of the field's own shape (a date, a number) makes it a field."""
    words = text.split(" ")
    for size in range(min(len(words) - 1, vocab.longest_label_words), 0, -1):
        label = " ".join(words[:size])
        name = vocab.field_of(label)
        value = " ".join(words[size:])
        if name and (name in DATE_FIELDS or name in _NUMBER_FIELDS) and _plausible(name, value):
            return Field(name, label, value, index)
    return None


def _label_above_value(doc: Doc, index: int, line: Line, vocab: Vocabulary) -> Iterator[Field]:
    """A label alone on its line ("Effective Date of this Version"), value below."""
    name = vocab.field_of(line.text)
    if not name or index + 1 >= len(doc.lines):
        return
    if name == "title":
        return  # "Policy:" alone heads the policy statement; a title has its own line
    below = doc.lines[index + 1].text
    if vocab.field_of(below.split(":")[0]) is None and _plausible(name, below):
        yield Field(name, line.text.rstrip(" :"), below, index + 1)


def _plausible(name: str, value: str) -> bool:
    if name in DATE_FIELDS:
        return parse_date(value) is not None
    if name in _NUMBER_FIELDS:
        return number_value(value) is not None
    return any(c.isalpha() for c in value) and fold_label(value) != ""


_NUMBER_TOKEN = re.compile(r"[#]?[A-Z0-9][\w.#/-]*")


def number_value(value: str) -> str | None:
    """The number a field gives: its leading tokens that carry digits, with short
    capital parts between them kept ("2024 P 2116-18", "CP.VP.26", "00220")."""
    tokens: list[str] = []
    for token in value.replace("\t", " ").lstrip("# ").split():
        token = token.strip(",;")
        if not _NUMBER_TOKEN.fullmatch(token):
            break
        if any(c.isdigit() for c in token) or (tokens and token.isupper() and len(token) <= 2):
            tokens.append(token.lstrip("#"))
        else:
            break
    while tokens and not any(c.isdigit() for c in tokens[-1]):
        tokens.pop()
    return " ".join(tokens) or None
