"""Official documents edited as form fields (hub.docform): an unchanged form writes back the very
text it was read from (so the hash people confirm does not move), a row typed in the blank row is
added and an emptied row goes, and the preview's policy lets in the document's own styles only."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from hub import docform, etags
from hub.errors import ValidationFailed
from meetings.minutes.minutes import assemble, render_text
from rtc.minutes.minutes import build_draft, section_body
from tests.meetings.test_minutes import RECORD
from tests.rtc.test_minutes import record


def form_of(text: str, prefix: str = "doc-") -> dict[str, list[str]]:
    """The fields as the page names them (``templates/docform.html``), with the blank rows."""
    form: dict[str, list[str]] = {}
    found = docform.parts(text)

    def put(name: str, value: Any) -> None:
        form[prefix + name] = [str(value)]

    put("count", len(found))
    for n, part in enumerate(found):
        put(f"{n}-kind", part.kind)
        if part.kind == "heading":
            put(f"{n}-level", part.level)
            put(f"{n}-text", part.text)
        elif part.kind == "text":
            put(f"{n}-text", part.text)
        else:
            put(f"{n}-cols", len(part.header))
            put(f"{n}-rows", len(part.rows) + 1)
            for c, h in enumerate(part.header):
                put(f"{n}-h{c}", h)
            for r, row in enumerate([*part.rows, ("",) * len(part.header)]):
                for c, cell in enumerate(row):
                    put(f"{n}-r{r}-c{c}", cell)
    return form


def test_a_meetings_minutes_written_back_unchanged_are_the_same_text() -> None:
    text = render_text(assemble(RECORD))
    assert "| --- |" in text  # the stored text is the small Markdown...
    fields = docform.parts(text)
    assert [p.kind for p in fields][:3] == ["heading", "text", "heading"]
    assert not any("|" in p.text or p.text.startswith("#") for p in fields)  # ...the form never shows it
    assert docform.text_of(form_of(text), "doc-") + "\n" == text


def test_each_section_of_a_mediation_record_written_back_unchanged_is_the_same_text() -> None:
    for section in build_draft(record())["sections"]:
        body = section_body(section)
        assert docform.text_of(form_of(body, "s-"), "s-", empty="—") == body, section["key"]


def test_a_row_typed_in_the_blank_row_is_added_and_an_emptied_row_goes() -> None:
    text = render_text(assemble(RECORD))
    form = form_of(text)
    table = next(n for n, p in enumerate(docform.parts(text)) if p.kind == "table")
    rows = int(form[f"doc-{table}-rows"][0])
    for c, value in enumerate(["5", "吴敏", "青川区人民法院", "出席"]):
        form[f"doc-{table}-r{rows - 1}-c{c}"] = [value]
    for c in range(4):
        form[f"doc-{table}-r0-c{c}"] = [""]
    written = docform.text_of(form, "doc-")
    assert "| 5 | 吴敏 | 青川区人民法院 | 出席 |" in written
    assert "| 1 | 王芳 |" not in written and "| 2 | 赵强 |" in written


@pytest.mark.parametrize(
    "broken", [{"doc-count": ["x"]}, {"doc-count": ["1"], "doc-0-kind": ["script"]}, {"doc-count": ["9999"]}]
)
def test_a_form_that_is_not_one_of_ours_is_refused(broken: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationFailed):
        docform.text_of(broken, "doc-")


def test_the_preview_policy_lets_in_the_documents_own_styles_and_nothing_else() -> None:
    html = "<html><body><style>h1 { color: red; }</style><p>x</p><style>p{}</style></body></html>"
    policy = docform.preview_policy(html, "default-src 'self'; style-src 'self'; img-src 'self'")
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(b"h1 { color: red; }").digest()).decode() + "'"
    assert expected in policy and "unsafe-inline" not in policy
    assert policy.count("'sha256-") == 2 and policy.endswith("img-src 'self'")


@pytest.mark.parametrize(
    ("header", "same"),
    [('"ab"', True), ('W/"ab"', True), ('"x", "ab"', True), ("*", True), ('"abc"', False), (None, False)],
)
def test_a_kept_pdf_is_not_sent_again_to_a_browser_that_has_it(header: str | None, same: bool) -> None:
    request = make_mocked_request("GET", "/", headers={"If-None-Match": header} if header else {})
    assert etags.matches(request, '"ab"') is same
