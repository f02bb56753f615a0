"""What the operator is told, as plain text: a snapshot run's lines (``snapshot``,
``snapshot --quiet``: :func:`snapshot_text`), the run's notification (title and body,
one message per run: :func:`notification`) and one line per source for ``status``
(:func:`status_text`).

Everything here reads data (:mod:`policywatch.notify`'s digest and alert,
:mod:`policywatch.status`' health) and only words it; labels and moments as
:mod:`.labels` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from policywatch.diff import Change
from policywatch.render.labels import library_title

if TYPE_CHECKING:  # data this module reads; importing it would load the store
    from policywatch.index import IndexOutcome
    from policywatch.notify.alert import Alert
    from policywatch.notify.digest import FailureNews, LibraryNews, PolicyNews, RunDigest
    from policywatch.snapshot.outcomes import SnapshotSummary, SourceOutcome
    from policywatch.status import IndexHealth, SourceHealth, StoreHealth

MAX_CHANGES = 8  # changes listed per policy in a message; the rest are counted
MAX_ADDED = 20  # added policies named in a run's lines (a first run may add thousands)
RECENT_RECOVERY = timedelta(days=30)  # status shows a recovery this recent


# -- a snapshot run ---------------------------------------------------------------------------


def policy_name(news: PolicyNews | FailureNews) -> str:
    """'Payer · Title (source-id)', with what is known of payer and title."""
    named = " · ".join(p for p in (news.payer, news.title) if p)
    return f"{named} ({news.source_id})" if named else news.source_id


def change_line(news: PolicyNews) -> str:
    """One changed (or added) policy: who, how serious, the top change."""
    if news.status == "added":
        return f"added: {policy_name(news)}"
    top = news.top
    if top is None:
        return f"changed: {policy_name(news)}: no change a reader would see"
    more = len(news.diff.changes) - 1 if news.diff is not None else 0
    line = f"changed: {policy_name(news)}: {top.severity.value}: {top.summary}"
    line += f" (+{more} more)" if more else ""
    return line + (" [silent change]" if news.silent else "")


def failing_for(news: FailureNews, now: datetime) -> str:
    """'first failed run' or 'failing for 4 runs since 2026-11-26 (4 days)'."""
    if news.runs <= 1 or news.since is None:
        return "first failed run"
    days = (now - news.since).days
    span = f" ({days} day{'s' if days != 1 else ''})" if days >= 1 else ""
    return f"failing for {news.runs} runs since {_day(news.since)}{span}"


def library_line(news: LibraryNews) -> str:
    """One policy library change: 'retired: Payer · 7.01.75 Title (index uhc-medical) <link>'."""
    change = news.change
    entry = f"{change.entry.number} " if change.entry.number else ""
    name = library_title(change.entry.title, change.before.title if change.before else None)
    payer = f"{news.payer} · " if news.payer else ""
    line = f"{change.action}: {payer}{entry}{name} (index {news.index_id}) <{change.entry.link}>"
    return line + (f" (moved from <{change.moved_from}>)" if change.moved_from else "")


def failure_line(news: FailureNews, now: datetime) -> str:
    """One failed source or index: stage and error, how long it has been failing, what to
    do."""
    kind = news.stage if news.held_back else "failed"
    kind = f"index {kind}" if news.index else kind
    said = f"{news.stage}: {news.error}" if news.stage and not news.held_back else news.error
    line = f"{kind}: {policy_name(news)}: {said}; {failing_for(news, now)}"
    if news.held_back:
        line += f"; if the document is right: policywatch snapshot --accept {news.source_id}"
    return line


def run_lines(digest: RunDigest, failures: bool = True) -> list[str]:
    """The run's news, one line each: changed (most serious first), added (the first
    ``MAX_ADDED``, then how many more), policy library changes, failed, recovered."""
    lines = [change_line(n) for n in digest.changed]
    lines += [change_line(n) for n in digest.added[:MAX_ADDED]]
    if len(digest.added) > MAX_ADDED:
        lines.append(f"added: {len(digest.added) - MAX_ADDED} more")
    lines += [f"library {library_line(n)}" for n in digest.library[:MAX_ADDED]]
    if len(digest.library) > MAX_ADDED:
        lines.append(f"library: {len(digest.library) - MAX_ADDED} more changes")
    if failures:
        lines += [failure_line(n, digest.when) for n in digest.failed]
    if digest.recovered:
        lines.append(f"recovered: {', '.join(digest.recovered)}")
    return lines


def snapshot_text(
    summary: SnapshotSummary, digest: RunDigest | None, quiet: bool = False
) -> tuple[str, str]:
    """A snapshot run in text: (standard output, standard error).

    The run's line, then its news: policies changed (payer, title, the most serious
    change) and added, then recoveries and whom the notification reached. Failures go
    to standard error with what to do, as do problems after the commit (a notification
    not delivered). ``quiet`` (for cron): nothing at all when nothing changed, nothing
    failed and nothing went wrong; otherwise everything on standard output (failures
    with how long they have been failing), problems on standard error as well.
    """
    delivery = summary.delivery
    problems = [*(delivery.problems if delivery else ()), *summary.problems]
    sent = [f"notified: {', '.join(delivery.sent_to)}"] if delivery and delivery.sent_to else []
    err = [f"problem: {p}" for p in problems]
    if quiet:
        if not summary.eventful and not problems:
            return "", ""
        news = run_lines(digest) if digest is not None else _outcome_lines(summary)
        return _text([summary.line(), *news, *sent, *err]), _text(err)
    news = run_lines(digest, failures=False) if digest is not None else []
    failed = [line for o in summary.failed for line in _failed_lines(o)]
    err = failed + [_index_failed_line(o) for o in summary.failed_indexes] + err
    return _text([summary.line(), *news, *sent]), _text(err)


def _failed_lines(outcome: SourceOutcome) -> list[str]:
    line = f"failed: {outcome.id}: {outcome.stage}: {outcome.error}"
    if outcome.stage not in ("suspect", "retired"):
        return [line]
    hint = (
        "  the last version stays current; if this document is right, record it "
        f"with: policywatch snapshot --accept {outcome.id}"
    )
    return [line, hint]


def _index_failed_line(outcome: IndexOutcome) -> str:
    line = f"index failed: {outcome.id}: {outcome.stage}: {outcome.error}"
    if outcome.stage == "suspect":
        line += (
            "; the stored listing stays; if this listing is right, record it with: "
            f"policywatch snapshot --accept {outcome.id}"
        )
    return line


def _outcome_lines(summary: SnapshotSummary) -> list[str]:
    """The news as the summary alone tells it (when the run could not be read back)."""
    lines = [f"{o.status}: {o.id}" for o in summary.outcomes if o.status in ("added", "changed")]
    lines += [f"failed: {o.id}: {o.stage}: {o.error}" for o in summary.failed]
    if summary.recovered:
        lines.append(f"recovered: {', '.join(summary.recovered)}")
    return lines


def _text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


# -- the notification -------------------------------------------------------------------------


def notification(alert: Alert) -> tuple[str, str]:
    """The run's message: (title, body) in plain text."""
    return _title(alert), _body(alert)


