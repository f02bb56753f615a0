"""How deep an HTML page nests, measured before it is parsed.

An HTML parser checks element scopes by walking its stack of open elements,
so the time it takes grows with the number of tags times the nesting depth:
lexbor takes minutes over 100,000 nested lists, and as long over a few
thousand unclosed ``<font>`` tags it must reopen in each paragraph. Browsers
cap the depth (Blink at 512); selectolax cannot, so we measure first and
refuse a page nested deeper than any policy page.

:func:`nesting_depth` runs the HTML tree builder's rules that decide depth on
tag names alone, in linear time: void elements; the implied ends of ``p``,
``li``, ``dd``/``dt``, headings, table cells, rows and sections and
``option``; end tags that close what they name only in scope; formatting
elements that are reopened after an implied end (counted once each, at most
three alike, as the standard's "Noah's Ark" clause keeps them); raw text in
``script``, ``style``, ``textarea`` and their kind; comments. It measures
close to what lexbor builds on real pages and never less on deep ones.
"""

from __future__ import annotations

import re


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr"
)
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
_SPECIAL = _names(
    "address applet area article aside base basefont bgsound blockquote body br button "
    "caption center col colgroup dd details dir div dl dt embed fieldset figcaption figure "
    "footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input "
    "keygen li link listing main marquee menu meta nav noembed noframes noscript object ol p "
    "param plaintext pre script search section select source style summary table tbody td "
    "template textarea tfoot th thead title tr track ul wbr xmp"
)
_SCOPE = _names("applet caption html table td th marquee object template")
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 "
    "h6 pre listing form li dd dt plaintext table hr xmp"
)
# End tags that close their element when it is "in scope" (the standard's list).
_SCOPED_END = _names(
    "address article aside blockquote button center details dialog dir div dl fieldset "
    "figcaption figure footer header hgroup listing main menu nav ol pre search section "
    "summary ul applet marquee object form"
)
_TABLE_PARTS = _names("table tbody thead tfoot tr td th caption colgroup")
_MARKERS = _names("applet object marquee template td th caption")
_RAW_TEXT = _names("script style xmp iframe noembed noframes textarea title")
# HTML start tags that end svg or math content.
_BREAKS_FOREIGN = _names(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i "
    "img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt "
    "u ul var"
)
_FONT_BREAKS = re.compile(r"\b(?:color|face|size)\s*=", re.IGNORECASE)
# svg and MathML elements whose content is HTML again.
_INTEGRATION_POINTS = _names("foreignobject desc title mi mo mn ms mtext annotation-xml")
_IGNORED = _names("html head body frameset")

# Stack categories: which elements stop which scope walks.
_CATEGORIES: dict[str, tuple[str, ...]] = {}
for _name in _SPECIAL | _SCOPE | {"button", "ol", "ul"}:
    _CATEGORIES[_name] = tuple(
        category
        for category, members in (
            ("special", _SPECIAL),
            ("stop", _SPECIAL - {"address", "div", "p"}),  # stops the li / dd / dt walk
            ("scope", _SCOPE),
            ("button", _SCOPE | {"button"}),
            ("list", _SCOPE | {"ol", "ul"}),
            ("table", {"html", "table", "template"}),
        )
        if _name in members
    )

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW_TEXT}
_MAX_ALIKE = 3  # the "Noah's Ark" clause: at most three identical formatting elements


def nesting_depth(html: str, limit: int) -> int:
    """The deepest element nesting the page builds; stops counting past ``limit``."""
    probe = _Probe()
    pos = 0
    while probe.deepest <= limit:
        start = html.find("<", pos)
        if start < 0:
            break
        if html.startswith("<!--", start):
            end = html.find("-->", start + 4)
            if end < 0:
                break  # the rest of the page is a comment
            pos = end + 3
            continue
        match = _TAG.match(html, start)
        if match is None:  # "<!DOCTYPE", "<?xml", or a "<" in text
            if html.startswith(("<!", "<?"), start):
                end = html.find(">", start)
                if end < 0:
                    break
                pos = end + 1
            else:
                pos = start + 1
            continue
        end = html.find(">", match.end())
        if end < 0:
            break
        pos = end + 1
        name = match.group(2).lower()
        if match.group(1):
            probe.end_tag(name)
            continue
        if name == "plaintext":
            break  # everything after it is text
        attributes = html[match.end() : end]
        foreign = probe.foreign()
        probe.start_tag(name, attributes, attributes.endswith("/"))
        if name in _RAW_TEXT and not foreign:  # inside svg or math, <style> holds markup
            raw_end = _RAW_END[name].search(html, pos)
            if raw_end is None:
                break
            probe.end_tag(name)
            pos = raw_end.end()
    return probe.deepest


