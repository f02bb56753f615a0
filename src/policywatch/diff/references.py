"""References, keyed by PMID, else by normalized citation: renumbering is never a change."""

from __future__ import annotations

import re
from dataclasses import asdict

from policywatch.diff.changes import Change
from policywatch.diff.matching import Pairing, pair_exact
from policywatch.diff.normalize import changed_excerpts, clip, norm_key, shorten
from policywatch.model import Action, ChangeKind, Reference, Severity

_LEADING_NUMBER = re.compile(r"^\s*\[?\d+[.)\]]?\s+")
_PMID_IN_TEXT = re.compile(r"\bpmid:?\s*\d+\b", re.IGNORECASE)


def citation_key(reference: Reference) -> str:
    """The citation without its list number or PMID, punctuation and case."""
    text = _LEADING_NUMBER.sub("", reference.citation or "")
    return norm_key(_PMID_IN_TEXT.sub("", text))


def _pmid(reference: Reference) -> str | None:
    return reference.pmid.strip() if reference.pmid and reference.pmid.strip() else None


def _pair(old: list[Reference], new: list[Reference]) -> Pairing:
    """By PMID where both sides have one, then by citation for the rest."""
    old_pmids = [_pmid(r) or f"no-pmid-old-{i}" for i, r in enumerate(old)]
    new_pmids = [_pmid(r) or f"no-pmid-new-{j}" for j, r in enumerate(new)]
    by_pmid = pair_exact(old_pmids, new_pmids)
    by_citation = pair_exact(
        [citation_key(old[i]) for i in by_pmid.old_only],
        [citation_key(new[j]) for j in by_pmid.new_only],
    )
    return Pairing(
        pairs=by_pmid.pairs
        + [(by_pmid.old_only[a], by_pmid.new_only[b]) for a, b in by_citation.pairs],
        old_only=[by_pmid.old_only[a] for a in by_citation.old_only],
        new_only=[by_pmid.new_only[b] for b in by_citation.new_only],
    )


def diff_references(old: list[Reference], new: list[Reference]) -> list[Change]:
    pairing = _pair(old, new)
    changes = []
    for i, j in sorted(pairing.pairs):
        if citation_key(old[i]) != citation_key(new[j]) or _pmid(old[i]) != _pmid(new[j]):
            changes.append(_modified(old[i], new[j]))
    changes += [_removed(old[i]) for i in pairing.old_only]
    changes += [_added(new[j]) for j in pairing.new_only]
    return changes


def _label(reference: Reference) -> str:
    pmid = _pmid(reference)
    return f"PMID {pmid}" if pmid else shorten(_LEADING_NUMBER.sub("", reference.citation), 50)


def _field(reference: Reference) -> str:
    return f"references[{_label(reference)}]"


def _modified(before: Reference, after: Reference) -> Change:
    if _pmid(before) != _pmid(after):
        what = f"PMID {_pmid(before) or 'none'} → {_pmid(after) or 'none'}"
    else:
        was, now = changed_excerpts(before.citation, after.citation)
        what = f"citation changed from '{clip(was, 60)}' to '{clip(now, 60)}'"
    summary = f"Reference {_label(before)}: {what}"
    return Change(
        ChangeKind.REFERENCE,
        Action.MODIFIED,
        Severity.LOW,
        _field(before),
        summary,
        asdict(before),
        asdict(after),
    )


def _added(reference: Reference) -> Change:
    summary = f"Reference added: {shorten(reference.citation, 80)}"
    if _pmid(reference):
        summary += f" (PMID {_pmid(reference)})"
    return Change(
        ChangeKind.REFERENCE,
        Action.ADDED,
        Severity.LOW,
        _field(reference),
        summary,
        None,
        asdict(reference),
    )


def _removed(reference: Reference) -> Change:
    summary = f"Reference removed: {shorten(reference.citation, 80)}"
    if _pmid(reference):
        summary += f" (PMID {_pmid(reference)})"
    return Change(
        ChangeKind.REFERENCE,
        Action.REMOVED,
        Severity.LOW,
        _field(reference),
        summary,
        asdict(reference),
        None,
    )
