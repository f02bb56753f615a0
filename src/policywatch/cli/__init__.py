"""Command line: each command opens, calls one library function, converts errors.

Domain errors (:class:`PolicywatchError`) become a one-line ``Error: …`` and
exit code 2 (or the error's own code); no logic lives here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import click

from policywatch import __version__
from policywatch.errors import ArgumentError, PolicywatchError

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


# Each command and the module that defines it, in the order `policywatch --help` lists
# them. A module is imported when its command runs (or `--help` lists it), so one command
# from cron does not pay for loading every other command's stack.
_COMMAND_MODULES = {
    "parse": "parse_cmd",
    "diff": "diff_cmd",
    "snapshot": "store_cmds",
    "log": "store_cmds",
    "show": "store_cmds",
    "verify": "store_cmds",
    "reparse": "store_cmds",
    "report": "report_cmd",
    "status": "status_cmd",
    "list": "portfolio_cmds",
    "find": "portfolio_cmds",
    "compare": "portfolio_cmds",
}


def load_command(name: str) -> click.Command:
    """The command ``name`` from its module's ``COMMANDS``."""
    module = importlib.import_module(f"policywatch.cli.{_COMMAND_MODULES[name]}")
    for command in module.COMMANDS:
        if command.name == name:
            return cast(click.Command, command)
    raise LookupError(f"policywatch.cli.{_COMMAND_MODULES[name]} defines no command {name!r}")


class PolicywatchGroup(click.Group):
    """Commands load on first use; a domain error becomes ``Error: …`` and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMAND_MODULES:
            return None
        return load_command(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArgumentError as exc:  # the library names its argument; we name the option
            raise UserError(exc.naming(option_name), exc.exit_code) from exc
        except PolicywatchError as exc:
            raise UserError(str(exc), exc.exit_code) from exc


def option_name(argument: str) -> str:
    """The option an argument comes from: ``as_of`` → ``--as-of``."""
    return "--" + argument.replace("_", "-")


@click.group(cls=PolicywatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policywatch")
def main() -> None:
    """Track what changed in health-plan medical policies.

    \b
    Examples:
      policywatch parse policy.txt
      policywatch diff old.txt new.txt
    """
