"""The house plan holds: the import contracts in pyproject.toml (issue 13).

`lint-imports` checks that the store imports no pipeline stage, that parse,
diff and extract import no store, report, render or CLI, that report renders
nothing, and that no two top-level modules or packages import each other.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from policywatch.errors import ArgumentError

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


# -- the CLI loads a command's module when the command runs ------------------------------------


def test_every_command_is_listed_with_its_module() -> None:
    import importlib
    import pkgutil

    import policywatch.cli as cli

    defined = {}
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"policywatch.cli.{info.name}")
        defined |= {command.name: info.name for command in module.COMMANDS}
    assert defined == cli._COMMAND_MODULES
    assert all(cli.load_command(name).name == name for name in defined)


def test_one_command_imports_only_its_own_module() -> None:
    probe = (
        "import sys; from policywatch.cli import main; sys.argv[1:] = ['log', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('policywatch.cli.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines()[-1] == "['policywatch.cli.store_cmds']"


def test_a_run_over_local_files_never_loads_the_http_client(tmp_path: Path) -> None:
    """httpx and tenacity cost a cron run over local files a third of its start."""
    from tests.store_support import path_sources, write_docs

    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs", ["004"]))
    probe = (
        "import sys; from policywatch.cli import main\n"
        f"sys.argv[1:] = ['snapshot', '--config', {str(config)!r}, '--store', "
        f"{str(tmp_path / 'store')!r}, '--no-notify']\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
        "print(sorted(m for m in ('httpx', 'httpcore', 'tenacity') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "1 added" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"


# -- only the CLI names command-line options in its errors --------------------------------------

_OPTION = re.compile(r"(?:^|[\s(`'\"])--[a-z][a-z-]*")


def _raised_strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for inner in ast.walk(node.exc):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                    yield inner.lineno, inner.value


def test_library_errors_name_arguments_not_options() -> None:
    package = ROOT / "src" / "policywatch"
    found = [
        f"{path.relative_to(package)}:{line}: {text!r}"
        for path in sorted(package.rglob("*.py"))
        if "cli" not in path.relative_to(package).parts
        for line, text in _raised_strings(ast.parse(path.read_text(encoding="utf-8")))
        if _OPTION.search(text)
    ]
    assert found == []


def test_an_argument_error_names_the_argument_or_its_option() -> None:
    from click.testing import CliRunner

    from policywatch.cli import main
    from policywatch.report import range_period

    with pytest.raises(ArgumentError) as raised:
        range_period("2026-11-15", "2026-11-01")
    assert str(raised.value) == "until 2026-11-01 is before since 2026-11-15"
    result = CliRunner().invoke(main, ["report", "--since", "2026-11-15", "--until", "2026-11-01"])
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --until 2026-11-01 is before --since 2026-11-15\n",
    )
