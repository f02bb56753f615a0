"""Billing codes from coding tables: CPT, HCPCS, ICD-10-CM/PCS, ICD-9-CM/PCS.

A table row is ``[system label] code[-code] [description]`` or a label with a
comma-separated list; rows without a label continue the last system. A cell
with two codes run together (``C78.7197.7``) is split into its valid parts.
"""

from __future__ import annotations

import re

from policywatch.model import Code
from policywatch.parse.document import Doc

CODE_SHAPES: dict[str, re.Pattern[str]] = {
    "CPT": re.compile(r"\d{4}[0-9FTU]"),
    "HCPCS": re.compile(r"[A-V]\d{4}"),
    "ICD-10-CM": re.compile(r"[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"),
    "ICD-10-PCS": re.compile(r"(?=[0-9A-HJ-NP-Z]*\d)[0-9A-HJ-NP-Z]{7}"),
    "ICD-9-CM": re.compile(r"(?:\d{3}|V\d{2}|E\d{3})(?:\.\d{1,2})?"),
    "ICD-9-PCS": re.compile(r"\d{2}\.\d{1,2}"),
}

# Label text (lower case, after the dash/space folding below) → system.
_LABELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^icd-?10-?pcs\b|^icd-?10 procedures?\b"), "ICD-10-PCS"),
    (re.compile(r"^icd-?10(?:-?cm)?(?: diagnos[ie]s)?\b"), "ICD-10-CM"),
    (re.compile(r"^icd-?9-?pcs\b|^icd-?9(?:-?cm)? procedures?\b"), "ICD-9-PCS"),
    (re.compile(r"^icd-?9(?:-?cm)?(?: diagnos[ie]s)?\b"), "ICD-9-CM"),
    (re.compile(r"^hcpcs\b"), "HCPCS"),
    (re.compile(r"^cpt\b"), "CPT"),
]
_LABEL_TAIL = re.compile(r"^(?:\s*(?:codes?|®)\b)*\s*(?:\([^)]*\))?\s*:?\s*", re.IGNORECASE)
_NO_CODES = re.compile(
    r"^(?:none|no codes?|n/?a|not applicable|all related diagnos[ie]s|see below)\.?$", re.I
)
_HEADER_ROW = re.compile(r"^(?:codes?|code type|number|description|code description|\s)+$", re.I)
_TOKEN = re.compile(r"^(?P<code>[0-9A-Z][0-9A-Z.]*(?:\s*-\s*[0-9A-Z][0-9A-Z.]*)?)(?:\s+|,|$)")


def parse_codes(doc: Doc) -> list[Code]:
    codes: dict[tuple[str, str], Code] = {}
    system: str | None = None
    in_table = False
    for text in doc.texts:
        labelled, rest = _split_label(text)
        if labelled:
            system, in_table = labelled, True
            _add_all(codes, _row_codes(system, rest))
            continue
        if not in_table or system is None:
            continue
        if _HEADER_ROW.match(text):
            continue
        row = _row_codes(system, text)
        if row:
            _add_all(codes, row)
        else:
            in_table = False
    return list(codes.values())


def _split_label(text: str) -> tuple[str | None, str]:
    folded = text.lower().replace("–", "-")
    for pattern, system in _LABELS:
        m = pattern.match(folded)
        if m:
            rest = text[m.end() :]
            tail = _LABEL_TAIL.match(rest)
            return system, rest[tail.end() :] if tail else rest
    return None, text


def _row_codes(system: str, text: str) -> list[Code]:
    """Codes in one row's cells for ``system``: a list, or one code and its description."""
    text = text.strip()
    if not text or _NO_CODES.match(text):
        return []
    listed = [part.strip() for part in re.split(r"\s*,\s*", text)]
    if len(listed) > 1 and all(_valid(system, part) for part in listed):
        return [_code(system, part, None) for part in listed]
    m = _TOKEN.match(text)
    if not m:
        return []
    token = re.sub(r"\s+", "", m.group("code"))
    description = text[m.end() :].strip(" ,;") or None
    if _valid(system, token):
        return [_code(system, token, description)]
    return _split_run_together(system, token, description)


def _valid(system: str, token: str) -> bool:
    shape = CODE_SHAPES[system]
    parts = token.split("-")
    return len(parts) <= 2 and all(shape.fullmatch(part) for part in parts)


def _split_run_together(system: str, token: str, description: str | None) -> list[Code]:
    """``C78.7197.7`` in an ICD-9 row: an ICD-10 code and the ICD-9 code glued together."""
    for cut in range(3, len(token) - 2):
        head, tail = token[:cut], token[cut:]
        head_system = next((s for s in CODE_SHAPES if s != system and _valid(s, head)), None)
        if head_system and _valid(system, tail):
            return [_code(system, tail, description), _code(head_system, head, None)]
    return []


def _code(system: str, token: str, description: str | None) -> Code:
    bounds = token.split("-")
    return Code(
        system=system,
        code=token,
        description=description,
        range=bounds if len(bounds) == 2 else None,
    )


def _add_all(codes: dict[tuple[str, str], Code], new: list[Code]) -> None:
    for code in new:
        key = (code.system, code.code)
        if key not in codes:
            codes[key] = code
        elif not codes[key].description:
            codes[key].description = code.description