def _title(alert: Alert) -> str:
    counts = [
        (len(alert.changes), f"change{_s(alert.changes)} at {alert.min_severity.value} or above"),
        (len(alert.silent), f"silent change{_s(alert.silent)}"),
        (len(alert.library), f"policy library change{_s(alert.library)}"),
        (len(alert.new_failures), f"new failure{_s(alert.new_failures)}"),
        *_failing_for_long(alert.long_failures),
    ]
    said = ", ".join(f"{n} {what}" for n, what in counts if n)
    return f"policywatch {_day(alert.digest.when)}: {said}"


def _body(alert: Alert) -> str:
    digest = alert.digest
    where = f"commit {digest.commit[:12]}" if digest.commit else "no commit"
    lines = [
        f"policywatch snapshot {_stamp(digest.when)}: {digest.sources} sources, {where}",
        f"Store: {digest.store}",
    ]
    if alert.changes:
        lines += ["", f"Changed policies, {alert.min_severity.value} severity or above:"]
        for news in alert.changes:
            lines += _policy_block(news, news.changes_at(alert.min_severity))
    if alert.silent:
        lines += ["", "Silent changes (no new history entry or date came with them):"]
        for news in alert.silent:
            lines += _policy_block(news, news.changes_at(news.severity or alert.min_severity))
    if alert.library:
        lines += ["", f"Policy library changes, {alert.min_severity.value} severity or above:"]
        lines += [f"- {n.severity.value.upper()} {library_line(n)}" for n in alert.library]
    if alert.new_failures:
        lines += ["", "New failures (the last version stays current):"]
        lines += [f"- {failure_line(n, digest.when)}" for n in alert.new_failures]
    if alert.long_failures:
        lines += ["", f"Failing for {alert.failing_runs} runs or more:"]
        lines += [f"- {failure_line(n, digest.when)}" for n in alert.long_failures]
    also = _also(alert)
    if also:
        lines += ["", f"Also in this run: {'; '.join(also)}."]
    month = digest.when.strftime("%Y-%m")
    lines += ["", f"Details: policywatch report --month {month} --store {digest.store}"]
    return "\n".join(lines) + "\n"


