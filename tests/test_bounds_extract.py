"""Bounded extraction (issue 12): what cannot be a policy file is refused before it is
read, nothing is read without a size cap, text cleanup and HTML reading are linear
and under a time cap, deep or hostile HTML is a one-line error, and UTF-16 / UTF-32
text with a byte-order mark is read.

Whatever could hang on a regression runs in a thread or a child process with a
deadline, so a regression fails the test instead of hanging the suite."""

from __future__ import annotations

import codecs
import contextlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.errors import ExtractError, InputError
from policywatch.extract import detect_format, extract, read_document
from policywatch.extract import text as text_module
from policywatch.extract.html import MAX_DEPTH, html_to_text
from policywatch.extract.nesting import nesting_depth
from policywatch.extract.text import clean_text
from policywatch.fetch import read_plain_file
from tests.store_support import corpus_bytes, within

ROOT = Path(__file__).resolve().parent.parent
POLICY_TEXT = corpus_bytes("003")
BODY = "<p>" + "The policy covers this procedure when the criteria below are met. " * 8 + "</p>"


def in_child(code: str, timeout: float = 15.0) -> str:
    """Run ``code`` in a fresh interpreter with 1.5 GB of memory (killed after
    ``timeout``); its stdout."""
    limit = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (1_500_000_000,) * 2)\n"
    try:
        done = subprocess.run(
            [sys.executable, "-c", limit + textwrap.dedent(code)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {timeout} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def fifo(tmp_path: Path) -> Any:
    path = tmp_path / "policy.txt"
    os.mkfifo(path)
    yield path
    # Should a reader be stuck in open(), a writer's open and close lets it go
    # (with nobody reading, the open fails: as it should be).
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


# -- files that are not regular files --------------------------------------------------


def test_fifo_is_refused_before_it_is_opened(fifo: Path) -> None:
    with pytest.raises(InputError) as caught:
        within(3, lambda: read_document(fifo))
    assert str(caught.value) == f"{fifo}: is a named pipe (FIFO), not a regular file"
    assert within(3, lambda: read_plain_file(str(fifo))) is None


def test_dev_zero_is_refused_not_read_forever(tmp_path: Path) -> None:
    # Before: read until memory ran out. In a child process with a memory limit and a
    # deadline, so that a regression fails here and harms nothing.
    doc = tmp_path / "doc.txt"
    doc.write_bytes(POLICY_TEXT)
    out = in_child(
        f"""
        from click.testing import CliRunner
        from policywatch.cli import main
        from policywatch.errors import InputError
        from policywatch.extract import read_document
        from policywatch.fetch import read_plain_file
        try:
            read_document("/dev/zero")
        except InputError as exc:
            print(exc)
        print(read_plain_file("/dev/zero"))
        for args in (["parse", "/dev/zero"], ["diff", {str(doc)!r}, "/dev/zero"]):
            result = CliRunner().invoke(main, args, env={{"POLICYWATCH_STORE": {str(tmp_path)!r}}})
            print(result.exit_code, result.output.strip())
        """
    )
    message = "/dev/zero: is a character device, not a regular file"
    assert out.splitlines() == [message, "None", f"2 Error: {message}", f"2 Error: {message}"]


def test_directory_and_missing_file_messages(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r": is a directory, not a policy document$"):
        read_document(tmp_path)
    with pytest.raises(InputError, match=r"/nothing\.txt: no such file$"):
        read_document(tmp_path / "nothing.txt")


@pytest.mark.parametrize("command", ["parse", "diff"])
def test_cli_refuses_a_fifo_with_one_line(
    fifo: Path, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYWATCH_STORE", str(tmp_path / "no-store"))
    doc = tmp_path / "doc.txt"
    doc.write_bytes(POLICY_TEXT)
    args = [command, str(fifo)] if command == "parse" else [command, str(doc), str(fifo)]
    result = within(5, lambda: CliRunner().invoke(main, args))
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"Error: {fifo}: is a named pipe (FIFO), not a regular file"


def test_read_is_capped_even_when_the_file_is_larger_than_stat_says() -> None:
    # /proc files say they are empty and are not: the read itself stops at the cap.
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs /proc")
    assert b"Name:" in read_document(status)
    with pytest.raises(InputError, match=r": \d+ bytes is over the 64-byte limit for one policy"):
        read_document(status, max_bytes=64)


# -- linear text cleanup ------------------------------------------------------------------


def test_nine_megabyte_one_line_text_cleans_well_under_five_seconds() -> None:
    # Policy text run into one line by a broken markdown conversion: bold opened
    # and never closed, footnote stars, escapes. Quadratic before: over an hour.
    out = in_child(
        """
        import time
        from pathlib import Path
        from policywatch.extract import extract
        corpus = " ".join(
            " ".join(p.read_text().split()) for p in sorted(Path("tests/fixtures").glob("0*.txt"))
        )
        unit = corpus.replace(". ", ". **Note:", 50) + " \\\\\\\\ CPT* codes *see below "
        raw = (unit * (9_000_000 // len(unit) + 1))[:9_000_000].encode()
        start = time.process_time()  # CPU time: other work on a shared machine does not count
        text = extract(raw).text
        print(len(raw), text.count("\\n"), time.process_time() - start)
        """,
        timeout=20,
    )
    size, lines, seconds = out.split()
    assert int(size) > 9_000_000 and int(lines) == 1
    assert float(seconds) < 5.0, f"9 MB took {float(seconds):.1f} s"


@pytest.mark.parametrize(
    "shape",
    [
        "'*a ' * 330_000",  # emphasis openers with no partner
        "'__a ' * 250_000",
        "'\\\\' * 1_000_000",  # one long run of backslashes
        "'<b ' * 330_000",  # tag openers never closed
        "'[a](b ' * 160_000",  # link openers never closed
        "'word\\n' * 200_000",  # many short lines of one sentence
        "'Rule\\n\\n' * 50_000 + 'lower case\\nend of a line\\n' * 50_000",
    ],
)
def test_hostile_megabyte_cleans_in_linear_time(shape: str) -> None:
    out = in_child(
        f"""
        import time
        from policywatch.extract.text import clean_text
        raw = {shape}
        start = time.process_time()
        clean_text(raw)
        print(time.process_time() - start)
        """
    )
    assert float(out) < 3.0, f"{shape}: {float(out):.1f} s"


def test_cleanup_output_is_unchanged_for_markup_it_strips() -> None:
    raw = (
        "**Bold** and *italic* and ***both*** and __under__ and ___three___.\n"
        "A [link](https://example.org/a_(b)) and ![image](x.png) and <sup>1</sup>.\n"
        "Escaped physician\\\\_gls and \\*not emphasis\\* and meta-\nanalyses.\n"
    )
    text, _ = clean_text(raw)
    assert text == (
        "Bold and italic and both and under and three.\n"
        "A link) and image and 1.\n"
        "Escaped physician_gls and \\not emphasis\\ and meta-analyses.\n"  # as it always was
    )


def test_text_and_html_cleanup_stop_at_the_time_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "MAX_SECONDS", 0.0)
    with pytest.raises(ExtractError) as caught:
        extract(POLICY_TEXT)
    assert str(caught.value) == "text cleanup took over 0 s; it is too large or too complex"
    page = f"<html><body><main>{BODY * 3}</main></body></html>".encode()
    with pytest.raises(ExtractError, match=r"^HTML page took over 0 s; it is too large"):
        extract(page)


# -- HTML: depth, numbers, entities -------------------------------------------------------


def test_hundred_thousand_nested_lists_fail_at_once_with_one_line() -> None:
    # Before: the parser alone ran for minutes, then the walk hit RecursionError.
    out = in_child(
        """
        import time
        from policywatch.errors import ExtractError
        from policywatch.extract import extract
        body = "<p>" + "Policy words here. " * 20 + "</p>"
        n = 100_000
        page = "<html><body>" + body + "<ul><li>item " * n + "</li></ul>" * n + "</body></html>"
        start = time.process_time()
        try:
            extract(page.encode())
        except ExtractError as exc:
            print(time.process_time() - start, exc, sep="|")
        """,
        timeout=20,
    )
    seconds, message = out.strip().split("|")
    assert message == f"HTML page nests elements over {MAX_DEPTH} levels deep: not a policy page"
    assert float(seconds) < 2.0


def test_deep_but_bounded_nesting_is_read_without_recursion() -> None:
    # Before: RecursionError from about 330 levels.
    depth = MAX_DEPTH - 20
    page = f"<html><body>{BODY}{'<div>' * depth}deepest words{'</div>' * depth}</body></html>"
    assert "deepest words" in within(10, lambda: html_to_text(page.encode()))
    assert nesting_depth(page, MAX_DEPTH) == depth + 2  # html and body around
    lists = "<ul><li>level " * 200 + "</li></ul>" * 200  # 400 levels
    text = within(10, lambda: html_to_text(f"<html><body>{BODY}{lists}</body></html>".encode()))
    assert text.count("- level") == 200


def test_nesting_estimate_follows_the_parser_on_sloppy_pages() -> None:
    n = 2000  # unclosed paragraphs, items, cells and identical bold tags do not nest
    sloppy = "<p>x" * n + "<ul>" + "<li>x" * n + "</ul><table>" + "<tr><td>x<td>y" * n
    assert nesting_depth("<html><body>" + sloppy + "</table>" + "<b>x<p>" * n, 10**6) < 12
    # formatting tags the parser must reopen in every paragraph do nest
    fonts = "".join(f'<font color="#{i:06x}">x<p>' for i in range(n))
    assert nesting_depth("<html><body>" + fonts, 10**6) > n


def test_entity_bomb_list_numbers_are_ignored_not_a_traceback() -> None:
    nines = "&#57;" * 4300  # 4300 nines as entities: int() of it fails to print
    page = (
        f'<html><body>{BODY}<ol start="{nines}"><li>First item</li><li>Second item</li></ol>'
        "</body></html>"
    )
    text = html_to_text(page.encode())
    assert "1. First item\n2. Second item" in text


def test_roman_list_with_a_huge_start_does_not_spin() -> None:
    out = in_child(
        f"""
        from policywatch.extract.html import html_to_text
        page = '<html><body>{BODY}<ol type="i" start="{"9" * 12}"><li>Item</li></ol></body></html>'
        print(repr(html_to_text(page.encode())))
        """
    )
    assert "i. Item" in out  # a start that is no plain number is ignored


def test_declared_utf16_in_an_ascii_page_is_read_as_utf8() -> None:
    page = f'<html><head><meta charset="utf-16"></head><body>{BODY}</body></html>'
    assert "The policy covers this procedure" in html_to_text(page.encode())


# -- UTF-16 / UTF-32 with a byte-order mark ------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_text_with_a_bom_is_read_like_utf8(codec: str) -> None:
    text = POLICY_TEXT.decode("utf-8")
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    wide = bom + text.encode(codec)
    assert detect_format(wide) == "text"
    assert extract(wide).text == extract(POLICY_TEXT).text


def test_wide_html_with_a_bom_is_html() -> None:
    page = f"<!DOCTYPE html><html><body><main>{BODY}</main></body></html>"
    wide = codecs.BOM_UTF16_LE + page.encode("utf-16-le")
    assert detect_format(wide) == "html"
    assert extract(wide).text == extract(page.encode()).text


def test_broken_utf16_is_one_line_error() -> None:
    broken = codecs.BOM_UTF16_LE + "Policy".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    with pytest.raises(InputError) as caught:
        extract(broken)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("not UTF-16 text, though it starts with a UTF-16 byte-order mark")
