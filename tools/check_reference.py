"""Checks the built API reference: every parameter of every documented public callable is described.

Reads the HTML pages Sphinx wrote for the API reference (``docs/_build/html/api``
by default) and, for each documented class, method and function whose name has
no private part, compares the parameters of its signature with the
"Parameters" entries of its description (the "Fields" of a named tuple). A parameter counts as described when
its entry says something about it (a type alone, which autodoc adds from the
annotations, is not a description).

Usage: ``python tools/check_reference.py [HTML_API_DIR] [--count]``. Prints one
line per undescribed parameter and a total; the exit status is 1 when there is
any (``--count`` only prints the total and exits 0).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from html.parser import HTMLParser

ROOT = pathlib.Path(__file__).resolve().parents[1]
CALLABLES = {"class", "method", "function", "classmethod", "staticmethod", "exception"}
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}
PARAMETER_FIELDS = ("Parameters", "Keyword Arguments", "Other Parameters", "Fields")  # a named tuple's fields
SKIPPED = {"self", "cls"}
DASH = "\u2013"  # what Sphinx puts between a parameter (and its type) and its description


class Node:
    """One element of the parsed page: its tag, attributes, children (nodes and text)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def walk(self):  # type: ignore[no-untyped-def]
        for child in self.elements():
            yield child
            yield from child.walk()


class TreeBuilder(HTMLParser):
    """Parses a page into Nodes (enough of HTML for what Sphinx writes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def signatureParameters(dt: Node) -> list[str]:
    """Names of the parameters in a signature line (``*`` and ``/`` separators left out)."""
    names = []
    for em in dt.walk():
        if em.tag == "em" and "sig-param" in em.classes:
            for span in em.elements():
                if "n" in span.classes:
                    names.append(span.text().strip())
                    break
    return [n for n in names if n and n not in SKIPPED]


def describedParameters(dd: Node) -> set[str]:
    """Names the description's own parameter fields say something about (nested members left out)."""
    described: set[str] = set()
    for fields in dd.elements():
        if fields.tag != "dl" or "field-list" not in fields.classes:
            continue
        items = fields.elements()
        for title, body in zip(items[::2], items[1::2], strict=False):
            if not title.text().strip().rstrip(":").startswith(PARAMETER_FIELDS):
                continue
            entries = [li for li in body.walk() if li.tag == "li"] or [body]
            for entry in entries:
                text = entry.text().strip()
                strong = next((n for n in entry.walk() if n.tag == "strong"), None)
                if strong is None:
                    continue
                name = strong.text().strip().lstrip("*")
                if DASH in text[len(strong.text()) :] and text.split(DASH, 1)[1].strip():
                    described.add(name)
    return described


def undescribed(page: pathlib.Path) -> list[tuple[str, str]]:
    """(callable, parameter) for each undescribed parameter of a public callable on ``page``."""
    builder = TreeBuilder()
    builder.feed(page.read_text(encoding="utf-8"))
    found = []
    for dl in builder.root.walk():
        if dl.tag != "dl" or "py" not in dl.classes or not (dl.classes & CALLABLES):
            continue
        parts = dl.elements()
        if len(parts) < 2 or parts[0].tag != "dt" or parts[1].tag != "dd":
            continue
        dt, dd = parts[0], parts[1]
        ident = dt.attrs.get("id", "")
        if not ident or any(part.startswith("_") for part in ident.split(".")):
            continue
        described = describedParameters(dd)
        for name in signatureParameters(dt):
            if name not in described:
                found.append((ident, name))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api", nargs="?", default=str(ROOT / "docs" / "_build" / "html" / "api"))
    parser.add_argument("--count", action="store_true", help="print only the total, exit 0")
    args = parser.parse_args()
    pages = sorted(pathlib.Path(args.api).glob("*.html"))
    if not pages:
        print(f"no built reference in {args.api}: build the docs first")
        return 1
    missing = [item for page in pages for item in undescribed(page)]
    if not args.count:
        for ident, name in missing:
            print(f"{ident}: parameter {name} is not described")
    callables = len({ident for ident, _ in missing})
    print(f"undescribed parameters: {len(missing)} (in {callables} callables)")
    return 1 if missing and not args.count else 0


if __name__ == "__main__":
    sys.exit(main())
