"""The contents list (卷内目录) of a case file, pure: each part's first and last page from the
parts' page counts, the page-number stamp of a part, and the file's retention period (保管期限).

Pages are numbered through the whole volume as the PDF holds them: the cover is page 1, the
contents list follows, then the parts in order and the back cover (备考表). The number a reader
sees in the list is the page the PDF viewer shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

COVER_PAGES = 1
# Confirmed by a court, or a group dispute: kept long; everything else for the short period.
LONG, SHORT = "长期", "短期"


@dataclass(frozen=True)
class Entry:
    """One line of the contents list."""

    position: int
    title: str
    day: date | None
    first: int
    last: int

    @property
    def pages(self) -> str:
        """``5`` for one page, ``5-7`` for several (the 页号 column)."""
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def entries(
    titles: Sequence[tuple[str, date | None]], counts: Sequence[int], *, first_page: int
) -> list[Entry]:
    """Number the parts from ``first_page`` on, each after the one before."""
    if len(titles) != len(counts):
        raise ValueError("one page count per part")
    out: list[Entry] = []
    page = first_page
    for position, ((title, day), count) in enumerate(zip(titles, counts, strict=True), start=1):
        if count < 1:
            raise ValueError(f"part {title!r} has no pages")
        out.append(Entry(position, title, day, page, page + count - 1))
        page += count
    return out


def placeholders(titles: Sequence[tuple[str, date | None]]) -> list[Entry]:
    """Entries with the widest page numbers, to count the contents list's own pages first."""
    return [Entry(i, title, day, 998, 999) for i, (title, day) in enumerate(titles, start=1)]


def stamp_css(first_page: int) -> str:
    """The stylesheet that numbers a part's pages within the volume, from ``first_page`` on."""
    return (
        '@page { @bottom-center { content: "第 " counter(page) " 页"; font-size: 9pt; } }\n'
        f"@page :first {{ counter-increment: page {first_page}; }}\n"
    )


def retention(*, confirmed: bool, group_dispute: bool) -> str:
    """保管期限: long for an agreement a court confirmed or a group dispute, short otherwise."""
    return LONG if confirmed or group_dispute else SHORT
