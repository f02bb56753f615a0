# ruff: noqa: E501  (fixture lines are as long as the policies print them)
"""Header fields, titles, statuses and indications in each payer template's layout.

The fixtures are our own words laid out as each publisher lays out its
policies (TABs are table cells, as the PDF and HTML readers write them)."""

from __future__ import annotations

import pytest

from policywatch.errors import ParseError
from policywatch.extract import Extracted
from policywatch.model import Policy
from policywatch.parse import parse_extracted
from policywatch.parse.fields import number_value
from policywatch.parse.vocabulary import fold_heading, vocabulary

FILLER = "This paragraph explains the background of the service in plain words. " * 4


def parse(text: str, fmt: str = "pdf", furniture: list[str] | None = None) -> Policy:
    return parse_extracted(Extracted(text=text, format=fmt, furniture=furniture or []))


UHC_MEDICAL = f"""\
# Acme® Commercial and Individual Exchange
# MedicalPolicy
# Gastric Widget Surgery
Policy Number: 2031T0001AB
Effective Date: March 1, 2031
# Coverage Rationale
# The following widget procedures are proven and medically necessary for treating obesity:
Open widget placement
Laparoscopic widget placement
# The following procedures are unproven and not medically necessary due to insufficient evidence:
Magnetic widget stimulation
Widget balloon
# Description of Services
{FILLER}
# Policy History/Revision Information
Date\tSummary of Changes
03/01/2031\tTemplate Update Added a code
"""


def test_uhc_medical_title_is_the_heading_the_footer_repeats_not_the_brand_line() -> None:
    footer = [
        "Gastric Widget Surgery",
        "Proprietary Information of Acme. Copyright 2031 Acme Services, Inc.",
    ]
    policy = parse(UHC_MEDICAL, furniture=footer)
    assert policy.title == "Gastric Widget Surgery"
    assert policy.policy_number == "2031T0001AB"
    assert policy.dates.effective == "2031-03-01"
    assert [(c.status, c.indication) for c in policy.coverage] == [
        ("medically_necessary", "open widget placement"),
        ("medically_necessary", "laparoscopic widget placement"),
        ("investigational", "magnetic widget stimulation"),
        ("investigational", "widget balloon"),
    ]


UHC_PHARMACY = f"""\
Acme Pharmacy Clinical Pharmacy Programs
Program Number\t2031 P 4242-7
Program\tPrior Authorization/Medical Necessity
Medications\tZapitrol® (zapimab)
P&T Approval Date\t1/2029, 3/2031
Effective Date\t7/1/2031
# 1. Background:
{FILLER}
# 2. Coverage Criteria:
A. Plaque Scaling
1. Initial Authorization
a. Zapitrol will be approved based on all of the following criteria:
(1) Diagnosis of moderate plaque scaling
# -AND-
(2) Prescribed by a dermatologist
# Authorization will be issued for 12 months.
2. Reauthorization
a. Zapitrol will be approved based on the following criterion:
(1) Documentation of positive clinical response
B. Chronic Itching
1. Initial Authorization
a. Zapitrol will be approved based on all of the following criteria:
(1) Diagnosis of chronic itching
# 3. Additional Clinical Rules:
{FILLER}
"""


def test_uhc_pharmacy_key_value_header_and_lettered_indications() -> None:
    policy = parse(UHC_PHARMACY)
    assert policy.title == "Zapitrol® (zapimab)"
    assert policy.policy_number == "2031 P 4242-7"  # inner spaces kept
    assert policy.dates.effective == "2031-07-01"
    assert [(c.indication, c.status) for c in policy.coverage] == [
        ("plaque scaling", "medically_necessary"),
        ("chronic itching", "medically_necessary"),
    ]
    assert "Documentation of positive clinical response" in policy.coverage[0].text


def test_uhc_pharmacy_new_indication_is_a_coverage_addition() -> None:
    from policywatch.diff import diff_policies

    newer = UHC_PHARMACY.replace(
        "# 3. Additional",
        "C. Widget Lung Disease\n1. Initial Authorization\n"
        "a. Zapitrol will be approved based on all of the following criteria:\n"
        "(1) Diagnosis of widget lung disease\n# 3. Additional",
    ).replace("2031 P 4242-7", "2031 P 4242-8")
    changes = diff_policies(parse(UHC_PHARMACY), parse(newer)).changes
    added = [c for c in changes if c.kind == "coverage" and c.action == "added"]
    assert [c.after["indication"] for c in added] == ["widget lung disease"]  # type: ignore[index]
    assert any(c.kind == "metadata" and c.field == "policy_number" for c in changes)


