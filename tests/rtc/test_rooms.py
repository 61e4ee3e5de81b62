"""The room's state machine on its own (no sockets): what a waiting guest may already say."""

from __future__ import annotations

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
