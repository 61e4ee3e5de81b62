"""A case that went all the way, for the case file's tests: a natural person with an agent and a
company with its legal representative, referred, accepted, the notice of rights acknowledged by
both, an agreement confirmed, resolved, confirmed by the court, visited once, with two pieces of
evidence."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from hub.documents import fonts_available
from hub.orm import utcnow
from referrals.evidence import demo
from tests.referrals.agreements.test_agreements import agreement_body, case_in_mediation, confirm_all, put
from tests.referrals.agreements.test_documents import PERSON_AND_COMPANY
from tests.referrals.evidence.test_evidence import upload
from tests.referrals.helpers import Person

PHOTO = demo.photo_png()
ENTRY = re.compile(r"^\s*(\d+)\s+(\S+)\s+(?:\d{4}年\d{1,2}月\d{1,2}日\s+)?(\d+)(?:-(\d+))?\s*$")


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """The PDF's text, page by page (pdftotext separates pages with form feeds), whitespace removed."""
    assert fonts_available() and shutil.which("pdftotext"), "install fonts-noto-cjk and poppler-utils"
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    pages = text.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return ["".join(page.split()) for page in pages]


def listed(pdf: bytes, tmp_path: Path) -> list[tuple[str, int, int]]:
    """(title, first page, last page) of each line of the contents list (page 2)."""
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = []
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            first = int(match.group(3))
            rows.append((match.group(2), first, int(match.group(4) or first)))
    return rows


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    return "".join(pdf_pages(pdf, tmp_path))


async def acknowledge(room: Person, case_id: int, party_id: int, method: str = "signed") -> tuple[int, Any]:
    return await room.post(
        f"/api/v1/cases/{case_id}/acknowledgements", {"party_id": party_id, "method": method}
    )


async def complete_case(client: TestClient) -> tuple[Person, int, list[int]]:
    """The whole story, ending with the room logged in."""
    case_id, _rid, parties = await case_in_mediation(client, parties=PERSON_AND_COMPANY)
    room = await Person.login(client, "liaison_sr01")
    for party_id, method in zip(parties, ("signed", "read_aloud"), strict=True):
        status, out = await acknowledge(room, case_id, party_id, method)
        assert status == 201, out
    for name in ("现场照片.png", "收据.png"):
        status, out = await upload(room, case_id, PHOTO + name.encode(), name, description=f"{name}说明")
        assert status == 201, out
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert status == 200, out
    await confirm_all(room, case_id, parties)
    resolved = await room.client.post(
        f"/cases/{case_id}/agreement/resolve", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert resolved.status == 303, await resolved.text()
    status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/application", {})
    assert status == 200, out
    court = await Person.login(client, "liaison_court")  # the court takes its own steps
    status, out = await court.post(
        f"/api/v1/cases/{case_id}/court/accept", {"court_case_number": "（2026）浙0106民特301号"}
    )
    assert status == 200, out
    ruled = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    status, out = await court.post(
        f"/api/v1/cases/{case_id}/court/confirm",
        {"ruling_number": "（2026）浙0106民特301号", "ruling_date": ruled.isoformat()},
    )
    assert status == 200, out
    room = await Person.login(client, "liaison_sr01")
    status, visits = await room.get(f"/api/v1/cases/{case_id}/followups")
    assert status == 200 and visits["total"] >= 1, visits
    status, out = await room.post(
        f"/api/v1/cases/{case_id}/followups/{visits['items'][0]['id']}",
        {"outcome": "performed", "notes": "当事人确认维修费已付清。"},
    )
    assert status == 200, out
    return room, case_id, parties
