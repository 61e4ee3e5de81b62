"""The hub's recording peer with real aiortc browsers-to-be: two participants at once, each sending a
known pattern of speech and silence to its own RecordingPeer, through main -> caucus-1 -> main.

aioice offers no 127.0.0.1 candidates, so the connections use this machine's own network address:
the packets never leave the host.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import MediaStreamTrack

from hub.orm import utcnow
from rtc.offers import IceRestartUnsupported, OfferRefused, PeerClosed
from rtc.peer import RecordingPeer, SegmentRecord
from rtc.record_ogg import read_audio
from tests.rtc.audio import PcmTrack, pattern_pcm, spans_from

TOLERANCE = 0.2  # seconds, the bound for speech boundaries and wall clock
DURATION = 6.0
SWITCHES = (2.0, 4.0)  # sender seconds: main -> caucus-1 -> main, both in silence for everyone


@dataclass
class Participant:
    name: str
    speech: list[tuple[float, float]]  # sender seconds
    track: PcmTrack
    client: RTCPeerConnection
    peer: RecordingPeer
    closed: list[SegmentRecord]


async def connect(track: PcmTrack, peer: RecordingPeer) -> RTCPeerConnection:
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver(track, direction="sendonly")
    await client.setLocalDescription(await client.createOffer())  # aiortc gathers here: no trickle
    answer = await peer.answer(client.localDescription.sdp)
    await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return client


@pytest.fixture
async def participants(tmp_path: Path) -> AsyncIterator[list[Participant]]:
    plans = {
        # a: plain speech and silence
        "a": ([(0.6, 1.5), (2.6, 3.4), (4.6, 5.4)], ()),
        # b: its packets stop for 1.0 s at 2.3 s (a network drop), then it speaks at once
        "b": ([(0.4, 1.6), (3.4, 3.8), (4.4, 5.2)], ((2.3, 1.0),)),
    }
    made: list[Participant] = []
    for seed, (name, (speech, pauses)) in enumerate(plans.items(), start=1):
        closed: list[SegmentRecord] = []

        async def on_closed(record: SegmentRecord, closed: list[SegmentRecord] = closed) -> None:
            closed.append(record)

        track = PcmTrack(pattern_pcm(spans_from(speech, DURATION), seed=seed), pauses=pauses)
        peer = RecordingPeer(
            directory=tmp_path, name_prefix=f"p{name}", segment="main", on_segment_closed=on_closed
        )
        client = await connect(track, peer)
        made.append(Participant(name, speech, track, client, peer, closed))
    try:
        yield made
    finally:
        for p in made:
            await p.peer.close()
            await p.client.close()


def check_file(record: SegmentRecord) -> None:
    data = record.path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == record.sha256
    assert len(data) == record.size
    with av.open(str(record.path)) as container:  # an independent reader: libavformat, libopus
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.sample_rate) == ("opus", 48000)
    assert read_audio(record.path).duration_seconds == pytest.approx(record.duration_seconds, abs=0.001)
    wall = (record.ended_at - record.started_at).total_seconds()
    assert record.duration_seconds == pytest.approx(wall, abs=0.03)


def expected_in(p: Participant, record: SegmentRecord) -> list[tuple[datetime, datetime]]:
    assert p.track.started_at is not None
    origin = p.track.started_at
    spans = [(origin + timedelta(seconds=a), origin + timedelta(seconds=b)) for a, b in p.speech]
    return [(a, b) for a, b in spans if record.started_at <= a < record.ended_at]


@pytest.mark.rtc
@pytest.mark.slow
async def test_two_participants_are_recorded_per_segment_on_the_wall_clock(
    participants: list[Participant],
) -> None:
    async with asyncio.timeout(10):
        for p in participants:
            await p.peer.wait_first_audio()
    assert all(p.peer.connection_state == "connected" for p in participants)
    origin = min(p.track.started_at for p in participants if p.track.started_at)
    loop = asyncio.get_running_loop()
    start = loop.time() - (utcnow() - origin).total_seconds()
    for at, label in zip(SWITCHES, ("caucus-1", "main"), strict=True):
        await asyncio.sleep(start + at - loop.time())
        returned = await asyncio.gather(*(p.peer.switch_segment(label) for p in participants))
        assert all(r is not None for r in returned)
    await asyncio.sleep(start + DURATION - loop.time())
    finals = await asyncio.gather(*(p.peer.close() for p in participants))

    for p, final in zip(participants, finals, strict=True):
        assert [r.path.name for r in p.closed] == [
            f"p{p.name}-01-main.ogg",
            f"p{p.name}-02-caucus-1.ogg",
            f"p{p.name}-03-main.ogg",
        ]
        assert p.closed == p.peer.records and p.closed[-1] == final
        assert p.closed[1].duration_seconds == pytest.approx(SWITCHES[1] - SWITCHES[0], abs=0.1)
        for before, after in zip(p.closed, p.closed[1:], strict=False):
            assert after.started_at == before.ended_at  # the files tile time
        found = 0
        for record in p.closed:
            check_file(record)
            expected = expected_in(p, record)
            got = record.speech_at()
            assert len(got) == len(expected), (record.path.name, got, expected)
            for (a, b), (ea, eb) in zip(got, expected, strict=True):
                assert abs((a - ea).total_seconds()) <= TOLERANCE
                assert abs((b - eb).total_seconds()) <= TOLERANCE
            found += len(got)
        assert found == len(p.speech)
    dropped = participants[1]
    assert dropped.peer.aligner.padded / 48000 == pytest.approx(1.0, abs=0.1)  # its second of lost packets


async def offer_of(*tracks: MediaStreamTrack) -> tuple[RTCPeerConnection, str]:
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    for track in tracks:
        client.addTransceiver(track, direction="sendonly")
    await client.setLocalDescription(await client.createOffer())
    return client, client.localDescription.sdp


def media_sections(sdp: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part for part in sdp.split("\r\nm=")[1:]}


@pytest.mark.rtc
async def test_the_answer_takes_audio_with_opus_first_and_refuses_video(tmp_path: Path) -> None:
    client, offer = await offer_of(PcmTrack(b""), VideoStreamTrack())
    peer = RecordingPeer(directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=None)
    try:
        sections = media_sections(await peer.answer(offer))
        audio, video = sections["audio"], sections["video"]
        assert "a=recvonly" in audio and "a=candidate:" in audio
        first_payload = audio.split()[3]
        assert f"a=rtpmap:{first_payload} opus/48000/2" in audio
        assert "a=inactive" in video
    finally:
        await peer.close()
        await client.close()


@pytest.mark.rtc
@pytest.mark.slow
async def test_video_is_recorded_only_when_asked_for(tmp_path: Path) -> None:
    client, offer = await offer_of(PcmTrack(b""), VideoStreamTrack())
    peer = RecordingPeer(
        directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=None, record_video=True
    )
    try:
        first = time.monotonic()
        answer = await peer.answer(offer)
        assert "a=recvonly" in media_sections(answer)["video"]
        await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        async with asyncio.timeout(10):
            await peer.wait_first_audio()
            # Frames arrive at the sender's pace, which a loaded machine slows: wait for them.
            while peer.video_frames < 1:
                await asyncio.sleep(0.05)
            first = time.monotonic()
            while peer.video_frames < 5 or time.monotonic() - first < 1.0:
                await asyncio.sleep(0.1)
    finally:
        await peer.close()
        recorded = time.monotonic() - first
        await client.close()
    [video] = tmp_path.glob("p1-*-main.webm")
    with av.open(str(video)) as container:  # the sender's VP8 as it came (rtc/record_video.py)
        assert "webm" in container.format.name and container.streams.video[0].codec_context.name == "vp8"
        times = [frame.time for frame in container.decode(video=0)]
    assert len(times) >= 5 and times[0] == 0  # aiortc's sender sends 30 a second
    assert recorded - 0.5 < times[-1] <= recorded + 0.1  # from the first keyframe to the close
    assert [r.path.name for r in peer.records] == ["p1-02-main.ogg"]


@pytest.mark.rtc
async def test_offers_it_cannot_answer_are_refused(tmp_path: Path) -> None:
    peer = RecordingPeer(directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=None)
    video_only, offer = await offer_of(VideoStreamTrack())
    audio, audio_offer = await offer_of(PcmTrack(b""))
    try:
        with pytest.raises(OfferRefused, match="no audio"):
            await peer.answer(offer)
        no_candidates = "\r\n".join(line for line in audio_offer.split("\r\n") if "a=candidate" not in line)
        with pytest.raises(OfferRefused, match="no ICE candidates"):
            await peer.answer(no_candidates)
        with pytest.raises(OfferRefused):
            await peer.answer("v=0\r\nthis is not SDP")
        assert peer.connection_state == "new"
        assert "a=recvonly" in await peer.answer(audio_offer)  # still usable
    finally:
        await peer.close()
        await video_only.close()
        await audio.close()


async def test_a_peer_without_audio_yet_only_relabels_and_closes_quietly(tmp_path: Path) -> None:
    closed: list[SegmentRecord] = []

    async def on_closed(record: SegmentRecord) -> None:
        closed.append(record)

    peer = RecordingPeer(directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=on_closed)
    assert await peer.switch_segment("caucus-1") is None
    assert peer.segment == "caucus-1" and peer.current_path is None
    assert await peer.close() is None
    assert await peer.close() is None
    assert peer.connection_state == "closed" and closed == [] and list(tmp_path.iterdir()) == []
    with pytest.raises(PeerClosed):
        await peer.answer("v=0")
    with pytest.raises(PeerClosed):
        await peer.switch_segment("main")


@pytest.mark.parametrize("name", ["", "../x", "a b", ".hidden", "x" * 65, "caucus/1"])
def test_names_that_could_escape_the_directory_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        RecordingPeer(directory=tmp_path, name_prefix=name, segment="main", on_segment_closed=None)
    with pytest.raises(ValueError):
        RecordingPeer(directory=tmp_path, name_prefix="p1", segment=name, on_segment_closed=None)


@pytest.mark.rtc
@pytest.mark.slow
async def test_renegotiation_works_and_a_new_browser_connection_continues_the_same_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "p1-01-main.ogg").write_bytes(b"an earlier peer's file")  # numbering goes on after it
    peer = RecordingPeer(directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=None)
    first = PcmTrack(pattern_pcm(spans_from([(0.4, 1.2)], 1.6), seed=4))
    client = await connect(first, peer)
    second_client: RTCPeerConnection | None = None
    try:
        async with asyncio.timeout(10):
            await peer.wait_first_audio()
        # Renegotiation on the same browser connection is answered on the same aiortc connection.
        await client.setLocalDescription(await client.createOffer())
        answer = await peer.answer(client.localDescription.sdp)
        await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        # An ICE restart (new credentials, same DTLS fingerprint) is refused: aiortc cannot.
        restart = client.localDescription.sdp.replace("a=ice-ufrag:", "a=ice-ufrag:X")
        with pytest.raises(IceRestartUnsupported):
            await peer.answer(restart)
        assert first.started_at is not None
        await asyncio.sleep(1.6 - (utcnow() - first.started_at).total_seconds())
        await client.close()  # the connection is lost ...
        await asyncio.sleep(0.5)
        second = PcmTrack(pattern_pcm(spans_from([(0.3, 1.0)], 1.4), seed=5))
        second_client = await connect(second, peer)  # ... and the browser opens a new one
        await asyncio.sleep(1.5)
        record = await peer.close()
    finally:
        await peer.close()
        await client.close()
        if second_client is not None:
            await second_client.close()
    assert record is not None and record.path.name == "p1-02-main.ogg"
    check_file(record)
    assert first.started_at is not None and second.started_at is not None
    expected = [
        (first.started_at + timedelta(seconds=0.4), first.started_at + timedelta(seconds=1.2)),
        (second.started_at + timedelta(seconds=0.3), second.started_at + timedelta(seconds=1.0)),
    ]
    got = record.speech_at()
    assert len(got) == 2
    for (a, b), (ea, eb) in zip(got, expected, strict=True):
        assert abs((a - ea).total_seconds()) <= TOLERANCE
        assert abs((b - eb).total_seconds()) <= TOLERANCE
