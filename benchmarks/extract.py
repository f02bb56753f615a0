"""Extraction speed over the generated PDF and HTML editions of the corpus (one core).

Usage: python benchmarks/extract.py [ROUNDS]
Prints the median milliseconds per page for PDF (pdfplumber → text) and per
document for HTML (selectolax → text), and the same for a full parse.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the edition generators live with the tests

from policywatch.extract.html import html_to_text  # noqa: E402
from policywatch.extract.pdf import pdf_to_text  # noqa: E402
from policywatch.parse import parse_bytes  # noqa: E402
from tests import editions  # noqa: E402


def _median_ms(function: Callable[[bytes], object], data: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _page_count(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def main(rounds: int = 3) -> None:
    pdfs = {key: editions.pdf_edition(e.name) for key, e in editions.EDITIONS.items()}
    pages = {key: _page_count(data) for key, data in pdfs.items()}
    htmls = {key: editions.html_edition(e.name) for key, e in editions.EDITIONS.items()}
    html_to_text(htmls["004"])  # warm up imports
    pdf_to_text(pdfs["004"])

    print(f"{'edition':<10}{'pages':>6}{'KB':>8}{'extract ms/page':>17}{'parse ms/page':>15}")
    pdf_extract, pdf_parse = [], []
    for key, data in pdfs.items():
        extract_ms = _median_ms(pdf_to_text, data, rounds) / pages[key]
        parse_ms = _median_ms(parse_bytes, data, rounds) / pages[key]
        pdf_extract.append(extract_ms)
        pdf_parse.append(parse_ms)
        row = f"{key + '.pdf':<10}{pages[key]:>6}{len(data) / 1024:>8.0f}"
        print(f"{row}{extract_ms:>17.1f}{parse_ms:>15.1f}")
    print(
        f"PDF median per page: extract {statistics.median(pdf_extract):.1f} ms, "
        f"parse {statistics.median(pdf_parse):.1f} ms"
    )

    print(f"\n{'edition':<10}{'KB':>14}{'extract ms/doc':>17}{'parse ms/doc':>15}")
    html_extract, html_parse = [], []
    for key, data in htmls.items():
        extract_ms = _median_ms(html_to_text, data, rounds * 10)
        parse_ms = _median_ms(parse_bytes, data, rounds * 10)
        html_extract.append(extract_ms)
        html_parse.append(parse_ms)
        print(f"{key + '.html':<10}{len(data) / 1024:>14.0f}{extract_ms:>17.2f}{parse_ms:>15.2f}")
    print(
        f"HTML median per document: extract {statistics.median(html_extract):.2f} ms, "
        f"parse {statistics.median(html_parse):.2f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
