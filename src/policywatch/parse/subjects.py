"""What a coverage statement is about: the indication it names, normalized.

A statement's indication is its subject ("ablation of X is …"), else its object
("… for the treatment of X"), else a short bare subject ("Widget polishing is …"),
else the policy's title. Shared by the criteria and sentence readers
(:mod:`~policywatch.parse.coverage`) and the drug-policy outline
(:mod:`~policywatch.parse.indications`).
"""

from __future__ import annotations

import re

from policywatch.parse.vocabulary import vocabulary

_VERB = re.compile(r"\s+(?:is|are|to be|may be|can be|should|must|remains?)\s", re.IGNORECASE)

# "… for all indications": the object names no indication, the subject does.
_GENERIC_OBJECT = re.compile(r"^(?:indications?|conditions?|uses?|purposes?)$")
_INDICATION_AFTER = re.compile(
    r"\b(?:as a treatment for|for the treatment of|in the treatment of|treatment of|for)\s+"
    r"(?:patients with\s+|individuals with\s+)?(?P<ind>[^,;:.]+)",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """A text's sentences: split after '.', '!' or '?' before a capital."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)


def indication_of(text: str, title: str | None) -> str:
    """What a statement is about: its subject ("ablation of X is …") or object ("… for X")."""
    vocab = vocabulary()
    for sentence in sentences(text):
        if not vocab.is_statement(sentence):
            continue
        objects = _object_indication(sentence)
        if objects and _GENERIC_OBJECT.match(normalize_indication(objects)):
            objects = None
        for candidate in (_subject_indication(sentence), objects, _bare_subject(sentence)):
            cleaned = normalize_indication(candidate or "")
            if cleaned and len(cleaned.split()) <= 14:
                return cleaned
    return normalize_indication(title or "policy")


def _bare_subject(sentence: str) -> str | None:
    """'Widget polishing is medically necessary when …' → widget polishing."""
    verb = _VERB.search(sentence)
    subject = sentence[: verb.start()] if verb else ""
    if re.search(r"\bconsiders?\b|,", subject) or not 0 < len(subject.split()) <= 8:
        return None
    return subject


def _subject_indication(sentence: str) -> str | None:
    """'[…, ] [the Company considers] ablation (CSA) of X is/to be …' → X."""
    verb = _VERB.search(sentence)
    if not verb:
        return None
    subject = sentence[: verb.start()]
    subject = re.split(r"\bconsiders\s+|,\s+", subject)[-1]
    m = re.search(r"\b(?:of|for)\s+(?P<ind>.+)$", subject)
    return m.group("ind") if m else None


def _object_indication(sentence: str) -> str | None:
    m = _INDICATION_AFTER.search(sentence)
    return m.group("ind") if m else None


def normalize_indication(text: str) -> str:
    text = re.sub(r"\([A-Z]{2,6}\)", "", text)  # abbreviations such as (CSA)
    text = re.split(r"\s+including\b", text, maxsplit=1)[0]  # its examples are not its name
    text = re.sub(
        r"^(?:(?:either|all|any|the|treatment of|patients with|individuals with)\s+)+",
        "",
        text.strip(),
        flags=re.I,
    )
    words = [w if _is_acronym(w) else w.lower() for w in text.split()]
    return " ".join(words).strip(" .,:;")


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) == 1 and word.isupper() or sum(c.isupper() for c in letters) >= 2
