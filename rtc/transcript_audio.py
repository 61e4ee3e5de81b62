"""What every transcription engine shares, with no engine in it: the recorder's sample rate, a piece
of transcript, reading a recorded track, checking a model directory. (``rtc.transcribe`` holds the
engines and picks one; ``rtc.transcribe_whisper`` is one of them.)

The recorder writes Ogg Opus as received (``rtc.record_ogg``); a track is decoded here, when it is
transcribed, to the 16 kHz mono PCM the engines read. WAV files (older recordings, the demo's, the
tests') are read as they are."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rtc.record_ogg import OggFormatError, is_ogg, read_audio
from rtc.recorder import wav_header

SAMPLE_RATE = 16000  # what rtc's recorder writes


@dataclass(frozen=True)
class TranscriptPiece:
    """What one speaker said in one stretch of speech; times in seconds from the file's start."""

    start: float
    end: float
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"a transcript piece needs 0 <= start <= end, got {self.start}..{self.end}")


def model_dir(path: Path) -> Path:
    if not path.is_dir():
        raise ValueError(f"transcription model directory {str(path)!r} does not exist")
    return path


@contextmanager
def read_track(path: Path, rate: int) -> Iterator[wave.Wave_read]:
    """One recorded track: Ogg Opus decoded and resampled to ``rate``; WAV refused unless it is mono
    16-bit PCM at the model's rate. Blocking."""
    try:
        if is_ogg(path):
            pcm = read_audio(path, rate).data
            track = wave.open(io.BytesIO(wav_header(len(pcm), rate) + pcm), "rb")
        else:
            track = wave.open(str(path), "rb")
    except OggFormatError as error:
        raise ValueError(f"{str(path)!r} is not a readable Ogg Opus file: {error}") from error
    except (wave.Error, EOFError) as error:
        raise ValueError(f"{str(path)!r} is not a PCM WAV file: {error}") from error
    with track:
        shape = (track.getnchannels(), track.getsampwidth() * 8, track.getframerate())
        if shape != (1, 16, rate):
            raise ValueError(
                f"{str(path)!r} is {shape[0]} channel(s), {shape[1]}-bit, {shape[2]} Hz; "
                f"the model needs mono 16-bit at {rate} Hz"
            )
        yield track
