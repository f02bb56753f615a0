"""The corpus itself: two plans' editions of BCBSA 7.01.75, and noise immunity."""

from __future__ import annotations

from functools import cache

from policywatch.diff import DiffResult, diff_policies
from policywatch.parse import parse_file
from tests.conftest import CORPUS


@cache
def diff(old: str, new: str) -> DiffResult:
    return diff_policies(parse_file(CORPUS[old]), parse_file(CORPUS[new]))


def test_003_to_001_hepatocellular_meta_analyses_and_cpt_76940() -> None:
    result = diff("003", "001")
    evidence = [(c.action, c.summary) for c in result.changes if c.kind == "evidence"]
    assert evidence == [
        ("added", "Unresectable primary hepatocellular carcinoma: meta-analyses 0 → 2")
    ]
    added = next(c for c in result.changes if c.field == "codes[CPT 76940]")
    assert (added.kind, added.action, added.severity) == ("code", "added", "high")
    assert [c.summary for c in result.changes if c.kind == "code"] == ["CPT 76940 added"]


def test_003_to_001_no_coverage_status_change() -> None:
    coverage = [c for c in diff("003", "001").changes if c.kind == "coverage"]
    # Both editions hold the statement as investigational; only its wording differs.
    assert [(c.action, c.severity) for c in coverage] == [("modified", "medium")]
    assert coverage[0].summary == (
        "Primary or metastatic tumors in the liver: wording changed (still investigational)"
    )
    assert coverage[0].before is not None and coverage[0].after is not None
    assert coverage[0].before["status"] == coverage[0].after["status"] == "investigational"


def test_003_to_001_renumbering_free_references_and_dated_notice() -> None:
    result = diff("003", "001")
    references = [c for c in result.changes if c.kind == "reference"]
    assert len(references) == 36 and {c.action for c in references} == {"added"}
    assert not result.silent_change  # 001 brings an effective date and new history


def test_each_corpus_document_against_itself_is_empty() -> None:
    for key in CORPUS:
        assert diff(key, key).changes == (), key


def test_001_to_003_mirrors_003_to_001() -> None:
    forward, backward = diff("003", "001"), diff("001", "003")
    assert len(forward.changes) == len(backward.changes)
    flip = {"added": "removed", "removed": "added", "modified": "modified"}
    assert sorted((c.kind, flip[c.action]) for c in forward.changes) == sorted(
        (c.kind, c.action) for c in backward.changes
    )
