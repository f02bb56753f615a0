"""`policywatch status`: every source's health at a glance, one line each."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.cli import config_option, store_option
from policywatch.model import canonical_json


@click.command("status")
@config_option("The sources file: status lists each of its sources.")
@store_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per source; json: the same as data, for monitoring.",
)
@click.pass_context
def status_command(ctx: click.Context, config: Path, store_dir: Path, fmt: str) -> None:
    """Show each source's and policy index's health: one line each.

    Each line gives the source id and its state (ok, new, failing, suspect,
    retired, overdue), then: when it last fetched fine, its last change (date
    and highest severity), since when and for how many runs it has been
    failing (and with what error), a suspect or retired document waiting for
    a decision, the next review date and whether it is overdue, the plan and
    the URL or path. Then one line per [[index]]: how many policies its stored
    listing names (and tracks), when it last listed fine, and since when it
    has been failing. Read from the store's history and run log, and from the
    ledger each snapshot run keeps (a run in which nothing changed makes no
    commit, so only the ledger knows the last good fetch).

    Exit status: 0 nothing needs a human; 1 something does: a source or index
    failing in the last run, a suspect or retired document held back (record it with
    `policywatch snapshot --accept ID`, or wait for the real page), or a review
    overdue (the next review date has passed and no new version came since);
    2 error (no store, an invalid sources file).

    \b
    Examples:
      policywatch status
      policywatch status --config sources.toml --store /data/snapshots
      policywatch status --format json
    """
    from policywatch.render.notice import status_text
    from policywatch.status import source_health

    health = source_health(config, store_dir)
    if fmt == "json":
        click.echo(canonical_json(health.to_dict()), nl=False)
    else:
        click.echo(status_text(health), nl=False)
    ctx.exit(health.exit_code)


COMMANDS = (status_command,)