def _failing_for_long(failures: Sequence[FailureNews]) -> list[tuple[int, str]]:
    sources = sum(1 for f in failures if not f.index)
    indexes = len(failures) - sources
    return [
        (sources, f"source{'s' if sources != 1 else ''} failing for long"),
        (indexes, f"index{'es' if indexes != 1 else ''} failing for long"),
    ]


def _policy_block(news: PolicyNews, changes: list[Change]) -> list[str]:
    head = f"- {policy_name(news)}"
    head += f" [{news.plan}]" if news.plan else ""
    head += " — SILENT CHANGE" if news.silent else ""
    lines = [head, *(f"  {c.severity.value.upper()}: {c.summary}" for c in changes[:MAX_CHANGES])]
    total = len(news.diff.changes) if news.diff is not None else 0
    rest = total - min(len(changes), MAX_CHANGES)
    if rest > 0:
        lines.append(f"  (+{rest} more change{'s' if rest != 1 else ''})")
    return lines


def _also(alert: Alert) -> list[str]:
    digest = alert.digest
    also = []
    if digest.added:
        also.append(f"{len(digest.added)} polic{'ies' if len(digest.added) != 1 else 'y'} added")
    unlisted = alert.unlisted
    if unlisted:
        also.append(
            f"{len(unlisted)} changed polic{'ies' if len(unlisted) != 1 else 'y'} below "
            f"{alert.min_severity.value} not listed"
        )
    listed = {(n.index, n.source_id) for n in (*alert.new_failures, *alert.long_failures)}
    other = [n for n in digest.failed if (n.index, n.source_id) not in listed]
    sources = sum(1 for n in other if not n.index)
    indexes = len(other) - sources
    if sources:
        also.append(f"{sources} other failing source{'s' if sources != 1 else ''}")
    if indexes:
        also.append(f"{indexes} other failing index{'es' if indexes != 1 else ''}")
    quieter = len(digest.library) - len(alert.library)
    if quieter:
        also.append(
            f"{quieter} policy library change{'s' if quieter != 1 else ''} below "
            f"{alert.min_severity.value} not listed"
        )
    if digest.recovered:
        also.append(f"recovered: {', '.join(digest.recovered)}")
    return also


# -- status -----------------------------------------------------------------------------------


