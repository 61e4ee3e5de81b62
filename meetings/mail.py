"""Invitations by e-mail (iMIP, RFC 6047): the meeting's calendar, sent to its invitees.

Off while ``GONGTIAO_SMTP_HOST`` is empty. After its transaction committed, a handler ``post``s a
``Notice`` (which meeting, what changed, to whom); the ``Mailer`` on the app reads the meeting back,
writes one message per person in their language and sends them over one SMTP connection in a
background task: a slow or dead mail server never holds up an answer nor undoes a change. Failures
are logged and recorded (audit row ``meeting.mail_failed``, a notification to whoever made the change).

Messages are laid out as Gmail writes its own invitations: plain text and the calendar as
``text/calendar; method=REQUEST|CANCEL`` side by side (``multipart/alternative``), which clients act
on, and the same file attached as ``invite.ics`` (``application/ics``, so that it does not count as
a second invitation) for people who import it by hand.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum

import aiosmtplib
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.config import Config
from hub.db import Database
from hub.events import LocalBus, transaction
from hub.i18n import N_, gettext, normalise
from hub.keys import CONFIG, DB, EVENTS
from hub.models import User
from hub.notifications import notify
from hub.orm import utcnow
from meetings import service
from meetings.calendars import calendars
from meetings.calendars.ical import Method, valid_email
from meetings.models import Meeting, Series

logger = logging.getLogger(__name__)

# 7-bit transfer encodings (base64 for Chinese text): no relay on the way needs 8BITMIME.
POLICY = email.policy.default.clone(cte_type="7bit")
ATTACHMENT = "invite.ics"
# Connections open at once: a burst of changes queues instead of flooding the relay.
CONNECTIONS = 2
SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


class Change(StrEnum):
    INVITED = "invited"
    UPDATED = "updated"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Notice:
    """What a handler tells the mailer after commit. ``user_ids``: the people to write to (new
    invitees); None means every invitee of the meeting, or of every meeting of its series when
    ``whole_series``. ``links``: user id -> their RSVP path, known only when they were invited."""

    meeting_id: int
    change: Change
    actor: audit.Actor
    base_url: str
    user_ids: tuple[int, ...] | None = None
    links: Mapping[int, str] = field(default_factory=dict)
    whole_series: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str
    locale: str
    rsvp_link: str = ""


@dataclass(frozen=True)
class Content:
    """What every message about one change says, whoever reads it."""

    change: Change
    method: Method
    title: str
    when: str
    place: str
    organiser: str
    link: str
    calendar: bytes
    repeats: bool = False
    whole_series: bool = False
    reason: str = ""


# --- the message (pure) ---------------------------------------------------------------------------

SUBJECTS = {
    Change.INVITED: N_("Invitation: %(meeting)s, %(when)s"),
    Change.UPDATED: N_("Changed: %(meeting)s, now %(when)s"),
    Change.CANCELLED: N_("Cancelled: %(meeting)s, %(when)s"),
}
LEADS = {
    Change.INVITED: N_("%(organiser)s invites you to %(meeting)s."),
    Change.UPDATED: N_("%(meeting)s has changed; the time and place below are the current ones."),
    Change.CANCELLED: N_("%(meeting)s has been cancelled."),
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def body_text(content: Content, recipient: Recipient) -> str:
    def t(message: str, **params: str) -> str:
        return gettext(message, recipient.locale) % params if params else gettext(message, recipient.locale)

    lines = [t(N_("Dear %(name)s,"), name=recipient.name), ""]
    lines.append(t(LEADS[content.change], organiser=content.organiser, meeting=content.title))
    lines.append(t(N_("When: %(when)s"), when=content.when))
    if content.place:
        lines.append(t(N_("Where: %(place)s"), place=content.place))
    if content.reason:
        lines.append(t(N_("Reason: %(reason)s"), reason=content.reason))
    if content.whole_series:
        lines.append(t(N_("Every meeting of this series still to come is cancelled.")))
    elif content.repeats:
        lines.append(t(N_("This meeting repeats: the attached calendar holds every date.")))
    lines.append("")
    if recipient.rsvp_link:
        lines.append(t(N_("Reply to the invitation: %(link)s"), link=recipient.rsvp_link))
    lines.append(t(N_("The meeting in the hub: %(link)s"), link=content.link))
    if content.method is Method.CANCEL:
        lines.append(t(N_("Open the attached invite.ics to take the meeting off your calendar.")))
    else:
        lines.append(t(N_("Open the attached invite.ics to put the meeting in your calendar.")))
    lines += ["", "-- ", t(N_("Police–mediation hub")), t(N_("This message was sent automatically."))]
    return "\n".join(lines) + "\n"


def build_message(
    content: Content, recipient: Recipient, *, sender: str, reply_to: str = "", now: datetime
) -> EmailMessage:
    """One person's message. Raises ValueError for an address the mail library cannot write."""
    message = EmailMessage(policy=POLICY)
    subject = gettext(SUBJECTS[content.change], recipient.locale)
    message["Subject"] = _one_line(subject % {"meeting": content.title, "when": content.when})
    message["From"] = sender
    message["To"] = Address(display_name=_one_line(recipient.name), addr_spec=recipient.email)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=message["From"].addresses[0].domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the hub
    message.set_content(body_text(content, recipient))
    params = {"method": content.method.value, "charset": "UTF-8"}
    message.add_alternative(content.calendar, maintype="text", subtype="calendar", params=params)
    message.add_attachment(
        content.calendar,
        maintype="application",
        subtype="ics",
        filename=ATTACHMENT,
        params={"name": ATTACHMENT},
    )
    return message


