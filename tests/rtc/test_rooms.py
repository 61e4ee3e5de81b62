"""The room's state machine on its own (no sockets): what a waiting guest may already say and prepare."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rtc.rooms import MEDIATOR, MemberState, Room, RoomError


def _room_with_a_waiting_guest() -> Room:
    room = Room(session_id=1)
    room.arrive(1, MEDIATOR, "调解员", "")
    room.arrive(2, "party", "王芳", "given")
    return room


def test_a_guest_in_the_lobby_may_say_their_camera_is_off_and_it_is_kept_for_admission() -> None:
    room = _room_with_a_waiting_guest()
    member = room.set_media(2, audio=True, video=False)
    assert member.state is MemberState.lobby
    assert (member.audio_on, member.video_on) == (True, False)
    room.admit(1, 2)
    assert room.members[2].video_on is False


def test_a_waiting_guest_still_cannot_chat_signal_or_raise_a_hand() -> None:
    room = _room_with_a_waiting_guest()
    for refused in (lambda: room.set_hand(2, True), lambda: room.require_admitted(2)):
        with pytest.raises(RoomError) as error:
            refused()
        assert error.value.code == "not_admitted"
    assert room.peers_of(2) == []


@pytest.mark.parametrize("pid", [3, 2])  # a stranger, and a guest the mediator removed
def test_media_from_someone_not_in_the_room_is_refused(pid: int) -> None:
    room = _room_with_a_waiting_guest()
    room.remove(1, 2)
    with pytest.raises(RoomError) as error:
        room.set_media(pid, audio=False, video=False)
    assert error.value.code == "not_admitted"


def _room_in_session() -> Room:
    """Mediator 1 with party 2 let in; party 3 and lawyer 4 waiting in the lobby."""
    room = _room_with_a_waiting_guest()
    room.admit(1, 2)
    room.arrive(3, "party", "李雷", "given")
    room.arrive(4, "lawyer", "张律师", "given")
    return room


def test_a_waiting_guest_prepares_connections_with_those_inside_and_those_waiting() -> None:
    room = _room_in_session()
    assert room.standby_of(3) == [1, 2, 4]
    assert room.standby_of(1) == [3, 4]  # the admitted prepare with those waiting only
    assert room.peers_of(3) == []  # and nobody exchanges media with someone waiting
    assert room.may_signal(3, 1) and room.may_signal(1, 3) and not room.may_exchange(1, 3)
    assert room.may_signal(1, 2) and room.standby_of(2) == [3, 4]


def test_no_standby_across_a_caucus_after_removal_or_on_the_sfu() -> None:
    room = _room_in_session()
    room.start_caucus(1, [2], datetime(2026, 12, 7, 2, tzinfo=UTC))
    assert room.standby_of(3) == [4]  # the caucus is out of reach, as it will be once let in
    assert room.standby_of(1) == [] and not room.may_signal(3, 2)
    room.end_caucus(1)
    room.remove(1, 4)
    assert room.standby_of(3) == [1, 2] and not room.may_signal(4, 3)
    room.disconnect(2)
    assert room.standby_of(3) == [1]
    room.use_sfu(10)
    assert room.standby_of(3) == [] and not room.may_signal(3, 1)


def test_admit_all_lets_everyone_waiting_in_and_their_standby_becomes_the_mesh() -> None:
    room = _room_in_session()
    for refused in (lambda: room.admit_all(2), lambda: room.admit_all(3)):
        with pytest.raises(RoomError) as error:
            refused()
        assert error.value.code == "not_allowed"
    let_in = room.admit_all(1)
    assert [m.pid for m in let_in] == [3, 4]
    assert room.peers_of(3) == [1, 2, 4] and room.standby_of(3) == []
    with pytest.raises(RoomError) as error:
        room.admit_all(1)
    assert error.value.code == "not_in_lobby"


def test_an_admission_the_record_could_not_keep_goes_back_to_the_lobby() -> None:
    room = _room_in_session()
    room.admit_all(1)
    room.back_to_lobby([3, 4, 1])  # the mediator is never sent out
    assert [m.pid for m in room.lobby()] == [3, 4] and room.members[1].state is MemberState.admitted
    assert room.peers_of(1) == [2] and room.standby_of(1) == [3, 4]
