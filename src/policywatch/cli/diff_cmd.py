"""`policywatch diff OLD NEW`: what changed between two versions of a policy.

Exit status follows diff(1): 0 no semantic change, 1 semantic changes, 2 error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from policywatch.cli import store_option
from policywatch.diff import diff_policies
from policywatch.errors import PolicywatchError
from policywatch.model import Policy
from policywatch.parse import parse_file
from policywatch.render import DIFF_FORMATS, diff_output


def load_side(ref: str, store_dir: Path | None = None) -> Policy:
    """One side of a diff → Policy: a store reference ``POLICY@REV`` /
    ``POLICY@YYYY-MM-DD`` in ``store_dir`` (default: POLICYWATCH_STORE or
    ./snapshots) when it names a stored policy, otherwise a file path."""
    from policywatch.store import default_store_dir
    from policywatch.timeline import resolve_reference

    stored = resolve_reference(store_dir or default_store_dir(), ref)
    if stored is not None:
        return stored
    try:
        return parse_file(ref)
    except PolicywatchError as exc:
        if str(exc).startswith(ref):
            raise
        # Say which side failed; the parser's message does not know the file name.
        raise type(exc)(f"{ref}: {exc}") from exc


def _use_color(output: str | None) -> bool:
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIFF_FORMATS),
    default="text",
    show_default=True,
    help="text: grouped by kind, high severity first; json: the DiffResult; "
    "html: a self-contained change page.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Write to FILE instead of standard output.",
)
@store_option("The store that POLICY@REV / POLICY@DATE references read; env POLICYWATCH_STORE.")
@click.pass_context
def diff_command(
    ctx: click.Context, old: str, new: str, fmt: str, output: str | None, store_dir: Path
) -> None:
    """Show what changed between two versions of a medical policy.

    OLD and NEW are policy documents (text, markdown, HTML or PDF), or stored
    versions: POLICY@REV (a store commit) or POLICY@YYYY-MM-DD (the version
    current that day) in the --store store. Changes
    are semantic (coverage, codes, evidence, dates, references, history,
    metadata) plus a word-level diff of changed sections.

    Exit status: 0 no semantic change, 1 semantic changes, 2 error. A
    difference in section wording alone is shown but exits 0: it does not
    change what the policy covers, bills or cites.

    \b
    Examples:
      policywatch diff old.txt new.txt
      policywatch diff old.pdf new.pdf --format html -o changes.html
      policywatch diff old.txt new.txt --format json | jq '.changes[].summary'
      policywatch diff bcbsla-00220@2025-01-01 bcbsla-00220@2025-06-30 --store snapshots
    """
    result = diff_policies(load_side(old, store_dir), load_side(new, store_dir))
    text = diff_output(result, fmt, _use_color(output))
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)
    ctx.exit(1 if result.has_semantic_changes else 0)


def _write(path: str, text: str) -> None:
    from policywatch.cli import UserError

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror}") from exc


COMMANDS = (diff_command,)
