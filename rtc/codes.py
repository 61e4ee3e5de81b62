"""The rtc package's codes and their human names: ``LABELS``, declared on the plugin and
translated through ``hub.labels.label``.

"scheduled" and "cancelled" come from meetings, "expired" from referrals: one name per code.
"""

from __future__ import annotations

from hub.i18n import N_, NC_, InContext

LABELS: dict[str, str | InContext] = {
    # session status ("In progress" of a meeting action is 办理中; a live session is 进行中)
    "live": NC_("video session", "In progress"),
    "ended": N_("Ended"),
    # roles in a session
    "mediator": N_("Mediator"),
    "party": N_("Party"),
    "interpreter": N_("Interpreter"),
    "lawyer": N_("Lawyer"),
    "grid_worker": N_("Grid worker"),
    "observer": N_("Observer"),
    # invitation link
    "none": N_("No link yet"),
    "active": N_("Link active"),
    "used": N_("Link used"),
    "revoked": N_("Link revoked"),
    # recording consent
    "given": N_("Consented"),
    "refused": N_("Refused"),
    # outcomes
    "agreed": N_("Agreement reached"),
    "not_agreed": N_("No agreement"),
    "adjourned": N_("Adjourned"),
    # rooms
    "main": N_("Main room"),
    # timeline
    "invited": N_("Link issued"),
    "link_opened": N_("Link opened"),
    "link_revoked": N_("Link revoked"),
    "rescheduled": N_("Moved to another time"),
    "joined": N_("Joined"),
    "rejoined": N_("Reconnected"),
    "left": N_("Left"),
    "admitted": N_("Admitted"),
    "removed": N_("Removed"),
    "consent_given": N_("Consented to recording"),
    "consent_refused": N_("Refused recording"),
    "caucus_started": N_("Private session started"),
    "caucus_ended": N_("Private session ended"),
    "recording_started": N_("Recording started"),
    "recording_stopped": N_("Recording stopped"),
    "hand_raised": N_("Raised hand"),
    "hand_lowered": N_("Lowered hand"),
    "mute_requested": N_("Asked to mute"),
    "evidence_shown": N_("Evidence shown"),
    "identity_failed": N_("Identity check failed"),
    "started": N_("Session started"),
    "minutes_circulated": N_("Minutes sent to the parties"),
    "minutes_confirmed": N_("Confirmed the minutes"),
    "transcription_started": N_("Transcription started"),
    "recording_transcribed": N_("Recording transcribed"),
    "recording_not_transcribed": N_("Recording not transcribed"),
    "transcription_unavailable": N_("Transcription unavailable"),
}
