"""Issue 11, item 4: billing codes in the layouts payers use.

The fixtures under fixtures/templates/ copy each layout (lists with ranges on a
web page, code tables with a system-naming header row across page breaks,
wrapped descriptions, a policy with no codes at all) in our own words and with
our own code lists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.extract import Extracted
from policywatch.model import Code, Policy
from policywatch.parse import parse_extracted

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"


def parse_text(text: str, fmt: str = "pdf") -> Policy:
    return parse_extracted(Extracted(text=text, format=fmt))


def parse_template(name: str, fmt: str = "pdf") -> Policy:
    return parse_text((TEMPLATES / name).read_text(encoding="utf-8"), fmt)


def entries(policy: Policy, system: str) -> list[str]:
    return [c.code for c in policy.codes if c.system == system]


def code(policy: Policy, system: str, entry: str) -> Code:
    return next(c for c in policy.codes if c.system == system and c.code == entry)


# --- a web page's code lists: single codes and ranges mixed on one line -------


def test_list_style_cpt_rows_ranges_and_codeless_lines() -> None:
    p = parse_template("codes_list_style.txt", fmt="text")
    assert entries(p, "CPT") == [
        "64568",
        "64569",
        "64570",
        "0908T",  # after a "–no specific code" line: the list goes on
        "95970-95972",
        "95976-95977",
        "90785",
        "90791-90792",
    ]
    assert code(p, "CPT", "95970-95972").range == ["95970", "95972"]
    assert code(p, "CPT", "95976-95977").range == ["95976", "95977"]  # en dash, no spaces
    assert code(p, "CPT", "64569").description == "revision or replacement of the electrode array"
    assert code(p, "CPT", "90785").description == code(p, "CPT", "90791-90792").description
    # a row that says it has no code is no wrapped description of the row above
    assert code(p, "CPT", "0908T").description == (
        "Noninvasive stimulation of the auricular branch, per session"
    )


def test_list_style_codes_after_the_title_colon_and_across_sub_headings() -> None:
    p = parse_template("codes_list_style.txt", fmt="text")
    assert entries(p, "HCPCS") == ["L8680", "L8686", "E0745"]


def test_list_style_icd10_lists_with_both_dashes() -> None:
    p = parse_template("codes_list_style.txt", fmt="text")
    assert entries(p, "ICD-10-CM") == [
        "F33.1-F33.2",
        "F31.31-F31.32",
        "F31.4",
        "G40.011-G40.019",
        "J45.50-J45.52",
        "J44.9",
        "K58.0-K58.9",  # "K58.0 – 58.9": the last bound lost its letter
        "S02.0XXA-S02.19XS",  # placeholder x written in lower case
        "S12.000A-S12.691S",
        "Z79.899",
        "R51.9",
    ]
    assert code(p, "ICD-10-CM", "F31.31-F31.32").range == ["F31.31", "F31.32"]
    assert code(p, "ICD-10-CM", "G40.011-G40.019").range == ["G40.011", "G40.019"]


def test_list_style_description_below_codes_listed_bare() -> None:
    p = parse_template("codes_list_style.txt", fmt="text")
    for entry in ("F33.1-F33.2", "F31.31-F31.32", "F31.4"):
        assert code(p, "ICD-10-CM", entry).description == "Treatment-resistant depressive episodes"
    for entry in ("S02.0XXA-S02.19XS", "S12.000A-S12.691S"):
        assert code(p, "ICD-10-CM", entry).description == (
            "Injuries of the skull base and cervical spine"
        )


def test_list_style_table_ends_before_the_prose() -> None:
    p = parse_template("codes_list_style.txt", fmt="text")
    assert code(p, "ICD-10-CM", "R51.9").description == "Headache, unspecified"
    assert "F33" not in entries(p, "ICD-10-CM")  # a sentence after "Background"


# --- a table whose header row names the system, across a page break ---------


def test_header_row_table_across_a_repeated_header() -> None:
    p = parse_template("codes_header_table.txt")
    assert entries(p, "CPT") == [
        "0571T",
        "43647",
        "43648",
        "43881",
        "43882",
        "64590",
        "64595",
        "95980",
        "95981",
        "43999",
    ]
    assert [c.system for c in p.codes] == ["CPT"] * 10  # nothing from the references


def test_header_row_table_wrapped_description_cells() -> None:
    p = parse_template("codes_header_table.txt")
    assert code(p, "CPT", "43881").description == (
        "Implantation of gastric stimulation electrodes, lesser curvature, open "
        "(includes intraoperative testing of impedance)"
    )
    assert code(p, "CPT", "64590").description == (
        "Insertion or replacement of a pulse generator requiring pocket creation and "
        "connection to an electrode array"
    )
    assert code(p, "CPT", "43999").description == "Unlisted procedure, stomach"


def test_hcpcs_table_and_diagnosis_table_keep_their_systems() -> None:
    p = parse_template("codes_hcpcs_table.txt")
    assert entries(p, "HCPCS") == ["J3262", "Q5133", "Q5135", "J1745"]
    assert entries(p, "ICD-10-CM") == ["J45.50", "M05.79"]
    assert len(p.codes) == 6  # no dose, date or page range


# --- a long ICD-10-CM table over many pages ----------------------------------


def fixture_rows(name: str) -> list[str]:
    """The codes a reader sees in the fixture's first column (its ICD-10-CM rows)."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    return re.findall(r"^([A-Z]\d\d\.\d{1,4})\t", text, flags=re.MULTILINE)


