"""Parse stage: clean policy text → :class:`~policywatch.model.Policy`. Pure, no I/O
except the ``parse_file`` convenience.

One way: :mod:`~policywatch.parse.vocabulary` (the payer phrases, as data) ←
:mod:`~policywatch.parse.doc` (lines, headings, sections) ← the field parsers
(:mod:`~policywatch.parse.fields` for header fields, ``metadata``, ``codes``,
``coverage`` with ``indications`` and ``subjects``, ``evidence``, ``references``,
``history``) ← :mod:`~policywatch.parse.build` (the Policy). The plausibility gate
(:mod:`~policywatch.parse.plausibility`) judges a parsed Policy.
"""

from __future__ import annotations

from pathlib import Path

from policywatch.extract import Extracted, extract, read_document
from policywatch.model import Policy
from policywatch.parse.build import build_policy


def parse_extracted(extracted: Extracted) -> Policy:
    return build_policy(extracted)


def parse_bytes(data: bytes) -> Policy:
    """Any supported document's bytes → Policy (raises PolicywatchError subclasses)."""
    return parse_extracted(extract(data))


def parse_file(path: str | Path) -> Policy:
    return parse_bytes(read_document(path))
