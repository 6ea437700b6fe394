"""Call and meeting transcripts into speaker turns with timestamps.

Accepted: SRT, WebVTT (with or without `<v Speaker>` voice tags), `Speaker: text` lines
(optionally led by a `[hh:mm:ss]` stamp), and plain text (one turn per paragraph). A transcript
may start with `# key: value` header lines (customer, uscc, date, title, id) that say whom and
when the call was with; a JSONL file gives the same fields per line with `turns` or `text`.

Times are seconds when the input carries them; plain paragraphs carry character offsets
instead (`time_unit` says which), so an evidence span always points back into its source.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from copilot.errors import InvalidInput
from extractors.dates import parse_datetime

Format = Literal["srt", "vtt", "speaker", "plain"]

_HEADER = re.compile(r"^#\s*([A-Za-z_]+)\s*[:：]\s*(.*?)\s*$")
_CUE_TIME = re.compile(
    r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s+.*)?$"
)
_STAMP = re.compile(r"^\s*[\[(]?(?P<t>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])]?\s*")
_SPEAKER = re.compile(r"^(?P<who>[^\s:：][^:：\n]{0,30}?)\s*[:：]\s*(?P<text>\S.*)$")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$")
_TAG = re.compile(r"</?[a-z][^>]*>")


@dataclass
class Turn:
    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


@dataclass
class Transcript:
    turns: list[Turn]
    format: Format
    time_unit: Literal["seconds", "chars"]
    external_id: str | None = None
    title: str | None = None
    customer: str | None = None
    uscc: str | None = None
    occurred_at: datetime | None = None
    source: str = "call"
    file_name: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def participants(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker))

    @property
    def text(self) -> str:
        return "\n".join(f"{t.speaker}: {t.text}" if t.speaker else t.text for t in self.turns)

    def content_hash(self) -> str:
        body = [(t.speaker, t.text, t.start, t.end) for t in self.turns]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _split_header(text: str) -> tuple[dict[str, str], str]:
    meta: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _HEADER.match(lines[i])
        if not match:
            break
        meta[match.group(1).lower()] = match.group(2)
        i += 1
    return meta, "\n".join(lines[i:])


def detect_format(body: str, file_name: str | None = None) -> Format:
    suffix = Path(file_name or "").suffix.lower()
    stripped = body.lstrip("\ufeff \n")
    if suffix == ".vtt" or stripped.startswith("WEBVTT"):
        return "vtt"
    if suffix == ".srt" or any(_CUE_TIME.match(line) for line in stripped.splitlines()[:5]):
        return "srt"
    lines = [line for line in stripped.splitlines() if line.strip()]
    with_speaker = sum(1 for line in lines if _SPEAKER.match(_STAMP.sub("", line, count=1)))
    return "speaker" if lines and with_speaker >= max(1, len(lines) // 2) else "plain"


def _cue_turn(text_lines: list[str], start: float, end: float) -> Turn | None:
    text = " ".join(line.strip() for line in text_lines if line.strip())
    speaker = None
    voice = _VOICE.match(text)
    if voice:
        speaker, text = voice.group(1).strip(), voice.group(2)
    text = _TAG.sub("", text).strip()
    if speaker is None:
        match = _SPEAKER.match(text)
        if match:
            speaker, text = match.group("who").strip(), match.group("text").strip()
    return Turn(speaker, text, start, end) if text else None


def _parse_cues(body: str, kind: Format) -> list[Turn]:
    turns: list[Turn] = []
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n").lstrip("\ufeff"))
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines or (kind == "vtt" and lines[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION"))):
            continue
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        match = _CUE_TIME.match(lines[timing])
        if not match:
            raise InvalidInput(
                f"{kind.upper()} cue has a malformed time line: {lines[timing]!r}",
                details={"field": "timestamp", "value": lines[timing]},
            )
        start, end = seconds(match.group("a")), seconds(match.group("b"))
        if end < start:
            raise InvalidInput(
                f"{kind.upper()} cue ends before it starts: {lines[timing]!r}",
                details={"field": "timestamp", "value": lines[timing]},
            )
        turn = _cue_turn(lines[timing + 1 :], start, end)
        if turn is None:
            continue
        if turns and turns[-1].speaker == turn.speaker and turn.speaker is not None:
            turns[-1].text += " " + turn.text  # one speaker's consecutive cues are one turn
            turns[-1].end = turn.end
        else:
            turns.append(turn)
    return turns


def _parse_speaker_lines(body: str) -> tuple[list[Turn], bool]:
    turns: list[Turn] = []
    timed = False
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        stamp = _STAMP.match(line)
        start = None
        if stamp and ":" in stamp.group("t") and _SPEAKER.match(line[stamp.end() :]):
            start, line, timed = seconds(stamp.group("t")), line[stamp.end() :], True
        match = _SPEAKER.match(line)
        if match:
            turns.append(Turn(match.group("who").strip(), match.group("text").strip(), start))
        elif turns:
            turns[-1].text += "\n" + line  # a continuation line of the previous speaker
        else:
            turns.append(Turn(None, line, start))
    if timed:
        for current, following in zip(turns, turns[1:], strict=False):
            current.end = following.start
    return turns, timed


def _parse_plain(body: str) -> list[Turn]:
    turns: list[Turn] = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", body):
        text = match.group(0).strip()
        if text:
            turns.append(Turn(None, text, float(match.start()), float(match.end())))
    return turns


def parse_transcript(text: str, *, file_name: str | None = None) -> Transcript:
    """One transcript from its text; raises InvalidInput naming the problem when it has no turns."""
    meta, body = _split_header(text)
    if not body.strip():
        raise InvalidInput("the transcript is empty", details={"field": "file", "value": file_name})
    kind = detect_format(body, file_name)
    unit: Literal["seconds", "chars"] = "seconds"
    if kind in ("srt", "vtt"):
        turns = _parse_cues(body, kind)
    elif kind == "speaker":
        turns, timed = _parse_speaker_lines(body)
        unit = "seconds" if timed else "chars"
    else:
        turns, unit = _parse_plain(body), "chars"
    if not turns:
        raise InvalidInput(
            f"no turns found in the {kind} transcript", details={"field": "file", "value": file_name}
        )
    occurred = None
    if meta.get("date"):
        occurred = parse_datetime(meta["date"], field="date")
    return Transcript(
        turns=turns,
        format=kind,
        time_unit=unit,
        external_id=meta.get("id"),
        title=meta.get("title"),
        customer=meta.get("customer"),
        uscc=meta.get("uscc"),
        occurred_at=occurred,
        source=meta.get("source", "call"),
        file_name=file_name,
        meta=meta,
    )


def transcript_from_json(obj: dict, *, where: str) -> Transcript:
    """A transcript from a JSONL object: {id, title, customer, uscc, occurred_at, turns|text}."""
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where}: expected a JSON object", details={"field": "line"})
    if isinstance(obj.get("turns"), list):
        turns = []
        for n, t in enumerate(obj["turns"]):
            if not isinstance(t, dict) or not str(t.get("text", "")).strip():
                raise InvalidInput(f"{where}: turn {n} has no text", details={"field": f"turns[{n}].text"})
            turns.append(Turn(t.get("speaker"), str(t["text"]).strip(), t.get("start"), t.get("end")))
        has_time = any(t.start is not None for t in turns)
        transcript = Transcript(turns=turns, format="speaker", time_unit="seconds" if has_time else "chars")
    elif isinstance(obj.get("text"), str):
        transcript = parse_transcript(obj["text"])
    else:
        raise InvalidInput(f"{where}: needs 'turns' or 'text'", details={"field": "turns"})
    transcript.external_id = obj.get("id") and str(obj["id"])
    transcript.title = obj.get("title")
    transcript.customer = obj.get("customer")
    transcript.uscc = obj.get("uscc")
    transcript.source = obj.get("source") or "call"
    if obj.get("occurred_at"):
        transcript.occurred_at = parse_datetime(str(obj["occurred_at"]), field="occurred_at")
    return transcript
