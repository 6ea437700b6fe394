"""Write contract documents (PDF with a text layer, scanned PDF, DOCX) from a structured source.

The demo, the eval set and the tests all need real files that look like the contracts legal
receives: a title, the parties, numbered clauses with wrapped paragraphs, a running header and
a page-number footer. One writer keeps them alike. CJK text uses reportlab's built-in CID font
STSong-Light (no font file needed); when the WenQuanYi Micro Hei TrueType font is installed it is
embedded instead, so that rendered pages (the legal page, scanned copies for OCR) show glyphs.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

WQY_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)


class SourceClause(BaseModel):
    heading: str = Field(description="Heading line as printed, e.g. '第五条 付款方式' or '5. Payment'.")
    paragraphs: list[str] = Field(default_factory=list)


class ContractSource(BaseModel):
    """What a contract says, independent of its file format."""

    title: str
    lang: str = "zh"
    reference: str = ""
    preamble: list[str] = Field(default_factory=list)
    clauses: list[SourceClause]
    signature: list[str] = Field(default_factory=list)


def wqy_font_path() -> Path | None:
    for p in WQY_PATHS:
        if Path(p).exists():
            return Path(p)
    return None


@lru_cache(maxsize=1)
def _font(prefer_embedded: bool = True) -> str:
    """Register and return the CJK font name: WenQuanYi (embedded TrueType) or STSong-Light (CID)."""
    from reportlab.pdfbase import pdfmetrics

    path = wqy_font_path() if prefer_embedded else None
    if path is not None:
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("WQYMicroHei", str(path), subfontIndex=0))
        return "WQYMicroHei"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def render_pdf(
    source: ContractSource,
    path: str | Path | None = None,
    *,
    password: str | None = None,
    embed_font: bool = True,
) -> bytes:
    """A text-layer PDF of the contract (A4, header, page numbers); written to `path` if given."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _font(embed_font)
    wrap = "CJK" if source.lang == "zh" else None
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap=wrap, spaceAfter=4)
    head = ParagraphStyle("head", parent=body, fontSize=11.5, leading=19, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=26, alignment=TA_CENTER, spaceAfter=12)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story = [Paragraph(esc(source.title), title)]
    story += [Paragraph(esc(p), body) for p in source.preamble]
    for clause in source.clauses:
        story.append(Paragraph(esc(clause.heading), head))
        story += [Paragraph(esc(p), body) for p in clause.paragraphs]
    if source.signature:
        story.append(Spacer(1, 18))
        story += [Paragraph(esc(p), body) for p in source.signature]

    page_word = ("第 {n} 页", "Page {n}") if source.lang == "zh" else ("Page {n}", "Page {n}")

    def furniture(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        canvas.saveState()
        canvas.setFont(font, 8.5)
        if source.reference:
            canvas.drawRightString(A4[0] - 20 * mm, A4[1] - 12 * mm, source.reference)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, page_word[0].format(n=doc.page))
        canvas.restoreState()

    buf = io.BytesIO()
    encrypt = StandardEncryption(password, canPrint=1) if password else None
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=source.title,
        encrypt=encrypt,
    )
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def render_scanned_pdf(text_pdf: bytes, path: str | Path | None = None, *, dpi: int = 150) -> bytes:
    """An image-only copy of a PDF (what a scanner produces): each page rasterised, no text layer."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as rl_canvas

    src = pdfium.PdfDocument(text_pdf)
    out = io.BytesIO()
    c = None
    try:
        for i in range(len(src)):
            page = src[i]
            w, h = page.get_size()
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            if c is None:
                c = rl_canvas.Canvas(out, pagesize=(w, h))
            c.setPageSize((w, h))
            img = io.BytesIO()
            image.save(img, format="PNG", optimize=False)
            img.seek(0)
            c.drawImage(ImageReader(img), 0, 0, width=w, height=h)
            c.showPage()
    finally:
        src.close()
    assert c is not None, "source PDF has no pages"
    c.save()
    data = out.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def render_docx(source: ContractSource, path: str | Path | None = None) -> bytes:
    """A DOCX of the contract: title, numbered clause headings, one paragraph per paragraph."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    t = document.add_paragraph(source.title)
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for p in source.preamble:
        document.add_paragraph(p)
    for clause in source.clauses:
        h = document.add_paragraph()
        h.add_run(clause.heading).bold = True
        for p in clause.paragraphs:
            document.add_paragraph(p)
    for p in source.signature:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
