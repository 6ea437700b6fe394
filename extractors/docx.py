"""DOCX reading (python-docx): paragraphs as lines, so clause segmentation and review work alike.

A DOCX has no fixed pages or coordinates; lines carry their paragraph index instead (the export
anchors Word comments on it), all on page 1, with no box.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from copilot.errors import InvalidInput
from extractors.pdf import Line, Page, PdfDocument


def read_docx(path: str | Path | bytes, *, name: str | None = None) -> PdfDocument:
    """Paragraphs (and table cells) in document order; InvalidInput for empty or non-DOCX files."""
    if isinstance(path, bytes | bytearray):
        data, name = bytes(path), name or "upload.docx"
    else:
        data, name = Path(path).read_bytes(), name or Path(path).name
    details = {"field": "file", "file": name}
    if not data:
        raise InvalidInput(f"{name} is empty (0 bytes).", details={**details, "reason": "empty"})
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(
            f"{name} is not a DOCX file (not a zip package).", details={**details, "reason": "not_docx"}
        )
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise InvalidInput(
            f"{name} cannot be read as DOCX ({exc.__class__.__name__}: {exc}).",
            details={**details, "reason": "damaged"},
        ) from exc
    lines = [
        Line(text=p.text.strip(), page=1, paragraph=i)
        for i, p in enumerate(document.paragraphs)
        if p.text.strip()
    ]
    offset = len(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            text = " ".join(c.text.strip() for c in row.cells if c.text.strip())
            if text:
                lines.append(Line(text=text, page=1, paragraph=offset))
            offset += 1
    if not lines:
        raise InvalidInput(f"{name} has no text.", details={**details, "reason": "no_text"})
    return PdfDocument(name=name, pages=[Page(number=1, width=0, height=0, lines=lines)], source="docx")
