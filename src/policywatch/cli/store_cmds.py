"""Store commands: ``snapshot``, ``log``, ``show``, ``verify``, ``reparse``.

Each opens the store, calls one library function and prints; the exit codes
are the contract cron relies on (snapshot: 0 fine, 3 some sources failed,
4 recorded but the notification was not delivered, 2 usage or configuration error).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from policywatch.cli import config_option, store_option
from policywatch.maintenance import reparse, verify
from policywatch.model import canonical_json
from policywatch.store import DEFAULT_LOCK_TIMEOUT, Store, parse_instant, policy_text_at
from policywatch.timeline import locate, require_policy, source_line, versions

if TYPE_CHECKING:  # the fetch stack (httpx, tenacity) loads only when snapshot runs
    from policywatch.notify import RunDigest
    from policywatch.snapshot import Progress, SnapshotSummary, SourceOutcome
    from policywatch.sources import NotifySettings


def _format_option(func: Any) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for tools.",
    )(func)


def _lock_option(func: Any) -> Any:
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        default=DEFAULT_LOCK_TIMEOUT,
        show_default=True,
        help="Seconds to wait for another run to release the store.",
    )(func)


def _parse_as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("snapshot")
@config_option("The sources file: [[source]] tables with id, payer and url or path.")
@store_option()
@click.option(
    "--as-of",
    callback=_parse_as_of,
    metavar="DATETIME",
    help="Record the run as of this time (YYYY-MM-DD or ISO date-time, UTC unless "
    "an offset is given), e.g. to back-fill old versions, oldest first.",
)
@_format_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.001),
    default=None,
    help="Overall deadline in seconds for each HTTP fetch attempt: connecting, the headers "
    "and the whole body; a slow or trickling server is cut off at it (default 30; env "
    "POLICYWATCH_FETCH_TIMEOUT). Transient failures are retried (env "
    "POLICYWATCH_FETCH_RETRIES, default 3).",
)
@_lock_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for fetch + parse (default: the machine's CPU cores; "
    "1: in this process).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where fetch + parse run: local processes (default), or a Dask cluster "
    "(needs --scheduler and `pip install 'policywatch[dask]'`).",
)
@click.option(
    "--scheduler",
    envvar="POLICYWATCH_SCHEDULER",
    metavar="tcp://HOST:PORT",
    help="The Dask scheduler's address (implies --executor dask); env POLICYWATCH_SCHEDULER.",
)
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds to wait for the Dask scheduler and its workers.",
)
@click.option(
    "--accept",
    "accept",
    multiple=True,
    metavar="ID",
    help="Record source ID's document even if it is suspect or retired (repeatable).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print nothing when nothing changed and nothing failed (for cron); otherwise "
    "the run's line, each changed policy (payer, title, severity, top change) and each "
    "failed source with how long it has been failing. No progress bar.",
)
@click.option(
    "--notify/--no-notify",
    default=None,
    help="Send the run's notification to the [notify] urls of the sources file "
    "[default: when it has any].",
)
@click.pass_context
def snapshot_command(
    ctx: click.Context,
    config: Path,
    store_dir: Path,
    as_of: datetime | None,
    fmt: str,
    timeout: float | None,
    lock_timeout: float,
    workers: int | None,
    executor: str | None,
    scheduler: str | None,
    connect_timeout: float,
    accept: tuple[str, ...],
    quiet: bool,
    notify: bool | None,
) -> None:
    """Fetch every configured source and record what changed, as one commit.

    Outcomes per source: added, changed, unchanged or failed. A failed fetch
    or parse never removes a policy: the last version stays current, and a
    run in which sources failed is committed even if nothing else changed, so
    reports list the failures.

    Before a new document is recorded it must read as a policy. A login,
    bot-check ("Just a moment..."), page-not-found or error page, or a
    document that reads as a collapse of the stored version (title and number
    gone, most coverage statements vanished, text shrunk sharply), is a
    *suspect* failure; a page saying the policy was retired or archived is a
    *retired* failure. Either way the last good version stays current, the
    bytes are kept under failed/ with the reason, and the run exits 3. If the
    document is right after all, record it with --accept ID on the next run.

    Fetch and parse run in --workers processes (or on a Dask cluster with
    --scheduler); one writer records the results in config order, so the
    store is the same whatever the number of workers.

    The run is dated when it gets the store lock (or --as-of, which must not
    be in the future).

    Prints the run's line and each changed or added policy (payer, title,
    highest severity, the top change); failures go to standard error, and a
    progress bar too, on a terminal. With --quiet (for cron), nothing at all
    when nothing changed and nothing failed, else all of it on standard
    output, each failed source with how long it has been failing.

    With a [notify] table in the sources file (urls = [...], min_severity,
    failing_runs), one message per run goes to every URL (apprise: email,
    Slack, Teams, webhooks...) when a change is at or above min_severity
    (default high), a change is silent, a source fails for the first time or
    has failed failing_runs runs in a row (default 3). It is sent after the
    run is committed: a notification that fails is reported on standard error
    and never undoes the recording. Secrets come from the environment:
    urls = ["env:POLICYWATCH_NOTIFY_URL"] or ${NAME} inside a URL.

    Exit status: 0 every source fine; 3 the run completed but some sources
    failed (suspect and retired documents included); 4 every source fine and
    the run recorded, but the notification was not delivered; 2 usage or
    configuration error.

    \b
    Examples:
      policywatch snapshot --config sources.toml --store snapshots
      policywatch snapshot --quiet
      policywatch snapshot --as-of 2025-06-01 --format json --no-notify
      policywatch snapshot --workers 8
      policywatch snapshot --executor dask --scheduler tcp://scheduler:8786
      policywatch snapshot --accept bcbsla-00220
    """
    from policywatch.fetch import FetchSettings
    from policywatch.notify import DigestRecorder, notify_run
    from policywatch.render.notice import notification
    from policywatch.snapshot import run_snapshot

    if executor is None:
        executor = "dask" if scheduler else "local"
    if executor == "local" and scheduler:
        raise click.UsageError("--scheduler is for --executor dask")
    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
    settings = FetchSettings.from_env(timeout=timeout)
    notifying = _notify_settings(config, notify)  # before the run: a bad table records nothing
    recorder = DigestRecorder() if fmt == "text" or notifying else None
    show_bar = fmt == "text" and not quiet and sys.stderr.isatty()
    with _progress(enabled=show_bar) as progress:
        summary = run_snapshot(
            config,
            store_dir,
            as_of,
            settings,
            lock_timeout,
            progress,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            connect_timeout=connect_timeout,
            accept=accept,
            after_commit=recorder,
        )
    digest = recorder.digest if recorder is not None else None
    if notifying is not None:
        state_dir = Path(store_dir) / ".git" / "policywatch"  # undelivered messages wait there
        summary.delivery = notify_run(digest, notifying, notification, state_dir=state_dir)
    _print_summary(summary, fmt, quiet, digest)
    ctx.exit(summary.exit_code)


def _notify_settings(config: Path, notify: bool | None) -> NotifySettings | None:
    """The [notify] table when the run should notify (None: it should not)."""
    if notify is False:
        return None
    from policywatch.sources import load_notify

    found = load_notify(config)
    if notify and not found.configured:
        raise click.UsageError(f"--notify: {config} has no [notify] table with urls")
    return found if found.configured else None


def _print_summary(
    summary: SnapshotSummary, fmt: str, quiet: bool, digest: RunDigest | None
) -> None:
    from policywatch.render.notice import snapshot_text

    out, err = snapshot_text(summary, digest, quiet)
    if fmt == "json":
        if not quiet or out:
            click.echo(canonical_json(summary.to_dict()), nl=False)
        err = "".join(f"problem: {p}\n" for p in _problems(summary))
    else:
        click.echo(out, nl=False)
    click.echo(err, nl=False, err=True)


def _problems(summary: SnapshotSummary) -> list[str]:
    delivery = summary.delivery
    return [*(delivery.problems if delivery else ()), *summary.problems]


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal; nothing under cron."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    columns = (TextColumn("snapshot"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # No refresh thread (auto_refresh off): worker processes are forked from this one,
    # which is safest with no other thread running. We refresh at most 10 times a second.
    console = Console(stderr=True)
    with Bar(*columns, console=console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task("snapshot", total=None)
        shown = [0.0]

        def advance(outcome: SourceOutcome, total: int) -> None:
            bar.update(task, advance=1, total=total)
            now = time.monotonic()
            if now - shown[0] >= 0.1:
                shown[0] = now
                bar.refresh()

        yield advance


@click.command("log")
@click.argument("policy")
@store_option()
@_format_option
def log_command(policy: str, store_dir: Path, fmt: str) -> None:
    """List the versions of one policy: date, commit, what changed.

    The first line says where it comes from: source id, plan, URL or path.

    POLICY is a source id or a store folder (payer-slug/policy-slug). Parser
    upgrades (`policywatch reparse`) are marked as not being policy changes.

    \b
    Example:
      policywatch log bcbsla-00220
    """
    with Store.open(store_dir) as store:
        found = versions(store, require_policy(store, policy))
    if fmt == "json":
        click.echo(canonical_json([v.to_dict() for v in found]), nl=False)
        return
    if origin := source_line(found):
        click.echo(origin)
    for version in reversed(found):
        click.echo(f"{version.date}  {version.commit[:12]}  {version.summary}")


@click.command("show")
@click.argument("reference", metavar="POLICY[@REV|@DATE]")
@store_option()
def show_command(reference: str, store_dir: Path) -> None:
    """Print a stored policy as normalized JSON.

    Without @, the latest version. @REV is a commit of the store; @DATE
    (YYYY-MM-DD or an ISO date-time) is the version current at that date.

    \b
    Examples:
      policywatch show bcbsla-00220
      policywatch show bcbsla-00220@2025-06-30
      policywatch show bcbsla-00220@3f2a9c1
    """
    with Store.open(store_dir) as store:
        _, text = policy_text_at(store, *locate(store, reference))
    click.echo(text, nl=False)


@click.command("verify")
@store_option()
@_format_option
@click.pass_context
def verify_command(ctx: click.Context, store_dir: Path, fmt: str) -> None:
    """Check the store: git fsck --strict, every policy.json valid, and every one
    re-derivable from its raw bytes with the current parser.

    Exit status: 0 sound; 1 problems found (listed); 2 error.

    \b
    Example:
      policywatch verify --store snapshots
    """
    with Store.open(store_dir) as store:
        report = verify(store)
    if fmt == "json":
        click.echo(canonical_json(report.to_dict()), nl=False)
    else:
        for problem in report.problems:
            click.echo(f"problem: {problem}")
        state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        click.echo(f"verify: {report.checked} policies checked: {state}")
    ctx.exit(0 if report.ok else 1)


@click.command("reparse")
@store_option()
@_format_option
@_lock_option
@click.pass_context
def reparse_command(ctx: click.Context, store_dir: Path, fmt: str, lock_timeout: float) -> None:
    """Re-normalize every stored raw document with the current parser.

    Records one commit marked `Policywatch-Run: reparse`, which `log` and
    reports treat as a parser upgrade, not a policy change. A document that
    no longer parses keeps its previous policy.json (exit status 3).

    \b
    Example:
      policywatch reparse --store snapshots
    """
    Store.open(store_dir).close()  # refuse to create a store just to reparse it
    with Store.open_for_write(store_dir, lock_timeout) as store:
        summary = reparse(store, datetime.now(UTC))
    if fmt == "json":
        click.echo(canonical_json(summary.to_dict()), nl=False)
    else:
        click.echo(summary.line())
        for policy_dir, error in sorted(summary.failed.items()):
            click.echo(f"failed: {policy_dir}: {error}", err=True)
    ctx.exit(3 if summary.failed else 0)


COMMANDS = (snapshot_command, log_command, show_command, verify_command, reparse_command)
