"""Diff stage: ``Policy × Policy → DiffResult``. Pure: no I/O, no clock, no randomness.

Semantic kinds come first (coverage, codes, evidence, dates, references,
history, metadata), each keyed by identity; then a word-level diff of the
sections whose text changed, for the reader. Last, the completeness check
(:mod:`~policywatch.diff.complete`): DeepDiff compares the two keyed, normalized
documents, and whatever it finds that no change explains is reported as a
``field`` change (placed before the text changes), so no field changes silently.
"""

from __future__ import annotations

from policywatch.diff.changes import Change, DiffResult, policy_header
from policywatch.diff.codes import diff_codes
from policywatch.diff.complete import unexplained
from policywatch.diff.coverage import diff_coverage
from policywatch.diff.dates import diff_dates
from policywatch.diff.evidence import diff_evidence
from policywatch.diff.history import diff_history
from policywatch.diff.metadata import diff_metadata
from policywatch.diff.references import diff_references
from policywatch.diff.text import diff_sections
from policywatch.model import Policy

__all__ = ["Change", "DiffResult", "diff_policies"]


def diff_policies(old: Policy, new: Policy) -> DiffResult:
    semantic = [
        *diff_coverage(old.coverage, new.coverage),
        *diff_codes(old.codes, new.codes),
        *diff_evidence(old.evidence, new.evidence),
        *diff_dates(old.dates, new.dates),
        *diff_references(old.references, new.references),
        *diff_history(old.history, new.history),
        *diff_metadata(old, new),
    ]
    text = diff_sections(old.sections, new.sections)
    fields = unexplained(old, new, semantic + text)
    return DiffResult(policy_header(old), policy_header(new), (*semantic, *fields, *text))
