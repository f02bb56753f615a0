"""The run log: a Run written to a commit message reads back as the same Run; the
messages earlier versions wrote read as data; trailers are read as git reads them."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.store import MANUAL, REPARSE, SNAPSHOT, Failure, Recorded, Run
from policywatch.store.runlog import LibraryLine, kind_of, parse_trailers

WHEN = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

# Written by the snapshot of 2026-11 (before the run log was a record): read as data.
EARLIER = """Snapshot 2026-11-02T06:00:00Z: 1 added, 1 changed, 2 failed

Added:
- bcbsla-00220 (blue-cross-of-louisiana/bcbsla-00220)

Changed:
- nice ta (1) (nice/nice-ta-1)

Failed (last version stays current):
- uhc-42 (unitedhealthcare/uhc-42): fetch: HTTP 503 Service Unavailable (after 4 attempts)
- nice ta (1) (nice/nice-ta-1): suspect: looks like a login page: “Sign in”

Other updates:
- cigna-7: source info updated

Policywatch-Run: snapshot
Policywatch-Schema: 1
Policywatch-Source: bcbsla-00220 /docs/00220.pdf
Policywatch-Source: nice ta (1) https://www.nice.org.uk/ta1
Policywatch-Failed: uhc-42
Policywatch-Failed: nice ta (1)
"""


def test_an_earlier_snapshot_message_reads_as_data() -> None:
    run = Run.from_message(EARLIER)
    assert run.kind == SNAPSHOT and run.schema == 1 and run.when == WHEN
    assert run.recorded == (
        Recorded(
            "bcbsla-00220", "blue-cross-of-louisiana/bcbsla-00220", "/docs/00220.pdf", "added"
        ),
        Recorded("nice ta (1)", "nice/nice-ta-1", "https://www.nice.org.uk/ta1", "changed"),
    )
    assert run.failed == (
        Failure(
            "uhc-42",
            "unitedhealthcare/uhc-42",
            "fetch",
            "HTTP 503 Service Unavailable (after 4 attempts)",
        ),
        Failure("nice ta (1)", "nice/nice-ta-1", "suspect", "looks like a login page: “Sign in”"),
    )
    assert run.failed_ids == ["uhc-42", "nice ta (1)"]
    assert run.notes == (("cigna-7", "source info updated"),)
    assert run.message() == EARLIER  # and writes back byte for byte


def test_a_failure_without_details_still_names_its_source() -> None:
    run = Run.from_message("Snapshot\n\nPolicywatch-Run: snapshot\nPolicywatch-Failed: x\n")
    assert run.failed == (Failure("x", None, None, "failed (no details recorded)"),)


def test_reparse_runs_and_hand_commits() -> None:
    reparse = Run(REPARSE, renormalized=("a/b", "c/d"), failed=(Failure(None, "e/f", None, "bad"),))
    message = reparse.message()
    assert message.startswith("Reparse: 2 policies re-normalized by a parser upgrade\n")
    assert "Policywatch-Run: reparse\nPolicywatch-Schema: 1\n" in message
    assert Run.from_message(message) == reparse
    assert reparse.failed_ids == []  # a reparse names no failed source
    hand = Run.from_message("fix a typo by hand\n\nSigned-off-by: A <a@example.org>\n")
    assert hand.kind == MANUAL and hand.failed == () and hand.schema is None
    with pytest.raises(ValueError):
        hand.message()  # policywatch writes no hand commits


def test_only_the_trailer_block_counts() -> None:
    prose = "Snapshot\n\nPolicywatch-Failed: x is how it would be said\n\nThat is all.\n"
    assert parse_trailers(prose) == []
    assert kind_of(prose) == MANUAL
    assert kind_of("Policywatch-Run: snapshot\n") == MANUAL  # a subject is never a trailer
    assert kind_of("s\n\nPolicywatch-Run: reparse, snapshot\n") == REPARSE


@pytest.mark.parametrize(
    "message",
    [
        EARLIER,
        "subject\n\nbody\n\nKey: value\nOther-Key:   spaced value  \n",
        "subject\n\nKey: value\n  continued here\nSecond: 2\n",
        "subject\n\nnot: a trailer block\nbecause this line is prose\n",
        "subject only\n",
    ],
)
def test_trailers_are_read_as_git_reads_them(message: str) -> None:
    out = subprocess.run(
        ["git", "interpret-trailers", "--parse", "--no-divider"],
        input=message.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    theirs = [tuple(line.split(": ", 1)) for line in out.splitlines()]
    assert parse_trailers(message) == theirs


# Ids, locations, notes and errors as commit messages keep them: one line, single spaces.
_words = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=12,
)
_text = st.lists(_words, min_size=1, max_size=4).map(" ".join)
_ids = _text.filter(lambda t: ": " not in t and not t.startswith("- "))
_slug = st.builds(
    str.__add__,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", max_size=8),
)
_dirs = st.builds(lambda payer, policy: f"{payer}/{policy}", _slug, _slug)
_stages = st.sampled_from(["fetch", "parse", "worker", "suspect", "retired"])
_links = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~%-", max_size=24),
)


@st.composite
def _snapshot_runs(draw: st.DrawFn) -> Run:
    ids = draw(st.lists(_ids, min_size=0, max_size=6, unique=True))
    recorded, failed, notes, recovered = [], [], [], []
    for source_id in ids:
        policy_dir = draw(_dirs)
        what = draw(st.sampled_from(["added", "changed", "failed", "unchanged"]))
        if what == "failed":
            failed.append(Failure(source_id, policy_dir, draw(_stages), draw(_text)))
        elif what != "unchanged":
            recorded.append(Recorded(source_id, policy_dir, draw(_text), what))
        if draw(st.booleans()):
            notes.append((source_id, draw(_text)))
        if what != "failed" and draw(st.booleans()):
            recovered.append(source_id)
    library, index_failed = [], []
    for index_id in draw(st.lists(_ids, min_size=0, max_size=3, unique=True)):
        if draw(st.booleans()):
            index_failed.append(Failure(index_id, draw(_dirs), draw(_stages), draw(_text)))
            continue
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            action = draw(st.sampled_from(["new", "retired", "renamed"]))
            line = LibraryLine(index_id, action, draw(_text), draw(_links))
            if action == "renamed":
                line = replace(line, was=draw(_text), was_link=draw(st.none() | _links))
                if line.was_link == line.link:
                    line = replace(line, was_link=None)  # not moved
            library.append(line)
    seconds = draw(st.integers(min_value=0, max_value=4_000_000_000))
    return Run(
        SNAPSHOT,
        when=datetime.fromtimestamp(seconds, UTC),
        recorded=tuple(recorded),
        failed=tuple(failed),
        notes=tuple(notes),
        recovered=tuple(recovered),
        library=tuple(library),
        index_failed=tuple(index_failed),
    )


@settings(max_examples=300, deadline=None)
@given(_snapshot_runs())
def test_a_snapshot_run_reads_back_as_written(run: Run) -> None:
    assert Run.from_message(run.message()) == run


def test_ids_whose_trailers_would_read_alike_read_back_apart() -> None:
    # "0 0" at "0" and "0" at "0 0" both make the trailer value "0 0 0" (found by the
    # property above): the one the reader would take for the other is written quoted.
    run = Run(
        SNAPSHOT,
        when=WHEN,
        recorded=(
            Recorded("0 0", "p/a", "0", "added"),
            Recorded("0", "p/b", "0 0", "added"),
            Recorded('"quoted', "p/c", "/docs/c.txt", "changed"),
        ),
    )
    message = run.message()
    assert "Policywatch-Source: 0 0 0\n" in message
    assert 'Policywatch-Source: "0" 0 0\n' in message
    assert 'Policywatch-Source: "\\"quoted" /docs/c.txt\n' in message
    assert Run.from_message(message) == run


def test_earlier_ids_starting_with_a_quote_still_read_and_write_back() -> None:
    # Written before ids were ever quoted: a value starting with a quote is read as JSON
    # only when that names a recorded id; otherwise as it always was.
    earlier = (
        "Snapshot 2026-11-02T06:00:00Z: 2 added\n\nAdded:\n"
        '- "Q" plan (p/a)\n- "open (p/b)\n\n'
        "Policywatch-Run: snapshot\nPolicywatch-Schema: 1\n"
        'Policywatch-Source: "Q" plan https://x.example/a\n'
        'Policywatch-Source: "open https://x.example/b\n'
    )
    run = Run.from_message(earlier)
    assert run.recorded == (
        Recorded('"Q" plan', "p/a", "https://x.example/a", "added"),
        Recorded('"open', "p/b", "https://x.example/b", "added"),
    )
    assert Run.from_message(run.message()) == run
