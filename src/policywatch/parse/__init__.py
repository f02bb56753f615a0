"""Parse stage: clean policy text → :class:`~policywatch.model.Policy`. Pure, no I/O
except the ``parse_file`` convenience."""

from __future__ import annotations

from pathlib import Path

from policywatch.extract import Extracted, extract, read_document
from policywatch.model import Policy


def parse_extracted(extracted: Extracted) -> Policy:
    from policywatch.parse.document import build_policy

    return build_policy(extracted)


def parse_bytes(data: bytes) -> Policy:
    """Any supported document's bytes → Policy (raises PolicywatchError subclasses)."""
    return parse_extracted(extract(data))


def parse_file(path: str | Path) -> Policy:
    return parse_bytes(read_document(path))
