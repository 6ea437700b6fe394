"""Public-source signals (tender notices, news, registry changes, WeChat articles, web events)
from JSONL, RSS/Atom and saved HTML pages.

Each input becomes a `SignalDraft` (type, source, title, text, url, occurred_at, the company
it names, the raw fields) or a `Rejected` line with the reason; one bad line never stops the
rest. Which fields a type needs and how it reads as text are data (`defaults/public.yaml`).
Customer linking happens later (copilot.ingest.linking) on the company name and uscc kept here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

from copilot.errors import InvalidInput
from extractors.dates import parse_datetime


@dataclass
class SignalDraft:
    type: str
    source: str
    title: str
    text: str
    external_id: str
    url: str | None = None
    occurred_at: datetime | None = None
    company: str | None = None
    uscc: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    where: str = ""  # file and line/item, for messages

    def content_hash(self) -> str:
        body = [self.type, self.source, self.title, self.text, self.url, self.company, self.uscc]
        body.append(self.occurred_at.isoformat() if self.occurred_at else None)
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Rejected:
    where: str
    reason: str


@dataclass
class Extraction:
    drafts: list[SignalDraft] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=1)
def signal_types() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load((Path(__file__).parent / "defaults" / "public.yaml").read_text(encoding="utf-8"))
    return raw["types"]


def _render(template: str, values: dict[str, Any]) -> str:
    names = {name for _, name, _, _ in Formatter().parse(template) if name}
    filled = _Blank({k: ("" if values.get(k) is None else values[k]) for k in names if k in values})
    text = template.format_map(filled)
    # drop the empty "label：。" pieces that missing optional fields leave behind
    for empty in ("：。", ":。", "：，", "《》"):
        while empty in text:
            start = text.index(empty)
            cut = max(text.rfind("。", 0, start), text.rfind("，", 0, start))
            text = text[: cut + 1] + text[start + len(empty) :]
    return " ".join(text.split()).strip("。 ") + ("。" if text.strip().endswith("。") else "")


def draft_from_fields(
    obj: dict[str, Any], *, where: str, default_type: str | None = None, source: str | None = None
) -> SignalDraft:
    """One structured record (a JSONL line, a feed item, a page) as a draft; InvalidInput when it cannot be."""
    if not isinstance(obj, dict):
        raise InvalidInput(
            f"{where}: expected a JSON object, got {type(obj).__name__}", details={"field": "line"}
        )
    kind = str(obj.get("type") or default_type or "")
    types = signal_types()
    if kind not in types:
        raise InvalidInput(
            f"{where}: type {kind!r} is not one of {', '.join(types)}",
            details={"field": "type", "value": kind},
        )
    spec = types[kind]
    for name in spec["required"]:
        if obj.get(name) in (None, ""):
            raise InvalidInput(f"{where}: field {name!r} is missing", details={"field": name})
    occurred = None
    for name in spec["date_fields"]:
        if obj.get(name):
            occurred = parse_datetime(str(obj[name]), field=name)
            break
    values = dict(obj)
    if kind == "web_event":
        values["document_part"] = _render(spec["document_part"], obj) if obj.get("document") else ""
        try:
            if obj.get("dwell_seconds") is not None:
                values["dwell_seconds"] = int(float(obj["dwell_seconds"]))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"{where}: dwell_seconds must be a number", details={"field": "dwell_seconds"}
            ) from exc
    title = _render(spec["title"], values) if "title" in spec else str(obj.get("title", "")).strip()
    text = _render(spec["text"], values)
    company = obj.get(spec["company_field"]) or obj.get("company")
    external_id = str(obj.get("id") or "") or _derived_id(kind, obj, title, occurred)
    return SignalDraft(
        type=kind,
        source=str(obj.get("source") or source or kind),
        title=title[:500],
        text=text,
        external_id=external_id[:200],
        url=obj.get("url") or obj.get("link"),
        occurred_at=occurred,
        company=str(company).strip() if company else None,
        uscc=str(obj["uscc"]).strip() if obj.get("uscc") else None,
        fields={k: v for k, v in obj.items() if k not in ("text",)},
        where=where,
    )


def _derived_id(kind: str, obj: dict[str, Any], title: str, occurred: datetime | None) -> str:
    basis = obj.get("url") or obj.get("link") or f"{title}|{occurred.isoformat() if occurred else ''}"
    if kind == "web_event":
        basis = f"{obj.get('visitor_company')}|{obj.get('page')}|{obj.get('document')}|{occurred}"
    return f"{kind}:{hashlib.sha1(str(basis).encode()).hexdigest()[:20]}"


def read_jsonl(data: bytes, *, name: str, default_type: str | None = None) -> Extraction:
    result = Extraction()
    text = _decode(data, name)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.rejected.append(Rejected(where, f"not JSON ({exc.msg} at column {exc.colno})"))
            continue
        try:
            result.drafts.append(draft_from_fields(obj, where=where, default_type=default_type))
        except InvalidInput as exc:
            result.rejected.append(Rejected(where, exc.message.removeprefix(f"{where}: ")))
    return result


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise InvalidInput(f"{name} is empty", details={"field": "file", "value": name})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name} is neither UTF-8 nor GB18030 text", details={"field": "file"}
            ) from exc


def read_feed(data: bytes, *, name: str, default_type: str = "news") -> Extraction:
    """RSS 2.0 or Atom: one draft per item/entry; an item with a bad date is rejected alone."""
    from lxml import etree

    if not data.strip():
        raise InvalidInput(f"{name} is empty", details={"field": "file", "value": name})
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"{name} is not a well-formed RSS/Atom feed: {exc}", details={"field": "file"}
        ) from exc
    atom = "{http://www.w3.org/2005/Atom}"
    items = root.findall(".//item") or root.findall(f".//{atom}entry")
    if not items and root.tag not in (
        "rss",
        f"{atom}feed",
        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF",
    ):
        raise InvalidInput(
            f"{name} is XML but not an RSS or Atom feed (root <{root.tag}>)", details={"field": "file"}
        )
    channel_title = (root.findtext("channel/title") or root.findtext(f"{atom}title") or name).strip()
    result = Extraction()
    for number, item in enumerate(items, start=1):
        where = f"{name}#item{number}"

        def text_of(*tags: str, node: Any = item) -> str:
            for tag in tags:
                value = node.findtext(tag)
                if value and value.strip():
                    return value.strip()
            return ""

        link = text_of("link")
        if not link:
            link_el = item.find(f"{atom}link")
            link = link_el.get("href", "") if link_el is not None else ""
        obj: dict[str, Any] = {
            "type": text_of("category", f"{atom}category")
            if text_of("category") in signal_types()
            else default_type,
            "title": text_of("title", f"{atom}title"),
            "text": _strip_html(text_of("description", f"{atom}summary", f"{atom}content")),
            "url": link or None,
            "published_at": text_of(
                "pubDate", f"{atom}published", f"{atom}updated", "{http://purl.org/dc/elements/1.1/}date"
            ),
            "id": text_of("guid", f"{atom}id") or None,
            "source": channel_title,
            "company": text_of("author", f"{atom}author/{atom}name") or None,
        }
        obj = {k: v for k, v in obj.items() if v}
        try:
            result.drafts.append(draft_from_fields(obj, where=where, default_type=default_type))
        except InvalidInput as exc:
            result.rejected.append(Rejected(where, exc.message.removeprefix(f"{where}: ")))
    return result


def _strip_html(markup: str) -> str:
    if "<" not in markup:
        return markup
    import lxml.html

    try:
        return " ".join(lxml.html.fromstring(markup).text_content().split())
    except Exception:  # not HTML after all
        return markup


def read_html(data: bytes, *, name: str, default_type: str = "news") -> Extraction:
    """A saved page: title, canonical URL, publication date and the article text."""
    import lxml.html

    text = _decode(data, name)
    try:
        doc = lxml.html.document_fromstring(text)
    except Exception as exc:
        raise InvalidInput(f"{name} is not an HTML page: {exc}", details={"field": "file"}) from exc

    def meta(*names: str) -> str:
        for key in names:
            for attr in ("property", "name", "itemprop"):
                found = doc.xpath(f'//meta[@{attr}="{key}"]/@content')
                if found and found[0].strip():
                    return found[0].strip()
        return ""

    for bad in doc.xpath("//script|//style|//nav|//footer|//header"):
        bad.drop_tree()
    title = meta("og:title") or (doc.findtext(".//title") or "").strip()
    h1 = doc.xpath("//h1")
    if not title and h1:
        title = h1[0].text_content().strip()
    body_nodes = doc.xpath("//article") or doc.xpath("//*[@id='js_content']") or doc.xpath("//body")
    paragraphs = []
    if body_nodes:
        paragraphs = [p.text_content().strip() for p in body_nodes[0].xpath(".//p|.//li|.//td")]
        if not any(paragraphs):
            paragraphs = [body_nodes[0].text_content().strip()]
    canonical = doc.xpath('//link[@rel="canonical"]/@href')
    times = doc.xpath("//time/@datetime")
    published = meta("article:published_time", "pubdate", "publishdate", "datePublished") or (
        times[0] if times else ""
    )
    obj: dict[str, Any] = {
        "type": meta("copilot:type") or default_type,
        "title": title,
        "text": "\n".join(p for p in paragraphs if p)[:20000],
        "url": meta("og:url") or (canonical[0] if canonical else None),
        "published_at": published,
        "company": meta("copilot:company", "author") or None,
        "account": meta("og:site_name") or None,
        "source": meta("og:site_name") or None,
    }
    obj = {k: v for k, v in obj.items() if v}
    result = Extraction()
    try:
        result.drafts.append(draft_from_fields(obj, where=name, default_type=default_type))
    except InvalidInput as exc:
        result.rejected.append(Rejected(name, exc.message.removeprefix(f"{name}: ")))
    return result


FEED_SUFFIXES = {".rss", ".xml", ".atom"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


def read_signals(data: bytes, *, name: str, default_type: str | None = None) -> Extraction:
    """Any supported file by its suffix (or its first bytes when the suffix says nothing)."""
    suffix = Path(name).suffix.lower()
    head = data.lstrip()[:200].lower()
    if suffix in JSONL_SUFFIXES or (suffix not in FEED_SUFFIXES | HTML_SUFFIXES and head.startswith(b"{")):
        return read_jsonl(data, name=name, default_type=default_type)
    if (
        suffix in FEED_SUFFIXES
        or head.startswith(b"<?xml")
        or head.startswith(b"<rss")
        or head.startswith(b"<feed")
    ):
        return read_feed(data, name=name, default_type=default_type or "news")
    if suffix in HTML_SUFFIXES or b"<html" in head or head.startswith(b"<!doctype html"):
        return read_html(data, name=name, default_type=default_type or "news")
    raise InvalidInput(
        f"{name}: unsupported signal file (expected .jsonl, .rss/.xml/.atom or .html)",
        details={"field": "file", "value": name},
    )
