"""A live mediation room as plain state: who is in the lobby, who is admitted, the caucus, and who
may exchange media with whom. No sockets, no database, no clock: the caller passes ``now`` and
turns the answers into messages and rows.

The rules the room enforces:
- Guests wait in the lobby until a mediator admits them; a mediator is admitted on arrival.
- Only a mediator admits, removes, mutes, starts or ends a caucus, shares evidence or ends the session.
- During a caucus (背对背) the mediator and the chosen party are alone: nobody inside exchanges
  media or signalling with anybody outside. Those outside may still see each other.
- Recording runs only while every admitted participant has consented to it.
- In a mesh, a guest waiting in the lobby may already *prepare* connections (``standby``) with the
  people they would see once let in, and with others waiting: offers, answers and candidates only, so
  that admission has nothing left to negotiate. No media flows on them before admission: the pages
  send nothing on a standby connection and show nothing from it (docs/signalling.md, "Media").
- Media go browser to browser (``MESH``) until an arrival would take the room above the operator's
  threshold; from then on through the SFU (``SFU``, Janus), for the rest of the room's life.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

MAIN = "main"
MESH = "mesh"
SFU = "sfu"
MEDIATOR = "mediator"
GUEST_ROLES = ("party", "interpreter", "lawyer", "grid_worker", "observer")
ROLES = (MEDIATOR, *GUEST_ROLES)


class MemberState(StrEnum):
    lobby = "lobby"
    admitted = "admitted"
    removed = "removed"


class RoomError(Exception):
    """A refused request; ``code`` is the stable signalling error code (docs/signalling.md)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class Member:
    pid: int
    role: str
    name: str
    state: MemberState = MemberState.lobby
    consent: str = ""  # given, refused, "" (not asked yet)
    connected: bool = True
    hand_up: bool = False
    audio_on: bool = True
    video_on: bool = True
    audio_only: bool = False

    @property
    def is_mediator(self) -> bool:
        return self.role == MEDIATOR


@dataclass(frozen=True)
class Caucus:
    number: int
    members: frozenset[int]
    started_at: datetime

    @property
    def label(self) -> str:
        return f"caucus-{self.number}"