def test_long_icd10_table_keeps_every_row_across_page_breaks() -> None:
    p = parse_template("codes_long_icd_table.txt")
    rows = fixture_rows("codes_long_icd_table.txt")
    assert len(rows) == 150
    assert entries(p, "ICD-10-CM") == rows
    assert {"E10.3211", "E10.3212"} <= set(entries(p, "ICD-10-CM"))
    assert entries(p, "CPT") == ["92201", "92202"]
    assert len(p.codes) == 152  # nothing from the revision log or the references


def test_long_icd10_table_wrapped_row_belongs_to_the_row_above() -> None:
    p = parse_template("codes_long_icd_table.txt")
    wrapped = [c for c in p.codes if c.description and c.description.endswith(", with")]
    assert wrapped == []
    continued = [c for c in p.codes if (c.description or "").endswith("of the macula")]
    assert len(continued) == 9
    assert all(c.description and ", with involvement" in c.description for c in continued)


# --- no codes -----------------------------------------------------------------


def test_policy_without_codes_lists_none() -> None:
    p = parse_template("codes_none_drug.txt")
    assert p.codes == []


@pytest.mark.parametrize(
    "line",
    [
        "CPT is a registered trademark of the American Medical Association.",
        "CPT codes 96372 and 96401 are not separately reimbursed for self-administered drugs.",
        "ICD-10 coding is not required for this program.",
        "HCPCS Level II codes are updated quarterly by the federal agency.",
    ],
)
def test_prose_mentioning_a_system_starts_no_table(line: str) -> None:
    p = parse_text(policy_text([line, "99213 visits were counted over 12 months."]), "text")
    assert p.codes == []


def test_codes_listed_bare_take_no_sentence_as_description() -> None:
    body = ["CPT codes: 47371, 47381", "CPT® is a registered trademark of the AMA"]
    p = parse_text(policy_text(body), "text")
    assert [(c.code, c.description) for c in p.codes] == [("47371", None), ("47381", None)]


# --- J codes: ICD-10-CM under a diagnosis label, HCPCS under a HCPCS label -----


def policy_text(body: list[str]) -> str:
    head = [
        "Asthma Biologics Policy",
        "The plan considers the biologic drugs below medically necessary for severe asthma "
        "when the member meets every criterion listed in this policy.",
        "The plan considers them investigational for all other indications.",
    ]
    tail = ["Background", "Severe asthma affects a small share of people with asthma."]
    return "\n".join(head + body + tail) + "\n"


@pytest.mark.parametrize(
    ("label", "system"),
    [
        ("ICD-10 codes covered if selection criteria are met:", "ICD-10-CM"),
        ("Diagnosis Codes", "ICD-10-CM"),
        ("ICD-10-CM Diagnosis Code\tDescription", "ICD-10-CM"),
    ],
)
def test_j_codes_under_a_diagnosis_label_are_icd10(label: str, system: str) -> None:
    rows = ["J45.50\tSevere persistent asthma", "J1745\tNot a diagnosis"]
    p = parse_text(policy_text([label, *rows]))
    assert [(c.system, c.code) for c in p.codes] == [(system, "J45.50")]


def test_j_codes_under_a_hcpcs_label_are_hcpcs() -> None:
    p = parse_text(policy_text(["HCPCS Code\tDescription", "J1745\tInjection, 10 mg", "J45.50\tx"]))
    assert [(c.system, c.code) for c in p.codes] == [("HCPCS", "J1745")]


# --- property: any list of codes and ranges in the list style reads back -------

_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


# Each system's code shape, built from its characters (st.from_regex is much slower):
# CPT [0-9]{4}[0-9FTU]; HCPCS [A-V][0-9]{4}; ICD-10-CM [A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?
SHAPES = {
    "CPT": _joined(st.text(_DIGITS, min_size=4, max_size=4), st.sampled_from(_DIGITS + "FTU")),
    "HCPCS": _joined(st.sampled_from(_UPPER[:22]), st.text(_DIGITS, min_size=4, max_size=4)),
    "ICD-10-CM": _joined(
        st.sampled_from(_UPPER.replace("U", "")),
        st.sampled_from(_DIGITS),
        st.sampled_from(_DIGITS + _UPPER),
        st.just("") | st.text(_DIGITS + _UPPER, min_size=1, max_size=4).map(".".__add__),
    ),
}
LABELS = {"CPT": "CPT", "HCPCS": "HCPCS", "ICD-10-CM": "ICD-10"}
DASHES = ["-", " - ", "–", " – ", " — ", " through "]


@st.composite
def code_lists(draw: st.DrawFn) -> tuple[str, list[tuple[str, list[str] | None]], str]:
    """(system, [(entry, bounds)], line) for a list written the way a web page writes it."""
    system = draw(st.sampled_from(sorted(SHAPES)))
    one = SHAPES[system]
    single = one.map(lambda c: (c, None))
    span = st.lists(one, min_size=2, max_size=2, unique=True).map(sorted)
    ranged = span.map(lambda b: (f"{b[0]}-{b[1]}", b))
    items = draw(
        st.lists(st.one_of(single, ranged), min_size=1, max_size=8, unique_by=lambda e: e[0])
    )
    written = [
        code if bounds is None else draw(st.sampled_from(DASHES)).join(bounds)
        for code, bounds in items
    ]
    description = draw(st.sampled_from(["", " Disorders of the nervous system"]))
    return system, [(c, list(b) if b else None) for c, b in items], ", ".join(written) + description


@settings(max_examples=150, deadline=None)
@given(code_lists())
def test_list_style_round_trip(case: tuple[str, list[tuple[str, list[str] | None]], str]) -> None:
    system, expected, line = case
    label = f"{LABELS[system]} codes covered if selection criteria are met:"
    p = parse_text(policy_text([label, line]), "text")
    assert [(c.system, c.code, c.range) for c in p.codes] == [
        (system, code, bounds) for code, bounds in expected
    ]
