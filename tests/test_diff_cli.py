"""`policywatch diff`: formats, output file, exit status 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from tests.conftest import CORPUS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_same_document_exits_0() -> None:
    code, out, _ = run(str(CORPUS["004"]), str(CORPUS["004"]))
    assert code == 0
    assert out.splitlines()[3] == "No changes."


def test_changes_exit_1_and_json_follows_the_contract() -> None:
    code, out, _ = run(str(CORPUS["003"]), str(CORPUS["001"]), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["new"]["policy_number"] == "00220"
    assert {"kind", "action", "severity", "field", "before", "after", "summary"} <= set(
        data["changes"][0]
    )


def test_text_only_change_exits_0_but_is_shown(tmp_path: Path) -> None:
    text = CORPUS["004"].read_text(encoding="utf-8")
    edited = text.replace("uses narrower probes", "uses thinner probes")
    assert edited != text
    new = tmp_path / "new.md"
    new.write_text(edited, encoding="utf-8")
    code, out, _ = run(str(CORPUS["004"]), str(new))
    assert code == 0
    assert "(wording only, no semantic change)" in out
    assert "[-narrower-] {+thinner+}" in out


def test_output_file_gets_the_html_page(tmp_path: Path) -> None:
    target = tmp_path / "changes.html"
    code, out, _ = run(
        str(CORPUS["003"]), str(CORPUS["001"]), "--format", "html", "-o", str(target)
    )
    assert code == 1
    assert out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "CPT 76940 added" in page


def test_missing_file_is_an_error_exit_2() -> None:
    code, out, err = run("no-such-policy.txt", str(CORPUS["001"]))
    assert code == 2
    assert out == ""
    assert err == "Error: no-such-policy.txt: no such file\n"


def test_unreadable_side_names_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, _, err = run(str(CORPUS["001"]), str(empty))
    assert code == 2
    assert err == f"Error: {empty}: empty document: nothing to parse\n"


def test_directory_is_an_error(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path), str(CORPUS["001"]))
    assert code == 2
    assert err == f"Error: {tmp_path}: is a directory, not a policy document\n"


def test_unwritable_output_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.json"
    code, _, err = run(str(CORPUS["004"]), str(CORPUS["004"]), "-o", str(target))
    assert code == 2
    assert err.startswith(f"Error: {target}: cannot write:")


@pytest.mark.parametrize("fmt", ["yaml"])
def test_unknown_format_is_a_usage_error(fmt: str) -> None:
    code, _, err = run(str(CORPUS["004"]), str(CORPUS["004"]), "--format", fmt)
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["diff", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "policywatch diff old.txt new.txt" in result.output
    assert "0 no semantic change, 1 semantic changes, 2 error" in result.output
