"""The README's promises: its two fresh-machine commands and its command table stay true."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", README, re.S)]


def test_readme_starts_with_the_two_commands() -> None:
    first_lines = README.split("\n", 12)
    assert first_lines[0] == "# policywatch"
    main_job, tests = code_blocks()[:2]
    assert README.index(main_job) < README.index(tests) < README.index("## ")
    assert "pip install" in main_job and "samples/demo.sh" in main_job
    assert "pip install" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert code_blocks()[1] in ci.splitlines()


def test_the_main_job_backfills_three_months_and_writes_the_report(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    # As on a fresh clone: ./snapshots (README only) inside the project's own checkout.
    (tmp_path / "snapshots").mkdir()
    shutil.copy(ROOT / "snapshots" / "README.md", tmp_path / "snapshots" / "README.md")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",
         "commit", "-q", "--allow-empty", "-m", "project"],
        check=True,
    )  # fmt: skip
    env = dict(os.environ, POLICYWATCH=str(Path(sys.executable).parent / "policywatch"))
    env.pop("POLICYWATCH_STORE", None)
    run = subprocess.run(
        ["sh", "samples/demo.sh"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("snapshot 2026-") == 3
    assert "written to reports/2026-11.html" in run.stdout
    report = (tmp_path / "reports" / "2026-11.html").read_text(encoding="utf-8")
    assert "investigational" in report and "medically necessary" in report
    again = subprocess.run(
        ["sh", "samples/demo.sh"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and "not back-filling again" in again.stdout


@pytest.mark.parametrize(
    "command", ["parse", "diff", "snapshot", "log", "show", "report", "verify", "reparse"]
)
def test_every_command_in_the_readme_has_help_with_an_example(command: str) -> None:
    assert f"policywatch {command}" in README
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
