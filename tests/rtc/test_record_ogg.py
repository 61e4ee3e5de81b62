"""The Ogg Opus writer, read back by independent readers: libavformat and libopus through PyAV, and
a page walker written here from RFC 3533 with a bit-by-bit CRC."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import pytest

from rtc.record_ogg import (
    SILENCE,
    OggOpusWriter,
    ogg_crc,
    opus_samples,
    read_audio,
    repair_ogg,
)
from rtc.synth import speech
from tests.rtc.audio import opus_packets


def crc_bit_by_bit(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def walk(data: bytes) -> list[tuple[int, int, list[bytes]]]:
    """(flags, granule, packets completed) of every page, checking each page's CRC."""
    out, pos, partial = [], 0, b""
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS"
        flags, (granule,), (crc,) = (
            data[pos + 5],
            struct.unpack_from("<q", data, pos + 6),
            struct.unpack_from("<I", data, pos + 22),
        )
        count = data[pos + 26]
        lacing = data[pos + 27 : pos + 27 + count]
        body_at = pos + 27 + count
        end = body_at + sum(lacing)
        assert crc_bit_by_bit(data[pos : pos + 22] + bytes(4) + data[pos + 26 : end]) == crc
        packets, at = [], body_at
        for value in lacing:
            partial += data[at : at + value]
            at += value
            if value < 255:
                packets.append(partial)
                partial = b""
        out.append((flags, granule, packets))
        pos = end
    return out


@pytest.fixture(scope="module")
def packets() -> list[bytes]:
    """One second of the synthetic voice, encoded by libopus as a browser would (20 ms packets)."""
    return opus_packets(speech(1.0, seed=3).tobytes())


def test_packets_and_silence_read_back_with_their_length_and_timeline(
    tmp_path: Path, packets: list[bytes]
) -> None:
    writer = OggOpusWriter(tmp_path / "a.ogg")
    for packet in packets:
        writer.write(packet, opus_samples(packet))
    assert writer.pad(48000) == 48000  # a second of lost packets
    for packet in packets:
        writer.write(packet, opus_samples(packet))
    file = writer.close()
    total = 2 * 960 * len(packets) + 48000
    assert (file.frames, file.duration_seconds) == (total, total / 48000)

    pages = walk(file.path.read_bytes())
    head, tags, *audio = pages
    assert head[0] == 0x02 and head[2][0][:8] == b"OpusHead" and head[2][0][9:12] == b"\x01\x00\x00"
    assert tags[2][0][:8] == b"OpusTags"
    assert audio[-1][0] == 0x04 and audio[-1][1] == total  # end of stream, every sample counted
    assert [p for page in audio for p in page[2]] == packets + [SILENCE] * 50 + packets

    with av.open(str(file.path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.sample_rate, stream.duration) == ("opus", 48000, total)
    decoded = read_audio(file.path)  # 16 kHz mono, as the transcription engines read it
    assert decoded.frames == total // 3
    rate = decoded.sample_rate
    second = decoded.data[
        2 * (len(packets) * 320 + rate // 10) : 2 * (len(packets) * 320 + rate - rate // 10)
    ]
    assert max(abs(v) for (v,) in struct.iter_unpack("<h", second)) < 100  # the gap is silent
    voice = decoded.data[2 * rate // 4 : 2 * rate // 2]
    assert max(abs(v) for (v,) in struct.iter_unpack("<h", voice)) > 3000


def test_pages_go_to_disk_about_once_a_second_and_a_crash_loses_only_the_torn_page(
    tmp_path: Path, packets: list[bytes]
) -> None:
    now = [0.0]
    path = tmp_path / "live.ogg"
    writer = OggOpusWriter(path, clock=lambda: now[0])
    headers = path.stat().st_size
    for n, packet in enumerate(packets * 2):  # 102 packets: pages at 1.0 s and 2.0 s
        now[0] = n * 0.02
        writer.write(packet, 960)
        if n == 48:
            assert path.stat().st_size == headers  # held: under a second written
    on_disk = path.read_bytes()
    writer.close()
    crashed = tmp_path / "crashed.ogg"
    crashed.write_bytes(on_disk[:-7])  # the process died while writing its second page
    repaired = repair_ogg(crashed)
    assert repaired.frames == 51 * 960  # the first page's packets
    assert walk(crashed.read_bytes())[-1][1] == repaired.frames  # the torn page is gone
    assert read_audio(crashed).frames == repaired.frames // 3


def test_a_file_with_headers_only_decodes_to_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.ogg"
    writer = OggOpusWriter(path)
    writer.close()
    assert repair_ogg(path).frames == 0 and read_audio(path).frames == 0


def test_the_crc_is_oggs_and_packet_lengths_come_from_the_toc() -> None:
    for data in (b"", b"\x00", b"OggS" * 100, bytes(range(256))):
        assert ogg_crc(data) == crc_bit_by_bit(data)
    assert opus_samples(SILENCE) == 960
    assert opus_samples(bytes([0b00001_000])) == 960  # SILK NB 20 ms
    assert opus_samples(bytes([0b11111_001])) == 1920  # CELT FB 20 ms, two frames
    assert opus_samples(bytes([0b01111_011, 3])) == 2880  # hybrid FB 20 ms, three frames
    assert opus_samples(bytes([0b11111_011, 7])) == 0  # 140 ms: not Opus
    assert opus_samples(b"") == 0


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.ogg").write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        OggOpusWriter(tmp_path / "a.ogg")
    assert (tmp_path / "a.ogg").read_bytes() == b"precious"
