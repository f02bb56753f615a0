"""Noise variants of corpus documents: what a different converter would produce.

Each function takes a document's text and returns the same document with only
formatting changed, so it must normalize to byte-identical JSON. The golden
diff cases reuse them.
"""

from __future__ import annotations

import re
import textwrap

from policywatch.extract.text import clean_text

# 001's running page footer and header, as they appear in the corpus text.
LOUISIANA_FOOTER = [
    "©2024 Blue Cross and Blue Shield of Louisiana",
    "Blue Cross and Blue Shield of Louisiana is an independent licensee of the Blue Cross and "
    "Blue Shield Association and incorporated as Louisiana Health Service & Indemnity Company.",
    "No part of this publication may be reproduced, stored in a retrieval system, or transmitted, "
    "in any form or by any means, electronic, mechanical, photocopying, or otherwise, without "
    "permission from Blue Cross and Blue Shield of Louisiana.",
]
LOUISIANA_HEADER = [
    "# Louisiana",
    "## Cryosurgical Ablation of Primary or Metastatic Liver Tumors",
    "Policy # 00220",
    "Original Effective Date: 06/20/2007",
    "Current Effective Date: 07/08/2024",
]
_FURNITURE_KEYS = {
    re.sub(r"[#*]", "", line).strip() for line in LOUISIANA_FOOTER + LOUISIANA_HEADER
}


def _is_furniture(line: str) -> bool:
    return re.sub(r"[#*]", "", line).strip() in _FURNITURE_KEYS


def drop_page_furniture(text: str) -> str:
    """001 as a converter that drops running headers/footers (keeping the first header)."""
    lines = text.split("\n")
    first_content = next(i for i, line in enumerate(lines) if line.strip())
    header_end = first_content + 9
    kept = lines[:header_end] + [line for line in lines[header_end:] if not _is_furniture(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept))


def move_page_furniture(text: str, every: int = 9) -> str:
    """001 with page breaks at other places: between paragraphs and inside one sentence."""
    paragraphs = drop_page_furniture(text).split("\n\n")
    page_break = "\n".join(LOUISIANA_FOOTER + [""] + LOUISIANA_HEADER)
    out: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if index > 12 and index % every == 0:
            out.append(page_break)
        out.append(paragraph)
    # and one break that cuts a sentence in two, as real page breaks do
    for index, paragraph in enumerate(out):
        m = re.search(r" (?=into the tumor\.)", paragraph)
        if m:
            out[index] = (
                paragraph[: m.start()] + "\n\n" + page_break + "\n\n" + paragraph[m.end() :]
            )
            break
    return "\n\n".join(out)


def swap_bullets(text: str) -> str:
    return re.sub(r"(?m)^(\s*)- ", r"\1• ", text)


def strip_emphasis(text: str) -> str:
    return re.sub(r"\*{1,3}(?=\S)(.+?)(?<=\S)\*{1,3}", r"\1", text)


def tabs_to_spaces(text: str) -> str:
    return text.replace("\t", "    ")


def spaces_to_nbsp(text: str) -> str:
    return re.sub(r"(?<=\w) (?=\w)", "\u00a0", text)


def rewrap(text: str, width: int) -> str:
    """Hard-wrap every long line at ``width``, as a PDF-to-text converter would."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width or line.startswith("#"):  # markdown headings are one line
            out.append(line)
            continue
        indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
        out.extend(
            textwrap.wrap(
                line,
                width=width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


def reflow_blocks(text: str, width: int) -> str:
    """Re-convert a document: its clean blocks, each hard-wrapped, blank-line separated."""
    blocks = clean_text(text)[0].split("\n")
    wrapped = [
        "\n".join(textwrap.wrap(block, width=width, break_long_words=False, break_on_hyphens=False))
        for block in blocks
    ]
    return "\n\n".join(wrapped) + "\n"


MASSACHUSETTS_FURNITURE = [
    "Cryosurgical Ablation of Primary or Metastatic Liver Tumors",
    "Medical Policy 633 - printed copies are uncontrolled",
    "Page {n} of 6",
]


def add_page_furniture_003(text: str, every: int = 40) -> str:
    """003 as printed with a running header and footer, breaking pages mid-sentence."""
    lines = text.split("\n")
    out: list[str] = []
    page = 1
    since_break = 0
    for line in lines:
        since_break += 1
        if since_break >= every and line[:1].islower():
            out += [f.format(n=page) for f in MASSACHUSETTS_FURNITURE]
            page += 1
            since_break = 0
        out.append(line)
    return "\n".join(out)
