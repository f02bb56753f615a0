"""Command line: each command opens, calls one library function, converts errors.

Domain errors (:class:`PolicywatchError`) become a one-line ``Error: …`` and
exit code 2 (or the error's own code); no logic lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from policywatch import __version__
from policywatch.errors import PolicywatchError

STORE_HELP = "The store directory (a git repository); env POLICYWATCH_STORE."


def store_option(help: str = STORE_HELP) -> Callable[[Any], Any]:
    """``--store DIR`` as every store-reading command spells it."""
    return click.option(
        "--store",
        "store_dir",
        envvar="POLICYWATCH_STORE",
        default="snapshots",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help,
    )


def config_option(help: str) -> Callable[[Any], Any]:
    """``--config sources.toml`` as every command that reads the sources spells it."""
    return click.option(
        "--config",
        default="sources.toml",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
    )


class UserError(click.ClickException):
    """A domain error as click shows it: ``Error: <message>``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance


class PolicywatchGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolicywatchError as exc:
            raise UserError(str(exc), exc.exit_code) from exc


@click.group(cls=PolicywatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policywatch")
def main() -> None:
    """Track what changed in health-plan medical policies.

    \b
    Examples:
      policywatch parse policy.txt
      policywatch diff old.txt new.txt
    """


# Each module holds commands of one family; `policywatch --help` lists them in this order.
_COMMAND_MODULES = (
    "parse_cmd",
    "diff_cmd",
    "store_cmds",
    "report_cmd",
    "status_cmd",
    "portfolio_cmds",
)


def _register() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"policywatch.cli.{name}")
        for command in module.COMMANDS:
            main.add_command(command)


_register()
