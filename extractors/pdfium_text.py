"""The fast reader behind `read_pdf(engine="pdfium")`: text lines and boxes from pypdfium2.

Same output as the pdfplumber reader (`PdfDocument`, boxes in points from the top-left), built
from PDFium's text rectangles: rectangles whose vertical extents overlap form one line, read
left to right. Used for long documents where pdfminer's pure-Python parsing is too slow.
"""

from __future__ import annotations

from copilot.errors import InvalidInput
from extractors.pdf import _MIN_TEXT_CHARS, Line, Page, PdfDocument


def _bad(reason: str, message: str, name: str) -> InvalidInput:
    return InvalidInput(message, details={"field": "file", "reason": reason, "file": name})


def read_pdf_pdfium(data: bytes, password: str | None, name: str) -> PdfDocument:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            reason = "wrong_password" if password else "encrypted"
            raise _bad(
                reason, f"{name} is encrypted; give its (correct) password to review it.", name
            ) from exc
        raise _bad("damaged", f"{name} cannot be read as a PDF ({exc}).", name) from exc
    pages: list[Page] = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            chars = textpage.count_chars()
            if chars < _MIN_TEXT_CHARS:
                has_images = any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
                if chars == 0 or has_images:
                    pages.append(
                        Page(
                            number=index + 1,
                            width=width,
                            height=height,
                            has_text_layer=False,
                            scanned=has_images,
                        )
                    )
                    continue
            pieces = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                text = (
                    textpage.get_text_bounded(left, bottom, right, top).replace("\r", "").replace("\n", " ")
                )
                if text.strip():
                    pieces.append((height - top, height - bottom, left, right, text))
            pages.append(Page(number=index + 1, width=width, height=height, lines=_lines(pieces, index + 1)))
    finally:
        doc.close()
    if not pages:
        raise _bad("no_pages", f"{name} has no pages.", name)
    return PdfDocument(name=name, pages=pages, encrypted=bool(password))


def _lines(pieces: list[tuple[float, float, float, float, str]], number: int) -> list[Line]:
    pieces.sort(key=lambda p: (round(p[0]), p[2]))
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for piece in pieces:
        top, bottom = piece[0], piece[1]
        if rows:
            last = rows[-1]
            ltop, lbottom = min(p[0] for p in last), max(p[1] for p in last)
            overlap = min(bottom, lbottom) - max(top, ltop)
            if overlap > 0.5 * min(bottom - top, lbottom - ltop):
                last.append(piece)
                continue
        rows.append([piece])
    out = []
    for row in rows:
        row.sort(key=lambda p: p[2])
        text = ""
        for i, p in enumerate(row):
            gap = p[2] - row[i - 1][3] if i else 0
            joins_cjk = _cjk(text[-1:]) or _cjk(p[4][:1])
            if i and gap > 0.3 * (p[1] - p[0]) and not joins_cjk and not text.endswith(" "):
                text += " "
            text += p[4]
        text = text.strip()
        if text:
            box = (
                round(min(p[2] for p in row), 2),
                round(min(p[0] for p in row), 2),
                round(max(p[3] for p in row), 2),
                round(max(p[1] for p in row), 2),
            )
            out.append(Line(text=text, bbox=box, page=number))
    return out


def _cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
