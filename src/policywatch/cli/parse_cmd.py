"""`policywatch parse FILE`: one document → normalized JSON or a readable summary."""

from __future__ import annotations

import click

from policywatch.errors import ParseError
from policywatch.parse import parse_file
from policywatch.parse.plausibility import assess, policy_text
from policywatch.render import policy_summary


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
@click.option(
    "--force",
    is_flag=True,
    help="Print the result even when the document does not look like a policy "
    "(with a warning on stderr).",
)
def parse_command(file: str, fmt: str, force: bool) -> None:
    """Parse a policy document (text, markdown, HTML or PDF) into normalized JSON.

    A document that does not look like a policy -- a login, bot-check,
    page-not-found or error page, a page saying the policy was retired or
    archived, or text with no coverage statement, no billing code and little
    else of a policy -- is an error (exit status 2) with the reason: the check
    `snapshot` applies before recording a version. --force prints it anyway,
    with the reason as a warning on stderr.

    Exit status: 0 parsed; 2 the document cannot be read or does not look
    like a policy.

    \b
    Example:
      policywatch parse tests/fixtures/001_6079a787d4731699.txt --format text
    """
    policy = parse_file(file)
    verdict = assess(policy, policy_text(policy))
    if not verdict.ok:
        message = f"{file}: not a medical policy ({verdict.kind}): {verdict.reason}"
        if not force:
            raise ParseError(f"{message} (--force prints it anyway)")
        click.echo(f"Warning: {message}", err=True)
    click.echo(policy.to_json() if fmt == "json" else policy_summary(policy), nl=False)


COMMANDS = (parse_command,)
