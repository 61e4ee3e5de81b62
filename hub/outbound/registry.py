"""The fixed registry of message templates: every message the hub may send to a person, with its
declared placeholders (kind and maximum length) and its wording in Chinese and English. Pure.

Adding a message means adding a ``Template`` here; ``hub.outbound.templates`` checks and renders.
"""

from __future__ import annotations

from hub.outbound.templates import Field, Kind, Template, UnknownTemplate, Wording

AGENCY = Field("agency", Kind.name, 24)
START = Field("start", Kind.datetime, 40)
PHONE = Field("phone", Kind.phone, 20)
LINK = Field("link", Kind.link, 120)
CASE = Field("case_number", Kind.case_number, 24)
DEADLINE = Field("deadline", Kind.datetime, 40)

TEMPLATES: dict[str, Template] = {
    t.code: t
    for t in (
        # To parties: who invites them, when, and the way in. Nothing about the dispute.
        Template(
            "party.video_invitation",
            (AGENCY, START, LINK),
            Wording(
                "视频调解邀请",
                "您好，{agency}邀请您于{start}参加视频调解。届时请点击链接进入（仅限本人使用，请勿转发）：{link}",
            ),
            Wording(
                "Invitation to a video mediation",
                "Hello, {agency} invites you to a video mediation at {start}. At that time open this "
                "link (for you alone; do not forward it): {link}",
            ),
        ),
        Template(
            "party.minutes_confirmation",
            (AGENCY, DEADLINE, LINK),
            Wording(
                "请确认调解笔录",
                "您好，{agency}请您在{deadline}前阅读并确认调解笔录（链接仅限本人使用，请勿转发）：{link}",
            ),
            Wording(
                "Please confirm the mediation minutes",
                "Hello, {agency} asks you to read and confirm the minutes of your mediation by "
                "{deadline} (the link is for you alone; do not forward it): {link}",
            ),
        ),
        Template(
            "party.hearing_reminder",
            (AGENCY, START, PHONE),
            Wording(
                "调解提醒",
                "您好，提醒您：{agency}定于{start}进行调解，请准时参加。如需改期请致电{phone}。",
            ),
            Wording(
                "Mediation reminder",
                "Hello, a reminder: {agency} holds your mediation at {start}. Please be on time. "
                "To change the date call {phone}.",
            ),
        ),
        Template(
            "party.hearing_moved",
            (AGENCY, START, PHONE),
            Wording(
                "调解改期通知",
                "您好，{agency}已将您的调解改至{start}进行，请准时参加。如有疑问请致电{phone}。",
            ),
            Wording(
                "Mediation moved",
                "Hello, {agency} has moved your mediation to {start}. Please be on time. "
                "Questions: call {phone}.",
            ),
        ),
        Template(
            "party.hearing_cancelled",
            (AGENCY, PHONE),
            Wording(
                "调解取消通知",
                "您好，{agency}原定与您进行的调解已取消，邀请链接已失效。如有疑问请致电{phone}。",
            ),
            Wording(
                "Mediation cancelled",
                "Hello, {agency} has cancelled the mediation it had planned with you; the invitation "
                "link no longer works. Questions: call {phone}.",
            ),
        ),
        Template(
            "party.followup_visit",
            (AGENCY, Field("date", Kind.date, 10), PHONE),
            Wording(
                "回访通知",
                "您好，{agency}将于{date}就调解协议的履行情况对您进行回访。如有疑问请致电{phone}。",
            ),
            Wording(
                "Follow-up visit",
                "Hello, {agency} will visit you on {date} to follow up on how the mediation agreement "
                "is kept. Questions: call {phone}.",
            ),
        ),
        # To staff: enough to recognise the case, and the link to it (behind the login).
        Template(
            "staff.new_referral",
            (AGENCY, CASE, DEADLINE, LINK),
            Wording("新移送案件{case_number}", "{agency}移送案件{case_number}，请于{deadline}前受理：{link}"),
            Wording(
                "New referral {case_number}",
                "{agency} referred case {case_number} to you; accept or decline it by {deadline}: {link}",
            ),
        ),
        Template(
            "staff.urgent_risk",
            (AGENCY, CASE, LINK),
            Wording(
                "紧急隐患{case_number}",
                "{agency}网格员上报紧急情况（案件{case_number}），请立即处置：{link}",
            ),
            Wording(
                "Urgent risk {case_number}",
                "A grid worker of {agency} reported an urgent matter (case {case_number}); "
                "act at once: {link}",
            ),
        ),
        Template(
            "staff.deadline_soon",
            (
                CASE,
                Field(
                    "step",
                    Kind.choice,
                    20,
                    {
                        "acceptance": ("受理", "acceptance"),
                        "mediation": ("调解", "mediation"),
                        "confirmation": ("司法确认申请", "judicial confirmation"),
                        "followup": ("回访", "follow-up"),
                    },
                ),
                DEADLINE,
                LINK,
            ),
            Wording(
                "案件{case_number}期限将至",
                "案件{case_number}的{step}期限将于{deadline}届满，请及时处理：{link}",
            ),
            Wording(
                "Case {case_number}: deadline soon",
                "The {step} deadline of case {case_number} lapses at {deadline}: {link}",
            ),
        ),
        Template(
            "staff.court_outcome",
            (
                CASE,
                Field(
                    "outcome",
                    Kind.choice,
                    20,
                    {"confirmed": ("裁定确认", "confirmed"), "refused": ("裁定不予确认", "refused")},
                ),
                LINK,
            ),
            Wording(
                "案件{case_number}司法确认结果",
                "人民法院对案件{case_number}的司法确认申请已{outcome}：{link}",
            ),
            Wording(
                "Case {case_number}: the court's decision",
                "The court has {outcome} the agreement of case {case_number}: {link}",
            ),
        ),
    )
}


def get(code: str) -> Template:
    try:
        return TEMPLATES[code]
    except KeyError:
        raise UnknownTemplate(code) from None