def test_relettered_criteria_are_not_coverage_changes() -> None:
    from policywatch.diff import diff_policies

    relettered = UHC_PHARMACY.replace("(1) Diagnosis of moderate", "(a) Diagnosis of moderate")
    changes = diff_policies(parse(UHC_PHARMACY), parse(relettered)).changes
    assert not [c for c in changes if c.kind == "coverage" and c.action in ("added", "removed")]


CIGNA_DRUG = f"""\
# Drug Coverage Policy
Effective Date: 01/01/2032
Coverage Policy Number: ZZ0042
Policy Title: Widgetumab Intravenous
# Products Prior Authorization Policy
# OVERVIEW
{FILLER}
# Coverage Policy
# POLICY STATEMENT
Widgetumab products are considered medically necessary when ONE of the following is met (1-2):
1. Rheumatoid Arthritis. Approve for the duration noted if the patient meets ONE of the following (A or B):
A) Initial Therapy. Approve for 6 months if the patient meets BOTH of the following (i and ii):
i. Patient is ≥ 18 years of age; AND
ii. The medication is prescribed by a rheumatologist.
B) Patient is Currently Receiving Widgetumab. Approve for 1 year.
2. Uveitis. Approve for the duration noted if the patient meets ONE of the following (A or B):
A) Initial Therapy. Approve for 6 months.
# Conditions Not Covered Widgetumab products for any other use are considered not medically necessary, including the following:
1. Concurrent Use with Another Biologic.
# Coding Information
HCPCS Codes\tDescription
J9999\tInjection, widgetumab, 10 mg
"""


def test_cigna_dot_leader_header_wrapped_title_and_numbered_indications() -> None:
    policy = parse(CIGNA_DRUG)
    assert policy.title == "Widgetumab Intravenous Products Prior Authorization Policy"
    assert policy.policy_number == "ZZ0042"
    assert policy.dates.effective == "2032-01-01"
    statuses = {c.indication: c.status for c in policy.coverage}
    assert statuses["rheumatoid arthritis"] == "medically_necessary"
    assert statuses["uveitis"] == "medically_necessary"
    assert statuses["other use"] == "not_medically_necessary"
    assert "initial therapy" not in statuses  # sub-criteria are not indications


CIGNA_PRODUCT_LIST = f"""\
# Prior Authorization Policy
POLICY: Widget Conditions – Widgetumab Products Prior Authorization Policy
# POLICY STATEMENT
{FILLER}
- Widgetra™ (widgetumab-abcd injection – Acme)
- Widgetumab injection (Other Maker)
is(are) covered as medically necessary when the following criteria is(are) met:
1. Rheumatoid Arthritis. Approve for 1 year if the patient meets ONE of the following (A or B):
A) Initial Therapy. Approve for 6 months.
B) Patient is Currently Receiving Widgetumab. Approve for 1 year.
2. Uveitis. Approve for 1 year if the patient meets ONE of the following (A or B):
A) Initial Therapy. Approve for 6 months.
c) Widgetra™ (widgetumab-abcd injection – Acme)
d) is(are) considered experimental, investigational, or unproven for ANY other use(s) including the following (this list may not be all inclusive):
# CONDITIONS NOT COVERED
1. Concurrent Use with Another Biologic. This medication should not be given with another biologic.
2. Widget Rheumatica. Guidelines recommend against widgetumab for this condition.
# REFERENCES
1. Widget A. A trial of widgetumab. Widget J. 2030;1:1-2.
"""


def test_cigna_product_list_catch_all_and_a_status_heading_over_its_items() -> None:
    statuses = {c.indication: c.status for c in parse(CIGNA_PRODUCT_LIST).coverage}
    assert statuses == {
        "rheumatoid arthritis": "medically_necessary",
        "uveitis": "medically_necessary",
        "concurrent use with another biologic": "not_covered",
        "widget rheumatica": "not_covered",
        "other use(s)": "investigational",
    }