class _Reopened:
    """Formatting elements an implied end closed while they were still active: the
    parser reopens them where content comes next. Alike ones (same name and
    attributes) count at most three times, as the active list keeps them."""

    __slots__ = ("count", "keys", "depth")

    def __init__(self) -> None:
        self.count: dict[str, int] = {}  # key → how many
        self.keys: dict[str, list[str]] = {}  # name → keys, latest last
        self.depth = 0  # sum over keys of min(count, _MAX_ALIKE)

    def __len__(self) -> int:
        return sum(len(keys) for keys in self.keys.values())

    def add(self, name: str, key: str) -> None:
        count = self.count.get(key, 0)
        self.count[key] = count + 1
        self.keys.setdefault(name, []).append(key)
        if count < _MAX_ALIKE:
            self.depth += 1

    def forget(self, name: str) -> None:
        """The latest one named ``name`` was closed by its end tag."""
        keys = self.keys.get(name)
        if not keys:
            return
        key = keys.pop()
        count = self.count[key]
        self.count[key] = count - 1
        if count <= _MAX_ALIKE:
            self.depth -= 1

    def merge(self, other: _Reopened) -> _Reopened:
        """Both sets as one; the smaller is added to the larger (linear overall)."""
        small, large = (self, other) if len(self) < len(other) else (other, self)
        for name, keys in small.keys.items():
            for key in keys:
                large.add(name, key)
        return large


