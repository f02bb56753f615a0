"""A covering statement's criteria: removed, narrowed or added is high, rephrasing is not."""

from __future__ import annotations

from pathlib import Path

from policywatch.diff import diff_policies
from policywatch.diff.coverage import diff_coverage
from policywatch.model import Coverage
from policywatch.parse import parse_file
from tests.conftest import CORPUS


def summaries(old: list[Coverage], new: list[Coverage]) -> list[tuple[str, str, str]]:
    return [(c.action, c.severity, c.summary) for c in diff_coverage(old, new)]


def mn(indication: str, text: str) -> Coverage:
    return Coverage(indication, "medically_necessary", text)


def test_removing_one_criterion_from_the_corpus_lung_cancer_statement_is_high(
    tmp_path: Path,
) -> None:
    original = CORPUS["002"].read_text(encoding="utf-8")
    cut = original.replace(
        "; or\n  2. The patient requires palliation for a central airway obstructing lesion.", "."
    )
    assert cut != original, "the fixture's second lung cancer criterion moved"
    (tmp_path / "new.txt").write_text(cut, encoding="utf-8")
    result = diff_policies(parse_file(CORPUS["002"]), parse_file(tmp_path / "new.txt"))
    [lung] = [c for c in result.changes if c.kind == "coverage"]
    assert (lung.action, lung.severity) == ("modified", "high")
    assert lung.summary.startswith("Lung cancer: coverage narrowed, criteria removed: '")
    assert "palliation for a central airway" in lung.summary
    assert lung.summary.endswith("(still medically necessary)")


def test_a_criterion_removed_is_high_and_says_coverage_narrowed() -> None:
    old = [mn("lung cancer", "Lung cancer when 1. stage I; or 2. palliation of an airway lesion.")]
    new = [mn("lung cancer", "Lung cancer when 1. stage I.")]
    [(action, severity, summary)] = summaries(old, new)
    assert (action, severity) == ("modified", "high")
    assert summary == (
        "Lung cancer: coverage narrowed, criteria removed: 'I; or 2. palliation of an airway "
        "lesion.' (still medically necessary)"
    )


def test_a_criterion_narrowed_or_added_is_high() -> None:
    old = [mn("rheumatoid arthritis", "Approve if the patient is 18 years of age or older.")]
    new = [mn("rheumatoid arthritis", "Approve if the patient is 21 years of age or older.")]
    assert summaries(old, new) == [
        (
            "modified",
            "high",
            "Rheumatoid arthritis: criteria changed: '18' → '21' (still medically necessary)",
        )
    ]
    added = [mn("rheumatoid arthritis", "Approve if 18 or older and TB test is negative.")]
    base = [mn("rheumatoid arthritis", "Approve if 18 or older.")]
    [(_, severity, summary)] = summaries(base, added)
    assert severity == "high"
    assert summary.startswith("Rheumatoid arthritis: criteria added: '")
    assert "TB test is negative" in summary


def test_status_phrasing_renumbering_and_non_covering_statements_stay_medium() -> None:
    old = [mn("kidney tumors", "May be considered medically necessary when 1. small.")]
    new = [mn("kidney tumors", "Is considered medically necessary when A. small.")]
    assert summaries(old, new) == [
        ("modified", "medium", "Kidney tumors: wording changed (still medically necessary)")
    ]
    inv_old = [Coverage("bone", "investigational", "Bone is investigational in adults.")]
    inv_new = [Coverage("bone", "investigational", "Bone is investigational.")]
    assert summaries(inv_old, inv_new) == [
        ("modified", "medium", "Bone: wording changed (still investigational)")
    ]
