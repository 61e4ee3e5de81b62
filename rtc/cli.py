"""``gongtiao mediation invite SESSION``: fresh invitation links for a session's guests, printed so
that a newcomer can open them in two browser windows (each earlier link of theirs stops working)."""

from __future__ import annotations

import argparse
from typing import Any

from hub import audit
from hub.config import Config
from hub.orm import utcnow


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    mediation = sub.add_parser("mediation", help="video mediation").add_subparsers(
        dest="mediation_command", required=True
    )
    invite = mediation.add_parser("invite", help="print fresh invitation links for a session's guests")
    invite.add_argument("session", type=int, help="session id (see /mediations)")
    invite.add_argument("--base-url", default="", help="default: GONGTIAO_PUBLIC_URL or http://HOST:PORT")
    invite.set_defaults(handler=invite_command)


async def invite_command(config: Config, args: argparse.Namespace) -> int:
    from hub.db import Database
    from hub.plugins import load_models
    from rtc import invitations, service, views
    from rtc.models import MediationSession

    load_models()
    db = Database(config.database_url)
    try:
        async with db.write() as s:
            session = await s.get(MediationSession, args.session)
            if session is None:
                print(f"no session {args.session} / 没有编号为 {args.session} 的调解会话")
                return 1
            if session.status not in invitations.OPEN_STATUSES:
                print(f"session {session.id} is {session.status} / 该会话已结束或已取消")
                return 1
            base = (args.base_url or views.base_url(config)).rstrip("/")
            actor = audit.Actor(user_id=None, agency_id=session.agency_id)
            from hub.models import User

            mediator = await s.get(User, session.mediator_id)
            login = mediator.username if mediator else "?"
            print(
                f"{session.title}  mediator room / 调解员入口 ({login}): {base}/mediations/{session.id}/room"
            )
            for participant in await service.participants(s, session.id):
                if participant.user_id is not None:
                    continue
                token = await invitations.issue(
                    s, actor, session, participant, now=utcnow(), hours=config.invitation_hours
                )
                check = " (ID last 4 / 身份证后四位)" if participant.identity_check == "id_last4" else ""
                print(f"{participant.role}\t{participant.display_name}{check}\t{views.join_url(base, token)}")
    finally:
        await db.dispose()
    return 0
