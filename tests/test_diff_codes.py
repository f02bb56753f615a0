"""Codes keyed by (system, code); ranges say what they dropped or added."""

from __future__ import annotations

from policywatch.diff.codes import diff_codes
from policywatch.model import Code


def code(system: str, value: str, description: str | None = "desc") -> Code:
    bounds = value.split("-") if "-" in value else None
    return Code(system, value, description, bounds)


def summaries(old: list[Code], new: list[Code]) -> list[tuple[str, str, str]]:
    return [(c.action, c.severity, c.summary) for c in diff_codes(old, new)]


def test_same_codes_in_another_order_are_no_change() -> None:
    a, b = code("CPT", "47371"), code("CPT", "47381")
    assert diff_codes([a, b], [b, a]) == []


def test_added_and_removed_are_high_and_never_paired_as_modified() -> None:
    old = [code("CPT", "47371", "Laparoscopy"), code("CPT", "47383", "Percutaneous")]
    new = [code("CPT", "47371", "Laparoscopy"), code("CPT", "76940", "Ultrasound guidance")]
    assert summaries(old, new) == [
        ("removed", "high", "CPT 47383 removed (Percutaneous)"),
        ("added", "high", "CPT 76940 added (Ultrasound guidance)"),
    ]
    added = diff_codes(old, new)[1]
    assert added.field == "codes[CPT 76940]"
    assert added.before is None and added.after is not None and added.after["code"] == "76940"


def test_same_code_in_another_system_is_a_different_code() -> None:
    old = [code("ICD-9-CM", "155.0")]
    new = [code("ICD-10-CM", "155.0")]
    assert [c.action for c in diff_codes(old, new)] == ["removed", "added"]


def test_description_change_is_medium() -> None:
    old = [code("CPT", "47371", "ablation of 1 or more liver tumors(s); cryosurgical")]
    new = [code("CPT", "47371", "ablation of 1 or more liver tumor(s); cryosurgical")]
    assert summaries(old, new) == [
        (
            "modified",
            "medium",
            "CPT 47371: description changed from '… more liver tumors(s); cryosurgical' "
            "to '… more liver tumor(s); cryosurgical'",
        )
    ]


def test_description_change_shows_what_was_appended() -> None:
    old = [code("CPT", "47383", "Ablation, 1 or more liver tumor(s), percutaneous, cryoablation")]
    new = [code("CPT", "47383", "Ablation, 1 or more liver tumor(s), percutaneous, cryoablation, "
                "including imaging guidance")]  # fmt: skip
    assert [c.summary for c in diff_codes(old, new)] == [
        "CPT 47383: description changed from '… tumor(s), percutaneous, cryoablation' "
        "to '… tumor(s), percutaneous, cryoablation, including imaging guidance'"
    ]


def test_description_case_spacing_and_absence_are_no_change() -> None:
    old = [code("CPT", "47371", "Ablation,  open"), code("CPT", "47381", "Ablation, open")]
    new = [code("CPT", "47371", "ablation, open"), code("CPT", "47381", None)]
    assert diff_codes(old, new) == []


def test_range_narrowed_says_what_it_dropped() -> None:
    old = [code("ICD-10-CM", "C22.0-C22.9"), code("ICD-10-CM", "C78.7")]
    new = [code("ICD-10-CM", "C22.0-C22.8"), code("ICD-10-CM", "C78.7")]
    changes = diff_codes(old, new)
    assert [(c.action, c.severity, c.summary) for c in changes] == [
        ("modified", "high", "ICD-10-CM C22.0-C22.9 → C22.0-C22.8: drops C22.9")
    ]
    assert changes[0].field == "codes[ICD-10-CM C22.0-C22.9]"


def test_range_widened_and_shifted() -> None:
    assert summaries([code("CPT", "17260-17286")], [code("CPT", "17260-17288")]) == [
        ("modified", "high", "CPT 17260-17286 → 17260-17288: adds 17287-17288")
    ]
    assert summaries([code("CPT", "17260-17286")], [code("CPT", "17262-17290")]) == [
        ("modified", "high", "CPT 17260-17286 → 17262-17290: drops 17260-17261; adds 17287-17290")
    ]


def test_range_collapsed_to_one_code() -> None:
    assert summaries([code("ICD-10-CM", "C22.0-C22.9")], [code("ICD-10-CM", "C22.0")]) == [
        ("modified", "high", "ICD-10-CM C22.0-C22.9 → C22.0: drops C22.1-C22.9")
    ]


def test_unrelated_range_is_not_paired() -> None:
    assert [c.action for c in diff_codes([code("CPT", "17260-17286")], [code("CPT", "19105")])] == [
        "removed",
        "added",
    ]


def test_code_listed_twice_is_one_code() -> None:
    old = [code("CPT", "47371"), code("CPT", "47371")]
    assert diff_codes(old, [code("CPT", "47371")]) == []
    assert [c.action for c in diff_codes(old, [])] == ["removed"]
