"""Regenerate the bundled sample policies: the corpus documents and later editions.

Run from the repository root: ``python samples/make_samples.py``. The scenario
(three monthly snapshots, September to November 2026) is told in README.md here.
Every edit asserts that the text it replaces exists, so a changed corpus fails
loudly instead of producing a sample that silently lost its change.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT.parent / "tests" / "fixtures"

SOURCES = {
    # id: (corpus file, payer, title)
    "cam-70175hb": ("000_acbc92c6949fa60f.txt", "Regional Blue plan (CAM series)", None),
    "bcbsla-00220": ("001_6079a787d4731699.txt", "Blue Cross and Blue Shield of Louisiana", None),
    "regional-surgery-cryoablation": ("002_42bae9da8cbeda42.txt", "Regional plan (unnamed)", None),
    "bcbsma-633": ("003_d58e65a9d5ec7deb.txt", "Blue Cross Blue Shield of Massachusetts", None),
    "nice-htg241": ("004_de06c6c671f2f79f.txt", "NICE", None),
}

MONTHS = ["2026-09", "2026-10", "2026-11"]


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"sample edit lost its anchor: {old[:60]!r}"
    return text.replace(old, new, 1)


def november_cam(text: str) -> str:
    """A silent change: CPT 76940 dropped, no history entry, no new date."""
    return edit(
        text,
        "\u00a0 76940 Ultrasound guidance for, and monitoring of, parenchymal tissue ablation\n",
        "",
    )


def november_louisiana(text: str) -> str:
    """An announced annual review: new history rows, new dates, a third meta-analysis."""
    text = edit(
        text,
        "- 06/12/2024 Medical Policy Implementation Committee approval. Coverage eligibility "
        "unchanged.\n",
        "- 06/12/2024 Medical Policy Implementation Committee approval. Coverage eligibility "
        "unchanged.\n- 10/02/2026 Medical Policy Committee review\n- 10/15/2026 Medical Policy "
        "Implementation Committee approval. Coverage eligibility unchanged.\n",
    )
    text = re.sub(r"(Current Effective Date:(?:\*\*)?) 07/08/2024", r"\1 11/03/2026", text)
    text = edit(text, "Next Scheduled Review Date: 06/2025", "Next Scheduled Review Date: 10/2027")
    return edit(
        text, "the evidence includes two meta-analyses", "the evidence includes three meta-analyses"
    )


def november_massachusetts(text: str) -> str:
    """A coverage reversal with its history entry."""
    text = edit(
        text,
        "Cryosurgical ablation of either primary or metastatic tumors in the liver "
        "is INVESTIGATIONAL. ",
        "Cryosurgical ablation of either primary or metastatic tumors in the liver "
        "may be considered MEDICALLY NECESSARY for patients who are not candidates "
        "for surgical resection. ",
    )
    return edit(
        text,
        "Date Action \n",
        "Date Action \n\n11/2026 Policy statement changed: cryosurgical ablation of liver "
        "tumors is now medically necessary for patients who are not candidates for resection. \n",
    )


# (id, month) → how that month's edition differs from the corpus text; None = not published yet.
EDITIONS = {
    ("cam-70175hb", "2026-11"): november_cam,
    ("bcbsla-00220", "2026-11"): november_louisiana,
    ("bcbsma-633", "2026-11"): november_massachusetts,
}
NOT_YET_TRACKED = {("nice-htg241", "2026-09")}
BROKEN = {("nice-htg241", "2026-11")}  # the download came back empty


def main() -> None:
    for month in MONTHS:
        entries = []
        for source_id, (corpus_file, payer, _) in SOURCES.items():
            if (source_id, month) in NOT_YET_TRACKED:
                continue
            text = (CORPUS / corpus_file).read_text(encoding="utf-8")
            if (source_id, month) in EDITIONS:
                text = EDITIONS[(source_id, month)](text)
            if (source_id, month) in BROKEN:
                text = ""
            path = ROOT / "policies" / source_id / f"{month}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            entries.append(
                f'[[source]]\nid = "{source_id}"\npayer = "{payer}"\n'
                f'path = "policies/{source_id}/{month}.txt"\n'
            )
        header = f"# Sample sources as they were published in {month} (see samples/README.md).\n\n"
        (ROOT / f"sources-{month}.toml").write_text(header + "\n".join(entries), encoding="utf-8")


if __name__ == "__main__":
    main()
