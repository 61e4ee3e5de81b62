# ruff: noqa: E501  (a table: one route and its fifteen cells to a line)
"""The permission matrix's writes: every route that changes something, one cell per demo person.

Read as ``test_permission_matrix``'s ``MATRIX``: the method and route, then for each person (the
columns ``ad pa sa p1 p2 r1 m1 m4 jb ct sb se su ps gw``) whether the write gets through to the
domain ("ok": any answer but 403, 404 or a 5xx) or is refused ("no": 403, or 404 where the object
is hidden from them). The objects, built at test start (``test_permission_matrix._objects``):

- cases of station PS01, each in the state its row needs: ``{ps01}`` (resolved in SR01, with an
  agreement and follow-ups pending: ``{ps01_followup}``), ``{ps01_sent}`` (its referral
  ``{ps01_sent_referral}`` waits for SR01's answer), ``{ps01_accepted_referral}`` (accepted, no
  mediator yet), ``{ps01_mediating}`` (in mediation in SR01, an agreement being written;
  ``{ps01_mediating_referral}``), ``{ps01_applied}``, ``{ps01_at_court}``, ``{ps01_correcting}``
  (before the court: applied, accepted, a correction asked for); ``{ps02_refused}`` (PS02's, the
  court refused it) and ``{ps02_unsent}`` (PS02's, not yet sent anywhere);
- ``{warning}``: an early warning of PS01; ``{ps01_agency}``, ``{ps02_agency}``, ``{mc_agency}``
  (a village committee), ``{committee}`` (a mediation committee), ``{mediator01}`` (a user id),
  ``{grid}`` (grid_worker01's grid);
- the justice bureau's held ``{meeting}`` with ``{invitee}``, ``{item}`` (an agenda item),
  ``{action}`` (an action owned by liaison_ps01), ``{series}``; ``{feed}``: PS01's calendar feed
  made by its station admin;
- the video ``{session}`` (SR02, mediator04) with a guest ``{guest}``;
- PS01's ``{webhook}`` and ``{outbound}`` (a message that could not be delivered).

``{fresh_token}``, ``{fresh_webhook}`` and ``{fresh_sensitive}`` are consumed by the write (a
deletion): each "ok" person gets one of their own, made just before their request.
"""

from __future__ import annotations

from typing import Any

PAUSE = {"first_day": "2026-12-01", "last_day": "2026-12-02", "reason": "医疗损害鉴定"}
MEETING = {"title": "矩阵会议", "start": "2026-12-21T09:00:00+08:00", "end": "2026-12-21T10:00:00+08:00"}
PARTY = {"name": "矩阵甲", "role": "applicant", "phone": "13800000001"}
CASE = {"channel": "walk_in", "category": "neighbour", "summary": "矩阵测试的纠纷", "parties": [PARTY]}
IN_PERSON = {
    "case_id": "{ps01_mediating}",
    "start": "2026-12-04T09:00:00+08:00",
    "end": "2026-12-04T10:00:00+08:00",
    "place": "调解室",
    "outcome": "adjourned",
}

