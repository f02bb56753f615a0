"""sources.toml: what is accepted, and errors that name the line and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policywatch.errors import ConfigError
from policywatch.sources import MAX_SLUG_LENGTH, load_sources, parse_sources, slugify

GOOD = """\
# tracked policies
[[source]]
id = "bcbsla-00220"
payer = "Blue Cross and Blue Shield of Louisiana"
url = "https://example.org/00220.pdf"
title = "Cryosurgical Ablation"
plan = "Commercial"
notes = "yearly"

[[source]]
id = "nice-htg241"
payer = "NICE"
path = "docs/htg241.txt"
"""


def parse(text: str, base: Path = Path("/cfg")) -> list:
    return parse_sources(text, base_dir=base, name="sources.toml")


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return str(info.value)


def test_valid_file_loads_every_field(tmp_path: Path) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(GOOD)
    first, second = load_sources(config)
    assert first.id == "bcbsla-00220" and first.url == "https://example.org/00220.pdf"
    assert (first.title, first.plan, first.notes) == (
        "Cryosurgical Ablation",
        "Commercial",
        "yearly",
    )
    assert first.store_dir == "blue-cross-and-blue-shield-of-louisiana/bcbsla-00220"
    assert first.line == 2 and second.line == 10
    # path is relative to the config file, not to the working directory
    assert second.path == str((tmp_path / "docs" / "htg241.txt").resolve())
    assert second.url is None and second.location == str(second.path)


def test_toml_syntax_error_names_the_line() -> None:
    text = GOOD.replace('payer = "NICE"', "payer = NICE")
    assert error_of(text).startswith("sources.toml:12: invalid TOML: ")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_sources(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_sources(tmp_path)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('id = "nice-htg241"\n', ""), "sources.toml:10: source #2: missing required key 'id'"),
        (('payer = "NICE"\n', ""), "sources.toml:10: source #2: missing required key 'payer'"),
        (
            ('url = "https://example.org/00220.pdf"', 'url = "ftp://example.org/x.pdf"'),
            "sources.toml:5: source 'bcbsla-00220': url must be http:// or https:// "
            "(got 'ftp://example.org/x.pdf')",
        ),
        (
            ('url = "https://example.org/00220.pdf"', 'url = "file:///etc/passwd"'),
            "sources.toml:5: source 'bcbsla-00220': url must be http:// or https://",
        ),
        (
            ('path = "docs/htg241.txt"', 'path = "a.txt"\nurl = "https://x.org/a"'),
            "sources.toml:10: source 'nice-htg241': give exactly one of 'url' or 'path'",
        ),
        (
            ('path = "docs/htg241.txt"', ""),
            "sources.toml:10: source 'nice-htg241': give exactly one of 'url' or 'path'",
        ),
        (
            ('plan = "Commercial"', 'plann = "Commercial"'),
            "sources.toml:7: source #1: unknown key 'plann'",
        ),
        (
            ('title = "Cryosurgical Ablation"', "title = 7"),
            "sources.toml:6: source #1: 'title' must be a string, not int",
        ),
        (
            ('payer = "NICE"', 'payer = "  "'),
            "sources.toml:12: source 'nice-htg241': payer is empty",
        ),
        (('id = "nice-htg241"', 'id = ""'), "sources.toml:11: source id is empty"),
        (
            ('id = "nice-htg241"', 'id = "bad\\u0007id"'),
            "sources.toml:11: source id 'bad\\x07id' contains control characters",
        ),
        (
            ('id = "nice-htg241"', f'id = "{"x" * 201}"'),
            "sources.toml:11: source id is 201 characters (at most 200)",
        ),
        (
            ('id = "nice-htg241"', 'id = "bcbsla-00220"'),
            "sources.toml:11: duplicate source id 'bcbsla-00220' (first defined on line 2)",
        ),
        (
            ('id = "nice-htg241"', 'id = "BCBSLA 00220"'),
            "sources.toml:11: source id 'BCBSLA 00220' and 'bcbsla-00220' (line 2) map to the "
            "same store folder 'bcbsla-00220'",
        ),
    ],
)
def test_semantic_errors_name_line_and_problem(edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in GOOD
    assert error_of(GOOD.replace(old, new, 1)).startswith(expected)


def test_empty_and_foreign_files() -> None:
    assert error_of("# nothing yet\n") == "sources.toml: no [[source]] tables: nothing to track"
    assert error_of('title = "x"\n').startswith("sources.toml:1: unknown top-level key 'title'")
    assert "each source must be a table" in error_of("source = [1, 2]\n")


@pytest.mark.parametrize(
    "hostile",
    [
        "../x",
        "../../../../etc/passwd",
        "/etc/passwd",
        "..",
        ".",
        ".git",
        "a/../../b",
        "C:\\evil",
        "日本語のポリシー",
        "x" * 200,
        "-rf",
        "~root",
        "policy\u202eevil",
        "é" * 80,
    ],
)
def test_hostile_ids_become_safe_distinct_slugs(hostile: str) -> None:
    slug = slugify(hostile)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug), slug
    assert len(slug) <= MAX_SLUG_LENGTH
    assert slug not in {".", "..", ".git"}


def test_lossy_slugs_keep_ids_apart() -> None:
    assert slugify("日本語") != slugify("中文")
    assert slugify("x" * 200) != slugify("x" * 199)
    assert slugify("BCBS LA / 00220") == "bcbs-la-00220"


def test_cache_returns_the_same_sources_and_follows_edits(tmp_path: Path) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(GOOD)
    cache = tmp_path / "cache"
    cache.mkdir()
    first = load_sources(config, cache_dir=cache)
    assert (cache / "sources-cache.json").exists()
    assert load_sources(config, cache_dir=cache) == first == load_sources(config)
    config.write_text(GOOD.replace("nice-htg241", "nice-htg242"))
    assert load_sources(config, cache_dir=cache)[1].id == "nice-htg242"
    (cache / "sources-cache.json").write_text("{broken")
    assert load_sources(config, cache_dir=cache)[1].id == "nice-htg242"
    config.write_text(GOOD.replace('payer = "NICE"', "payer = NICE"))
    with pytest.raises(ConfigError, match="invalid TOML"):  # errors are never cached away
        load_sources(config, cache_dir=cache)
