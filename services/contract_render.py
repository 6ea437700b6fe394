"""Contract pages as images for the legal page (pypdfium2, the renderer pdfplumber already needs)."""

from __future__ import annotations

import io
from pathlib import Path

from copilot.errors import InvalidInput, NotFound


def page_sizes(path: Path) -> list[tuple[float, float]]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return [tuple(doc[i].get_size()) for i in range(len(doc))]  # type: ignore[misc]
    finally:
        doc.close()


def render_page_png(path: Path, page: int, *, scale: float = 1.5) -> bytes:
    """PNG of 1-based `page`; NotFound past the last page, InvalidInput for a DOCX."""
    if path.suffix.lower() != ".pdf":
        raise InvalidInput("only PDF contracts have pages to render", details={"field": "page"})
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(doc):
            raise NotFound(
                f"the contract has {len(doc)} pages; there is no page {page}", details={"field": "page"}
            )
        image = doc[page - 1].render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return buf.getvalue()
    finally:
        doc.close()
