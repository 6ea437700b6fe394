"""One entry point for contract files: PDF (OCR'ing scanned pages) or DOCX, by content."""

from __future__ import annotations

from pathlib import Path

from copilot.errors import InvalidInput
from extractors.pdf import PdfDocument, check_pdf_bytes, read_pdf

DOCX_MAGIC = b"PK\x03\x04"


def read_document(
    path: str | Path | bytes, *, password: str | None = None, name: str | None = None, ocr: bool = True
) -> PdfDocument:
    """Read a contract file; scanned PDF pages are OCR'd unless `ocr` is False."""
    if isinstance(path, bytes | bytearray):
        data, name = bytes(path), name or "upload"
    else:
        p = Path(path)
        if not p.exists():
            raise InvalidInput(f"{p} does not exist.", details={"field": "file", "reason": "missing"})
        data, name = p.read_bytes(), name or p.name
    if data[:4] == DOCX_MAGIC or name.lower().endswith(".docx"):
        from extractors.docx import read_docx

        return read_docx(data, name=name)
    check_pdf_bytes(data, name)
    doc = read_pdf(data, password=password, name=name)
    if ocr and doc.scanned_pages:
        from extractors.ocr import ocr_document

        doc = ocr_document(doc, data, password=password)
    return doc
