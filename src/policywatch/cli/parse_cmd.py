"""`policywatch parse FILE`: one document → normalized JSON or a readable summary."""

from __future__ import annotations

import click

from policywatch.parse import parse_file
from policywatch.summary import policy_summary


@click.command("parse")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: the canonical normalized policy; text: a readable summary.",
)
def parse_command(file: str, fmt: str) -> None:
    """Parse a policy document (text, markdown, HTML or PDF) into normalized JSON.

    \b
    Example:
      policywatch parse tests/fixtures/001_6079a787d4731699.txt --format text
    """
    policy = parse_file(file)
    click.echo(policy.to_json() if fmt == "json" else policy_summary(policy), nl=False)