@dataclass
class Room:
    session_id: int
    max_participants: int = 5
    members: dict[int, Member] = field(default_factory=dict)
    caucus: Caucus | None = None
    caucus_count: int = 0
    shared_evidence_id: int | None = None
    ended: bool = False
    media: str = MESH

    def outgrows_mesh(self, pid: int, threshold: int) -> bool:
        """Would this arrival make the room larger than the mesh should carry?"""
        if self.media != MESH or self.ended:
            return False
        return len({m.pid for m in self.present()} | {pid}) > threshold

    def use_sfu(self, max_participants: int) -> None:
        """From now on the SFU carries the media (there is no way back: nobody renegotiates twice)."""
        self.media = SFU
        self.max_participants = max(self.max_participants, max_participants)

    # --- arriving and leaving -------------------------------------------------------------
    def arrive(self, pid: int, role: str, name: str, consent: str, *, audio_only: bool = False) -> Member:
        """A participant's socket is open. Returning admitted members go straight back in."""
        if self.ended:
            raise RoomError("session_ended")
        if role not in ROLES:
            raise RoomError("bad_message", "role")
        member = self.members.get(pid)
        if member is not None and member.state is MemberState.removed:
            raise RoomError("removed")
        if member is None:
            if len(self.present()) >= self.max_participants:
                raise RoomError("room_full")
            member = Member(pid=pid, role=role, name=name)
            self.members[pid] = member
        member.connected = True
        member.name = name or member.name
        member.consent = consent or member.consent
        member.audio_only = audio_only
        if member.is_mediator:
            member.state = MemberState.admitted
            member.consent = member.consent or "given"
        return member

    def disconnect(self, pid: int) -> Member | None:
        """The socket closed. The member keeps their place so they can come back."""
        member = self.members.get(pid)
        if member is not None:
            member.connected = False
            member.hand_up = False
        return member

    def present(self) -> list[Member]:
        return [m for m in self.members.values() if m.connected and m.state is not MemberState.removed]

    def admitted(self) -> list[Member]:
        return [m for m in self.present() if m.state is MemberState.admitted]

    def lobby(self) -> list[Member]:
        return [m for m in self.present() if m.state is MemberState.lobby]

    # --- the mediator's controls ----------------------------------------------------------
    def _mediator(self, actor: int) -> Member:
        member = self.members.get(actor)
        if member is None or not member.is_mediator or member.state is not MemberState.admitted:
            raise RoomError("not_allowed")
        return member

    def _target(self, pid: int) -> Member:
        member = self.members.get(pid)
        if member is None or member.state is MemberState.removed:
            raise RoomError("no_such_participant")
        return member

    def admit(self, actor: int, pid: int) -> Member:
        self._mediator(actor)
        member = self._target(pid)
        if member.state is not MemberState.lobby:
            raise RoomError("not_in_lobby")
        member.state = MemberState.admitted
        return member

    def admit_all(self, actor: int) -> list[Member]:
        """Everyone waiting in the lobby, let in at once (in the order they arrived)."""
        self._mediator(actor)
        waiting = self.lobby()
        if not waiting:
            raise RoomError("not_in_lobby")
        for member in waiting:
            member.state = MemberState.admitted
        return waiting

    def back_to_lobby(self, pids: list[int]) -> None:
        """Undo an admission the record could not keep (the caller's write failed)."""
        for pid in pids:
            member = self.members.get(pid)
            if member is not None and member.state is MemberState.admitted and not member.is_mediator:
                member.state = MemberState.lobby
                if self.caucus is not None and pid in self.caucus.members:
                    self.caucus = None

    def remove(self, actor: int, pid: int) -> Member:
        self._mediator(actor)
        member = self._target(pid)
        if member.is_mediator:
            raise RoomError("not_allowed", "a mediator cannot be removed")
        member.state = MemberState.removed
        member.connected = False
        if self.caucus is not None and pid in self.caucus.members:
            self.caucus = None  # the caucus cannot go on without its party
        return member

    def ask_mute(self, actor: int, pid: int) -> Member:
        self._mediator(actor)
        member = self._target(pid)
        if member.state is not MemberState.admitted:
            raise RoomError("not_admitted")
        return member

    def start_caucus(self, actor: int, pids: list[int], now: datetime) -> Caucus:
        self._mediator(actor)
        if self.caucus is not None:
            raise RoomError("caucus_running")
        if not pids:
            raise RoomError("bad_message", "participants")
        for pid in pids:
            member = self._target(pid)
            if member.state is not MemberState.admitted or member.is_mediator:
                raise RoomError("not_admitted")
        self.caucus_count += 1
        self.caucus = Caucus(self.caucus_count, frozenset({actor, *pids}), now)
        return self.caucus

    def end_caucus(self, actor: int) -> Caucus:
        self._mediator(actor)
        if self.caucus is None:
            raise RoomError("no_caucus")
        ended, self.caucus = self.caucus, None
        return ended

    def share(self, actor: int, evidence_id: int | None) -> None:
        self._mediator(actor)
        self.shared_evidence_id = evidence_id

    def end(self, actor: int) -> None:
        self._mediator(actor)
        self.ended = True
        self.caucus = None

    # --- what each member may do ----------------------------------------------------------
    def set_hand(self, pid: int, up: bool) -> Member:
        member = self.require_admitted(pid)
        member.hand_up = up
        return member

    def set_media(self, pid: int, audio: bool, video: bool) -> Member:
        """Sound and camera on or off. A guest in the lobby may say so too: it is kept, and shown
        once they are let in (waiting is not a mistake to answer with an error)."""
        member = self.members.get(pid)
        if member is None or member.state is MemberState.removed:
            raise RoomError("not_admitted")
        member.audio_on, member.video_on = audio, video
        return member

    def require_admitted(self, pid: int) -> Member:
        member = self.members.get(pid)
        if member is None or member.state is not MemberState.admitted:
            raise RoomError("not_admitted")
        return member

    def room_of(self, pid: int) -> str:
        if self.caucus is not None and pid in self.caucus.members:
            return self.caucus.label
        return MAIN

    def may_exchange(self, a: int, b: int) -> bool:
        """May these two send each other media and signalling right now?"""
        if a == b:
            return False
        ma, mb = self.members.get(a), self.members.get(b)
        if ma is None or mb is None:
            return False
        if ma.state is not MemberState.admitted or mb.state is not MemberState.admitted:
            return False
        return self.room_of(a) == self.room_of(b)

    def peers_of(self, pid: int) -> list[int]:
        return [m.pid for m in self.admitted() if self.may_exchange(pid, m.pid)]

    def may_prepare(self, a: int, b: int) -> bool:
        """May these two hold a standby connection (negotiated, nothing sent) right now? In a mesh,
        one of them waiting in the lobby, both present, and in the same room segment once let in:
        a guest waiting never prepares with those in a caucus, and those in a caucus prepare with
        nobody outside it."""
        if a == b or self.media != MESH or self.ended:
            return False
        ma, mb = self.members.get(a), self.members.get(b)
        if ma is None or mb is None or not (ma.connected and mb.connected):
            return False
        states = {ma.state, mb.state}
        if MemberState.removed in states or MemberState.lobby not in states:
            return False
        return self.room_of(a) == self.room_of(b)  # someone waiting is in no caucus: MAIN

    def standby_of(self, pid: int) -> list[int]:
        return [m.pid for m in self.present() if self.may_prepare(pid, m.pid)]

    def may_signal(self, a: int, b: int) -> bool:
        """May ``a`` send ``b`` offers, answers and candidates now?"""
        return self.may_exchange(a, b) or self.may_prepare(a, b)

    @property
    def recording(self) -> bool:
        """Recording runs while two or more are admitted and every admitted person consented."""
        admitted = self.admitted()
        return len(admitted) >= 2 and all(m.consent == "given" for m in admitted)

    def refusals(self) -> list[Member]:
        return [m for m in self.admitted() if m.consent == "refused"]
