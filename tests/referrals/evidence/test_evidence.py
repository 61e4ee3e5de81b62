"""Evidence captured at the scene: the station uploads, the room downloads once the case is referred,
outsiders see nothing, and every upload and download is in the chain of custody."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.audit import AuditEvent, verify_chain
from hub.config import Config
from hub.db import Database
from hub.demo_context import DemoContext
from hub.models import Agency, User
from hub.orm import utcnow
from referrals.evidence import demo
from referrals.evidence.store import BlobStore
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg

PHOTO = demo.photo_png()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def form(content: bytes, filename: str, **fields: str) -> FormData:
    data = FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    data.add_field("file", io.BytesIO(content), filename=filename, content_type="application/octet-stream")
    return data


async def upload(
    person: Person, case_id: int, content: bytes, filename: str, **fields: str
) -> tuple[int, Any]:
    response = await person.client.post(
        f"/api/v1/cases/{case_id}/evidence",
        data=form(content, filename, **fields),
        headers={"X-CSRF-Token": person.csrf},
    )
    return response.status, await response.json()


async def new_case(person: Person) -> int:
    status, case = await person.post("/api/v1/cases", case_body())
    assert status == 201, case
    return int(case["id"])


async def refer(person: Person, case_id: int) -> None:
    status, referral = await person.post(f"/api/v1/cases/{case_id}/referrals", {})
    assert status == 201, referral


def stored_files(config: Config) -> list[Path]:
    root = config.data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_photo_uploaded_by_the_station_is_listed_with_its_sha256(
    client: TestClient, config: Config, db: Database
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    status, out = await upload(
        police,
        case_id,
        PHOTO,
        "楼下天花板.png",
        description="天花板水渍",
        captured_at="2026-11-28T09:30",
        captured_by="民警 张军",
        captured_place="幸福路 8 号 302 室",
    )
    assert status == 201, out
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert (out["sha256"], out["size"], out["kind"], out["media_type"]) == (
        sha,
        len(PHOTO),
        "photo",
        "image/png",
    )
    assert out["captured_at"].startswith("2026-11-28T01:30:00")  # 09:30 in Shanghai
    assert out["uploaded_agency"] and out["uploaded_by"]

    status, listed = await police.get(f"/api/v1/cases/{case_id}/evidence")
    assert status == 200 and listed["total"] == 1
    assert listed["items"][0]["sha256"] == sha and listed["items"][0]["original_name"] == "楼下天花板.png"
    assert stored_files(config) == [config.data_dir / "evidence" / sha[:2] / sha]

    async with db.read() as s:
        row = await s.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.uploaded"))
        assert row is not None and row.data["sha256"] == sha and row.object_id == str(out["id"])
        assert (await verify_chain(s)).ok


async def test_the_room_downloads_the_photo_once_the_case_is_referred(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    _, out = await upload(police, case_id, PHOTO, "现场照片.png")

    room = await Person.login(client, "liaison_sr01")
    assert (await room.get(out["download_url"]))[0] == 404  # not yet theirs to see

    police = await Person.login(client, "liaison_ps01")
    await refer(police, case_id)
    room = await Person.login(client, "liaison_sr01")
    response = await client.get(out["download_url"])
    assert response.status == 200
    assert await response.read() == PHOTO
    assert response.headers["Content-Type"] == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    # Handling the case now, the room may add evidence of its own.
    status, added = await upload(room, case_id, demo.recording_wav(), "调解录音.wav")
    assert status == 201 and added["kind"] == "audio"


async def test_a_supervisor_who_sees_the_case_may_not_add_evidence(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    supervisor = await Person.login(client, "psb_supervisor")
    assert (await supervisor.get(f"/api/v1/cases/{case_id}/evidence"))[0] == 200
    status, body = await upload(supervisor, case_id, PHOTO, "a.png")
    assert status == 403 and body["error"]["code"] == "evidence_upload_forbidden"


async def test_the_same_file_twice_is_stored_once(client: TestClient, config: Config) -> None:
    police = await Person.login(client, "liaison_ps01")
    first, second = await new_case(police), await new_case(police)
    _, a = await upload(police, first, PHOTO, "a.png")
    _, b = await upload(police, second, PHOTO, "b.png")
    _, c = await upload(police, second, PHOTO, "again.png")
    assert a["sha256"] == b["sha256"] == c["sha256"] and len({a["id"], b["id"], c["id"]}) == 3
    assert len(stored_files(config)) == 1


async def test_a_file_larger_than_the_body_limit_is_streamed_not_refused(
    client: TestClient, config: Config
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    text = ("现场询问记录：双方同意调解。\n" * 60000).encode()
    assert len(text) > 2 * config.max_body_bytes
    status, out = await upload(police, case_id, text, "询问记录.txt")
    assert status == 201, out
    assert out["sha256"] == hashlib.sha256(text).hexdigest() and out["media_type"].startswith("text/plain")


@pytest.mark.parametrize("size", [5000, 300_000])  # streamed past the limit; refused from Content-Length
async def test_an_oversized_upload_gets_413_and_leaves_nothing(
    aiohttp_client, config: Config, size: int
) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(config.with_overrides(max_evidence_bytes=1000)))
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    status, body = await upload(police, case_id, b"\xff\xd8\xff" + b"\x00" * size, "big.jpg")
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert "1000" in body["error"]["message"]
    assert stored_files(config) == []  # neither the blob nor a temporary file
    assert (await police.get(f"/api/v1/cases/{case_id}/evidence"))[1]["total"] == 0


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [(PDF, 422, "evidence_extension_mismatch"), (ELF, 415, "evidence_type_refused")],
    ids=["pdf", "elf"],
)
async def test_files_that_are_not_what_their_name_says_are_refused(
    client: TestClient, config: Config, content: bytes, status: int, code: str
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    got, body = await upload(police, case_id, content, "photo.jpg")
    assert (got, body["error"]["code"]) == (status, code)
    assert stored_files(config) == []
    assert (await police.get(f"/api/v1/cases/{case_id}/evidence"))[1]["total"] == 0


async def test_an_outsider_cannot_list_download_or_add(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    _, out = await upload(police, case_id, PHOTO, "a.png")
    outsider = await Person.login(client, "liaison_ps02")
    for path in (
        f"/api/v1/cases/{case_id}/evidence",
        out["download_url"],
        f"/cases/{case_id}/evidence",
        f"/cases/{case_id}/evidence/custody.csv",
    ):
        assert (await outsider.get(path))[0] == 404, path
    assert (await upload(outsider, case_id, PHOTO, "b.png"))[0] == 404


async def test_the_custody_csv_lists_the_upload_and_the_download(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    _, out = await upload(
        police, case_id, PHOTO, "天花板.png", captured_by="民警 张军", captured_place="302 室"
    )
    await refer(police, case_id)
    room = await Person.login(client, "liaison_sr01")
    assert (await client.get(out["download_url"])).status == 200

    police = await Person.login(client, "liaison_ps01")
    response = await client.get(f"/cases/{case_id}/evidence/custody.csv")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    raw = await response.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, events = rows[0], rows[1:]
    assert len(header) == 13 and "SHA-256" in header
    assert [r[1] for r in events] == ["上传", "下载"] or [r[1] for r in events] == ["Uploaded", "Downloaded"]
    upload_row, download_row = events
    assert upload_row[3:5] == ["天花板.png", out["sha256"]]
    assert upload_row[8:10] == ["民警 张军", "302 室"]
    assert upload_row[10] == out["uploaded_by"] and download_row[10] != upload_row[10]
    assert all(len(r[12]) == 64 for r in events)  # each event's audit record
    del room


async def test_an_upload_through_the_page_form_works(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    page = await (await client.get(f"/cases/{case_id}/evidence")).text()
    action = re.search(r'action="(/cases/\d+/evidence\?_csrf=[^"]+)"', page)
    assert action, page
    target = action.group(1).replace("&amp;", "&")

    refused = await client.post(
        f"/cases/{case_id}/evidence", data=form(PHOTO, "a.png"), allow_redirects=False
    )
    assert refused.status == 403  # no token: not sent by our page

    fields = {"description": "现场照片", "captured_at": "2026-11-28T08:00", "captured_by": "民警 张军"}
    sent = await client.post(target, data=form(PHOTO, "现场.png", **fields), allow_redirects=False)
    assert sent.status == 303, await sent.text()
    assert sent.headers["Location"].startswith(f"/cases/{case_id}/evidence?added=")
    shown = await (await client.get(sent.headers["Location"])).text()
    assert 'data-testid="evidence-added"' in shown and hashlib.sha256(PHOTO).hexdigest() in shown
    assert "现场.png" in shown and "民警 张军" in shown

    wrong = await client.post(target, data=form(PDF, "photo.jpg"), allow_redirects=False)
    assert wrong.status == 422
    assert 'data-testid="evidence-error"' in await wrong.text()


async def test_the_demo_attaches_a_photo_a_recording_and_a_sketch(
    client: TestClient, config: Config, db: Database
) -> None:
    async with db.read() as s:
        agencies = {code: i for code, i in (await s.execute(select(Agency.code, Agency.id))).all()}
        users = {name: i for name, i in (await s.execute(select(User.username, User.id))).all()}
    ctx = DemoContext(db=db, now=utcnow(), agencies=agencies, users=users)
    await demo.attach_demo_files(ctx)  # no data directory given: nothing half-made
    assert stored_files(config) == []
    ctx.data_dir = config.data_dir  # type: ignore[attr-defined]
    await demo.attach_demo_files(ctx)
    assert len(stored_files(config)) == 3

    police = await Person.login(client, "liaison_ps01")
    _, cases = await police.get("/api/v1/cases?limit=100")
    found = []
    for case in cases["items"]:
        _, listed = await police.get(f"/api/v1/cases/{case['id']}/evidence")
        found += listed["items"]
    assert sorted(e["kind"] for e in found) == ["audio", "document", "photo"]
    assert all(e["captured_by"] and e["captured_place"] for e in found)
    response = await client.get(found[0]["download_url"])
    assert hashlib.sha256(await response.read()).hexdigest() == found[0]["sha256"]


async def test_a_missing_file_is_reported_not_served(client: TestClient, config: Config) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id, other_case = await new_case(police), await new_case(police)
    _, out = await upload(police, case_id, PHOTO, "a.png")
    # Evidence is reached only through its own case.
    assert (await police.get(f"/cases/{other_case}/evidence/{out['id']}"))[0] == 404
    for path in stored_files(config):
        path.unlink()
    status, body = await police.get(out["download_url"])
    assert status == 404 and b"evidence_file_missing" in body


async def test_the_store_leaves_nothing_behind_when_an_upload_fails_midway(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "evidence")
    with pytest.raises(ConnectionResetError):
        async with store.incoming(10_000) as incoming:
            await incoming.write(b"\xff\xd8\xff" + b"\x00" * 2000)
            assert store.leftovers()  # being written
            raise ConnectionResetError  # the client went away
    assert store.leftovers() == [] and not any(p.is_file() for p in store.root.rglob("*"))
    blob = await store.put(PHOTO)
    again = await store.put(PHOTO)
    assert blob.new and not again.new and blob.path == again.path
    assert blob.path.read_bytes() == PHOTO and blob.sha256 == hashlib.sha256(PHOTO).hexdigest()


async def test_the_openapi_document_describes_the_evidence_routes(client: TestClient) -> None:
    paths = (await (await client.get("/api/v1/openapi.json")).json())["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/{id}/evidence"])
    assert "Download" in paths["/cases/{id}/evidence/{evidence_id}"]["get"]["summary"]
    assert "custody" in paths["/cases/{id}/evidence/custody.csv"]["get"]["summary"]


async def test_names_with_nul_or_direction_overrides_are_cleaned_and_text_fields_with_nul_refused(
    client: TestClient, config: Config
) -> None:
    police = await Person.login(client, "liaison_ps01")
    case_id = await new_case(police)
    # U+202E turns "photo‮gnp.docx" into a name that shows as "photoxcod.png": a PNG posing as a
    # document. Direction marks and overrides go; what is shown is what the file is called.
    status, body = await upload(police, case_id, PHOTO, "现场\u202egnp.docx\u202c.png")
    assert status == 201, body
    assert body["original_name"] == "现场gnp.docx.png"
    raw = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + PHOTO + b"\r\n--XyZ--\r\n"
    )  # written by hand: aiohttp's client will not put a NUL in a header, and its server refuses one
    response = await police.client.post(
        f"/api/v1/cases/{case_id}/evidence",
        data=raw,
        headers={"X-CSRF-Token": police.csrf, "Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    body = await response.json()
    assert response.status == 400 and body["error"]["code"] == "bad_request", body
    status, body = await upload(police, case_id, PHOTO, "c.png", description="x\x00y")
    assert status == 400 and body["error"]["code"] == "nul_in_text", body
