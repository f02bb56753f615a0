"""Portfolio commands: ``list``, ``find``, ``compare`` — questions across every tracked policy.

Each opens the store, calls one library function (:mod:`policywatch.portfolio`) and
prints what :mod:`policywatch.render` makes of it; ``compare`` first reads its
references with :func:`policywatch.timeline.locate`, as ``show`` and ``diff`` do.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from policywatch.cli import store_option
from policywatch.model import CoverageStatus
from policywatch.portfolio import FindQuery, ListFilter, compare_policies, find, list_policies
from policywatch.portfolio import parse_status as _parse_status
from policywatch.portfolio.versions import parse_day
from policywatch.render import (
    COMPARE_FORMATS,
    LIST_FORMATS,
    compare_output,
    find_output,
    list_output,
)

_STATUS_HELP = (
    "A coverage status: medically_necessary, not_medically_necessary, investigational, "
    "not_covered, standard_arrangements, special_arrangements, research_only, do_not_use "
    "or unknown (spaces or dashes for underscores are fine)."
)


def _status(ctx: click.Context, param: click.Parameter, value: str | None) -> CoverageStatus | None:
    return None if value is None else _parse_status(value)


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else parse_day(param.name or "", value)


def _format_option(formats: tuple[str, ...], help: str) -> Callable[[Any], Any]:
    return click.option(
        "--format", "fmt", type=click.Choice(formats), default="text", show_default=True, help=help
    )


def _output_option(func: Any) -> Any:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE instead of standard output.",
    )(func)


def _width() -> int:
    """The terminal's width for tables; 120 when the output is not a terminal."""
    return shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 120


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from policywatch.render import write

    write(output, text)
    click.echo(f"Written to {output}")


@click.command("list")
@store_option()
@click.option("--payer", metavar="TEXT", help="Only payers whose name (or folder) contains TEXT.")
@click.option("--plan", metavar="TEXT", help="Only plans / lines of business containing TEXT.")
@click.option(
    "--status",
    metavar="STATUS",
    callback=_status,
    help="Only policies with a current statement of this status. " + _STATUS_HELP,
)
@click.option(
    "--overdue",
    is_flag=True,
    help="Only policies whose review date has passed with no new version since.",
)
@click.option(
    "--changed-since",
    metavar="YYYY-MM-DD",
    callback=_day,
    help="Only policies whose last change was recorded on or after this day (UTC).",
)
@_format_option(LIST_FORMATS, "text: a table; json: one object per policy; csv: for spreadsheets.")
@_output_option
def list_command(
    store_dir: Path,
    payer: str | None,
    plan: str | None,
    status: CoverageStatus | None,
    overdue: bool,
    changed_since: date | None,
    fmt: str,
    output: Path | None,
) -> None:
    """List every tracked policy: id, payer, plan, number, title, effective date,
    coverage statuses, its last change and how serious, and whether its review is
    overdue.

    The last change is the newest recorded version that changed something a reader
    sees (parser upgrades never count). Filters combine: every one given must hold.

    \b
    Examples:
      policywatch list
      policywatch list --payer louisiana --status investigational
      policywatch list --changed-since 2026-07-01 --format csv -o q3.csv
      policywatch list --overdue --format json
    """
    wanted = ListFilter(payer, plan, status, overdue, changed_since)
    _emit(list_output(list_policies(store_dir, wanted), fmt, _width()), output)


@click.command("find")
@store_option()
@click.option(
    "--code",
    metavar="CODE",
    help="A billing code in any system; ranges that contain it count (17260-17286 contains 17270).",
)
@click.option(
    "--text",
    "phrase",
    metavar="PHRASE",
    help="Words in a coverage statement or a code's description (case and punctuation ignored).",
)
@click.option(
    "--status",
    metavar="STATUS",
    callback=_status,
    help="Statements of this "
    "status (with --code or --text: rows of policies with one). " + _STATUS_HELP,
)
@click.option(
    "--history",
    is_flag=True,
    help="Search every stored version, and say when each hit appeared and when it was gone.",
)
@_format_option(LIST_FORMATS, "text: a table; json: the hits as data; csv: for spreadsheets.")
@_output_option
def find_command(
    store_dir: Path,
    code: str | None,
    phrase: str | None,
    status: CoverageStatus | None,
    history: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Find coverage statements and code rows across the tracked policies.

    Each hit names the policy, payer and plan, the statement or code row, and its
    status (a code row shows its policy's statuses). Current versions by default;
    --history searches every stored version and dates each hit's appearance and
    disappearance.

    \b
    Examples:
      policywatch find --code 47381
      policywatch find --code 17270             # found inside CPT 17260-17286
      policywatch find --text "uveal melanoma" --status medically_necessary
      policywatch find --code 76940 --history --format json
    """
    query = FindQuery(code, phrase, status)
    _emit(find_output(find(store_dir, query, history), fmt, _width()), output)


@click.command("compare")
@click.argument("references", metavar="POLICY[@REV|@DATE] POLICY…", nargs=-1, required=True)
@store_option("The store the references read; env POLICYWATCH_STORE.")
@_format_option(
    COMPARE_FORMATS,
    "text: tables for a terminal; html: one self-contained page; json: the comparison as data.",
)
@_output_option
def compare_command(
    references: tuple[str, ...], store_dir: Path, fmt: str, output: Path | None
) -> None:
    """Compare stored policies side by side: coverage status per indication
    (statements matched across documents as the diff matches them), the codes each
    lists, evidence counts, dates and each one's latest history entry, with what
    differs listed first.

    Each POLICY is a source id or store folder; @REV (a store commit) or @DATE
    (YYYY-MM-DD: the version current that day) picks an older version, so one
    policy can be compared with itself across time.

    \b
    Examples:
      policywatch compare cam-70175hb bcbsla-00220 bcbsma-633
      policywatch compare bcbsla-00220@2025-01-01 bcbsla-00220 --format html -o 00220.html
      policywatch compare bcbsma-633 bcbsla-00220 --format json
    """
    from policywatch.store import Store
    from policywatch.timeline import locate

    with Store.open(store_dir) as store:
        sides = [(ref, *locate(store, ref)) for ref in references]
        _emit(compare_output(compare_policies(store, sides), fmt, _width()), output)


COMMANDS = (list_command, find_command, compare_command)