FEP_DRUG = f"""\
Blue Widget Association 1 Main St Washington, D.C.
5.99.123
Section: Prescription Drugs
Effective Date: April 1, 2033
Subsection: Antineoplastic Agents
Original Policy Date: March 12, 2030
Subject: Widgetcel
Page: 1 of 6
Last Review Date: March 7, 2033
# Widgetcel
Description
{FILLER}
# Policy
This policy statement applies to clinical review performed for pre-service claims.
Widgetcel may be considered medically necessary if the conditions indicated below are met.
Widgetcel may be considered investigational for all other indications.
# Prior-Approval Requirements
# Diagnoses
Patient must have ONE of the following:
1. Large widget lymphoma (LWL) including any of the following:
a. Diffuse large widget lymphoma
b. Primary widget lymphoma
2. Relapsed or refractory mantle widget lymphoma (MWL)
a. Received at least 2 prior lines of therapy
AND ALL of the following for ALL diagnoses:
a. Absence of active infection
# Policy Guidelines
{FILLER}
# Policy History
Date\tAction
March 2030\tAddition to PA
March 2033\tAnnual review
"""


def test_fep_number_above_header_block_subject_and_diagnoses_as_indications() -> None:
    policy = parse(FEP_DRUG)
    assert policy.title == "Widgetcel"
    assert policy.policy_number == "5.99.123"
    assert policy.dates.effective == "2033-04-01"
    assert policy.dates.original_effective == "2030-03-12"
    assert policy.dates.last_review == "2033-03-07"
    assert [(c.indication, c.status) for c in policy.coverage] == [
        ("large widget lymphoma", "medically_necessary"),
        ("relapsed or refractory mantle widget lymphoma", "medically_necessary"),
        ("other indications", "investigational"),
    ]


CENTENE = f"""\
# CLINICAL POLICY
# Widget Ophthalmoscopy
Clinical Policy: Widget Ophthalmoscopy
Reference Number: CP.ZZ.99
Last Review Date: 07/2030
# Description
{FILLER}
# Policy/Criteria
I. It is the policy of health plans affiliated with Acme Corporation® that widget ophthalmoscopy is medically necessary for the following indications:
A. Alpha disease;
B. Beta disease;
C. Gamma disease;
D. Delta disease;
E. Epsilon disease;
F. Zeta disease;
G. Eta disease;
H. Theta disease;
I. Iota disease;
J. Kappa disease.
II. It is the policy of health plans affiliated with Acme Corporation® that widget ophthalmoscopy is not medically necessary under the following situations:
A. Routine replacement of standard ophthalmoscopy.
# Background
{FILLER}
"""


def test_centene_reference_number_and_letter_i_after_h() -> None:
    policy = parse(CENTENE)
    assert policy.title == "Widget Ophthalmoscopy"
    assert policy.policy_number == "CP.ZZ.99"
    assert policy.dates.last_review == "2030-07"
    indications = [c.indication for c in policy.coverage]
    assert "iota disease" in indications and "kappa disease" in indications
    assert policy.coverage[-1].status == "not_medically_necessary"


CMS_NCD = f"""\
# National Coverage Determination (NCD): Widget Therapy for Chronic Ache (cCA) (99.1.2)
Publication Number\t100-3
Manual Section Number\t99.1.2
Effective Date of this Version\t02/03/2031
# Indications and Limitations of Coverage
B. Nationally Covered Indications
Effective for services performed on or after February 3, 2031, CMS will cover widget therapy for Medicare patients with chronic ache.
C. Nationally Non-Covered Indications
All types of widget therapy for any condition other than chronic ache are non-covered by Medicare.
(This NCD last reviewed February 2031.)
# Transmittal Information
{FILLER}
"""


def test_cms_ncd_table_fields_section_number_and_review_phrase() -> None:
    policy = parse(CMS_NCD, fmt="html")
    assert policy.title == "Widget Therapy for Chronic Ache (cCA) (99.1.2)"
    assert policy.policy_number == "99.1.2"
    assert policy.dates.effective == "2031-02-03"
    assert policy.dates.last_review == "2031-02"
    assert sorted(c.status for c in policy.coverage) == ["medically_necessary", "not_covered"]


AETNA = f"""\
Widget Stimulation and Cranial Widget Therapy
Number: 0999
# Policy
# Medical Necessity
Acme considers widget stimulation medically necessary when all of the following criteria are met:
Member is age 15 years or older; and
Member has a confirmed diagnosis of severe widget disorder.
Acme considers widget stimulation not medically necessary in members with metal implants.
# Experimental, Investigational, or Unproven
Acme considers widget stimulation experimental, investigational, or unproven for tinnitus.
# Background
{FILLER}
"""


