"""Voice notes: pipeline real-time factor against bare faster-whisper on the same files, tagging
time per note, and memory with the model loaded once.

The pipeline is everything a note goes through: upload stored by hash, row and job committed,
worker claims the job, decodes, transcribes (same model, same settings), tags, writes the tags.
Bare is `WhisperModel.transcribe(path)` with the same beam, VAD and language. Runs are
interleaved file by file so machine noise hits both sides alike; the overhead is the ratio of
the summed times.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT / "eval" / "voice" / "audio"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _row(metric: str, value: Any, unit: str, target: str = "", ok: bool | None = None) -> dict[str, Any]:
    return {"area": "voice", "metric": metric, "value": value, "unit": unit, "target": target, "ok": ok}


def run(quick: bool) -> list[dict[str, Any]]:
    from copilot import worker
    from copilot.auth import system_caller
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.db.schema import CustomerRow
    from extractors.audio import FasterWhisperTranscriber, decode_audio, get_transcriber
    from extractors.tags import Tagger
    from services import voice_notes

    files = sorted(AUDIO.glob("*.ogg"))[: 2 if quick else 6]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        context = build_context(Settings(data_dir=Path(tmp) / "data"))
        rss_start = _rss_mb()
        transcriber = get_transcriber(context)
        assert isinstance(transcriber, FasterWhisperTranscriber)
        model_name = transcriber.model_for("en")
        whisper = transcriber.model(model_name)
        rss_loaded = _rss_mb()
        voice_notes.get_tagger(context)  # the tagger and the embedder behind its exemplars, once
        rss_tagger = _rss_mb()
        with context.db.transaction() as session:
            customer = CustomerRow(name="Bench customer", name_key="bench customer", tags=[])
            session.add(customer)
            session.flush()
            customer_id = customer.id
        kwargs = {
            "beam_size": 5,
            "vad_filter": True,
            "vad_parameters": {"min_silence_duration_ms": 500},
            "condition_on_previous_text": False,
            "language": "en",
        }

        def bare(path: Path) -> float:
            started = time.perf_counter()
            segments, _ = whisper.transcribe(str(path), **kwargs)
            list(segments)
            return time.perf_counter() - started

        def pipeline(path: Path) -> float:
            started = time.perf_counter()
            note_id = voice_notes.add_audio_note(
                context, system_caller(), customer_id, path.read_bytes(), path.name, language="en"
            )
            worker.run_once(context)  # the note, and any periodic task that is due
            elapsed = time.perf_counter() - started
            assert voice_notes.get_note(context, system_caller(), note_id).status == "tagged"
            return elapsed

        # warm-up on a short file, both sides: first-call allocations, the exemplar embeddings and
        # torch's lazy start are paid once per process, not per note
        warm = ROOT / "tests" / "fixtures" / "voice" / "phrase.wav"
        bare(warm)
        pipeline(warm)
        rss_warm = _rss_mb()
        bare_total = pipe_total = audio_total = 0.0
        for index, path in enumerate(files):
            # the same bytes uploaded twice would be the same hash: that is fine, the pipeline
            # stores it once and still transcribes each note
            if index % 2:
                pipe_total += pipeline(path)
                bare_total += bare(path)
            else:
                bare_total += bare(path)
                pipe_total += pipeline(path)
        for path in files:
            audio_total += decode_audio(path).size / 16000
        rss_after = _rss_mb()
        overhead = pipe_total / bare_total - 1
        rows += [
            _row("files", len(files), "notes", "", None),
            _row("audio", round(audio_total, 1), "s"),
            _row(f"bare faster-whisper RTF ({model_name})", round(bare_total / audio_total, 3), "x"),
            _row("pipeline RTF", round(pipe_total / audio_total, 3), "x"),
            _row("pipeline overhead vs bare", round(overhead * 100, 1), "%", "<= 10%", overhead <= 0.10),
        ]

        notes = [
            json.loads(line)
            for name in ("en_notes.jsonl", "zh_notes.jsonl")
            for line in (ROOT / "eval" / "voice" / name).read_text().splitlines()
            if line.strip()
        ]
        tagger: Tagger = voice_notes.get_tagger(context)
        timings = []
        for _ in range(1 if quick else 3):
            for note in notes:
                started = time.perf_counter()
                tagger.tag(note["text"], recorded_on=date.fromisoformat(note["recorded_at"]))
                timings.append((time.perf_counter() - started) * 1000)
        rows += [
            _row("tagging per note (median)", round(statistics.median(timings), 2), "ms", "", None),
            _row(
                "tagging per note (p95)",
                round(sorted(timings)[int(len(timings) * 0.95) - 1], 2),
                "ms",
                "",
                None,
            ),
            _row("RSS before model", round(rss_start, 0), "MB"),
            _row("RSS with model loaded", round(rss_loaded, 0), "MB"),
            _row("RSS with model + tagger (embedder)", round(rss_tagger, 0), "MB"),
            _row("RSS after warm-up", round(rss_warm, 0), "MB"),
            _row(
                f"RSS after {2 * len(files)} more transcriptions",
                round(rss_after, 0),
                "MB",
                "model loaded once (growth < 150 MB)",
                rss_after - rss_warm < 150,
            ),
            _row("model instances", len(transcriber._models), "", "1", len(transcriber._models) == 1),
        ]
        context.db.dispose()
    return rows
