"""WAV files that stay readable after kill -9, their repair, and where frames go on the wall clock."""

from __future__ import annotations

import array
import hashlib
import os
import signal
import struct
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from rtc.recorder import WallClockAligner, WavWriter, read_pcm, repair_wav, wav_header

ROOT = Path(__file__).resolve().parents[2]


def ramp(frames: int, start: int = 0) -> bytes:
    return array.array("h", (((start + i) * 7) % 65536 - 32768 for i in range(frames))).tobytes()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def header_frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


def test_a_closed_file_is_a_valid_wav_with_its_hash(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "a.wav")
    writer.write(ramp(16000))
    writer.write(ramp(8000, 16000))
    done = writer.close()
    assert (done.frames, done.duration_seconds) == (24000, 1.5)
    data = done.path.read_bytes()
    assert (done.size, done.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    with wave.open(str(done.path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 16000, 24000)
        assert w.readframes(24000) == ramp(24000)
    assert writer.close() == done  # closing twice is harmless


def test_it_refuses_to_overwrite_a_recording(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        WavWriter(tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == b"precious"


def test_an_odd_byte_waits_for_its_pair(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "a.wav")
    pcm = ramp(100)
    writer.write(pcm[:51])
    writer.write(pcm[51:])
    assert writer.close().frames == 100
    assert read_pcm(tmp_path / "a.wav").data == pcm


def test_the_header_is_refreshed_at_most_once_a_second(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "a.wav"
    writer = WavWriter(path, clock=clock)
    for _ in range(7):
        clock.now += 0.125
        writer.write(ramp(2000))
    assert header_frames(path) == 0  # 0.875 s: not yet
    clock.now += 0.125
    writer.write(ramp(2000))
    assert header_frames(path) == 16000
    assert path.stat().st_size == 44 + 32000  # flushed with the header
    clock.now += 0.5
    writer.write(ramp(2000))
    assert header_frames(path) == 16000
    writer.close()
    assert header_frames(path) == 18000


def test_a_stale_header_is_read_to_the_end_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "crashed.wav"
    pcm = ramp(4000)
    # The header counts 500 frames; half a sample is left at the end.
    path.write_bytes(wav_header(1000) + pcm + b"\x01")
    os.utime(path, (1_700_000_000, 1_700_000_000))  # when the process died
    assert header_frames(path) == 500
    assert read_pcm(path).data == pcm
    fixed = repair_wav(path)
    assert (fixed.frames, fixed.size) == (4000, 44 + 8000)
    assert fixed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.stat().st_mtime == 1_700_000_000  # still says when the audio stopped
    with wave.open(str(path)) as w:
        assert w.readframes(5000) == pcm


@pytest.mark.parametrize("declared", [0, 0xFFFFFFFF])
def test_unknown_sizes_mean_to_the_end_of_the_file(tmp_path: Path, declared: int) -> None:
    path = tmp_path / "a.wav"
    header = bytearray(wav_header(0))
    header[40:44] = struct.pack("<I", declared)
    path.write_bytes(bytes(header) + ramp(300))
    assert read_pcm(path).frames == 300


def test_a_chunk_after_the_data_is_not_taken_for_samples(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(wav_header(600) + ramp(300) + b"LIST" + struct.pack("<I", 4) + b"INFO")
    assert read_pcm(path).data == ramp(300)
    repair_wav(path)
    assert path.read_bytes().endswith(b"LISTINFO"[:4] + struct.pack("<I", 4) + b"INFO")


def test_it_refuses_what_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"ID3" + bytes(100))
    with pytest.raises(ValueError):
        read_pcm(path)


CHILD = """
import sys, time
from pathlib import Path
from rtc.recorder import WavWriter
from tests.rtc.test_recorder import ramp
writer = WavWriter(Path(sys.argv[1]))
frames = 0
while True:
    writer.write(ramp(1600, frames))
    frames += 1600
    print(frames, time.monotonic(), flush=True)
    time.sleep(0.1)
"""


def test_a_killed_writer_leaves_a_file_readable_up_to_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "killed.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    progress: list[tuple[int, float]] = []
    try:
        assert child.stdout is not None
        while not progress or progress[-1][0] < 2.4 * 16000:
            line = child.stdout.readline()
            assert line, "the writer died"
            frames, at = line.split()
            progress.append((int(frames), float(at)))
        time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_at = time.monotonic()
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    # Everything written more than a second (and a write) before the kill is counted by the header.
    due = max(frames for frames, at in progress if at <= killed_at - 1.15)
    with wave.open(str(path)) as w:
        counted = w.getnframes()
        assert counted >= due
        assert w.readframes(counted) == ramp(counted)
    on_disk = read_pcm(path)
    assert on_disk.frames >= counted and on_disk.data == ramp(on_disk.frames)
    fixed = repair_wav(path)
    assert fixed.frames == on_disk.frames == header_frames(path)


# --- where frames go -------------------------------------------------------------------------

FRAME = 320  # 20 ms at 16 kHz


def tagged(k: int) -> bytes:
    """A frame whose every sample says which frame it is."""
    return array.array("h", [k + 1] * FRAME).tobytes()


def run(frames: list[tuple[int, float, float]], aligner: WallClockAligner | None = None) -> array.array[int]:
    """Feed (frame number, pts_end, arrival) to an aligner whose file starts as the first frame's
    does (arrival less 20 ms, as in the peer); the file's samples."""
    aligner = aligner or WallClockAligner()
    aligner.start(frames[0][2] - 0.02)
    out = bytearray()
    for k, pts_end, arrival in frames:
        out += aligner.push(tagged(k), pts_end, arrival)
    samples = array.array("h")
    samples.frombytes(bytes(out))
    return samples


def position(samples: array.array[int], k: int) -> float:
    """Seconds into the file where frame k's first sample landed."""
    return samples.index(k + 1) / 16000


def steady(
    first: int, last: int, *, offset: float = 0.0, delay: float = 0.1
) -> list[tuple[int, float, float]]:
    """Frames first..last-1 sent in real time from 10.0 (sender time k * 20 ms), arriving ``delay`` later."""
    return [(k, (k + 1) * 0.02 + offset, 10.0 + (k + 1) * 0.02 + delay) for k in range(first, last)]


def test_frames_arriving_in_time_are_written_back_to_back() -> None:
    frames = [(k, p, a + (0.004 if k % 3 else 0.0)) for k, p, a in steady(0, 100)]  # a little jitter
    samples = run(frames)
    assert len(samples) == 100 * FRAME
    assert all(position(samples, k) == pytest.approx(k * 0.02) for k in range(100))


def test_lost_packets_become_silence_and_speech_after_them_keeps_its_time() -> None:
    samples = run(steady(0, 50) + steady(100, 150))  # one second of packets never came
    assert position(samples, 100) == pytest.approx(2.0)
    assert set(samples[50 * FRAME : 100 * FRAME]) == {0}


def test_frames_late_in_a_burst_after_a_stall_keep_their_places() -> None:
    stalled = [(k, p, 10.0 + 2.0 + 0.1 + k * 1e-4) for k, p, _ in steady(50, 100)]  # all at once at 2.1 s
    samples = run(steady(0, 50) + stalled + steady(100, 150))
    assert [position(samples, k) for k in (50, 99, 100)] == pytest.approx([1.0, 1.98, 2.0])
    assert len(samples) == 150 * FRAME  # nothing lost, nothing padded


def test_a_sender_that_froze_its_clock_is_moved_to_the_wall_clock() -> None:
    aligner = WallClockAligner()
    # Paused one second, then went on with the RTP time where it stopped.
    resumed = [(k, p, a + 1.0) for k, p, a in steady(50, 150)]
    samples = run(steady(0, 50) + resumed, aligner)
    assert position(samples, 50) == pytest.approx(2.0, abs=0.02)
    assert position(samples, 149) == pytest.approx(3.98, abs=0.02)
    assert aligner.padded == pytest.approx(16000, abs=FRAME)


@pytest.mark.parametrize("rate", [0.99, 1.01])
def test_a_sender_clock_off_by_one_percent_stays_on_the_wall_clock(rate: float) -> None:
    frames = [(k, (k + 1) * 0.02 * rate, 10.0 + (k + 1) * 0.02 + 0.1) for k in range(1500)]  # 30 s
    samples = run(frames)
    for k in (500, 1000, 1499):
        if (k + 1) in samples:  # a frame may be cut away by a faster clock
            assert position(samples, k) == pytest.approx(k * 0.02, abs=WallClockAligner.JUMP + 0.01)
    assert len(samples) / 16000 == pytest.approx(30.0, abs=WallClockAligner.JUMP + 0.01)


def test_a_switch_splits_after_the_last_frame_or_at_the_wall_clock() -> None:
    aligner = WallClockAligner()
    run(steady(0, 50), aligner)  # written up to 11.1 (sent up to 11.0, heard 0.1 s later)
    assert aligner.split_at(11.115) == pytest.approx(11.1)
    assert aligner.split_at(11.5) == 11.5
    assert len(aligner.pad_to(11.5)) == 2 * 6400
