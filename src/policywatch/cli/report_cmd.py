"""`policywatch report`: the compliance report for a month or a date range."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.cli import store_option
from policywatch.render import FORMATS, default_output, report_output, write
from policywatch.report import build_report, month_period, range_period
from policywatch.report.period import Period


def _period(month: str | None, since: str | None, until: str | None) -> Period:
    if month and (since or until):
        raise click.UsageError("give --month, or --since and --until, not both")
    if month:
        return month_period(month)
    if since and until:
        return range_period(since, until)
    raise click.UsageError("give --month YYYY-MM, or --since YYYY-MM-DD and --until YYYY-MM-DD")


@click.command("report")
@click.option("--month", metavar="YYYY-MM", help="The calendar month to report on (UTC).")
@click.option("--since", metavar="YYYY-MM-DD", help="First day of the period (inclusive).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day of the period (inclusive).")
@store_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the report [default: reports/<period>.<format>].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="html: one self-contained page; json: the same content as data; "
    "csv: one row per change, for spreadsheets; xlsx: a workbook with typed cells "
    "(sheets of changes, failed sources and overdue reviews).",
)
def report_command(
    month: str | None,
    since: str | None,
    until: str | None,
    store_dir: Path,
    output: Path | None,
    fmt: str,
) -> None:
    """Write the compliance report: what changed in the tracked policies in a period.

    The changes are those recorded by snapshots in the period, each policy
    compared with its version at the start. The report lists coverage status
    changes, silent changes, failed sources and overdue reviews first, then
    every changed policy with its old and new wording. Every entry names its
    source: id, plan / line of business and URL or path.

    \b
    Examples:
      policywatch report --month 2026-11
      policywatch report --since 2026-10-01 --until 2026-11-15 --format csv
      policywatch report --month 2026-11 --format xlsx
      policywatch report --month 2026-11 --store /data/snapshots -o november.html
    """
    period = _period(month, since, until)
    report = build_report(store_dir, period)
    target = output or default_output(period, fmt)
    write(target, report_output(report, fmt))
    click.echo(f"Report for {period.title} written to {target}")


COMMANDS = (report_command,)
