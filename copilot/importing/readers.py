"""Streaming readers: rows come out one at a time with their line number; memory stays flat.

The encoding is decided from the first megabyte: a UTF-8 BOM, else strict UTF-8, else GB18030
(a superset of GBK and GB2312, what Excel on a Chinese Windows writes).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.errors import InvalidInput

SAMPLE_BYTES = 1 << 20
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class RawRow:
    line: int
    values: dict[str, Any] | None
    error: str | None = None


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # a sample cut mid-character must not count against UTF-8: drop up to 3 trailing bytes
    for trim in range(0, 4):
        try:
            sample[: len(sample) - trim].decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:
                break
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the file is neither UTF-8 nor GBK/GB18030 text (undecodable byte at offset {exc.start})",
            details={"field": "file", "offset": exc.start},
        ) from exc


def file_format(path: Path, declared: str | None = None) -> str:
    fmt = (declared or path.suffix.lstrip(".")).lower()
    if fmt in ("csv", "txt"):
        return "csv"
    if fmt in ("jsonl", "ndjson", "json"):
        return "jsonl"
    raise InvalidInput(
        f"unsupported file type {path.suffix or '(none)'!r}: use .csv or .jsonl", details={"field": "file"}
    )


class _CountingReader(io.RawIOBase):
    """Wraps a binary file to report bytes consumed (progress bars) without reading ahead."""

    def __init__(self, raw: io.BufferedReader, on_progress: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_progress = on_progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        if n and self._on_progress:
            self._on_progress(n)
        return n or 0


def read_rows(
    path: Path, *, fmt: str | None = None, on_progress: Callable[[int], None] | None = None
) -> tuple[str, str, Iterator[RawRow]]:
    """(format, encoding, rows). Raises InvalidInput for an empty or undecodable file."""
    fmt = file_format(path, fmt)
    if path.stat().st_size == 0:
        raise InvalidInput("the file is empty", details={"field": "file"})
    with path.open("rb") as handle:
        encoding = detect_encoding(handle.read(SAMPLE_BYTES))

    def rows() -> Iterator[RawRow]:
        with path.open("rb") as raw:
            text = io.TextIOWrapper(
                io.BufferedReader(_CountingReader(raw, on_progress), 1 << 16),
                encoding=encoding,
                newline="",
                errors="strict",
            )
            try:
                yield from (_csv_rows(text) if fmt == "csv" else _jsonl_rows(text))
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"the file is not valid {encoding} text past its first megabyte",
                    details={"field": "file"},
                ) from exc

    return fmt, encoding, rows()


def _csv_rows(text: io.TextIOWrapper) -> Iterator[RawRow]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("the file is empty", details={"field": "file"}) from None
    header = [h.strip() for h in header]
    if not any(header):
        raise InvalidInput("the first line must be a header naming the columns", details={"field": "header"})
    yield RawRow(line=1, values={"__header__": header})
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            yield RawRow(
                line=line, values=None, error=f"{len(record)} cells but the header has {len(header)} columns"
            )
            continue
        yield RawRow(line=line, values=dict(zip(header, record, strict=False)))


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[RawRow]:
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRow(line=line_no, values=None, error=f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield RawRow(line=line_no, values=None, error="each line must be a JSON object")
            continue
        yield RawRow(line=line_no, values=value)
