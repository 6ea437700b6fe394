"""OCR for scanned PDF pages: RapidOCR (PP-OCR ONNX models carried by `rapidocr-onnxruntime`).

Pages are rendered with pypdfium2 and recognised offline; each recognised line becomes a `Line`
with its box converted back to PDF points and marked `approximate`, and the document's source
becomes `pdf_ocr`, so every consumer can say "OCR, positions approximate". The engine is loaded
once per process (about 2 s) and is the slow part of a scanned review; only pages without a text
layer are OCR'd.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from copilot.errors import Unavailable
from extractors.pdf import Line, Page, PdfDocument

DPI = 100
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _engine():  # noqa: ANN202 - rapidocr type, imported lazily
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise Unavailable("OCR needs rapidocr-onnxruntime: pip install rapidocr-onnxruntime") from exc
    return RapidOCR(use_cls=False)


def ocr_page_image(image) -> list[tuple[str, tuple[float, float, float, float], float]]:  # noqa: ANN001
    """(text, (x0, top, x1, bottom) in image pixels, confidence) for each recognised line."""
    import numpy as np

    with _LOCK:  # the ONNX sessions are shared; one page at a time
        result, _ = _engine()(np.array(image.convert("RGB")), use_cls=False)
    out = []
    for box, text, score in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        out.append((text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
    out.sort(key=lambda item: (round(item[1][1] / 8), item[1][0]))
    return out


def ocr_document(
    doc: PdfDocument, data: bytes, *, password: str | None = None, dpi: int = DPI
) -> PdfDocument:
    """Fill the scanned pages of `doc` (read from `data`) with OCR'd lines; others are kept."""
    import pypdfium2 as pdfium

    todo = set(doc.scanned_pages)
    if not todo:
        return doc
    pdf = pdfium.PdfDocument(data, password=password)
    pages: list[Page] = []
    try:
        for page in doc.pages:
            if page.number not in todo:
                pages.append(page)
                continue
            image = pdf[page.number - 1].render(scale=dpi / 72).to_pil()
            scale = 72 / dpi
            lines = [
                Line(
                    text=text,
                    bbox=(
                        round(b[0] * scale, 2),
                        round(b[1] * scale, 2),
                        round(b[2] * scale, 2),
                        round(b[3] * scale, 2),
                    ),
                    page=page.number,
                    approximate=True,
                )
                for text, b, score in ocr_page_image(image)
                if text.strip() and score >= 0.5
            ]
            pages.append(page.model_copy(update={"lines": lines, "ocr": True}))
    finally:
        pdf.close()
    return doc.model_copy(update={"pages": pages, "source": "pdf_ocr"})
