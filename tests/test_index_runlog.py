"""The run log's index lines: written and read back as data (ids with spaces and
parentheses, titles with angle brackets), and an old message reads as before."""

from __future__ import annotations

from datetime import UTC, datetime

from policywatch.store import Failure, LibraryLine, Recorded, Run

WHEN = datetime(2026, 9, 3, 6, 0, tzinfo=UTC)


def test_library_lines_and_index_failures_round_trip() -> None:
    run = Run(
        "snapshot",
        when=WHEN,
        recorded=(Recorded("a", "acme/a", "https://x.org/a", "added"),),
        library=(
            LibraryLine("acme (main)", "new", "Knee <left> & right", "https://x.org/p/1"),
            LibraryLine("acme (main)", "retired", "Old", "https://x.org/p/2"),
            LibraryLine("acme", "renamed", "Sleep Devices", "https://x.org/t/201"),
        ),
        index_failed=(Failure("broken", "_index/broken", "suspect", "lists nothing"),),
    )
    message = run.message()
    assert message.splitlines()[0] == (
        "Snapshot 2026-09-03T06:00:00Z: 1 added, 1 listed new, 1 listed retired, "
        "1 listed renamed, 1 index failed"
    )
    assert "- acme (main) (new): Knee <left> & right <https://x.org/p/1>" in message
    assert "Policywatch-Index-Failed: broken" in message
    assert Run.from_message(message) == run


def test_a_message_without_index_lines_is_unchanged() -> None:
    run = Run("snapshot", when=WHEN, recorded=(Recorded("a", "acme/a", "x", "changed"),))
    assert "Polic" + "y library" not in run.message()
    assert "Index" not in run.message()
    assert Run.from_message(run.message()) == run


def test_index_failures_only_are_on_record() -> None:
    run = Run("snapshot", when=WHEN, index_failed=(Failure("ix", "_index/ix", "fetch", "404"),))
    assert "No policy changed; this run is recorded for its failures." in run.message()
    assert Run.from_message(run.message()).index_failed == run.index_failed
