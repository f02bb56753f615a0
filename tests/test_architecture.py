"""The house plan holds: the import contracts in pyproject.toml (issue 13).

`lint-imports` checks that the store imports no pipeline stage, that parse,
diff and extract import no store, report, render or CLI, that report renders
nothing, and that no two top-level modules or packages import each other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
