"""Noise immunity: formatting-only variants normalize to byte-identical JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.parse import parse_bytes
from tests import variants
from tests.conftest import CORPUS

# Module-level texts for the property tests: a fixture would be printed in full on failure.
TEXT_001 = CORPUS["001"].read_text(encoding="utf-8")
TEXT_003 = CORPUS["003"].read_text(encoding="utf-8")


def as_json(text: str) -> str:
    return parse_bytes(text.encode("utf-8")).to_json()


VARIANTS_001: dict[str, Callable[[str], str]] = {
    "furniture dropped": variants.drop_page_furniture,
    "furniture moved": variants.move_page_furniture,
    "bullets swapped": variants.swap_bullets,
    "emphasis removed": variants.strip_emphasis,
    "tabs to spaces": variants.tabs_to_spaces,
    "spaces to nbsp": variants.spaces_to_nbsp,
    "rewrapped at 90": lambda t: variants.rewrap(t, 90),
    "everything at once": lambda t: variants.spaces_to_nbsp(
        variants.rewrap(
            variants.tabs_to_spaces(
                variants.strip_emphasis(variants.swap_bullets(variants.move_page_furniture(t)))
            ),
            110,
        )
    ),
}

VARIANTS_003: dict[str, Callable[[str], str]] = {
    "reflowed at 80": lambda t: variants.reflow_blocks(t, 80),
    "reflowed at 130": lambda t: variants.reflow_blocks(t, 130),
    "bullets swapped": lambda t: t.replace("• ", "- "),
    "furniture added": variants.add_page_furniture_003,
    "spaces to nbsp": variants.spaces_to_nbsp,
    "trailing spaces removed": lambda t: "\n".join(line.rstrip() for line in t.split("\n")),
}


@pytest.mark.parametrize("name", sorted(VARIANTS_001))
def test_001_variant_is_byte_identical(corpus_text: dict[str, str], name: str) -> None:
    original = corpus_text["001"]
    variant = VARIANTS_001[name](original)
    assert variant != original
    assert as_json(variant) == as_json(original)


@pytest.mark.parametrize("name", sorted(VARIANTS_003))
def test_003_variant_is_byte_identical(corpus_text: dict[str, str], name: str) -> None:
    original = corpus_text["003"]
    variant = VARIANTS_003[name](original)
    assert variant != original
    assert as_json(variant) == as_json(original)


def test_furniture_variants_really_move_the_furniture(corpus_text: dict[str, str]) -> None:
    moved = variants.move_page_furniture(corpus_text["001"])
    assert "into the tumor" in moved
    assert "\n\n©2024" in moved
    assert moved.count("©2024") >= 3
    assert "Page 2 of 6" in variants.add_page_furniture_003(corpus_text["003"])


_SETTINGS = settings(max_examples=15, deadline=None)


@_SETTINGS
@given(width=st.integers(min_value=60, max_value=160))
def test_003_any_reflow_width(width: int) -> None:
    assert as_json(variants.reflow_blocks(TEXT_003, width)) == as_json(TEXT_003)


# Letter-size policy PDFs wrap at 90-110 characters; below ~80 a short table row
# ("Ongoing") becomes indistinguishable from the tail of a wrapped line.
@_SETTINGS
@given(width=st.integers(min_value=80, max_value=160))
def test_001_any_wrap_width(width: int) -> None:
    assert as_json(variants.rewrap(TEXT_001, width)) == as_json(TEXT_001)


@_SETTINGS
@given(
    spaces=st.lists(
        st.sampled_from([" ", "  ", "\t", "\u00a0", " \u00a0"]), min_size=1, max_size=8
    ),
    trailing=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_001_any_whitespace(spaces: list[str], trailing: str) -> None:
    original = TEXT_001
    parts = original.split(" ")
    noisy = parts[0] + "".join(spaces[i % len(spaces)] + part for i, part in enumerate(parts[1:]))
    noisy = "\n".join(line + trailing for line in noisy.split("\n"))
    assert as_json(noisy) == as_json(original)
