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

Bounded: a page nested deeper than :data:`MAX_DEPTH` is refused before it is
parsed (:mod:`.nesting`; the parser's time grows with tags × depth); the page is
walked with explicit stacks, never by recursion, and every step is linear in
the page; list numbers are read only when they are plain numbers; reading
stops with a one-line ExtractError once the time cap
(:data:`policywatch.extract.text.MAX_SECONDS`) is spent.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from typing import Any

from policywatch.errors import ExtractError
from policywatch.extract.nesting import nesting_depth
from policywatch.extract.text import TimeCap

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
# Browsers stop nesting at 512 levels (Blink); a policy page nests a few dozen.
MAX_DEPTH = 512
# List indentation stops growing here (the cleaner folds it away in any case).
_MAX_INDENT_LEVELS = 16


def html_to_text(data: bytes, cap: TimeCap | None = None) -> str:
    """HTML bytes → text lines for the shared cleaner; raises ExtractError."""
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    cap = cap or TimeCap("HTML page")
    html = decode_html(data)
    if nesting_depth(html, MAX_DEPTH) > MAX_DEPTH:
        raise ExtractError(
            f"HTML page nests elements over {MAX_DEPTH} levels deep: not a policy page"
        )
    cap.check()
    try:
        tree = LexborHTMLParser(html)
        body = tree.body
        if body is None:
            raise ExtractError("HTML page has no body: no policy content found")
        candidates = _prune(body, cap)
        root = _article(body, candidates)
        writer = _Writer(cap)
        writer.walk(root)
        text = writer.result()
    except (SelectolaxError, ValueError, RecursionError, MemoryError) as exc:
        # A parser failure on a hostile page is that page's error, not a crash.
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise ExtractError(f"HTML page cannot be read: {reason}") from exc
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
        except (UnicodeError, LookupError):  # UnicodeError: codecs such as "idna"
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
        found = codecs.lookup(name).name
    except LookupError:
        return None
    # A page that declares UTF-16 or UTF-32 in its own ASCII-compatible bytes is not
    # (a real one has a byte-order mark): WHATWG reads it as UTF-8.
    return "utf-8" if found.startswith(("utf-16", "utf-32")) else found


# --------------------------------------------------------------------------- chrome


def _prune(body: Any, cap: TimeCap) -> list[Any]:
    """Remove what is never policy text, in one walk of the page (an explicit stack,
    so any depth): dropped tags, site chrome, and a header or footer outside the
    article. Returns the outermost article candidates left (``main``,
    ``role="main"``, ``article``), in document order."""
    doomed: list[Any] = []
    candidates: list[Any] = []
    stack: list[tuple[Any, bool]] = [(child, False) for child in _element_children(body)]
    stack.reverse()
    while stack:
        cap.tick()
        node, in_article = stack.pop()
        tag = node.tag
        attrs = node.attributes
        if (
            tag in _DROP_TAGS
            or _is_chrome(tag, attrs)
            or (tag in ("header", "footer") and not in_article)  # site header / footer
        ):
            doomed.append(node)  # its subtree goes with it: not walked
            continue
        article = tag in ("main", "article") or attrs.get("role") == "main"
        if article and not in_article:
            candidates.append(node)
        children = [(child, in_article or article) for child in _element_children(node)]
        stack.extend(reversed(children))
    for node in doomed:  # disjoint subtrees: none is inside another
        node.decompose()
    return candidates


def _element_children(node: Any) -> Iterator[Any]:
    return (child for child in node.iter(include_text=False) if not child.tag.startswith("-"))


def _is_chrome(tag: str, attrs: dict[str, str | None]) -> bool:
    # aria-hidden is not "hidden": plans set it on collapsed accordion panels
    # that hold the policy's coding and references.
    if "hidden" in attrs:
        return True
    if _HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    if (attrs.get("role") or "").lower() in _DROP_ROLES:
        return True
    names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
    return bool(_CHROME_NAME.search(names)) and tag not in ("main", "article", "body")


def _article(body: Any, candidates: list[Any]) -> Any:
    """The element holding the policy: the marked main content with the most text.
    Only outermost candidates are weighed: one inside another never holds more."""
    if not candidates:
        return body
    best = max(candidates, key=lambda node: len(node.text(strip=True)))
    # A <main> that holds little of the page's text is a layout wrapper gone wrong.
    if len(best.text(strip=True)) < 0.3 * len(body.text(strip=True)):
        return body
    return best


# --------------------------------------------------------------------------- writing


_Task = tuple[Any, Any]  # (node to visit, None) or (None, a function to call)


class _Writer:
    """Walks the article and writes blocks; ``""`` in ``lines`` is a block break.

    The walk keeps its own stack of tasks (visit a node, or run what follows its
    children), so nesting depth never reaches Python's recursion limit."""

    def __init__(self, cap: TimeCap) -> None:
        self.cap = cap
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.prefix = ""  # "- " or "  1. " waiting for the first text of a list item
        self.indent = ""  # continuation indent inside a list item
        self.level = 0  # list items around the current one
        self.tasks: list[_Task] = []

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

    def walk(self, root: Any) -> None:
        self.children(root)
        while self.tasks:
            self.cap.tick()
            node, call = self.tasks.pop()
            if call is not None:
                call()
            else:
                self.visit(node)

    def children(self, node: Any) -> None:
        """Visit ``node``'s children next, in order (after anything pushed before)."""
        kids = list(node.iter(include_text=True))
        self.tasks.extend((child, None) for child in reversed(kids))

    def then(self, call: Callable[[], None]) -> None:
        self.tasks.append((None, call))

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
            self.then(self.boundary)  # runs after the children
            self.children(node)
        elif tag != "-comment":
            self.children(node)

    def list(self, node: Any) -> None:
        """One line per item; nested lists two spaces deeper; numbers as the source has them."""
        outer = (self.prefix, self.indent, self.level)
        self.flush()
        if not outer[1]:
            self.block_break()
        depth = self.level
        items = [item for item in node.iter(include_text=False) if item.tag == "li"]
        number = [_start(node)]

        def open_item(item: Any) -> Callable[[], None]:
            def start() -> None:
                number[0] = _item_value(item, number[0])
                marker = _marker(node, number[0]) if node.tag == "ol" else "-"
                self.prefix = "  " * min(depth, _MAX_INDENT_LEVELS) + marker + " "
                self.indent = "  " * min(depth + 1, _MAX_INDENT_LEVELS)
                self.level = depth + 1

            return start

        def close_item() -> None:
            self.flush()
            self.prefix = ""
            number[0] += 1

        def close_list() -> None:
            self.prefix, self.indent, self.level = outer
            if not outer[1]:
                self.block_break()

        self.then(close_list)
        for item in reversed(items):  # tasks run last-in first-out
            self.then(close_item)
            self.children(item)
            self.then(open_item(item))

    def table(self, node: Any) -> None:
        """Rows of TAB-separated cells, each row a block of its own."""
        self.block_break()
        caption = next((c for c in node.iter(include_text=False) if c.tag == "caption"), None)
        if caption is not None and caption.text(strip=True):
            self.lines += [_SPACE.sub(" ", caption.text(deep=True)).strip(), ""]
        for row in _rows(node):  # a nested table's rows are read as cell text
            self.cap.tick()
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


def _rows(table: Any) -> Iterator[Any]:
    """The table's own rows: children of the table or of its head, bodies and foot
    (where the HTML parser always puts them)."""
    for child in table.iter(include_text=False):
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child.iter(include_text=False) if row.tag == "tr")


def _start(node: Any) -> int:
    return _list_number(node.attributes.get("start"), 1)


def _item_value(item: Any, number: int) -> int:
    return _list_number(item.attributes.get("value"), number)


def _list_number(value: str | None, default: int) -> int:
    """A list number as the page gives it; anything but a plain number of at most nine
    digits is ignored ("1e9999", or a thousand 9s spelt as entities)."""
    text = (value or "").strip()
    if not text or len(text.lstrip("+-")) > 9:
        return default
    try:
        return int(text)
    except ValueError:
        return default


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
    if not 0 < number < 4000:
        return str(number)  # no Roman numeral (and no run of a million Ms)
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
