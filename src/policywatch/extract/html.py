"""HTML bytes → line-oriented policy text (selectolax / lexbor).

Keeps the policy's article and drops the site around it:

- the article is ``<main>`` / ``role="main"`` / ``<article>`` when the page
  marks it (the candidate holding the most text), else the whole body;
- navigation, site header and footer, sidebars, cookie banners, forms,
  scripts, styles, ``noscript`` and hidden elements (the ``hidden`` attribute,
  inline ``display: none``) are removed;
- headings become ``#``-prefixed lines (h1 → "# ", h2 → "## " …), blocks are
  separated by blank lines, ``<br>`` is a line break;
- lists become "- item" / "1. item" lines (numbered as in the source), two
  spaces of indent per nesting level;
- tables become rows of TAB-separated cells, each row a block of its own;
- entities are decoded and NBSP folded to a space.

The bytes are decoded by BOM, then the declared charset, then UTF-8, then
Windows-1252 (what plans' older CMSs still send).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from policywatch.errors import ExtractError

# Elements that are never policy text.
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "aside",
    "dialog",
    "head",
)
_DROP_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search", "dialog")
# Site chrome by id / class. Narrow on purpose: "consent" or "share" alone also
# name policy sections ("informed-consent") and CMSs ("SharePoint").
_CHROME_NAME = re.compile(
    r"cookie|gdpr|onetrust|truste\b|consent-?(?:banner|manager|modal|dialog)|cc-(?:banner|window)"
    r"|skip-?(?:link|nav)|breadcrumb|social-?(?:share|links|media)|share-?(?:bar|buttons?|tools)",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "blockquote", "address",
    "figure", "figcaption", "dl", "dt", "dd", "center", "details", "summary", "hr", "body",
    "html", "fieldset", "legend", "caption",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)

# Less text than this in the article is a page without a policy on it.
MIN_POLICY_CHARS = 200


def html_to_text(data: bytes) -> str:
    """HTML bytes → text lines for the shared cleaner; raises ExtractError."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(decode_html(data))
    body = tree.body
    if body is None:
        raise ExtractError("HTML page has no body: no policy content found")
    _drop_chrome(body)
    root = _article(body)
    writer = _Writer()
    writer.walk(root)
    text = writer.result()
    if len(re.sub(r"\s+", "", text)) < MIN_POLICY_CHARS:
        raise ExtractError("HTML page has no policy content (only site navigation or a stub)")
    return text


# --------------------------------------------------------------------------- decoding


