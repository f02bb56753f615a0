"""Regenerate the golden diff cases' old.txt / new.txt from the corpus fixtures.

    python -m tests.golden.make_cases          # rewrite every case's old.txt and new.txt
    python -m tests.golden.make_cases --check  # fail if a file on disk differs

Each case is one corpus document (old.txt, a byte copy) and an edit of it
(new.txt) that a plan could plausibly publish: a noise-only re-conversion, or
a real revision. Every textual edit must match exactly as often as stated, so
a changed fixture fails loudly instead of silently producing another case.

This script never writes expected.json: those are written and checked by hand
against the edit described here (see the README in this folder).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests import variants
from tests.conftest import CORPUS

GOLDEN = Path(__file__).parent

Edit = Callable[[str], str]


@dataclass(frozen=True)
class Case:
    name: str
    doc: str  # corpus key: "000" … "004"
    what: str  # the edit, in words: what the expected changes must say
    edits: tuple[Edit, ...]

    def new_text(self, old: str) -> str:
        text = old
        for edit in self.edits:
            text = edit(text)
        if text == old:
            raise AssertionError(f"{self.name}: the edit changed nothing")
        return text


def replace(old: str, new: str, count: int = 1) -> Edit:
    """Replace ``old`` (any run of spaces / NBSP / tabs matches a space in it) ``count`` times."""
    pattern = re.compile(re.sub(r"(?:\\ )+", r"[ \\u00a0\\t]+", re.escape(old)))

    def edit(text: str) -> str:
        found = len(pattern.findall(text))
        if found != count:
            raise AssertionError(f"expected {count} × {old[:60]!r}, found {found}")
        return pattern.sub(lambda _: new, text)

    return edit


def delete_line_starting(prefix: str) -> Edit:
    def edit(text: str) -> str:
        lines = text.split("\n")
        hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        if len(hits) != 1:
            raise AssertionError(f"expected one line starting {prefix!r}, found {len(hits)}")
        del lines[hits[0]]
        return "\n".join(lines)

    return edit


def insert_references(inserts: dict[int, str]) -> Edit:
    """000's numbered reference list with citations inserted at the given final numbers.

    Every later reference is renumbered, as a plan's re-publication does.
    """

    def edit(text: str) -> str:
        item = re.compile(r"^(\s*)(\d+)\. (.*)$")
        out: list[str] = []
        in_references = False
        number = 0
        for line in text.split("\n"):
            if line.startswith("References:"):
                in_references = True
            elif line.startswith("Coding Section"):
                in_references = False
            m = item.match(line) if in_references else None
            if not m:
                out.append(line)
                continue
            number += 1
            while number in inserts:
                out.append(f"{m.group(1)}{number}. {inserts[number]}")
                number += 1
            out.append(f"{m.group(1)}{number}. {m.group(3)}")
        if number < max(inserts):
            raise AssertionError("reference list shorter than the insert positions")
        return "\n".join(out)

    return edit


def reconvert_000(text: str) -> str:
    """000 from another HTML-to-text converter: plain spaces, no trailing blanks, CRLF, '-'."""
    text = text.replace("\u00a0", " ").replace("  • ", "- ")
    return "\r\n".join(line.rstrip() for line in text.split("\n"))


NBSP_ENTRY = "01012024\u00a0 NEW POLICY"
POLICY_000 = (
    "Cryosurgical ablation of either primary or metastatic tumors in the liver is investigational "
    "and/or unproven and therefore NOT MEDICALLY NECESSARY ."
)
HCC_001 = (
    "the evidence includes two meta-analyses, one randomized controlled trial (RCT), several "
    "nonrandomized comparative studies, and multiple noncomparative studies."
)
NET_001 = "For individuals who have unresectable liver metastases from neuroendocrine tumors"
SPECIAL_004 = (
    "Therefore, cryotherapy for the treatment of liver metastases should only be used with special "
    "arrangements for clinical governance, consent and audit or research."
)

CASES = [
    # -- noise only: every one must diff to zero changes -------------------------------------
    Case("000-noise-reconverted", "000",
         "NBSP → spaces, trailing blanks dropped, CRLF line ends, • bullets as '-'",
         (reconvert_000,)),
    Case("000-noise-reflowed", "000",
         "re-converted: every block hard-wrapped at 100 columns, blank-line separated",
         (lambda t: variants.reflow_blocks(t, 100),)),
    Case("001-noise-furniture-moved", "001",
         "page header/footer moved to other page breaks, one cutting a sentence",
         (variants.move_page_furniture,)),
    Case("002-noise-bullets-tabs", "002",
         "'-' bullets as '•', tabs as spaces, emphasis removed",
         (variants.swap_bullets, variants.tabs_to_spaces, variants.strip_emphasis)),
    Case("003-noise-rewrapped", "003",
         "re-wrapped at 72 columns (clean blocks hard-wrapped)",
         (lambda t: variants.reflow_blocks(t, 72),)),
    Case("004-noise-nbsp-emphasis", "004",
         "spaces between words as NBSP, markdown emphasis removed",
         (variants.strip_emphasis, variants.spaces_to_nbsp)),
    # -- real revisions ---------------------------------------------------------------------
    Case("000-code-range-narrowed", "000",
         "ICD-10-CM C22.0-C22.9 → C22.0-C22.8, nothing else: a silent change",
         (replace("C22.0-C22.9 Malignant", "C22.0-C22.8 Malignant"),)),
    Case("000-coverage-status-flip", "000",
         "policy statement investigational → medically necessary, no history or date: silent",
         (replace(
             "in the liver is investigational and/or unproven and therefore NOT MEDICALLY "
             "NECESSARY .",
             "in the liver is MEDICALLY NECESSARY when performed by a hepatobiliary team."),)),
    Case("000-coverage-split", "000",
         "policy statement split into primary and metastatic tumors, both still "
         "investigational; a history row says so",
         (replace(POLICY_000,
                  POLICY_000.replace("either primary or metastatic", "primary") + "\n\n"
                  + POLICY_000.replace("either primary or metastatic", "metastatic")),
          replace("01012024 NEW POLICY",
                  "01012025  POLICY STATEMENT SPLIT BY TUMOR ORIGIN; COVERAGE UNCHANGED\n\n"
                  + NBSP_ENTRY))),
    Case("000-references-renumbered", "000",
         "two references inserted (as no. 3 with a PMID, no. 21 without); the list renumbered",
         (insert_references({
             3: "Smith AB, Jones CD. Percutaneous cryoablation of hepatocellular carcinoma: a "
                "randomized trial. J Hepatol. Jan 2024; 80(1): 10-20. PMID 38000001",
             21: "Doe J. Cryoablation for neuroendocrine liver metastases: a case series. World "
                 "J Surg. 2023; 47(2): 100-9.",
         }),)),
    Case("001-evidence-counts", "001",
         "HCC evidence: meta-analyses 2 → 3, RCTs 1 → 2, nonrandomized comparative dropped; "
         "neuroendocrine paragraph removed; a breast-cancer population added; a history bullet",
         (replace(HCC_001, "the evidence includes three meta-analyses, two randomized controlled "
                           "trials (RCTs), and multiple noncomparative studies."),
          delete_line_starting(NET_001),
          replace("For individuals who have unresectable liver metastases from colorectal cancer "
                  "amenable",
                  "For individuals who have unresectable liver metastases from breast cancer "
                  "amenable to locoregional therapy who receive CSA, the evidence includes two "
                  "case series. Relevant outcomes are OS and treatment-related morbidity. The "
                  "evidence is insufficient to determine that the technology results in an "
                  "improvement in the net health outcome.\n\nFor individuals who have "
                  "unresectable liver metastases from colorectal cancer amenable"),
          replace("- 06/12/2024 Medical Policy Implementation Committee approval. Coverage "
                  "eligibility unchanged.",
                  "- 06/12/2024 Medical Policy Implementation Committee approval. Coverage "
                  "eligibility unchanged.\n- 06/11/2025 Medical Policy Implementation Committee "
                  "approval. Evidence review updated; coverage eligibility unchanged."))),
    Case("001-codes-and-dates", "001",
         "CPT 76940 dropped, 47380 added; effective 07/08/2024 → 01/15/2025 on every page; "
         "next review 06/2025 → 06/2026",
         (replace("CPT\t47371, 47381, 47383, 76940", "CPT\t47371, 47380, 47381, 47383"),
          replace("Current Effective Date: 07/08/2024", "Current Effective Date: 01/15/2025", 15),
          replace("**Current Effective Date:** 07/08/2024",
                  "**Current Effective Date:** 01/15/2025"),
          replace("Next Scheduled Review Date: 06/2025", "Next Scheduled Review Date: 06/2026"))),
    Case("002-criteria-changed", "002",
         "kidney tumors dropped; uveal melanoma → 'uveal melanoma in adults' (moved to E); bone "
         "metastases added as B; criterion II investigational → not medically necessary; list "
         "re-lettered; last review December 2022 → June 2023",
         (replace("  - C. Kidney tumors\n  - D. Prostate tumors\n", "  - C. Prostate tumors\n"),
          replace("- E. Cervical intraepithelial neoplasia\n- F. Lung cancer",
                  "- D. Cervical intraepithelial neoplasia\n- E. Uveal melanoma in adults\n"
                  "- F. Lung cancer"),
          replace("  - B. Uveal melanoma\n", "  - B. Bone metastases\n"),
          replace("- II. Cryosurgical ablation is considered **investigational** as a treatment",
                  "- II. Cryosurgical ablation is considered **not medically necessary** as a "
                  "treatment"),
          replace("**Last Review:** December 2022", "**Last Review:** June 2023"))),
    Case("002-range-references-dates", "002",
         "CPT 17260-17286 → 17260-17284; reference 15 pages 662-72 → 662-672; reference 40 "
         "deleted (list not renumbered); next review November 2023 → 2024; last review line "
         "deleted; a policy number added",
         (replace("\t17260-17286\tDestruction", "\t17260-17284\tDestruction"),
          replace("Eur Urol.* 2011;60(4):662-72. PMID: 21726933",
                  "Eur Urol.* 2011;60(4):662-672. PMID: 21726933"),
          delete_line_starting("40. Punnen S"),
          replace("**Next Review:** November 2023", "**Next Review:** November 2024"),
          replace("**Last Review:** December 2022\n\n", "**Policy No.:** 29\n\n"))),
    Case("003-history-and-metadata", "003",
         "policy number 633 → 634; BCBSA reference number line deleted; a last review date "
         "added; history: 11/2021 row added, 1/2015 row deleted, 7/2017 row reworded",
         (replace(" Policy Number: 633 ", " Policy Number: 634 "),
          replace("BCBSA Reference Number: 7.01.75 \n", "Last Review Date: 11/2021 \n"),
          replace("7/2017 New references added from BCBSA National medical policy. ",
                  "7/2017 New references added from the BCBSA National medical policy. "),
          replace("1/2015 Clarified coding information. \n\n", ""),
          replace("11/2020 BCBSA National medical policy review.",
                  "11/2021 BCBSA National medical policy review.  Policy statements unchanged. "
                  "\n\n11/2020 BCBSA National medical policy review."))),
    Case("003-coverage-wording-codes", "003",
         "'is INVESTIGATIONAL' → 'is considered INVESTIGATIONAL'; CPT 47383 description extended; "
         "CPT 76940 added; no history, no date: silent",
         (replace("tumors in the liver is INVESTIGATIONAL. ",
                  "tumors in the liver is considered INVESTIGATIONAL. "),
          replace("47383 Ablation, 1 or more liver tumor(s), percutaneous, cryoablation ",
                  "47383 Ablation, 1 or more liver tumor(s), percutaneous, cryoablation, including "
                  "imaging guidance \n\n76940 Ultrasound guidance for, and monitoring of, "
                  "parenchymal tissue ablation "))),
    Case("004-recommendation-research-only", "004",
         "recommendation 1.1 special arrangements → research only; an update-information entry",
         (replace(SPECIAL_004, "Therefore, cryotherapy for the treatment of liver metastases "
                               "should only be used in the context of research."),
          replace("**January 2026:** Interventional",
                  "**March 2026:** Recommendation 1.1 updated: cryotherapy should now only be "
                  "used in research.\n\n**January 2026:** Interventional"))),
    Case("004-title-published-evidence", "004",
         "title shortened; published 15 December 2010 → 2 March 2026; a second RCT finding "
         "(2.3.5) added to efficacy",
         (replace("# Cryotherapy for the treatment of liver metastases",
                  "# Cryotherapy for liver metastases"),
          replace("Published: 15 December 2010", "Published: 2 March 2026"),
          replace("- 2.3.4 The Specialist Advisers",
                  "- 2.3.5 A randomised controlled trial of 88 patients reported no difference in "
                  "overall survival between cryotherapy and radiofrequency ablation.\n"
                  "- 2.3.4 The Specialist Advisers"))),
    Case("004-sections-added-removed", "004",
         "section 2.5 Other comments removed; a section 2.6 Costs added: text-only changes",
         (replace("## 2.5 Other comments\n\n- 2.5.1 The Committee noted possible differences in "
                  "the safety of this procedure when used intraoperatively, compared with the "
                  "percutaneous approach that uses narrower probes. Evidence on the percutaneous "
                  "approach is limited in quantity.\n\n",
                  "## 2.6 Costs\n\n- 2.6.1 No cost analyses of cryotherapy for liver metastases "
                  "were identified.\n\n"),)),
]  # fmt: skip


def write_cases(check: bool = False) -> list[str]:
    """Write (or with ``check`` compare) every case; returns the names that differ."""
    stale = []
    for case in CASES:
        old = CORPUS[case.doc].read_bytes()
        new = case.new_text(old.decode("utf-8")).encode("utf-8")
        folder = GOLDEN / case.name
        for name, data in (("old.txt", old), ("new.txt", new)):
            path = folder / name
            if path.exists() and path.read_bytes() == data:
                continue
            stale.append(f"{case.name}/{name}")
            if not check:
                folder.mkdir(exist_ok=True)
                path.write_bytes(data)
    return stale


if __name__ == "__main__":
    checking = "--check" in sys.argv
    differing = write_cases(check=checking)
    for name in differing:
        print(("differs: " if checking else "wrote: ") + name)
    sys.exit(1 if checking and differing else 0)
