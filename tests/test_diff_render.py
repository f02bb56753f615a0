"""Text and HTML rendering: grouped by kind, high first, escaped, self-contained."""

from __future__ import annotations

import re

from policywatch.diff import diff_policies
from policywatch.model import Code, Coverage, Evidence, HistoryEntry, Policy, Section
from policywatch.render import grouped, render_html, render_text, version_summary

EVIL = '<script>alert("x")</script> & <b>bold</b>'


def pair() -> tuple[Policy, Policy]:
    old = Policy(
        title="Cryo",
        coverage=[
            Coverage("kidney tumors", "medically_necessary", "May be considered."),
            Coverage("bone metastases", "investigational", "Investigational."),
        ],
        evidence=[Evidence("bone metastases", {"rct": 1})],
        history=[HistoryEntry("2024-01-01", "New policy")],
        sections=[Section("Summary", "the evidence includes a trial")],
    )
    new = Policy(
        title="Cryo",
        coverage=[
            Coverage("kidney tumors", "medically_necessary", "Is considered."),
            Coverage("bone metastases", "medically_necessary", "Medically necessary."),
        ],
        codes=[Code("CPT", "76940", "Ultrasound guidance")],
        evidence=[Evidence("bone metastases", {"rct": 2})],
        history=[HistoryEntry("2024-01-01", "New policy"), HistoryEntry("2025-01-01", "Review")],
        sections=[Section("Summary", "the evidence includes two trials")],
    )
    return old, new


def test_groups_by_kind_with_high_severity_first() -> None:
    result = diff_policies(*pair())
    order = [(kind, [c.severity for c in changes]) for kind, changes in grouped(result)]
    assert order == [
        ("coverage", ["high", "medium"]),
        ("code", ["high"]),
        ("evidence", ["medium"]),
        ("history", ["low"]),
        ("text", ["low"]),
    ]


def test_text_output() -> None:
    text = render_text(diff_policies(*pair()))
    assert "\x1b[" not in text
    assert text.splitlines()[:4] == [
        "Cryo",
        "  old: (no identifying details)",
        "  new: (no identifying details)",
        "6 changes: 2 high, 2 medium, 2 low",
    ]
    body = text[text.index("Coverage") :]
    assert body.index("Bone metastases: investigational → medically necessary") < body.index(
        "Kidney tumors: wording changed"
    )
    assert body.index("Coverage") < body.index("Codes") < body.index("Evidence")
    assert "HIGH    CPT 76940 added (Ultrasound guidance)" in text
    assert "the evidence includes [-a trial-] {+two trials+}" in text


def test_colour_only_when_asked() -> None:
    coloured = render_text(diff_policies(*pair()), color=True)
    assert "\x1b[1;31mHIGH" in coloured
    assert "\x1b[32m{+two trials+}\x1b[0m" in coloured


def test_no_changes_and_silent_change_lines() -> None:
    old, _ = pair()
    assert render_text(diff_policies(old, old)).splitlines()[3] == "No changes."
    silent = Policy(title="Cryo", codes=[Code("CPT", "76940")])
    line = render_text(diff_policies(Policy(title="Cryo"), silent)).splitlines()[3]
    assert line == "1 change: 1 high · SILENT CHANGE: no new history entry or date came with it"


def test_html_escapes_document_text() -> None:
    old = Policy(title=EVIL, coverage=[Coverage(EVIL, "investigational", EVIL)])
    new = Policy(title=EVIL, coverage=[Coverage(EVIL, "medically_necessary", EVIL + " now")],
                 sections=[Section(EVIL, EVIL)])  # fmt: skip
    page = render_html(diff_policies(old, new))
    assert "<script" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_html_is_self_contained_and_shows_the_changes() -> None:
    page = render_html(diff_policies(*pair()))
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=|<link|<script|@import|url\(""", page)
    assert "<del>a trial</del> <ins>two trials</ins>" in page
    assert page.index("Bone metastases: investigational → medically necessary") < page.index(
        "CPT 76940 added"
    )
    assert 'class="change sev-high action-modified"' in page
    assert "<details>" in page  # old and new wording one click away


def test_html_silent_banner_and_empty_page() -> None:
    silent = render_html(
        diff_policies(Policy(title="Cryo"), Policy(title="Cryo", codes=[Code("CPT", "1")]))
    )
    assert 'class="silent"' in silent
    empty = render_html(diff_policies(Policy(title="Cryo"), Policy(title="Cryo")))
    assert "No changes between these two versions." in empty
    assert 'class="silent"' not in empty


def test_log_line_for_each_kind_of_version() -> None:
    old, new = pair()
    result = diff_policies(old, new)
    assert version_summary("snapshot", new, result) == (
        "high: Bone metastases: investigational → medically necessary (+4 more)"
    )
    assert version_summary("manual", new, result).endswith("(+4 more) (committed by hand)")
    assert version_summary("snapshot", new, None) == "first recorded: Cryo"
    assert version_summary("snapshot", None, None) == "policy.json unreadable"
    assert version_summary("reparse", new, result) == (
        "re-normalized by a parser upgrade (not a policy change)"
    )
    assert version_summary("snapshot", new, diff_policies(new, new)) == "no change in the policy"
    reworded = Policy(title="Cryo", sections=[Section("Summary", "the evidence includes a trial")])
    rewritten = Policy(title="Cryo", sections=[Section("Summary", "the evidence is one trial")])
    assert version_summary("snapshot", rewritten, diff_policies(reworded, rewritten)) == (
        "wording only (1 section(s))"
    )
    silent = Policy(title="Cryo", coverage=[Coverage("kidney tumors", "investigational", "No.")])
    loud = Policy(title="Cryo", coverage=[Coverage("kidney tumors", "not_covered", "No.")])
    assert version_summary("snapshot", loud, diff_policies(silent, loud)).endswith(
        " [silent change]"
    )