def decode_html(data: bytes) -> str:
    """Bytes → str by BOM, declared charset, UTF-8, then Windows-1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", errors="ignore").lower()
    # Browsers read "iso-8859-1" and "us-ascii" as Windows-1252 (WHATWG); so do we.
    if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# --------------------------------------------------------------------------- chrome


def _drop_chrome(body: Any) -> None:
    for node in body.css(",".join(_DROP_TAGS)):
        node.decompose()
    for node in list(body.traverse()):
        if node.tag in ("-text", "-comment") or node.parent is None:
            continue
        if _is_chrome(node):
            node.decompose()
    for node in body.css("header, footer"):
        if not _inside_article(node):
            node.decompose()  # site header / footer; an article's own header stays


def _is_chrome(node: Any) -> bool:
    attrs = node.attributes
    # aria-hidden is not "hidden": plans set it on collapsed accordion panels
    # that hold the policy's coding and references.
    if "hidden" in attrs:
        return True
    if _HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    if (attrs.get("role") or "").lower() in _DROP_ROLES:
        return True
    names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
    return bool(_CHROME_NAME.search(names)) and node.tag not in ("main", "article", "body")


def _inside_article(node: Any) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("main", "article") or (parent.attributes.get("role") == "main"):
            return True
        parent = parent.parent
    return False


def _article(body: Any) -> Any:
    """The element holding the policy: the marked main content with the most text."""
    candidates = body.css('main, [role="main"], article')
    if not candidates:
        return body
    best = max(candidates, key=lambda node: len(node.text(strip=True)))
    # A <main> that holds little of the page's text is a layout wrapper gone wrong.
    if len(best.text(strip=True)) < 0.3 * len(body.text(strip=True)):
        return body
    return best


# --------------------------------------------------------------------------- writing


class _Writer:
    """Walks the article and writes blocks; ``""`` in ``lines`` is a block break."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.prefix = ""  # "- " or "  1. " waiting for the first text of a list item
        self.indent = ""  # continuation indent inside a list item

    # -- output

    def flush(self) -> None:
        text = _SPACE.sub(" ", _INVISIBLE.sub("", "".join(self.inline))).strip()
        self.inline = []
        if text:
            self.lines.append((self.prefix or self.indent) + text)
            self.prefix = ""

    def block_break(self) -> None:
        self.flush()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def boundary(self) -> None:
        """End of a block element: a blank line, or a new line inside a list item."""
        if self.indent:
            self.flush()
        else:
            self.block_break()

    def result(self) -> str:
        self.block_break()
        text = "\n".join(self.lines).strip("\n")
        return re.sub(r"\n{3,}", "\n\n", text) + "\n"

    # -- walking

    def walk(self, node: Any) -> None:
        for child in node.iter(include_text=True):
            self.visit(child)

    def visit(self, node: Any) -> None:
        tag = node.tag
        if tag == "-text":
            self.inline.append(node.text(deep=False) or "")
        elif tag == "br":
            self.flush()
        elif tag in _HEADINGS:
            self.block_break()
            text = _SPACE.sub(" ", node.text(deep=True)).strip()
            if text:
                self.lines += ["#" * _HEADINGS[tag] + " " + text, ""]
        elif tag in ("ul", "ol", "menu"):
            self.list(node)
        elif tag == "table":
            self.table(node)
        elif tag == "pre":
            self.block_break()
            self.lines += [line.rstrip() for line in (node.text(deep=True) or "").split("\n")]
            self.block_break()
        elif tag == "img":
            alt = (node.attributes.get("alt") or "").strip()
            if alt and self.inline:
                self.inline.append(alt)
        elif tag in _BLOCKS or tag == "li":
            self.boundary()
            self.walk(node)
            self.boundary()
        elif tag != "-comment":
            self.walk(node)

    def list(self, node: Any) -> None:
        """One line per item; nested lists two spaces deeper; numbers as the source has them."""
        outer_prefix, outer_indent = self.prefix, self.indent
        self.flush()
        if not outer_indent:
            self.block_break()
        depth = len(outer_indent) // 2 if outer_indent else 0
        number = _start(node)
        for item in node.iter(include_text=False):
            if item.tag != "li":
                continue
            number = _item_value(item, number)
            marker = _marker(node, number) if node.tag == "ol" else "-"
            self.prefix = "  " * depth + marker + " "
            self.indent = "  " * (depth + 1)
            self.walk(item)
            self.flush()
            self.prefix = ""
            number += 1
        self.prefix, self.indent = outer_prefix, outer_indent
        if not outer_indent:
            self.block_break()

    def table(self, node: Any) -> None:
        """Rows of TAB-separated cells, each row a block of its own."""
        self.block_break()
        caption = node.css_first("caption")
        if caption is not None and caption.text(strip=True):
            self.lines += [_SPACE.sub(" ", caption.text(deep=True)).strip(), ""]
        for row in node.css("tr"):
            if _closest_table(row) != node.mem_id:
                continue  # a nested table's rows are read as cell text
            cells = [
                _SPACE.sub(" ", cell.text(deep=True, separator=" ")).strip()
                for cell in row.iter(include_text=False)
                if cell.tag in ("td", "th")
            ]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                self.lines += ["\t".join(cells), ""]
        self.block_break()


def _closest_table(node: Any) -> int | None:
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return None if parent is None else int(parent.mem_id)


def _start(node: Any) -> int:
    try:
        return int(node.attributes.get("start") or 1)
    except ValueError:
        return 1


def _item_value(item: Any, number: int) -> int:
    try:
        return int(item.attributes.get("value") or number)
    except ValueError:
        return number


def _marker(node: Any, number: int) -> str:
    kind = node.attributes.get("type") or "1"
    if kind in ("a", "A"):
        letter = chr(ord("a") + (number - 1) % 26)
        return (letter.upper() if kind == "A" else letter) + "."
    if kind in ("i", "I"):
        roman = _roman(number)
        return (roman if kind == "I" else roman.lower()) + "."
    return f"{number}."


def _roman(number: int) -> str:
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out or str(number)
