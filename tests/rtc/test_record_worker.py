"""Recording in a worker process of its own: the web process passes SDP and labels, the worker holds
the peers and writes the files; a dead worker fails its peers and is started again."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from hub.orm import utcnow
from rtc.offers import OfferRefused, PeerClosed
from rtc.peer import SegmentRecord
from rtc.record_client import RecordWorker, RemoteRecordingPeer
from tests.rtc.audio import PcmTrack, pattern_pcm, spans_from

TOLERANCE = 0.2


@pytest.mark.rtc
@pytest.mark.slow
async def test_a_peer_in_the_worker_records_segments_and_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    lost: list[bool] = []
    worker = RecordWorker(on_lost=lambda: lost.append(True))
    closed: list[SegmentRecord] = []

    async def on_closed(record: SegmentRecord) -> None:
        closed.append(record)

    peer = RemoteRecordingPeer(
        worker, directory=tmp_path, name_prefix="p1", segment="main", on_segment_closed=on_closed
    )
    track = PcmTrack(pattern_pcm(spans_from([(0.3, 1.0), (1.6, 2.2)], 2.6), seed=6))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        with pytest.raises(OfferRefused, match="no audio"):
            await peer.answer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
        client.addTransceiver(track, direction="sendonly")
        await client.setLocalDescription(await client.createOffer())
        answer = await peer.answer(client.localDescription.sdp)
        await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        assert worker.pid is not None and worker.pid != os.getpid()  # not in this process
        async with asyncio.timeout(10):
            await peer.wait_first_audio()
        assert track.started_at is not None
        await asyncio.sleep(1.3 - (utcnow() - track.started_at).total_seconds())  # in the pause
        first = await peer.switch_segment("caucus-1")
        await asyncio.sleep(2.6 - (utcnow() - track.started_at).total_seconds())
        last = await peer.close()
        assert await peer.close() is None
        with pytest.raises(PeerClosed):
            await peer.answer(client.localDescription.sdp)
    finally:
        await client.close()
    assert first is not None and last is not None and closed == [first, last] == peer.records
    assert [r.path.name for r in closed] == ["p1-01-main.ogg", "p1-02-caucus-1.ogg"]
    assert last.started_at == first.ended_at and all(r.path.is_file() for r in closed)
    expected = [
        (track.started_at + timedelta(seconds=a), track.started_at + timedelta(seconds=b))
        for a, b in ((0.3, 1.0), (1.6, 2.2))
    ]
    got = [span for r in closed for span in r.speech_at()]
    assert len(got) == 2, (got, expected)
    for (a, b), (ea, eb) in zip(got, expected, strict=True):
        assert abs((a - ea).total_seconds()) <= TOLERANCE and abs((b - eb).total_seconds()) <= TOLERANCE

    # The worker dies: what was asked of it fails, the host is told, the next request starts another.
    dead = worker.pid
    assert dead is not None
    other = RemoteRecordingPeer(
        worker, directory=tmp_path, name_prefix="p2", segment="main", on_segment_closed=None
    )
    await other.switch_segment("caucus-1")  # nothing opened yet: no request
    os.kill(dead, signal.SIGKILL)
    async with asyncio.timeout(10):
        while not lost:
            await asyncio.sleep(0.05)
    assert lost == [True]
    with pytest.raises(OfferRefused):
        await other.answer("v=0\r\n")  # a new worker answers (and refuses this offer)
    assert worker.pid not in (None, dead)
    await worker.stop()
    assert worker.pid is None
