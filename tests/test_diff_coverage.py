"""Coverage statements: matched by indication, never by position."""

from __future__ import annotations

from policywatch.diff import diff_policies
from policywatch.diff.coverage import diff_coverage
from policywatch.model import Coverage, Policy


def stmt(indication: str, status: str, text: str | None = None) -> Coverage:
    return Coverage(indication, status, text or f"{indication} is {status}.")


def summaries(old: list[Coverage], new: list[Coverage]) -> list[tuple[str, str, str]]:
    return [(c.action, c.severity, c.summary) for c in diff_coverage(old, new)]


def test_identical_statements_are_no_change() -> None:
    old = [stmt("bone metastases", "investigational"), stmt("kidney tumors", "medically_necessary")]
    assert diff_coverage(old, list(old)) == []


def test_reordering_is_no_change() -> None:
    a, b = stmt("bone metastases", "investigational"), stmt("kidney tumors", "medically_necessary")
    assert diff_coverage([a, b], [b, a]) == []


def test_status_transition_reads_old_to_new() -> None:
    changes = diff_coverage(
        [stmt("bone metastases", "investigational", "Bone: investigational.")],
        [stmt("bone metastases", "medically_necessary", "Bone: medically necessary.")],
    )
    assert len(changes) == 1
    change = changes[0]
    assert (change.kind, change.action, change.severity) == ("coverage", "modified", "high")
    assert change.summary == "Bone metastases: investigational → medically necessary"
    assert change.field == "coverage[bone metastases]"
    assert change.before is not None and change.before["status"] == "investigational"
    assert change.after is not None and change.after["status"] == "medically_necessary"


def test_status_change_found_after_an_insertion_before_it() -> None:
    old = [stmt("kidney tumors", "medically_necessary"), stmt("bone metastases", "investigational")]
    new = [
        stmt("uveal melanoma", "medically_necessary"),
        stmt("kidney tumors", "medically_necessary"),
        stmt("bone metastases", "medically_necessary"),
    ]
    assert summaries(old, new) == [
        ("modified", "high", "Bone metastases: investigational → medically necessary"),
        ("added", "high", "New coverage statement: Uveal melanoma: medically necessary"),
    ]


def test_same_status_wording_change_is_medium() -> None:
    old = [stmt("kidney tumors", "medically_necessary", "May be considered medically necessary.")]
    new = [stmt("kidney tumors", "medically_necessary", "Is considered medically necessary.")]
    assert summaries(old, new) == [
        ("modified", "medium", "Kidney tumors: wording changed (still medically necessary)")
    ]


def test_whitespace_and_quotes_are_not_wording() -> None:
    old = [stmt("kidney tumors", "medically_necessary", "It is \u201cnecessary\u201d\u00a0 here.")]
    new = [stmt("kidney  tumors", "medically_necessary", 'It is "necessary" here.')]
    assert diff_coverage(old, new) == []


def test_fuzzy_match_where_the_indication_wording_moved() -> None:
    old = [stmt("primary or metastatic liver tumors", "investigational")]
    new = [stmt("primary or metastatic tumors of the liver", "medically_necessary")]
    assert summaries(old, new) == [
        (
            "modified",
            "high",
            "Primary or metastatic liver tumors (now 'primary or metastatic tumors of the liver'): "
            "investigational → medically necessary",
        )
    ]


def test_unrelated_indications_are_removed_and_added_not_paired() -> None:
    old = [stmt("kidney tumors", "medically_necessary")]
    new = [stmt("prostate tumors", "medically_necessary")]
    assert summaries(old, new) == [
        ("removed", "high", "Coverage statement removed: Kidney tumors (was medically necessary)"),
        ("added", "high", "New coverage statement: Prostate tumors: medically necessary"),
    ]


def test_removed_statement_is_high() -> None:
    old = [stmt("kidney tumors", "medically_necessary"), stmt("uveal melanoma", "investigational")]
    changes = diff_coverage(old, old[:1])
    assert [(c.action, c.severity, c.before is not None, c.after) for c in changes] == [
        ("removed", "high", True, None)
    ]


def test_statement_split_in_two_reports_each_part() -> None:
    old = [stmt("primary or metastatic tumors in the liver", "investigational")]
    new = [
        stmt("primary tumors in the liver", "investigational"),
        stmt("metastatic tumors in the liver", "medically_necessary"),
    ]
    assert summaries(old, new) == [
        (
            "modified",
            "medium",
            "Primary or metastatic tumors in the liver: split into 2 statements; "
            "'primary tumors in the liver': still investigational",
        ),
        (
            "modified",
            "high",
            "Primary or metastatic tumors in the liver: split into 2 statements; "
            "'metastatic tumors in the liver': investigational → medically necessary",
        ),
    ]
    fields = {c.field for c in diff_coverage(old, new)}
    assert fields == {"coverage[primary or metastatic tumors in the liver]"}


def test_two_statements_merged_into_one() -> None:
    old = [
        stmt("primary tumors in the liver", "investigational"),
        stmt("metastatic tumors in the liver", "investigational"),
    ]
    new = [stmt("primary or metastatic tumors in the liver", "investigational")]
    assert [c.summary for c in diff_coverage(old, new)] == [
        "Primary tumors in the liver: merged into 'primary or metastatic tumors in the liver'; "
        "still investigational",
        "Metastatic tumors in the liver: merged into 'primary or metastatic tumors in the liver'; "
        "still investigational",
    ]


def test_an_extra_narrower_statement_beside_an_unchanged_one_is_added() -> None:
    old = [stmt("lung cancer", "medically_necessary")]
    new = [stmt("lung cancer", "medically_necessary"), stmt("lung", "investigational")]
    assert [c.action for c in diff_coverage(old, new)] == ["added"]


def test_coverage_changes_come_first_in_the_result() -> None:
    old = Policy(title="A", coverage=[stmt("bone metastases", "investigational")])
    new = Policy(title="B", coverage=[stmt("bone metastases", "not_covered")])
    kinds = [c.kind for c in diff_policies(old, new).changes]
    assert kinds == ["coverage", "metadata"]
