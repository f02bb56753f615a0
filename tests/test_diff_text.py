"""Word-level section diff: only sections whose normalized text changed."""

from __future__ import annotations

import time

from policywatch.diff.text import diff_sections
from policywatch.diff.words import ELLIPSIS, word_diff
from policywatch.model import Section


def test_word_diff_marks_inserted_and_deleted_words() -> None:
    diff = word_diff(
        "the evidence includes a randomized trial",
        "the evidence includes two meta-analyses, one randomized trial",
    )
    assert diff.ops == (
        ("equal", "the evidence includes"),
        ("delete", "a"),
        ("insert", "two meta-analyses, one"),
        ("equal", "randomized trial"),
    )
    assert (diff.added, diff.removed) == (3, 1)


def test_long_unchanged_runs_are_elided_around_the_edit() -> None:
    words = [f"w{n}" for n in range(100)]
    after = words[:50] + ["NEW"] + words[50:]
    diff = word_diff(" ".join(words), " ".join(after), context=3)
    assert diff.ops == (
        ("equal", f"{ELLIPSIS} w47 w48 w49"),
        ("insert", "NEW"),
        ("equal", f"w50 w51 w52 {ELLIPSIS}"),
    )


def test_middle_runs_keep_context_on_both_sides() -> None:
    words = [f"w{n}" for n in range(40)]
    after = ["A"] + words + ["Z"]
    diff = word_diff(" ".join(words), " ".join(after), context=2)
    assert diff.ops == (("insert", "A"), ("equal", f"w0 w1 {ELLIPSIS} w38 w39"), ("insert", "Z"))


def test_word_diff_is_fast_on_a_long_section() -> None:
    text = " ".join(f"word{n % 700} filler the of and" for n in range(3000))
    edited = text.replace("word350 filler", "word350 CHANGED filler", 1)
    start = time.perf_counter()
    diff = word_diff(text, edited)
    assert time.perf_counter() - start < 0.5
    assert ("insert", "CHANGED") in diff.ops
    assert (diff.added, diff.removed) == (1, 0)


def test_sections_whose_text_only_rewrapped_are_no_change() -> None:
    old = [Section("Summary", "one two\nthree  four"), Section("Policy", "x\u00a0y")]
    new = [Section("SUMMARY", "one two three four"), Section("Policy", "x y")]
    assert diff_sections(old, new) == []


def test_section_changed_added_and_removed() -> None:
    old = [Section("Summary", "the evidence includes a trial"), Section("Gone", "old words here")]
    new = [Section("Summary", "the evidence includes two trials"), Section("New", "fresh")]
    changes = diff_sections(old, new)
    assert [(c.kind, c.action, c.severity, c.field, c.summary) for c in changes] == [
        ("text", "modified", "low", "sections[Summary]",
         "Section 'Summary': 2 words added, 2 removed"),
        ("text", "removed", "low", "sections[Gone]", "Section 'Gone' removed (3 words)"),
        ("text", "added", "low", "sections[New]", "Section 'New' added (1 word)"),
    ]  # fmt: skip
    assert changes[0].before == {"heading": "Summary", "text": "the evidence includes a trial"}
    assert changes[0].words == (
        ("equal", "the evidence includes"),
        ("delete", "a trial"),
        ("insert", "two trials"),
    )


def test_repeated_headings_pair_by_occurrence() -> None:
    old = [Section("Systematic Reviews", "breast"), Section("Systematic Reviews", "lung")]
    new = [Section("Systematic Reviews", "breast"), Section("Systematic Reviews", "lung cancer")]
    changes = diff_sections(old, new)
    assert [(c.before, c.summary) for c in changes] == [
        ({"heading": "Systematic Reviews", "text": "lung"},
         "Section 'Systematic Reviews': 1 word added, 0 removed"),
    ]  # fmt: skip


def test_renumbered_or_relettered_list_items_are_no_text_change() -> None:
    old = [Section("References", "1. Smith J. Cryo.\n2. Lee K. Ablation.\nA. Kidney\n- bullet")]
    new = [Section("References", "3. Smith J. Cryo.\n4. Lee K. Ablation.\n- C. Kidney\n• bullet")]
    assert diff_sections(old, new) == []
    numbered_findings = [Section("2.3 Efficacy", "2.3.1 A trial of 123 patients.")]
    renumbered = [Section("2.3 Efficacy", "2.3.2 A trial of 123 patients.")]
    assert [c.action for c in diff_sections(numbered_findings, renumbered)] == ["modified"]


def test_relettering_any_marker_style_is_not_a_text_change() -> None:
    before = [Section("Criteria", "(1) Diagnosis of widget itch\n(2)Prescribed by a widgetologist")]
    after = [Section("Criteria", "(a) Diagnosis of widget itch\n(b) Prescribed by a widgetologist")]
    assert diff_sections(before, after) == []


def test_a_parenthesis_inside_a_sentence_is_kept() -> None:
    before = [Section("Criteria", "Dose (1) applies to adults")]
    after = [Section("Criteria", "Dose (2) applies to adults")]
    assert len(diff_sections(before, after)) == 1


def test_a_section_inserted_among_namesakes_is_added_not_the_others_rewritten() -> None:
    def indication(name: str) -> list[Section]:
        return [
            Section(name, "Widgetol is approved for this indication"),
            Section("Initial Authorization", f"Diagnosis of {name} by a specialist"),
        ]

    before = indication("Widget Itch") + indication("Widget Ache")
    after = indication("Widget Itch") + indication("Widget Cough") + indication("Widget Ache")
    changes = diff_sections(before, after)
    assert [(c.action, c.field) for c in changes] == [
        ("added", "sections[Widget Cough]"),
        ("added", "sections[Initial Authorization]"),
    ]
    assert "Widget Cough" in str(changes[1].after)
