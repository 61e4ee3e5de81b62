"""The minutes editor: assemble the draft from the record, edit it, circulate it, take comments,
approve it (the chair), start a new revision; and the PDF link. Each step tells the meeting's
viewers (``views.announce``): the meeting page shows the minutes' state, the editor a notice."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import docform, input_limits
from hub.errors import HubError
from hub.events import Outbox
from hub.forms import Form
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from hub.web import CSP
from meetings.minutes import documents
from meetings.minutes import service as minutes_service
from meetings.minutes.minutes import freeze
from meetings.models import Meeting
from meetings.permissions import (
    MeetingPermission,
    check_manage,
    get_visible_meeting,
    is_chair,
    may_manage,
    reads_drafts,
)
from meetings.views import announce

routes = Routes()
TAGS = ("meetings",)
VIEW = MeetingPermission.view_meetings
DOC = "doc-"  # the prefix of the document's fields (hub.docform)
STEPS = ("assemble", "save", "circulate", "comment", "approve", "revise")


@routes.page("GET", "/meetings/{id}/minutes", perm=VIEW)
async def minutes_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


async def _page(
    ctx: Ctx,
    *,
    status: int = 200,
    error: HubError | None = None,
    typed: str | None = None,
    comment: str = "",
) -> web.Response:
    """The editor; after a refused step, with the message and what the person typed kept."""
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        drafts = reads_drafts(ctx.must, meeting)  # invitees read the minutes once circulated
        current = await minutes_service.latest(s, meeting.id, drafts=drafts)
        notes = await minutes_service.comments(s, current.id) if current else []
        revisions = await minutes_service.revisions(s, meeting.id, drafts=drafts)
        preview = (
            await documents.minutes_document(
                s, ctx.request.app[JINJA], meeting, utcnow(), current.revision, drafts=drafts
            )
            if current is not None
            else None
        )
    html = preview.html if preview is not None else ""
    response = render(
        ctx,
        "meetings/minutes.html",
        status=status,
        error=error.text() if error else "",
        code=error.code if error else "",
        typed=typed,
        comment=comment,
        meeting=meeting,
        minutes=current,
        seen=freeze(current.text) if current else "",
        comments=notes,
        revisions=revisions,
        manage=may_manage(ctx.must, meeting),
        chair=is_chair(ctx.user, meeting),
        invited=any(i.user_id == ctx.user.user_id for i in meeting.invitees),
        parts=docform.parts((typed if typed is not None else current.text) if current else ""),
        preview=html,
    )
    if html:  # the document's own styles apply in the preview frame, which inherits the policy
        response.headers["Content-Security-Policy"] = docform.preview_policy(html, CSP)
    return response


@routes.page("POST", "/meetings/{id}/minutes/preview", perm=VIEW)
async def minutes_preview(ctx: Ctx) -> web.Response:
    """The document as the fields being typed would print, saving nothing: ``{"html": ...}`` for
    the preview frame (the editor's script posts the form here as people type)."""
    form = await Form.read(ctx.request)
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        check_manage(ctx.must, meeting)
        document = await documents.minutes_document(
            s, ctx.request.app[JINJA], meeting, utcnow(), typed=_typed(form)
        )
    return web.json_response({"html": document.html})


@routes.page("POST", "/meetings/{id}/minutes", perm=VIEW)
async def minutes_step(ctx: Ctx) -> web.Response:
    """One form, several buttons (``step``): what the person may do is checked per step."""
    form = await Form.read(ctx.request)
    step = form.text("step")
    if step not in STEPS:
        raise web.HTTPBadRequest()
    try:
        async with ctx.write() as (s, outbox):
            meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
            await _step(ctx, s, meeting, step, form, outbox)
            await announce(s, outbox, meeting, "minutes", ctx.user.user_id)
    except HubError as exc:
        if exc.status == 404:
            raise
        typed = _typed(form) if step in ("save", "revise") else None
        return await _page(ctx, status=exc.status, error=exc, typed=typed, comment=form.text("comment"))
    if step == "approve":  # the text is frozen: its PDF is rendered now, once, and kept
        await documents.keep_approved_pdf(ctx.db, ctx.request.app[JINJA], meeting.id, utcnow())
    raise web.HTTPSeeOther(f"/meetings/{meeting.id}/minutes")


def _typed(form: Form) -> str:
    """The minutes' text as the form gives it: its fields (headings, paragraphs, table cells), or
    one plain text box (``text``) from a client that sends text."""
    if docform.posted(form, DOC):
        return docform.text_of(form, DOC)
    return form.text("text")


async def _step(ctx: Ctx, s: AsyncSession, meeting: Meeting, step: str, form: Form, outbox: Outbox) -> None:
    seen = form.text("seen") or None  # the text the person had on screen
    if step == "approve":
        await minutes_service.approve(s, ctx.user, meeting, outbox, seen=seen)
        return
    if step == "comment":
        await minutes_service.comment(s, ctx.user.actor, meeting, form.text("comment"))
        return
    check_manage(ctx.must, meeting)
    actor = ctx.user.actor
    if step == "assemble":
        await minutes_service.draft(s, actor, meeting, utcnow())
    elif step == "save":
        await minutes_service.edit(s, actor, meeting, _typed(form), seen=seen)
    elif step == "revise":
        await minutes_service.edit(s, actor, meeting, _typed(form), new_revision=True, seen=seen)
    else:  # circulate
        await minutes_service.circulate(s, actor, meeting, outbox)


@routes.page(
    "GET",
    "/meetings/{id}/minutes.pdf",
    perm=VIEW,
    summary="会议纪要 (the minutes) as PDF: attendance, decisions, actions, signature lines; ?revision=N",
    produces="application/pdf",
    tags=TAGS,
)
async def minutes_pdf(ctx: Ctx) -> web.Response:
    raw = ctx.request.query.get("revision", "")
    revision = input_limits.path_id(raw) if raw else None  # a bad revision is one that is not there
    env = ctx.request.app[JINJA]
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, ctx.match_int("id"))
        drafts = reads_drafts(ctx.must, meeting)  # invitees read the minutes once circulated
        latest = await minutes_service.latest(s, meeting.id, drafts=drafts) if revision is None else None
    wanted = revision if revision is not None else latest.revision if latest is not None else 0
    approved = await documents.approved_pdf(ctx.db, env, meeting.id, wanted, utcnow()) if wanted else None
    if approved is not None:  # rendered once, at approval: served as kept
        return approved.response(ctx.request)
    async with ctx.db.read() as s:
        meeting = await get_visible_meeting(s, ctx.must, meeting.id)
        document = await documents.minutes_document(s, env, meeting, utcnow(), revision, drafts=drafts)
    return await document.response()
