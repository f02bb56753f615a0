"""DiffResult: the JSON contract, silent changes, what counts as semantic."""

from __future__ import annotations

import json

import pytest

from policywatch.diff import Change, diff_policies
from policywatch.model import Code, Coverage, Dates, HistoryEntry, Policy, Section
from policywatch.render import render_json


def base(**changes: object) -> Policy:
    policy = Policy(
        title="Cryosurgical Ablation",
        policy_number="00220",
        dates=Dates(effective="2024-07-08", next_review="2025-06"),
        coverage=[Coverage("liver tumors", "investigational", "Liver tumors: investigational.")],
        codes=[Code("CPT", "47371", "Laparoscopy")],
        history=[HistoryEntry("2024-06-12", "Committee approval.")],
        sections=[Section("Policy", "Liver tumors: investigational.")],
    )
    for name, value in changes.items():
        setattr(policy, name, value)
    return policy


def test_identical_policies_have_no_changes() -> None:
    result = diff_policies(base(), base())
    assert result.changes == ()
    assert not result.silent_change
    assert not result.has_semantic_changes


def test_json_contract() -> None:
    new = base(
        coverage=[Coverage("liver tumors", "medically_necessary", "Now necessary.")],
        sections=[Section("Policy", "Now necessary.")],
    )
    data = json.loads(render_json(diff_policies(base(), new)))
    assert set(data) == {"old", "new", "silent_change", "changes"}
    assert data["old"] == {
        "title": "Cryosurgical Ablation",
        "payer": None,
        "policy_number": "00220",
        "reference_number": None,
        "dates": {"original_effective": None, "effective": "2024-07-08", "last_review": None,
                  "next_review": "2025-06", "published": None},
    }  # fmt: skip
    assert data["silent_change"] is True
    assert data["changes"][0] == {
        "kind": "coverage",
        "action": "modified",
        "severity": "high",
        "field": "coverage[liver tumors]",
        "before": {"indication": "liver tumors", "status": "investigational",
                   "text": "Liver tumors: investigational."},
        "after": {"indication": "liver tumors", "status": "medically_necessary",
                  "text": "Now necessary."},
        "summary": "Liver tumors: investigational → medically necessary",
    }  # fmt: skip
    assert data["changes"][1]["words"] == [
        ["delete", "Liver tumors: investigational."],
        ["insert", "Now necessary."],
    ]
    assert "words" not in data["changes"][0]


def test_code_change_without_notice_is_silent() -> None:
    result = diff_policies(base(), base(codes=[Code("CPT", "47371", "Laparoscopy"),
                                               Code("CPT", "76940", "Ultrasound")]))  # fmt: skip
    assert result.silent_change


@pytest.mark.parametrize(
    "notice",
    [
        {"history": [HistoryEntry("2024-06-12", "Committee approval."),
                     HistoryEntry("2025-06-11", "Added CPT 76940.")]},
        {"dates": Dates(effective="2025-01-01", next_review="2025-06")},
        {"dates": Dates(effective="2024-07-08", next_review="2026-06")},
        {"dates": Dates(effective="2024-07-08", next_review="2025-06", last_review="2025-05")},
        {"dates": Dates(effective="2024-07-08", next_review="2025-06", published="2025-03-02")},
    ],
)  # fmt: skip
def test_code_change_with_a_new_history_entry_or_date_is_not_silent(
    notice: dict[str, object],
) -> None:
    new = base(codes=[Code("CPT", "76940", "Ultrasound")], **notice)
    assert not diff_policies(base(), new).silent_change


def test_removed_history_entry_or_original_date_is_no_notice() -> None:
    assert diff_policies(base(), base(codes=[], history=[])).silent_change
    dates = Dates(effective="2024-07-08", next_review="2025-06", original_effective="2007")
    assert diff_policies(base(), base(codes=[], dates=dates)).silent_change


def test_date_or_metadata_change_alone_is_not_silent_but_is_semantic() -> None:
    result = diff_policies(base(), base(dates=Dates(effective="2025-01-01", next_review="2025-06")))
    assert not result.silent_change
    assert result.has_semantic_changes


def test_text_only_change_is_not_semantic() -> None:
    result = diff_policies(base(), base(sections=[Section("Policy", "Reworded rationale.")]))
    assert [c.kind for c in result.changes] == ["text"]
    assert not result.has_semantic_changes
    assert not result.silent_change


def test_kinds_come_in_reading_order() -> None:
    new = Policy(title="Other", coverage=[], codes=[], sections=[], history=[],
                 dates=Dates(effective="2025-01-01"))  # fmt: skip
    kinds = [c.kind for c in diff_policies(base(), new).changes]
    assert kinds == ["coverage", "code", "date", "date", "history", "metadata", "metadata", "text"]


def test_change_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError):
        Change("codes", "added", "high", "codes[x]", "x")