# fmt: off
WRITES: list[tuple[str, str]] = [
    # method and route                                          ad pa sa p1 p2 r1 m1 m4 jb ct sb se su ps gw
    # One's own account and inbox: everyone.
    ("PUT /api/v1/me/contact",                                  "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST /me/contact",                                        "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST /api/v1/notifications/read",                         "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST /inbox/read",                                        "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    # People, agencies, tokens, webhooks and undelivered messages: admins of an agency at or above.
    ("POST /api/v1/users",                                      "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/users",                                       "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/users/{ps01_clerk}",                          "ok ok ok no no no no no no no no no no no no"),
    ("PATCH /api/v1/users/{ps01_user}",                         "ok ok ok no no no no no no no no no no no no"),
    ("PATCH /api/v1/users/{ps02_user}",                         "ok ok no no no no no no no no no no no no no"),
    ("POST /api/v1/agencies",                                   "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/agencies",                                    "ok ok ok no no no no no no no no no no no no"),
    ("POST /api/v1/tokens",                                     "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/tokens",                                      "ok ok ok no no no no no no no no no no no no"),
    ("DELETE /api/v1/tokens/{fresh_token}",                     "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/tokens/{fresh_token}/revoke",                 "ok ok ok no no no no no no no no no no no no"),
    ("POST /api/v1/webhooks",                                   "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/webhooks",                                    "ok ok ok no no no no no no no no no no no no"),
    ("PATCH /api/v1/webhooks/{webhook}",                        "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/webhooks/{webhook}",                          "ok ok ok no no no no no no no no no no no no"),
    ("POST /api/v1/webhooks/{webhook}/ping",                    "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/webhooks/{webhook}/ping",                     "ok ok ok no no no no no no no no no no no no"),
    ("POST /api/v1/webhooks/{webhook}/rotate",                  "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/webhooks/{webhook}/rotate",                   "ok ok ok no no no no no no no no no no no no"),
    ("DELETE /api/v1/webhooks/{fresh_webhook}",                 "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/webhooks/{fresh_webhook}/delete",             "ok ok ok no no no no no no no no no no no no"),
    ("POST /api/v1/outbound/{outbound}/resend",                 "ok ok ok no no no no no no no no no no no no"),
    ("POST /admin/outbound/{outbound}/resend",                  "ok ok ok no no no no no no no no no no no no"),
    # The statutory calendar: the platform operator only.
    ("PUT /api/v1/calendar/2027",                               "ok no no no no no no no no no no no no no no"),
    ("POST /admin/calendar",                                    "ok no no no no no no no no no no no no no no"),
    # The district's rules, deadlines and committees: admins of a top-level agency.
    ("POST /admin/rules",                                       "ok ok no no no no no no no no no no no no no"),
    ("POST /admin/deadlines",                                   "ok ok no no no no no no no no no no no no no"),
    ("PATCH /api/v1/committees/{committee}",                    "ok ok no no no no no no no no no no no no no"),
    ("POST /admin/committees/{committee}",                      "ok ok no no no no no no no no no no no no no"),
    ("PUT /api/v1/agencies/{mc_agency}/committee",              "ok ok no no no no no no no no no no no no no"),
    # Taking a case in: liaisons and admins (a grid worker is sent on to the grid's own form).
    ("POST /api/v1/cases",                                      "ok ok ok ok ok ok no no ok ok ok no no no no"),
    ("POST /api/v1/cases:batch",                                "ok ok ok ok ok ok no no ok ok ok no no no no"),
    ("POST /cases/new",                                         "ok ok ok ok ok ok no no ok ok ok no no no ok"),
    # Sending it: the station that took it in, and the admins above it.
    ("POST /api/v1/cases/{ps02_unsent}/referrals",              "ok ok no no ok no no no no no no no no no no"),
    ("POST /cases/{ps02_unsent}/send",                          "ok ok no no ok no no no no no no no no no no"),
    # Evidence: the station that took the case in (and admins above it) and the receiving room.
    ("POST /api/v1/cases/{ps01}/evidence",                      "ok ok ok ok no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/evidence",                             "ok ok ok ok no ok ok no no no no no no no no"),
    # A case's parties: those who work on the case (the station that took it in, the room it went
    # to), not the admins and supervisors above them, who see it. Its pauses: the receiving room.
    ("PATCH /api/v1/cases/{ps01}/parties/{ps01_party}",         "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/parties/{ps01_party}",                 "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01}/parties/{ps01_party}/consent",  "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/parties/{ps01_party}/consent",         "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /api/v1/referrals/{ps01_referral}/pauses",           "ok no no no no ok ok no no no no no no no no"),
    ("POST /referrals/{ps01_referral}/pauses",                  "ok no no no no ok ok no no no no no no no no"),
    # The receiving side's moves: the room's liaisons and mediators (the station's are refused as
    # the wrong side; supervisors watch).
    ("POST /api/v1/referrals/{ps01_sent_referral}/actions",     "ok no no no no ok ok no no no no no no no no"),
    ("POST /referrals/{ps01_sent_referral}/act",                "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/referrals/{ps01_accepted_referral}/mediator","ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/referrals/{ps01_mediating_referral}/extension","ok no no no no ok ok no no no no no no no no"),
    ("PUT /api/v1/cases/{ps01_mediating}/agreement",            "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01_mediating}/agreement",                  "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01_mediating}/agreement/confirmations","ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01_mediating}/agreement/confirmations",    "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01_mediating}/agreement/resolve",          "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01}/agreement/application",         "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/agreement/application",                "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01}/followups/{ps01_followup}",     "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/followups/{ps01_followup}",            "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/followups/close",                      "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01}/acknowledgements",              "ok no no no no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/casefile/acknowledgements",            "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01_correcting}/court/resubmit",     "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps02_refused}/court/reopen",          "ok no no no no no no ok no no no no no no no"),
    # The court's steps: the court the application is addressed to.
    ("POST /api/v1/cases/{ps01_applied}/court/accept",          "ok no no no no no no no no ok no no no no no"),
    ("POST /cases/{ps01_applied}/court/accept",                 "ok no no no no no no no no ok no no no no no"),
    ("POST /api/v1/cases/{ps01_at_court}/court/extend",         "ok no no no no no no no no ok no no no no no"),
    ("POST /api/v1/cases/{ps01_at_court}/court/correction",     "ok no no no no no no no no ok no no no no no"),
    ("POST /api/v1/cases/{ps01_at_court}/court/confirm",        "ok no no no no no no no no ok no no no no no"),
    ("POST /api/v1/cases/{ps01_at_court}/court/refuse",         "ok no no no no no no no no ok no no no no no"),
    # Reports: whoever files them (liaisons, admins, supervisors), for their own agency.
    ("POST /api/v1/reports",                                    "ok ok ok ok ok ok no no ok ok ok no ok ok no"),
    ("POST /reports",                                           "ok ok ok ok ok ok no no ok ok ok no ok ok no"),
    # Early warnings: admins and supervisors over the warned agency.
    ("POST /api/v1/warnings/{warning}/acknowledge",             "ok ok ok no no no no no no no no no no ok no"),
    ("POST /warnings/{warning}/acknowledge",                    "ok ok ok no no no no no no no no no no ok no"),
    # The assessment: admins and supervisors over the case or agency; the district's subsidy levels
    # and reporting calendar by the top-level agencies.
    # (Unsure, kept as the app has it: a case's difficulty sets the room's subsidy, yet a station's
    # admin and the sub-bureau's people may set it for their cases; the levels are the district's.)
    ("PUT /api/v1/cases/{ps01}/difficulty",                     "ok ok ok no no no no no no no no no ok ok no"),
    ("POST /assessment/cases/{ps01}/difficulty",                "ok ok ok no no no no no no no no no ok ok no"),
    ("PUT /api/v1/assessment/incidents",                        "ok ok ok no no no no no no no no no no ok no"),
    ("POST /assessment/incidents",                              "ok ok ok no no no no no no no no no no ok no"),
    ("PUT /api/v1/assessment/subsidy/levels",                   "ok ok no no no no no no no no no no ok ok no"),
    ("POST /assessment/subsidy/levels",                         "ok ok no no no no no no no no no no ok ok no"),
    ("PUT /api/v1/reports/calendar",                            "ok ok no no no no no no no no no no ok ok no"),
    ("POST /reports/calendar",                                  "ok ok no no no no no no no no no no ok ok no"),
    ("POST /api/v1/reports/calendar/sensitive",                 "ok ok no no no no no no no no no no ok ok no"),
    ("DELETE /api/v1/reports/calendar/sensitive/{fresh_sensitive}","ok ok no no no no no no no no no no ok ok no"),
    # A grid worker's phone pages: grid workers (the operator passes, and meets the form's own
    # refusal: no grid of theirs, no committee).
    ("POST /grid/new",                                          "ok no no no no no no no no no no no no no ok"),
    ("POST /grid/daily",                                        "ok no no no no no no no no no no no no no ok"),
    # Meetings: secretaries and admins organise them for their agency.
    ("POST /api/v1/meetings",                                   "ok ok ok no no no no no no no no ok no no no"),
    ("POST /meetings/new",                                      "ok ok ok no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/series",                            "ok ok ok no no no no no no no no ok no no no"),
    # The justice bureau's meeting: those who run it; its invitees answer and comment; its chair
    # (the supervisor) approves the minutes; an action's owner reports on it.
    ("PATCH /api/v1/meetings/{meeting}",                        "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/invitees",                "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/invite",                         "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/reschedule",                     "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/attendance",              "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/attendance",                     "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/held",                    "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/held",                           "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/agenda",                  "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/agenda",                         "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/agenda/carried",          "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/agenda/carried",                 "ok no no no no no no no no no no ok no no no"),
    ("PUT /api/v1/meetings/{meeting}/agenda/{item}/notes",      "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/agenda/{item}/notes",            "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/decisions",               "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/decisions",                      "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/actions",                 "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/actions",                        "ok no no no no no no no no no no ok no no no"),
    ("PATCH /api/v1/actions/{action}",                          "ok no no ok no no no no no no no ok no no no"),
    ("POST /meetings/actions/{action}",                         "ok no no ok no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/minutes/draft",           "ok no no no no no no no no no no ok no no no"),
    ("PUT /api/v1/meetings/{meeting}/minutes",                  "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/minutes",                        "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/minutes/preview",                "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/minutes/circulate",       "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/minutes/approve",         "ok no no no no no no no no no no no ok no no"),
    ("POST /api/v1/meetings/{meeting}/rsvp",                    "ok ok no no no no no no ok no no ok ok ok no"),
    ("POST /meetings/{meeting}/rsvp",                           "ok ok no no no no no no ok no no ok ok ok no"),
    ("POST /api/v1/meetings/{meeting}/minutes/comments",        "ok ok no no no no no no ok no no ok ok ok no"),
    ("POST /api/v1/meetings/{meeting}/cancel",                  "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/cancel",                         "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/series/{series}/cancel",            "ok no no no no no no no no no no ok no no no"),
    # Calendar feeds: one's own for everyone; an agency's for its admins, supervisors and those who
    # run its meetings; revoking one: who made it, or runs the agency's meetings.
    ("POST /meetings/feed",                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST /api/v1/calendar-feeds",                             "ok ok ok no no no no no no no no no no ok no"),
    ("POST /api/v1/calendar-feeds/{feed}/revoke",               "ok ok ok no no no no no no no no no no no no"),
    # Video and in-person mediation sessions: those who may run them (the mediating room's people,
    # the session's own mediator).
    ("POST /api/v1/mediations",                                 "ok no no no no ok ok no no no no no no no no"),
    ("POST /mediations/new",                                    "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/mediations/in-person",                       "ok no no no no ok ok no no no no no no no no"),
    ("POST /mediations/in-person/new",                          "ok no no no no ok ok no no no no no no no no"),
    ("POST /api/v1/mediations/{session}/reschedule",            "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/reschedule",                   "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{session}/participants",          "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/participants",                 "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{session}/participants/{guest}/invitation","ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/participants/{guest}/link",    "ok no no no no no no ok no no no no no no no"),
    ("DELETE /api/v1/mediations/{session}/participants/{guest}/invitation","ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/participants/{guest}/revoke",  "ok no no no no no no ok no no no no no no no"),
    ("PUT /api/v1/mediations/{session}/entries",                "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/entries",                      "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{ended}/minutes/draft",           "ok no no no no no no ok no no no no no no no"),
    ("PUT /api/v1/mediations/{ended}/minutes",                  "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{ended}/minutes",                        "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{ended}/minutes/preview",                "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{ended}/minutes/circulate",       "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{ended}/minutes/links/{party}",          "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{session}/cancel",                "ok no no no no no no ok no no no no no no no"),
    ("POST /mediations/{session}/cancel",                       "ok no no no no no no ok no no no no no no no"),
]
# fmt: on

# Routes the table leaves out, each with its reason.
NOT_IN_MATRIX: dict[tuple[str, str], str] = {}

# What each write sends: JSON to the API, form fields (with the CSRF token) to a page. Strings are
# formatted with the objects, like the routes.
BODIES: dict[str, dict[str, Any]] = {
    "PUT /api/v1/me/contact": {"notify_by": "none"},
    "POST /me/contact": {"notify_by": "none"},
    "POST /api/v1/notifications/read": {},
    "POST /inbox/read": {},
    "POST /api/v1/users": {
        "username": "matrix_user",
        "display_name": "矩阵",
        "agency_id": "{ps01_agency}",
        "roles": ["liaison"],
        "password": "matrix-password-1",
    },
    "POST /admin/users": {
        "username": "matrix_page_user",
        "display_name": "矩阵",
        "agency_id": "{ps01_agency}",
        "roles": "liaison",
        "password": "matrix-password-1",
    },
    "POST /admin/users/{ps01_clerk}": {
        "display_name": "矩阵",
        "agency_id": "{ps01_agency}",
        "roles": "liaison",
    },
    "PATCH /api/v1/users/{ps01_user}": {"locale": "zh_CN"},
    "PATCH /api/v1/users/{ps02_user}": {"locale": "zh_CN"},
    "POST /api/v1/agencies": {
        "code": "MATRIX-A",
        "name": "矩阵警务室",
        "kind": "police_station",
        "parent_id": "{ps01_agency}",
    },
    "POST /admin/agencies": {
        "code": "MATRIX-B",
        "name": "矩阵警务站",
        "kind": "police_station",
        "parent_id": "{ps01_agency}",
    },
    "POST /api/v1/tokens": {"user_id": "{ps01_user}", "name": "矩阵"},
    "POST /admin/tokens": {"user_id": "{ps01_user}", "name": "矩阵"},
    "DELETE /api/v1/tokens/{fresh_token}": {},
    "POST /admin/tokens/{fresh_token}/revoke": {},
    "POST /api/v1/webhooks": {"agency_id": "{ps01_post}", "url": "https://example.invalid/hook"},
    "POST /admin/webhooks": {"agency_id": "{ps01_post}", "url": "https://example.invalid/hook"},
    "PATCH /api/v1/webhooks/{webhook}": {"active": True},
    "POST /admin/webhooks/{webhook}": {"url": "https://example.invalid/hook2", "active": "on"},
    "POST /api/v1/webhooks/{webhook}/ping": {},
    "POST /admin/webhooks/{webhook}/ping": {},
    "POST /api/v1/webhooks/{webhook}/rotate": {},
    "POST /admin/webhooks/{webhook}/rotate": {},
    "DELETE /api/v1/webhooks/{fresh_webhook}": {},
    "POST /admin/webhooks/{fresh_webhook}/delete": {},
    "POST /api/v1/outbound/{outbound}/resend": {},
    "POST /admin/outbound/{outbound}/resend": {},
    "PUT /api/v1/calendar/2027": {"days": [{"day": "2027-01-01", "working": False, "name": "元旦"}]},
    "POST /admin/calendar": {"year": "2027", "day": "2027-01-01", "working": "0", "name": "元旦"},
    "POST /admin/rules": {"name": "矩阵规则", "target_agency_id": "{mc_agency}", "priority": "1"},
    "POST /admin/deadlines": {
        "agency_kind": "stationed_room",
        "accept_hours": "48",
        "mediation_days": "30",
        "mediation_max_days": "60",
        "confirmation_days": "30",
        "followup_days": "30",
        "soon_hours": "24",
    },
    "PATCH /api/v1/committees/{committee}": {"seal_text": "矩阵"},
    "POST /admin/committees/{committee}": {"seal_text": "矩阵"},
    "PUT /api/v1/agencies/{mc_agency}/committee": {"committee_id": "{committee}"},
    "POST /api/v1/cases": CASE,
    "POST /api/v1/cases:batch": {"items": [CASE]},
    "POST /cases/new": {
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "矩阵测试的纠纷",
        "party_name": "矩阵甲",
        "party_role": "applicant",
    },
    "POST /api/v1/cases/{ps02_unsent}/referrals": {},
    "POST /cases/{ps02_unsent}/send": {},
    "POST /api/v1/cases/{ps01}/evidence": {"description": "现场照片"},
    "POST /cases/{ps01}/evidence": {"description": "现场照片"},
    "PATCH /api/v1/cases/{ps01}/parties/{ps01_party}": {"address": "青川区幸福路1号"},
    "POST /cases/{ps01}/parties/{ps01_party}": {"party_role": "applicant", "party_name": "矩阵"},
    "POST /api/v1/cases/{ps01}/parties/{ps01_party}/consent": {
        "consent": "given",
        "at": "2026-12-01T09:00:00+08:00",
        "method": "in_person",
    },
    "POST /cases/{ps01}/parties/{ps01_party}/consent": {
        "consent": "given",
        "at": "2026-12-01T09:00",
        "method": "in_person",
    },
    "POST /api/v1/referrals/{ps01_referral}/pauses": PAUSE,
    "POST /referrals/{ps01_referral}/pauses": PAUSE,
    "POST /api/v1/referrals/{ps01_sent_referral}/actions": {"action": "accept"},
    "POST /referrals/{ps01_sent_referral}/act": {"action": "accept"},
    "POST /api/v1/referrals/{ps01_accepted_referral}/mediator": {"user_id": "{mediator01}"},
    "POST /api/v1/referrals/{ps01_mediating_referral}/extension": {"days": 10, "reason": "当事人外出"},
    "PUT /api/v1/cases/{ps01_mediating}/agreement": {"facts": "双方因邻里琐事发生纠纷。"},
    "POST /cases/{ps01_mediating}/agreement": {"facts": "双方因邻里琐事发生纠纷。"},
    "POST /api/v1/cases/{ps01_mediating}/agreement/confirmations": {
        "party_id": "{ps01_mediating_party}",
        "method": "in_person",
    },
    "POST /cases/{ps01_mediating}/agreement/confirmations": {
        "party_id": "{ps01_mediating_party}",
        "method": "in_person",
    },
    "POST /cases/{ps01_mediating}/agreement/resolve": {},
    "POST /api/v1/cases/{ps01}/agreement/application": {},
    "POST /cases/{ps01}/agreement/application": {},
    "POST /api/v1/cases/{ps01}/followups/{ps01_followup}": {"outcome": "performed"},
    "POST /cases/{ps01}/followups/{ps01_followup}": {"outcome": "performed"},
    "POST /cases/{ps01}/followups/close": {},
    "POST /api/v1/cases/{ps01}/acknowledgements": {"party_id": "{ps01_party}", "method": "signed"},
    "POST /cases/{ps01}/casefile/acknowledgements": {"party_id": "{ps01_party}", "method": "signed"},
    "POST /api/v1/cases/{ps01_correcting}/court/resubmit": {"reply": "已补正身份证明"},
    "POST /api/v1/cases/{ps02_refused}/court/reopen": {"reason": "重新调解"},
    "POST /api/v1/cases/{ps01_applied}/court/accept": {"court_case_number": "（2026）浙0106民特901号"},
    "POST /cases/{ps01_applied}/court/accept": {"court_case_number": "（2026）浙0106民特902号"},
    "POST /api/v1/cases/{ps01_at_court}/court/extend": {"approved_by": "周正", "reason": "需补正"},
    "POST /api/v1/cases/{ps01_at_court}/court/correction": {"note": "缺少身份证明"},
    "POST /api/v1/cases/{ps01_at_court}/court/confirm": {"ruling_number": "（2026）浙0106民特903号"},
    "POST /api/v1/cases/{ps01_at_court}/court/refuse": {"reason": "协议违法"},
    "POST /api/v1/reports": {"kind": "zero"},
    "POST /reports": {"kind": "zero"},
    "POST /api/v1/warnings/{warning}/acknowledge": {},
    "POST /warnings/{warning}/acknowledge": {},
    "PUT /api/v1/cases/{ps01}/difficulty": {"level": "simple", "reason": "矩阵"},
    "POST /assessment/cases/{ps01}/difficulty": {"level": "simple", "reason": "矩阵"},
    "PUT /api/v1/assessment/incidents": {
        "items": [{"agency_id": "{ps01_agency}", "month": "2026-11", "count": 5}]
    },
    "POST /assessment/incidents": {"agency_id": "{ps01_agency}", "month": "2026-11", "count": "5"},
    "PUT /api/v1/assessment/subsidy/levels": {"levels": [{"code": "simple", "name": "简易", "amount": 100}]},
    "POST /assessment/subsidy/levels": {"code": "simple", "name": "简易", "amount": "100"},
    "PUT /api/v1/reports/calendar": {"daily_hour": 17},
    "POST /reports/calendar": {
        "daily_hour": "17",
        "weekly_hour": "17",
        "monthly_hour": "17",
        "special_hours": "24",
    },
    "POST /api/v1/reports/calendar/sensitive": {"name": "矩阵", "first": "2027-01-01", "last": "2027-01-03"},
    "DELETE /api/v1/reports/calendar/sensitive/{fresh_sensitive}": {},
    "POST /grid/new": {
        "idempotency_key": "matrix",
        "kind": "dispute",
        "urgency": "normal",
        "category": "neighbour",
        "summary": "矩阵网格上报",
        "grid_id": "{grid}",
        "address": "幸福村",
    },
    "POST /grid/daily": {"kind": "zero", "body": "无"},
    "POST /api/v1/meetings": MEETING,
    "POST /meetings/new": {
        "kind": "single",
        "title": "矩阵会议",
        "start": "2026-12-21T09:00",
        "duration": 60,
    },
    "POST /api/v1/meetings/series": {
        "title": "矩阵例会",
        "rrule": "FREQ=MONTHLY;COUNT=2",
        "first_start": "2027-01-05T09:00:00+08:00",
        "duration_minutes": 60,
    },
    "PATCH /api/v1/meetings/{meeting}": {"place": "区司法局三楼会议室"},
    "POST /api/v1/meetings/{meeting}/invitees": {"user_ids": ["{ps01_user}"], "agency_ids": []},
    "POST /meetings/{meeting}/invite": {"user_ids": "{ps01_user}"},
    "POST /meetings/{meeting}/reschedule": {"start": "2026-12-22T09:00", "end": "2026-12-22T10:00"},
    "POST /api/v1/meetings/{meeting}/attendance": {"invitee_id": "{invitee}", "status": "present"},
    "POST /meetings/{meeting}/attendance": {"invitee_id": "{invitee}", "status": "present"},
    "POST /api/v1/meetings/{meeting}/held": {},
    "POST /meetings/{meeting}/held": {},
    "POST /api/v1/meetings/{meeting}/agenda": {"kind": "report", "title": "矩阵议题"},
    "POST /meetings/{meeting}/agenda": {"kind": "report", "title": "矩阵议题"},
    "POST /api/v1/meetings/{meeting}/agenda/carried": {},
    "POST /meetings/{meeting}/agenda/carried": {},
    "PUT /api/v1/meetings/{meeting}/agenda/{item}/notes": {"notes": "矩阵记录"},
    "POST /meetings/{meeting}/agenda/{item}/notes": {"notes": "矩阵记录"},
    "POST /api/v1/meetings/{meeting}/decisions": {"text": "矩阵测试的决定"},
    "POST /meetings/{meeting}/decisions": {"text": "矩阵测试的决定"},
    "POST /api/v1/meetings/{meeting}/actions": {
        "text": "矩阵任务",
        "due": "2026-12-31",
        "owner_user_id": "{ps01_user}",
    },
    "POST /meetings/{meeting}/actions": {
        "text": "矩阵任务",
        "due": "2026-12-31",
        "owner": "user:{ps01_user}",
    },
    "PATCH /api/v1/actions/{action}": {"status": "in_progress"},
    "POST /meetings/actions/{action}": {"status": "in_progress"},
    "POST /api/v1/meetings/{meeting}/minutes/draft": {},
    "PUT /api/v1/meetings/{meeting}/minutes": {"text": "矩阵纪要"},
    "POST /meetings/{meeting}/minutes": {"step": "save", "text": "矩阵纪要"},
    "POST /meetings/{meeting}/minutes/preview": {"text": "矩阵"},
    "POST /api/v1/meetings/{meeting}/minutes/circulate": {},
    "POST /api/v1/meetings/{meeting}/minutes/approve": {},
    "POST /api/v1/meetings/{meeting}/rsvp": {"answer": "accepted"},
    "POST /meetings/{meeting}/rsvp": {"answer": "accepted"},
    "POST /api/v1/meetings/{meeting}/minutes/comments": {"text": "矩阵测试的意见"},
    "POST /api/v1/meetings/{meeting}/cancel": {"reason": "矩阵"},
    "POST /meetings/{meeting}/cancel": {"reason": "矩阵"},
    "POST /api/v1/meetings/series/{series}/cancel": {"reason": "矩阵"},
    "POST /meetings/feed": {},
    "POST /api/v1/calendar-feeds": {"agency_id": "{ps01_agency}"},
    "POST /api/v1/calendar-feeds/{feed}/revoke": {},
    "POST /api/v1/mediations": {"case_id": "{ps01_mediating}", "start": "2026-12-20T09:00:00+08:00"},
    "POST /mediations/new": {"case_id": "{ps01_mediating}", "start": "2026-12-20T09:00"},
    "POST /api/v1/mediations/in-person": IN_PERSON,
    "POST /mediations/in-person/new": {
        "case_id": "{ps01_mediating}",
        "date": "2026-12-04",
        "start": "09:00",
        "end": "10:00",
        "place": "调解室",
        "outcome": "adjourned",
    },
    "POST /api/v1/mediations/{session}/reschedule": {"start": "2026-12-20T09:00:00+08:00"},
    "POST /mediations/{session}/reschedule": {"start": "2026-12-20T09:00"},
    "POST /api/v1/mediations/{session}/participants": {"role": "observer", "name": "观察员"},
    "POST /mediations/{session}/participants": {"role": "observer", "name": "观察员"},
    "POST /api/v1/mediations/{session}/participants/{guest}/invitation": {},
    "POST /mediations/{session}/participants/{guest}/link": {},
    "DELETE /api/v1/mediations/{session}/participants/{guest}/invitation": {},
    "POST /mediations/{session}/participants/{guest}/revoke": {},
    "PUT /api/v1/mediations/{session}/entries": {"notes": "矩阵"},
    "POST /mediations/{session}/entries": {"notes": "矩阵"},
    "POST /api/v1/mediations/{ended}/minutes/draft": {},
    "PUT /api/v1/mediations/{ended}/minutes": {},
    "POST /mediations/{ended}/minutes": {"step": "save"},
    "POST /mediations/{ended}/minutes/preview": {},
    "POST /api/v1/mediations/{ended}/minutes/circulate": {},
    "POST /mediations/{ended}/minutes/links/{party}": {},
    "POST /api/v1/mediations/{session}/cancel": {},
    "POST /mediations/{session}/cancel": {},
}
