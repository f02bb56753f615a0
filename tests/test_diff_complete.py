"""The diff's completeness check: whatever the semantic differs do not report, DeepDiff of
the keyed, normalized documents finds, and it becomes a ``field`` change — so a new schema
field (simulated here by a subclass of the schema's dataclasses) never changes silently,
while reordering and formatting stay silent as they always were."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from itertools import permutations

import pytest

from policywatch.diff import diff_policies
from policywatch.diff.complete import field_path
from policywatch.model import (
    Code,
    Coverage,
    Dates,
    Evidence,
    HistoryEntry,
    Policy,
    Reference,
    Section,
)
from policywatch.parse import parse_file
from tests.conftest import CORPUS


@dataclass
class PlanPolicy(Policy):
    """A Policy with a field no differ knows, as a schema change would add one."""

    plan: str | None = None


@dataclass
class CriteriaCoverage(Coverage):
    criteria: str = ""


@dataclass
class WithdrawnDates(Dates):
    withdrawn: str | None = None


def base(cls: type[Policy] = Policy, **fields: object) -> Policy:
    policy = cls(
        title="Cryosurgical Ablation",
        policy_number="00220",
        dates=Dates(effective="2024-07-08", next_review="2025-06"),
        coverage=[
            Coverage("liver tumors", "investigational", "Liver tumors: investigational."),
            Coverage("renal tumors", "medically_necessary", "Renal tumors: necessary."),
        ],
        codes=[
            Code("CPT", "47371", "Laparoscopy"),
            Code("CPT", "17260-17286", "Destruction", range=["17260", "17286"]),
        ],
        evidence=[Evidence("unresectable hepatocellular carcinoma", {"rct": 1})],
        references=[
            Reference("1. Kim HI, An J. Cryoablation. Liver. 2023.", "37403319"),
            Reference("2. Lee S. Renal cryoablation outcomes. Urology. 2021."),
        ],
        history=[
            HistoryEntry("2024-06-12", "Committee approval."),
            HistoryEntry("2023-06-14", "Annual review."),
        ],
        sections=[
            Section("Policy", "Liver tumors: investigational."),
            Section("Rationale", "Evidence is limited."),
        ],
    )
    for name, value in fields.items():
        setattr(policy, name, value)
    return policy


def kinds(old: Policy, new: Policy) -> list[tuple[str, str, str]]:
    return [(c.kind, c.action, c.field) for c in diff_policies(old, new).changes]


# -- a field no differ knows ----------------------------------------------------------------


def test_a_new_top_level_field_that_changes_is_a_field_change() -> None:
    result = diff_policies(base(PlanPolicy, plan="PPO"), base(PlanPolicy, plan="HMO"))
    assert [c.to_dict() for c in result.changes] == [
        {
            "kind": "field",
            "action": "modified",
            "severity": "medium",
            "field": "plan",
            "before": {"plan": "PPO"},
            "after": {"plan": "HMO"},
            "summary": "plan: 'PPO' → 'HMO'",
        }
    ]
    assert result.has_semantic_changes  # exit 1: something changed
    assert not result.silent_change  # not coverage, codes or evidence


def test_a_new_field_only_one_side_has_is_added_or_removed() -> None:
    assert kinds(base(), base(PlanPolicy, plan="HMO")) == [("field", "added", "plan")]
    assert kinds(base(PlanPolicy, plan="HMO"), base()) == [("field", "removed", "plan")]
    assert kinds(base(PlanPolicy), base(PlanPolicy, plan="HMO")) == [("field", "added", "plan")]
    assert kinds(base(), base(PlanPolicy)) == []  # nothing given is nothing changed


def test_a_new_field_of_an_item_is_found_by_the_items_key() -> None:
    old = base(coverage=[CriteriaCoverage("liver tumors", "investigational", "Text.", "18+")])
    new = base(coverage=[CriteriaCoverage("liver tumors", "investigational", "Text.", "21+")])
    (change,) = diff_policies(old, new).changes
    assert (change.kind, change.action, change.field) == (
        "field",
        "modified",
        "coverage[liver tumors].criteria",
    )
    assert (change.before, change.after) == ({"criteria": "18+"}, {"criteria": "21+"})
    assert change.summary == "coverage[liver tumors].criteria: '18+' → '21+'"


def test_a_change_that_shows_the_whole_item_explains_its_new_field() -> None:
    old = base(coverage=[CriteriaCoverage("liver tumors", "investigational", "Text.", "18+")])
    new = base(coverage=[CriteriaCoverage("liver tumors", "medically_necessary", "Text.", "21+")])
    (change,) = diff_policies(old, new).changes
    assert (change.kind, change.severity) == ("coverage", "high")
    assert change.before is not None and change.after is not None
    assert (change.before["criteria"], change.after["criteria"]) == ("18+", "21+")


def test_a_text_change_explains_a_sections_text_not_its_new_field() -> None:
    @dataclass
    class NumberedSection(Section):
        number: str = ""

    old = base(sections=[NumberedSection("Policy", "Liver tumors: investigational.", "I")])
    new = base(sections=[NumberedSection("Policy", "Liver tumors: now covered.", "II")])
    assert kinds(old, new) == [
        ("field", "modified", "sections[Policy].number"),
        ("text", "modified", "sections[Policy]"),
    ]


def test_a_new_date_field_is_found_inside_dates() -> None:
    old = base(dates=WithdrawnDates(effective="2024-07-08"))
    new = base(dates=WithdrawnDates(effective="2025-01-01", withdrawn="2025-03"))
    assert kinds(old, new) == [
        ("date", "modified", "dates.effective"),
        ("field", "added", "dates.withdrawn"),
    ]


def test_a_code_range_no_differ_compares_is_a_field_change() -> None:
    narrowed = [Code("CPT", "47371", "Laparoscopy"),
                Code("CPT", "17260-17286", "Destruction", range=["17260", "17285"])]  # fmt: skip
    result = diff_policies(base(), base(codes=narrowed))
    (change,) = result.changes
    assert (change.kind, change.action, change.field) == (
        "field",
        "modified",
        "codes[CPT 17260-17286].range[1]",
    )
    assert (change.before, change.after) == ({"range[1]": "17286"}, {"range[1]": "17285"})
    assert change.summary == "codes[CPT 17260-17286].range[1]: '17286' → '17285'"


def test_an_evidence_population_reworded_with_the_same_counts_is_found() -> None:
    """The evidence differ pairs the two wordings as one population and reports only counts;
    the check reports the wording it left out."""
    reworded = [Evidence("unresectable primary hepatocellular carcinoma", {"rct": 1})]
    assert kinds(base(), base(evidence=reworded)) == [
        ("field", "removed", "evidence[unresectable hepatocellular carcinoma]"),
        ("field", "added", "evidence[unresectable primary hepatocellular carcinoma]"),
    ]
    removed, added = diff_policies(base(), base(evidence=reworded)).changes
    assert removed.before == {"population": "unresectable hepatocellular carcinoma",
                              "counts": {"rct": 1}}  # fmt: skip
    assert added.after == {"population": "unresectable primary hepatocellular carcinoma",
                           "counts": {"rct": 1}}  # fmt: skip
    assert (removed.after, added.before) == (None, None)
    counted = [Evidence("unresectable primary hepatocellular carcinoma", {"rct": 2})]
    assert kinds(base(), base(evidence=counted)) == [
        ("evidence", "modified", "evidence[Unresectable hepatocellular carcinoma].rct")
    ]


# -- what stays silent ----------------------------------------------------------------------


def test_reordering_every_keyed_list_is_no_change() -> None:
    old = base()
    new = base(**{name: list(reversed(getattr(old, name))) for name in (
        "coverage", "codes", "evidence", "references", "history", "sections")})  # fmt: skip
    assert diff_policies(old, new).changes == ()


def test_formatting_the_differs_ignore_is_ignored_by_the_check_too() -> None:
    old = base()
    new = base(
        title="CRYOSURGICAL  ABLATION.",
        coverage=[
            Coverage("Liver Tumors", "investigational", "Liver  tumors:\u00a0investigational."),
            old.coverage[1],
        ],
        codes=[
            Code("CPT", "47371", "LAPAROSCOPY"),
            Code("cpt", "17260 – 17286", "Destruction", range=["17260", "17286"]),
        ],  # fmt: skip
        references=[
            Reference("7. Kim HI, An J. Cryoablation. Liver. 2023. PMID 37403319", " 37403319 "),
            Reference("[3] Lee S. Renal cryoablation outcomes. Urology. 2021."),
        ],
        history=[HistoryEntry("2024-06-12", "Committee approval"), old.history[1]],
        sections=[Section("POLICY", "- Liver tumors:\ninvestigational."), old.sections[1]],
    )
    assert diff_policies(old, new).changes == ()


def test_a_code_description_only_one_side_gives_is_no_change() -> None:
    bare = [Code("CPT", "47371"), Code("CPT", "17260-17286", range=["17260", "17286"])]
    assert diff_policies(base(), base(codes=bare)).changes == ()
    assert diff_policies(base(codes=bare), base()).changes == ()


def test_a_code_listed_twice_is_one_code() -> None:
    twice = [*base().codes, Code("CPT", "47371", "Other wording")]
    assert diff_policies(base(), base(codes=twice)).changes == ()


def test_schema_version_is_the_formats_not_the_policys() -> None:
    assert diff_policies(base(), base(schema_version=2)).changes == ()


def test_changes_the_differs_report_are_not_reported_twice() -> None:
    new = base(
        title="Cryoablation",
        dates=replace(base().dates, effective="2025-01-01", published="2025"),
        coverage=[Coverage("liver tumours", "medically_necessary", "Now necessary.")],
        codes=[Code("CPT", "47371", "Laparoscopic ablation"), Code("CPT", "47383")],
        evidence=[Evidence("unresectable hepatocellular carcinoma", {"rct": 3, "cohort": 2})],
        references=[Reference("Kim HI, An J. Cryoablation. Liver. 2024.", "37403319")],
        history=[HistoryEntry("2024-06-12", "Committee approval, coverage revised.")],
        sections=[
            Section("Policy", "Now necessary."),
            Section(
                "Rationale",
                "More.",
            ),
        ],
    )
    assert {kind for kind, _, _ in kinds(base(), new)} == {
        "coverage", "code", "evidence", "date", "reference", "history", "metadata", "text",
    }  # fmt: skip


@pytest.mark.parametrize(("old", "new"), list(permutations(sorted(CORPUS), 2)))
def test_corpus_pairs_need_no_field_change(
    parsed_corpus: dict[str, Policy], old: str, new: str
) -> None:
    result = diff_policies(parsed_corpus[old], parsed_corpus[new])
    assert [c.field for c in result.changes if c.kind == "field"] == []


@pytest.fixture(scope="module")
def parsed_corpus() -> dict[str, Policy]:
    return {key: parse_file(path) for key, path in CORPUS.items()}


def test_policies_read_back_from_json_keep_the_check_silent() -> None:
    old = base()
    again = Policy.from_json(old.to_json())
    assert diff_policies(old, again).changes == ()
    assert json.loads(again.to_json()) == json.loads(old.to_json())


def test_field_paths_read_like_the_differs_fields() -> None:
    assert field_path(("plan",)) == "plan"
    assert field_path(("dates", "withdrawn")) == "dates.withdrawn"
    assert field_path(("codes", "CPT 47371", 0, "range")) == "codes[CPT 47371].range"
    assert field_path(("codes", "CPT 47371", 0, "range", 1)) == "codes[CPT 47371].range[1]"
    assert field_path(("history", "2024-06-12|approval", 1)) == "history[2024-06-12|approval#2]"
    assert field_path(("evidence", "hcc")) == "evidence[hcc]"