# --- reading the meeting back ----------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    user_id: int
    message: EmailMessage


@dataclass(frozen=True)
class Batch:
    title: str
    letters: list[Letter]


async def _recipients(
    s: AsyncSession, meeting: Meeting, notice: Notice, default_locale: str
) -> list[Recipient]:
    if notice.user_ids is not None:
        wanted = set(notice.user_ids)
    elif notice.whole_series and meeting.series_id is not None:
        series = select(Meeting).where(Meeting.series_id == meeting.series_id)
        wanted = {i.user_id for m in (await s.scalars(series)).all() for i in m.invitees}
    else:
        wanted = {i.user_id for i in meeting.invitees}
    query = select(User).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id)
    found = []
    for user in (await s.scalars(query)).all():
        if not valid_email(user.email):
            continue
        locale = normalise(user.locale) or default_locale
        link = f"{notice.base_url}{notice.links[user.id]}" if user.id in notice.links else ""
        found.append(Recipient(user.id, user.display_name, user.email, locale, link))
    return found


async def gather(s: AsyncSession, notice: Notice, config: Config, now: datetime) -> Batch | None:
    """The messages of a notice, from the meeting as it stands now (None: it is gone)."""
    meeting = await s.get(Meeting, notice.meeting_id)
    if meeting is None:
        return None
    recipients = await _recipients(s, meeting, notice, config.default_locale)
    if not recipients:
        return Batch(meeting.title, [])
    calendar, method = await calendars.meeting_calendar(s, meeting, notice.base_url, now)
    details = await calendars.details(s, meeting, notice.base_url)
    series = await s.get(Series, meeting.series_id) if meeting.series_id is not None else None
    when = service.local_text(meeting)
    if meeting.time_zone != config.time_zone:
        when += f" ({meeting.time_zone})"
    content = Content(
        # A meeting cancelled since the notice was posted is announced as what it is now.
        change=Change.CANCELLED if method is Method.CANCEL else notice.change,
        method=method,
        title=_one_line(meeting.title),
        when=when,
        place=meeting.place,
        organiser=details.organizer.name,
        link=details.url,
        calendar=calendar,
        repeats=series is not None and method is Method.REQUEST,
        whole_series=series is not None and series.cancelled,
        reason=_one_line(notice.reason),
    )
    # Those asked to this one meeting of a series get it alone, not the series.
    alone: Content | None = None
    followers: set[int] = set()
    if series is not None:
        followers = await calendars.followers(s, meeting)
        if any(p.user_id not in followers for p in recipients):
            one, one_method = await calendars.occurrence_calendar(s, meeting, notice.base_url, now)
            alone = replace(content, calendar=one, method=one_method, repeats=False, whole_series=False)
    # Replies from calendar clients go to the ORGANIZER; Reply-To sends people's answers there too.
    organiser = details.organizer.email
    reply_to = "" if organiser == calendars.sender_address(notice.base_url) else organiser
    letters = []
    for person in recipients:
        told = alone if alone is not None and person.user_id not in followers else content
        try:
            message = build_message(told, person, sender=config.smtp_from, reply_to=reply_to, now=now)
        except ValueError:
            logger.warning("unusable e-mail address", extra={"meeting": meeting.id, "user": person.user_id})
            continue
        letters.append(Letter(person.user_id, message))
        await asyncio.sleep(0)  # ~2 ms a message: a whole agency's worth must not hog the loop
    return Batch(meeting.title, letters)


# --- sending, on the app ---------------------------------------------------------------------------


