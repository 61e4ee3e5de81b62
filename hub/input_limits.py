"""What input the databases can hold, checked where input enters (bodies, queries, forms, paths).

Two things pass every schema and still break a database:
- an id past what an id column holds: PostgreSQL's ``integer`` ends at 2**31-1 (SQLite's at
  2**63-1). Every primary key here is such a column, so a number past it names nothing;
- U+0000 in text, which PostgreSQL's ``text`` refuses outright (SQLite keeps it, a trap for the
  day the data moves). No person types it; a program that sends it gets a clear refusal.

Ids are recognised by their names (``id``, ``ids``, ``..._id``, ``..._ids``) and paging numbers by theirs,
so amounts and years keep their own ranges in their schemas.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.errors import NotFound, NulInText, ValidationFailed

MAX_ID = 2**31 - 1
# Query numbers that become SQL OFFSET/LIMIT or ids: past MAX_ID they mean nothing.
_BOUNDED_QUERY_NAMES = frozenset({"offset", "limit", "page", "revision"})
_NUL = "\x00"


def is_id_name(name: str) -> bool:
    return name in ("id", "ids") or name.endswith("_id") or name.endswith("_ids")


def path_id(text: str) -> int:
    """A path segment as an id, or 404: ASCII digits only (``"²".isdigit()`` is true), in range."""
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        raise NotFound()
    return int(text)


def small_int(text: str) -> int | None:
    """The number a form or query field holds, or None: ASCII digits in id range only."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        return None
    return int(text)


def check_json(data: Any) -> None:
    """Refuse NUL in any string and out-of-range ids in a decoded JSON body (422 with details)."""
    problems: list[dict[str, str]] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:  # a loop, not recursion: the decoder already bounds the depth
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if _NUL in key:
                    raise NulInText()
                path = f"{where}.{key}" if where else str(key)
                if is_id_name(str(key)) and _out_of_range(item):
                    problems.append(_range_problem(path))
                else:
                    stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{i}" if where else str(i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _NUL in value:
            raise NulInText()
    if problems:
        raise ValidationFailed(details=problems)


def check_query(items: Iterable[tuple[str, str]]) -> None:
    """The same for a query string or a posted form: NUL refused, bounded numbers in range."""
    problems = []
    for key, value in items:
        if _NUL in key or _NUL in value:
            raise NulInText()
        if (is_id_name(key) or key in _BOUNDED_QUERY_NAMES) and _digits_out_of_range(value):
            problems.append(_range_problem(key))
    if problems:
        raise ValidationFailed(details=problems)


def _out_of_range(value: Any) -> bool:
    if isinstance(value, list):
        return any(_out_of_range(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, int):
        return False  # the schema says what else is wrong with it
    return not -MAX_ID <= value <= MAX_ID


def _digits_out_of_range(value: str) -> bool:
    text = value.strip().lstrip("+-")
    return text.isascii() and text.isdigit() and int(text) > MAX_ID


def _range_problem(field: str) -> dict[str, str]:
    return {"field": field, "type": "out_of_range", "message": f"must be at most {MAX_ID}"}