def status_text(health: StoreHealth) -> str:
    """One line per source, then one per index; the id and state columns aligned."""
    names = [s.source_id for s in health.sources] + [f"index {i.index_id}" for i in health.indexes]
    if not names:
        return ""
    width = max(len(name) for name in names)
    lines = [status_line(s, health.as_of, width) for s in health.sources]
    lines += [index_status_line(i, health.as_of, width) for i in health.indexes]
    return "\n".join(lines) + "\n"


def index_status_line(index: IndexHealth, now: datetime, width: int = 0) -> str:
    """'index acme  ok  lists 12 policies, 12 tracked (track all) · listed fine …'."""
    if index.listed is None:
        parts = ["never listed"]
    else:
        parts = [f"lists {index.listed} polic{'y' if index.listed == 1 else 'ies'}"]
        if index.track != "none":
            parts[0] += f", {index.tracked} tracked (track {index.track})"
    if index.last_ok is not None:
        parts.append(f"listed fine {_day(index.last_ok)}")
    else:  # a stored listing from before the ledger kept indexes, or none at all
        parts.append("last good listing not on record" if index.listed is not None else "")
    parts = [p for p in parts if p]
    failing, streak = index.failing, index.streak
    if failing is not None:
        said = f"{failing.stage}: {failing.error}" if failing.stage else failing.error
        parts.append(f"failing since {_day(failing.since)}, {_runs(failing.runs)} ({said})")
        if failing.stage == "suspect":
            parts.append(
                f"the stored listing stays (policywatch snapshot --accept {index.index_id}, "
                "or wait for the real page)"
            )
    elif streak is not None and _recent(streak.recovered_at, now):
        parts.append(f"recovered {_day(streak.recovered_at)} after {_runs(streak.runs, 'failed ')}")
    if index.plan:
        parts.append(f"plan {index.plan}")
    parts.append(index.location)
    name = f"index {index.index_id}"
    return f"{name:<{width}}  {index.state:<8}  " + " · ".join(parts)


def status_line(source: SourceHealth, now: datetime, width: int = 0) -> str:
    parts = [f"fetched {_day(source.last_ok)}" if source.last_ok else "never fetched"]
    parts.append(_last_change(source))
    failing, streak = source.failing, source.streak
    if failing is not None:
        said = f"{failing.stage}: {failing.error}" if failing.stage else failing.error
        parts.append(f"failing since {_day(failing.since)}, {_runs(failing.runs)} ({said})")
    elif streak is not None and _recent(streak.recovered_at, now):
        parts.append(f"recovered {_day(streak.recovered_at)} after {_runs(streak.runs, 'failed ')}")
    if source.pending is not None:
        parts.append(
            f"{source.pending.stage} pending: {source.pending.reason} "
            f"(policywatch snapshot --accept {source.source_id}, or wait for the real page)"
        )
    review = source.next_review
    if source.overdue_since is not None:
        parts.append(f"next review {review}, overdue since {source.overdue_since.isoformat()}")
    else:
        parts.append(f"next review {review}" if review else "no next review date")
    if source.plan:
        parts.append(f"plan {source.plan}")
    if source.index:
        parts.append(f"from index {source.index}")
    parts.append(source.location)
    return f"{source.source_id:<{width}}  {source.state:<8}  " + " · ".join(parts)


def _last_change(source: SourceHealth) -> str:
    change = source.last_change
    if change is None:
        return "no version yet"
    by_hand = " by hand" if change.by_hand else ""
    if change.first:
        return f"added {_day(change.at)}{by_hand}"
    severity = change.severity.value if change.severity else "nothing a reader sees"
    silent = ", silent" if change.silent else ""
    return f"changed {_day(change.at)}{by_hand} ({severity}{silent})"


# -- words ------------------------------------------------------------------------------------


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else "—"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _recent(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and now - moment <= RECENT_RECOVERY


def _runs(count: int, kind: str = "") -> str:
    return f"{count} {kind}run{'s' if count != 1 else ''}"


def _s(items: Sequence[object]) -> str:
    return "s" if len(items) != 1 else ""
