"""Read a page's form as a browser would submit it: its inputs and text boxes, by name."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.fields: dict[str, str] = {}
        self._box: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name") or ""
        if not name.startswith(self.prefix):
            return
        if tag == "input":
            self.fields[name] = found.get("value") or ""
        elif tag == "textarea":
            self._box = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._box = None

    def handle_data(self, data: str) -> None:
        if self._box is not None:
            self.fields[self._box] += data


def fields(page: str, prefix: str) -> dict[str, str]:
    """Every input and text box of the page whose name starts with ``prefix``, with its value."""
    parser = _Fields(prefix)
    parser.feed(page)
    # A browser drops the first newline of a text box (the template puts none there).
    return parser.fields


def srcdoc(page: str) -> str:
    """The HTML a preview frame shows (its ``srcdoc``, unescaped)."""
    found = re.search(r'<iframe[^>]*srcdoc="([^"]*)"', page)
    assert found, "no preview frame on the page"
    return html.unescape(found[1])