class Mailer:
    """Background delivery of meeting e-mail; one per app (``MAILER``), drained at shutdown."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections = asyncio.Semaphore(CONNECTIONS)

    @property
    def enabled(self) -> bool:
        return self.config.mail_enabled

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def post(self, notice: Notice, db: Database, events: LocalBus) -> None:
        if not self.enabled:
            return
        task = asyncio.create_task(
            self._deliver(notice, db, events), name=f"meeting-mail-{notice.meeting_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait for the messages posted so far; at shutdown, give up on them after ``timeout``."""
        if not self._tasks:
            return
        _done, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in late:
            logger.error("meeting e-mail abandoned at shutdown", extra={"task": task.get_name()})
            task.cancel()
        if late:
            await asyncio.wait(late)

    def _client(self) -> aiosmtplib.SMTP:
        c = self.config
        implicit = c.smtp_port == 465  # SMTPS: TLS from the first byte, no STARTTLS
        return aiosmtplib.SMTP(
            hostname=c.smtp_host,
            port=c.smtp_port,
            username=c.smtp_user or None,
            password=c.smtp_password or None,
            use_tls=implicit,
            start_tls=False if implicit else c.smtp_starttls,
            timeout=c.smtp_timeout_seconds,
        )

    async def send(self, letters: list[Letter]) -> list[tuple[Letter, str]]:
        """Send over one connection; returns the letters that failed, each with its reason."""
        async with self._connections:
            smtp = self._client()
            try:
                await smtp.connect()  # connects, starts TLS and logs in as configured
            except SMTP_ERRORS as exc:
                smtp.close()
                return [(letter, _reason(exc)) for letter in letters]
            failed = []
            try:
                for letter in letters:
                    try:
                        await smtp.send_message(letter.message)
                    except SMTP_ERRORS as exc:
                        failed.append((letter, _reason(exc)))
            finally:
                try:
                    await smtp.quit()
                except SMTP_ERRORS:
                    smtp.close()
            return failed

    async def _deliver(self, notice: Notice, db: Database, events: LocalBus) -> None:
        try:
            async with db.read() as s:
                batch = await gather(s, notice, self.config, utcnow())
            if batch is None or not batch.letters:
                return
            failed = await self.send(batch.letters)
        except Exception as exc:  # the meeting change stands; the mail is reported lost
            logger.exception("meeting e-mail could not be prepared", extra={"meeting": notice.meeting_id})
            await _record_failure(db, events, notice, "", notice.user_ids or (), _reason(exc))
            return
        extra = {"meeting": notice.meeting_id, "change": notice.change.value}
        logger.info("meeting e-mail sent", extra={**extra, "sent": len(batch.letters) - len(failed)})
        if failed:
            users, error = sorted({letter.user_id for letter, _ in failed}), failed[0][1]
            logger.warning("meeting e-mail failed", extra={**extra, "users": users, "error": error})
            await _record_failure(db, events, notice, batch.title, users, error)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


async def _record_failure(
    db: Database, events: LocalBus, notice: Notice, title: str, user_ids: Sequence[int], error: str
) -> None:
    """An audit row (the system tried and failed) and a word to whoever made the change."""
    try:
        async with transaction(db, events) as (s, outbox):
            data = {"change": notice.change.value, "users": list(user_ids), "error": error}
            await audit.record(s, audit.SYSTEM, "meeting.mail_failed", "meeting", notice.meeting_id, data)
            if notice.actor.user_id is not None:
                if user_ids:
                    message = N_("E-mail about %(meeting)s could not be sent to %(count)s people.")
                else:  # it failed before anyone was counted
                    message = N_("E-mail about %(meeting)s could not be sent.")
                link = f"/meetings/{notice.meeting_id}"
                params = {"meeting": title or f"#{notice.meeting_id}", "count": len(user_ids)}
                await notify(
                    s, outbox, [notice.actor.user_id], "meeting.mail_failed", message, link, **params
                )
    except Exception:  # the database is gone too: the log line is all there is
        logger.exception("could not record a failed meeting e-mail", extra={"meeting": notice.meeting_id})


MAILER = web.AppKey("meetings_mailer", Mailer)


def setup(app: web.Application) -> None:
    """Put the mailer on the app. It drains on shutdown, not in a cleanup context: cleanup runs
    after the database closed, and a failure must still be recorded."""
    if MAILER in app:
        return
    app[MAILER] = Mailer(app[CONFIG])
    app.on_shutdown.append(_drain)


async def _drain(app: web.Application) -> None:
    mailer = app[MAILER]
    await mailer.drain(timeout=2.0 * mailer.config.smtp_timeout_seconds)


def post(app: web.Application, notice: Notice) -> None:
    """Send the notice's messages in the background (nothing when e-mail is off)."""
    mailer = app.get(MAILER)
    if mailer is not None and mailer.enabled:
        mailer.post(notice, app[DB], app[EVENTS])
