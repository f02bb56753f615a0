"""Evidence, dates, references, history and metadata changes."""

from __future__ import annotations

from policywatch.diff.dates import diff_dates
from policywatch.diff.evidence import diff_evidence, population_label
from policywatch.diff.history import diff_history
from policywatch.diff.metadata import diff_metadata
from policywatch.diff.references import diff_references
from policywatch.model import Dates, Evidence, HistoryEntry, Policy, Reference

HCC = "unresectable primary hepatocellular carcinoma amenable to locoregional therapy"
CRC = "unresectable liver metastases from colorectal cancer amenable to locoregional therapy"
NET = "unresectable liver metastases from neuroendocrine tumors amenable to locoregional therapy"


def test_population_label_drops_the_qualifiers() -> None:
    assert population_label(HCC) == "Unresectable primary hepatocellular carcinoma"
    assert population_label("unresectable primary HCC (HCC) who receive CSA") == (
        "Unresectable primary HCC"
    )


def test_evidence_counts_per_population_and_study_type() -> None:
    old = [Evidence(HCC, {"rct": 1, "noncomparative": "multiple"}), Evidence(CRC, {"rct": 1})]
    new = [
        Evidence(CRC, {"rct": 2}),
        Evidence(HCC + " (HCC) who receive CSA", {"meta_analysis": 2, "rct": 1}),
    ]
    changes = diff_evidence(old, new)
    assert [(c.action, c.severity, c.field, c.summary) for c in changes] == [
        (
            "removed",
            "medium",
            "evidence[Unresectable primary hepatocellular carcinoma].noncomparative",
            "Unresectable primary hepatocellular carcinoma: noncomparative studies multiple → 0",
        ),
        (
            "added",
            "medium",
            "evidence[Unresectable primary hepatocellular carcinoma].meta_analysis",
            "Unresectable primary hepatocellular carcinoma: meta-analyses 0 → 2",
        ),
        (
            "modified",
            "medium",
            "evidence[Unresectable liver metastases from colorectal cancer].rct",
            "Unresectable liver metastases from colorectal cancer: RCTs 1 → 2",
        ),
    ]
    assert changes[1].before is None
    assert changes[1].after == {"population": new[1].population, "study_type": "meta_analysis",
                                "count": 2}  # fmt: skip


def test_evidence_population_removed_is_not_paired_with_a_similar_one() -> None:
    old = [Evidence(NET, {"case_series": None}), Evidence(CRC, {"rct": 1})]
    new = [Evidence(CRC, {"rct": 1})]
    assert [c.summary for c in diff_evidence(old, new)] == [
        "Evidence population removed: Unresectable liver metastases from neuroendocrine tumors "
        "(was case series some)"
    ]


def test_evidence_population_added() -> None:
    changes = diff_evidence([], [Evidence("bone metastases", {"rct": 1})])
    assert [(c.action, c.summary) for c in changes] == [
        ("added", "New evidence population: Bone metastases (RCTs 1)")
    ]


def test_dates_each_moved_field() -> None:
    old = Dates(effective="2024-07-08", next_review="2025-06", last_review="2024-06")
    new = Dates(effective="2025-01-01", next_review=None, published="2025")
    changes = diff_dates(old, new)
    assert [(c.action, c.severity, c.field, c.summary) for c in changes] == [
        ("modified", "medium", "dates.effective", "Effective date: 2024-07-08 → 2025-01-01"),
        ("removed", "low", "dates.last_review", "Last review date removed (was 2024-06)"),
        ("removed", "low", "dates.next_review", "Next review date removed (was 2025-06)"),
        ("added", "low", "dates.published", "Published date added: 2025"),
    ]
    assert changes[0].before == {"effective": "2024-07-08"}


def ref(citation: str, pmid: str | None = None) -> Reference:
    return Reference(citation, pmid)