def test_aetna_considers_without_to_be_and_every_coverage_section() -> None:
    policy = parse(AETNA, fmt="text")
    assert policy.title == "Widget Stimulation and Cranial Widget Therapy"
    assert policy.policy_number == "0999"
    assert sorted({c.status for c in policy.coverage}) == [
        "investigational",
        "medically_necessary",
        "not_medically_necessary",
    ]


@pytest.mark.parametrize(
    ("phrase", "status"),
    [
        ("Gastric widgets are proven and medically necessary for obesity.", "medically_necessary"),
        ("Widgets are unproven and not medically necessary for pain.", "investigational"),
        (
            "Widgets are covered as medically necessary when criteria are met.",
            "medically_necessary",
        ),
        (
            "Widgets may be considered medically necessary if criteria are met.",
            "medically_necessary",
        ),
        (
            "Acme considers widgets medically necessary when all criteria are met.",
            "medically_necessary",
        ),
        ("Zapitrol will be approved based on the following criteria:", "medically_necessary"),
        ("CMS will cover widgets for chronic ache.", "medically_necessary"),
        ("Widgets are considered experimental, investigational, or unproven.", "investigational"),
        ("Widgets may be considered investigational for all other uses.", "investigational"),
        (
            "Widgets for any other use are considered not medically necessary.",
            "not_medically_necessary",
        ),
        ("All other widget uses are non-covered by Medicare.", "not_covered"),
    ],
)
def test_status_vocabulary(phrase: str, status: str) -> None:
    vocab = vocabulary()
    assert vocab.is_statement(phrase)
    assert vocab.status_of(phrase) == status


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("4. References:", "references"),
        ("REFERENCES", "references"),
        ("Policy History/Revision Information", "history"),
        ("Change Control", "history"),
        ("Revision Details", "history"),
        ("Reviews, Revisions, and Approvals", "history"),
        ("Revisions", "history"),
        ("Revision History", "history"),
        ("III. Coverage Criteria", "coverage"),
        ("Coverage Rationale", "coverage"),
        ("Policy/Criteria", "coverage"),
    ],
)
def test_heading_vocabulary(heading: str, kind: str) -> None:
    assert vocabulary().heading_is(kind, heading)


@pytest.mark.parametrize(
    "heading",
    ["Revision Surgery", "Sleeve Widget Revision", "Widget Revision Procedures", "Rationale"],
)
def test_headings_that_only_mention_a_revision_are_not_history(heading: str) -> None:
    assert not vocabulary().heading_is("history", heading)


def test_heading_folding_drops_numbering_and_colon() -> None:
    assert fold_heading("III. Coverage Criteria:") == "coverage criteria"
    assert fold_heading("A. Atopic Widgetitis") == "atopic widgetitis"


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("2024 P 2116-18", "2024 P 2116-18"),
        ("CP.ZZ.99 Coding Implications", "CP.ZZ.99"),
        ("# 00220", "00220"),
        ("IP0660", "IP0660"),
        ("none given", None),
    ],
)
def test_number_values_keep_inner_spaces_and_stop_at_words(value: str, number: str | None) -> None:
    assert number_value(value) == number


def test_a_layout_no_template_knows_still_yields_generic_fields() -> None:
    text = f"""\
Widget Reshaping Procedures
Document No. 77-1
Posted: 5/2/2030
# Our Position
Widget reshaping is considered investigational for all indications.
Widget polishing is medically necessary when the widget is cracked.
# Notes
{FILLER}
# Background
Widget stretching was considered investigational by one reviewer in 2020.
"""
    policy = parse(text, fmt="text")
    assert policy.title == "Widget Reshaping Procedures"
    assert policy.dates.published == "2030-05-02"
    # the first section that states a known status is the coverage, whatever its heading
    assert [(c.indication, c.status) for c in policy.coverage] == [
        ("widget reshaping", "investigational"),
        ("widget polishing", "medically_necessary"),
    ]


def test_a_document_with_no_headings_fails_clearly() -> None:
    text = ("widgets are sometimes reshaped and this text has no structure at all " * 10).strip()
    with pytest.raises(ParseError, match="too little text to be a medical policy"):
        parse(text, fmt="text")


def test_a_long_document_with_no_headings_parses_into_one_preamble() -> None:
    text = "\n".join(
        f"Widget reshaping paragraph {n} says widget reshaping is considered investigational."
        for n in range(12)
    )
    policy = parse(text, fmt="text")
    assert [s.heading for s in policy.sections] == [""]