class _Probe:
    """The stack of open elements, by name, with O(1) scope checks: for each name and
    each scope category the stack positions where one is open.

    Formatting elements reopened by the parser go on the stack as one entry (a
    bundle) weighing as many levels as it holds, and come back as a whole when an
    implied end closes it again: reopening stays O(1) where the parser redoes them
    one by one in every paragraph."""

    def __init__(self) -> None:
        # (name, formatting key, reopened bundle): a bundle's name is "#reopened"
        self.stack: list[tuple[str, str | None, _Reopened | None]] = []
        self.at: dict[str, list[int]] = {}
        self.marks: dict[str, list[int]] = {
            c: [] for c in ("special", "stop", "scope", "button", "list", "table")
        }
        self.weight = 0  # levels on the stack (a bundle weighs its depth)
        self.foreign_at: set[int] = set()  # stack positions of svg / MathML elements
        # Waiting to be reopened, per table cell (or other marker) level: a cell
        # starts afresh and forgets its own when it ends.
        self.frames = [_Reopened()]
        self.deepest = 0
        self.push("html")
        self.push("body")

    def depth(self) -> int:
        return self.weight + self.frames[-1].depth

    # -- the stack

    def push(
        self,
        name: str,
        key: str | None = None,
        bundle: _Reopened | None = None,
        foreign: bool = False,
    ) -> None:
        index = len(self.stack)
        self.stack.append((name, key, bundle))
        if foreign:
            self.foreign_at.add(index)
        self.weight += bundle.depth if bundle is not None else 1
        self.at.setdefault(name, []).append(index)
        for category in _CATEGORIES.get(name, ()):
            self.marks[category].append(index)
        if name in _MARKERS:
            self.frames.append(_Reopened())
        self.deepest = max(self.deepest, self.depth())

    def pop_to(self, index: int, closing: str | None = None) -> None:
        """Pop the element at ``index`` and all above it; ``closing`` names the one its
        own end tag closes (the others end implicitly, and formatting ones among
        them wait to be reopened)."""
        if index < 0:
            return
        while len(self.stack) > index:
            name, key, bundle = self.stack.pop()
            self.foreign_at.discard(len(self.stack))
            self.weight -= bundle.depth if bundle is not None else 1
            self.at[name].pop()
            for category in _CATEGORIES.get(name, ()):
                self.marks[category].pop()
            if name in _MARKERS:
                self.frames.pop()
            if bundle is not None:
                self.frames[-1] = self.frames[-1].merge(bundle)
            elif key is not None and not (len(self.stack) == index and name == closing):
                self.frames[-1].add(name, key)

    def reopen(self) -> None:
        """The parser reopens the waiting formatting elements here."""
        waiting = self.frames[-1]
        if waiting.depth:
            self.frames[-1] = _Reopened()
            self.push("#reopened", bundle=waiting)

    def last(self, name: str) -> int:
        found = self.at.get(name)
        return found[-1] if found else -1

    def mark(self, category: str) -> int:
        found = self.marks[category]
        return found[-1] if found else -1

    def in_scope(self, index: int, category: str) -> bool:
        """Is the element at ``index`` open with no boundary of ``category`` above it?"""
        return index >= 0 and self.mark(category) <= index

    # -- tags

    def start_tag(self, name: str, attributes: str, self_closing: bool) -> None:
        if self.foreign():
            if name not in _BREAKS_FOREIGN and not (
                name == "font" and _FONT_BREAKS.search(attributes)
            ):
                if not self_closing:  # any name nests inside svg or math
                    self.push(name, foreign=True)
                return
            while self.foreign():  # "<p>" inside svg ends the svg
                self.pop_to(len(self.stack) - 1)
        if name in ("svg", "math"):
            self.reopen()
            if not self_closing:
                self.push(name, foreign=True)
            return
        if name in _IGNORED or name in _VOID:
            return
        if name in _CLOSES_P:
            self._close_p()
            self._implied_ends(name)
        elif name in _TABLE_PARTS:
            if not self.in_scope(self.last("table"), "table"):
                return  # a row or cell outside a table: the parser ignores it
            self._close_table_parts(name)
        elif name in ("option", "optgroup"):
            in_select = self.last("select") >= 0
            if self.stack[-1][0] == "option" or (in_select and self.stack[-1][0] == name):
                self.pop_to(len(self.stack) - 1)
        if name in _FORMATTING:
            if name in ("a", "nobr"):  # a new one ends the open one (adoption agency) …
                previous = self.last(name)
                if self.in_scope(previous, "special"):  # … unless a block holds it open
                    self.pop_to(previous, closing=name)
                self.frames[-1].forget(name)
            self.reopen()
            self.push(name, f"{name} {' '.join(attributes.split())}")
        else:
            if name not in _CLOSES_P and name not in _TABLE_PARTS:
                self.reopen()  # before inline content, not before a block
            self.push(name)

    def end_tag(self, name: str) -> None:
        index = self.last(name)
        if index in self.foreign_at:
            self.pop_to(index, closing=name)
        elif name in _FORMATTING:
            if index >= 0 and self.mark("special") <= index:
                self.pop_to(index, closing=name)
            elif index < 0:
                self.frames[-1].forget(name)
        elif name == "p":
            if self.in_scope(index, "button"):
                self.pop_to(index, closing=name)
        elif name == "li":
            if self.in_scope(index, "list"):
                self.pop_to(index, closing=name)
        elif name in _HEADINGS:
            heading = max(self.last(h) for h in _HEADINGS)
            if self.in_scope(heading, "scope"):
                self.pop_to(heading)
        elif name in ("dd", "dt") or name in _SCOPED_END:
            if self.in_scope(index, "scope"):
                self.pop_to(index, closing=name)
        elif name in _TABLE_PARTS:
            if self.in_scope(index, "table"):
                self.pop_to(index, closing=name)
        elif name in _IGNORED or name == "br":
            return
        elif index >= 0 and self.mark("special") <= index:
            self.pop_to(index, closing=name)  # any other end tag: not past a special element

    def foreign(self) -> bool:
        """Is the current node an svg or MathML element (other than one holding HTML)?"""
        top = len(self.stack) - 1
        return top in self.foreign_at and self.stack[top][0] not in _INTEGRATION_POINTS

    def _close_p(self) -> None:
        index = self.last("p")
        if self.in_scope(index, "button"):
            self.pop_to(index)

    def _implied_ends(self, name: str) -> None:
        if name == "li":
            self._close_item(self.last("li"))
        elif name in ("dd", "dt"):
            self._close_item(max(self.last("dd"), self.last("dt")))
        elif name in _HEADINGS and self.stack[-1][0] in _HEADINGS:
            self.pop_to(len(self.stack) - 1)
        elif name == "table" and self.stack[-1][0] in ("table", "tbody", "thead", "tfoot", "tr"):
            self.pop_to(self.last("table"))  # a table straight inside a table ends it

    def _close_item(self, index: int) -> None:
        """A new list item ends the open one unless a special element lies between."""
        if index >= 0 and self.mark("stop") == index:
            self.pop_to(index)

    def _close_table_parts(self, name: str) -> None:
        if name in ("td", "th", "tr", "tbody", "thead", "tfoot"):
            cell = max(self.last("td"), self.last("th"))
            if self.in_scope(cell, "table"):
                self.pop_to(cell)
        if name in ("tr", "tbody", "thead", "tfoot"):
            row = self.last("tr")
            if self.in_scope(row, "table"):
                self.pop_to(row)
        if name in ("tbody", "thead", "tfoot"):
            section = max(self.last("tbody"), self.last("thead"), self.last("tfoot"))
            if self.in_scope(section, "table"):
                self.pop_to(section)
        # The rows and cells the parser adds: a row straight in a table gets a tbody,
        # a cell straight in a table section gets a row.
        if name in ("tr", "td", "th") and self.stack[-1][0] == "table":
            self.push("tbody")
        if name in ("td", "th") and self.stack[-1][0] in ("tbody", "thead", "tfoot"):
            self.push("tr")