def test_renumbered_references_with_two_inserted() -> None:
    old = [ref(f"{n}. Author {n}. Title {n}. PMID 10{n}", f"10{n}") for n in range(1, 6)]
    inserted = [ref("Kim HI. New study. PMID 999", "999"), ref("No PMID study. J. 2024")]
    renumbered = [ref(f"{n + 2}. Author {n}. Title {n}. PMID 10{n}", f"10{n}") for n in range(1, 6)]
    changes = diff_references(old, inserted + renumbered)
    assert [(c.action, c.severity, c.summary) for c in changes] == [
        ("added", "low", "Reference added: Kim HI. New study. PMID 999 (PMID 999)"),
        ("added", "low", "Reference added: No PMID study. J. 2024"),
    ]


def test_reference_without_pmid_keyed_by_normalized_citation() -> None:
    old = [ref("1. Smith J. *Cryotherapy* review. Lancet. 2020;1:2.")]
    new = [ref("7. Smith J.  Cryotherapy review, Lancet 2020;1:2")]
    assert diff_references(old, new) == []


def test_reference_citation_or_pmid_changed_is_modified() -> None:
    old = [ref("Smith J. Cryo. Lancet. 2020. PMID 1", "1"), ref("Lee K. Old title. 2019")]
    new = [ref("Smith J. Cryotherapy. Lancet. 2021. PMID 1", "1"),
           ref("Lee K. Old title. 2019 PMID 55", "55")]  # fmt: skip
    assert [(c.action, c.field, c.summary) for c in diff_references(old, new)] == [
        (
            "modified",
            "references[PMID 1]",
            "Reference PMID 1: citation changed from 'Smith J. Cryo. Lancet. 2020. PMID 1' "
            "to 'Smith J. Cryotherapy. Lancet. 2021. PMID 1'",
        ),
        ("modified", "references[Lee K. Old title. 2019]", "Reference Lee K. Old title. 2019: "
         "PMID none → 55"),
    ]  # fmt: skip


def test_history_new_removed_and_reworded_entries() -> None:
    old = [
        HistoryEntry("2023-06-14", "Committee approval. Coverage eligibility unchanged."),
        HistoryEntry("2022-06-08", "Committee approval."),
        HistoryEntry("2011-11", "ICD 10 remediation", end_date="2012-04"),
    ]
    new = [
        HistoryEntry("2024-06-12", "Committee approval. Coverage eligibility unchanged."),
        HistoryEntry("2023-06-14", "Committee  approval; coverage eligibility unchanged"),
        HistoryEntry("2022-06-08", "Committee approval. Coverage changed for bone metastases."),
    ]
    changes = diff_history(old, new)
    assert [(c.action, c.severity, c.summary) for c in changes] == [
        ("removed", "low", "History entry removed: 2022-06-08 Committee approval."),
        ("removed", "low", "History entry removed: 2011-11 to 2012-04 ICD 10 remediation"),
        ("added", "low",
         "History entry added: 2024-06-12 Committee approval. Coverage eligibility unchanged."),
        ("added", "low",
         "History entry added: 2022-06-08 Committee approval. Coverage changed for bone "
         "metastases."),
    ]  # fmt: skip


def test_history_entry_reworded_on_the_same_date_is_modified() -> None:
    old = [
        HistoryEntry(
            "2020-11", "BCBSA National medical policy review. Policy statements unchanged."
        )
    ]
    new = [
        HistoryEntry("2020-11", "BCBSA national medical policy review. Policy statement unchanged.")
    ]
    changes = diff_history(old, new)
    assert [(c.action, c.field) for c in changes] == [("modified", "history[2020-11]")]


def test_metadata_fields() -> None:
    old = Policy(title="Cryosurgical Ablation", policy_number="633", reference_number="7.01.75")
    new = Policy(title="CRYOSURGICAL ABLATION", policy_number="634", payer="BCBSMA")
    changes = diff_metadata(old, new)
    assert [(c.action, c.severity, c.field, c.summary) for c in changes] == [
        ("modified", "low", "policy_number", "Policy number: 633 → 634"),
        ("added", "low", "payer", "Payer added: BCBSMA"),
        ("removed", "low", "reference_number", "Reference number removed (was 7.01.75)"),
    ]
