"""Reading browser forms (and query strings): every page reads its fields through ``Form``.

A form arrives as a multidict; ``Form`` keeps its text fields as lists of strings (files are
ignored; uploads are streamed elsewhere) and leaves out the CSRF token. It is a plain
``Mapping[str, list[str]]``, so pure parsers of a package's forms take it as they would a dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web

from hub.csrf import FORM_FIELD
from hub.errors import ValidationFailed
from hub.input_limits import check_query, small_int


class Form(Mapping[str, list[str]]):
    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        self._fields = {k: list(v) for k, v in fields.items() if k != FORM_FIELD}

    @classmethod
    def of(cls, data: Any) -> Form:
        """From aiohttp's multidict (a posted body or a query)."""
        return cls({k: [v for v in data.getall(k) if isinstance(v, str)] for k in set(data.keys())})

    @classmethod
    async def read(cls, request: web.Request) -> Form:
        """The posted form of the request (NUL refused, as in JSON bodies and queries)."""
        posted = await request.post()
        check_query((k, v) for k, v in posted.items() if isinstance(v, str))
        return cls.of(posted)

    @classmethod
    def query(cls, request: web.Request) -> Form:
        """The query string of the request, read the same way."""
        return cls.of(request.query)

    def __getitem__(self, name: str) -> list[str]:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def raw(self, name: str, default: str = "") -> str:
        """The field as typed (the first value when repeated)."""
        values = self._fields.get(name)
        return values[0] if values else default

    def text(self, name: str, default: str = "") -> str:
        """The field without surrounding blanks."""
        return self.raw(name, default).strip()

    def getall(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multiple choice)."""
        return list(self._fields.get(name, []))

    def checked(self, name: str) -> bool:
        return self.raw(name) == "on"

    def number(self, name: str) -> int | None:
        """A whole number; None when empty, ``ValidationFailed`` when it is something else."""
        value = self.text(name)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise ValidationFailed() from None

    def numbers(self, name: str) -> list[int]:
        """The non-empty values of a repeated field, each a whole number."""
        try:
            return [int(v) for v in self.getall(name) if v.strip()]
        except ValueError:
            raise ValidationFailed() from None

    def digits(self, name: str) -> int | None:
        """A choice given by id: the number when the field holds only digits, else None."""
        value = self.text(name)
        return small_int(value)

    def fields(self) -> dict[str, str]:
        """The first value of every field, as typed (to show the form again)."""
        return {k: v[0] for k, v in self._fields.items() if v}
