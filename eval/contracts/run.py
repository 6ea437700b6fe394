"""`python -m eval contracts`: review the labelled contracts and print recall/precision per kind.

A flag counts as correct when its kind is one of the labelled kinds of a clause and its quote
overlaps that clause's text; a `missing` entry counts when the contract's labels list that
kind as absent. Missing-clause accuracy is over every (contract, missing-capable kind) decision.
OCR accuracy: the first page of a few contracts is rasterised (a scanned copy), OCR'd, and its
text compared character by character with the text layer (1 - normalised edit distance), and
the scanned copy's flags are compared with the text copy's.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from difflib import SequenceMatcher
from typing import Any

from eval.contracts.build import CONTRACTS, build_all, load_contracts
from services.contract_playbook import KIND_IDS, default_playbook

MISSING_CAPABLE = (
    "late_payment_remedy_missing",
    "data_protection_missing",
    "force_majeure_missing",
    "confidentiality_one_sided",
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def overlaps(quote: str, clause_text: str) -> bool:
    q, c = _norm(quote), _norm(clause_text)
    if not q or not c:
        return False
    if q in c or c in q:
        return True
    match = SequenceMatcher(None, q, c, autojunk=False).find_longest_match(0, len(q), 0, len(c))
    return match.size >= min(12, len(q))


def score(contracts: list[dict[str, Any]], reviews: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    missing_right = missing_total = 0
    lookalike_fires = 0
    for c in contracts:
        review = reviews[c["id"]]
        expected = [(lb, k) for lb in c["labels"] for k in lb["kinds"]]
        matched: set[tuple[int, str]] = set()
        for flag in review["flags"]:
            hit = None
            for i, (lb, k) in enumerate(expected):
                if k == flag["category"] and overlaps(flag["quote"], lb["text"]):
                    hit = (i, k)
                    break
            if hit and hit not in matched:
                matched.add(hit)
                tp[flag["category"]] += 1
            elif hit is None:
                fp[flag["category"]] += 1
                on_lookalike = any(
                    lb["lookalike"] and overlaps(flag["quote"], lb["text"]) for lb in c["labels"]
                )
                lookalike_fires += on_lookalike
                errors.append(
                    f"{c['id']} FP {flag['category']} clause {flag['clause']}{' (look-alike)' if on_lookalike else ''}: {flag['quote'][:70]}"
                )
        for i, (lb, k) in enumerate(expected):
            if (i, k) not in matched:
                fn[k] += 1
                errors.append(f"{c['id']} FN {k} clause {lb['clause']} ({lb['variant']})")
        found_missing = {m["category"] for m in review["missing"]}
        for k in MISSING_CAPABLE:
            want = k in c["missing"]
            got = k in found_missing
            missing_total += 1
            missing_right += want == got
            if want and got:
                tp[k] += 1
            elif got and not want:
                fp[k] += 1
                errors.append(f"{c['id']} FP missing {k}")
            elif want and not got:
                fn[k] += 1
                errors.append(f"{c['id']} FN missing {k}")
    per_kind = {}
    for k in KIND_IDS:
        t, f, n = tp[k], fp[k], fn[k]
        per_kind[k] = {
            "support": t + n,
            "tp": t,
            "fp": f,
            "fn": n,
            "recall": round(t / (t + n), 3) if t + n else None,
            "precision": round(t / (t + f), 3) if t + f else None,
        }
    T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "contracts": len(contracts),
        "zh": sum(1 for c in contracts if c["lang"] == "zh"),
        "en": sum(1 for c in contracts if c["lang"] == "en"),
        "recall": round(T / (T + N), 3) if T + N else None,
        "precision": round(T / (T + F), 3) if T + F else None,
        "missing_accuracy": round(missing_right / missing_total, 3) if missing_total else None,
        "lookalike_false_flags": lookalike_fires,
        "lookalike_clauses": sum(len(c["lookalikes"]) for c in contracts),
        "per_kind": per_kind,
        "errors": errors,
    }


def ocr_accuracy(contracts: list[dict[str, Any]], paths: dict[str, Any], count: int) -> dict[str, Any]:
    """Character accuracy of OCR on scanned first pages, and flag agreement with the text copy."""
    from rapidfuzz.distance import Levenshtein

    from copilot.contracts.documents import render_scanned_pdf
    from extractors.ocr import ocr_document
    from extractors.pdf import PdfDocument, read_pdf
    from services.contract_review import review_document

    picks = [c for c in contracts if c["lang"] == "zh"][: max(1, count - count // 3)] + [
        c for c in contracts if c["lang"] == "en"
    ][: count // 3]
    accs, agree, total_flags = [], 0, 0
    started = time.perf_counter()
    for c in picks:
        data = paths[c["id"]].read_bytes()
        text_doc = read_pdf(data, name=c["id"])
        first = PdfDocument(name=c["id"], pages=text_doc.pages[:1])
        import pypdfium2 as pdfium

        src = pdfium.PdfDocument(data)
        one = pdfium.PdfDocument.new()
        one.import_pages(src, [0])
        import io

        buf = io.BytesIO()
        one.save(buf)
        scanned_bytes = render_scanned_pdf(buf.getvalue(), dpi=150)
        scan = read_pdf(scanned_bytes, name=c["id"] + "-scan")
        ocr = ocr_document(scan, scanned_bytes)
        truth = _norm(first.text)
        got = _norm(ocr.text)
        accs.append(Levenshtein.normalized_similarity(truth, got))
        text_flags = {(f.category, f.clause) for f in review_document(first).flags}
        ocr_flags = {(f.category, f.clause) for f in review_document(ocr).flags}
        total_flags += len(text_flags)
        agree += len(text_flags & ocr_flags)
    return {
        "pages": len(picks),
        "char_accuracy": round(sum(accs) / len(accs), 3) if accs else None,
        "flag_agreement": round(agree / total_flags, 3) if total_flags else None,
        "seconds_per_page": round((time.perf_counter() - started) / max(1, len(picks)), 1),
    }


def heldout() -> dict[str, Any]:
    """Review the held-out clauses (written after the playbook was frozen); exact-kind accuracy."""
    from pathlib import Path

    import yaml

    from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
    from extractors.pdf import read_pdf
    from services.contract_review import review_document

    data = yaml.safe_load((Path(__file__).parent / "heldout.yaml").read_text(encoding="utf-8"))
    right = total = 0
    misses: list[str] = []
    for lang, items in data.items():
        clauses = [
            SourceClause(
                heading=(f"第{i}条 {it['title']}" if lang == "zh" else f"Article {i} {it['title']}"),
                paragraphs=[it["text"]],
            )
            for i, it in enumerate(items, start=1)
        ]
        review = review_document(
            read_pdf(
                render_pdf(ContractSource(title="held-out", lang=lang, clauses=clauses)), name="heldout.pdf"
            )
        )
        for i, it in enumerate(items, start=1):
            got = sorted({f.category for f in review.flags if f.clause == str(i)})
            total += 1
            if got == sorted(it["kinds"]):
                right += 1
            else:
                misses.append(f"{lang} #{i} want {it['kinds']} got {got}: {it['text'][:50]}")
    return {"clauses": total, "exact": right, "accuracy": round(right / total, 3), "misses": misses}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval contracts")
    parser.add_argument(
        "--ocr-pages", type=int, default=3, help="scanned first pages to OCR (slow: ~30 s each here)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--similarity", action="store_true", help="add the embedding-similarity signal (bundled MiniLM)"
    )
    parser.add_argument(
        "--engine", default="auto", choices=["auto", "pdfplumber", "pdfium"], help="PDF text reader"
    )
    parser.add_argument("--errors", action="store_true", help="list every false positive / negative")
    args = parser.parse_args(argv)
    from extractors.pdf import read_pdf
    from services.contract_review import review_document

    contracts = load_contracts()
    paths = build_all(contracts)
    playbook = default_playbook()
    reviews = {}
    pages = []
    embedder = None
    if args.similarity:
        from retrieval.embedder import get_embedder

        embedder = get_embedder()
    for c in contracts:
        doc = read_pdf(paths[c["id"]], engine=args.engine)
        pages.append(doc.page_count)
        reviews[c["id"]] = review_document(doc, playbook, embedder=embedder).model_dump()
    result = score(contracts, reviews)
    result["pages_min_max"] = [min(pages), max(pages)]
    result["playbook_version"] = playbook.version
    result["heldout"] = heldout()
    if args.ocr_pages:
        result["ocr"] = ocr_accuracy(contracts, paths, args.ocr_pages)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"contracts: {result['contracts']} ({result['zh']} zh, {result['en']} en), pages {pages and min(pages)}-{max(pages)}, source {CONTRACTS.name}"
    )
    print(f"{'kind':44} {'support':>7} {'recall':>7} {'precision':>9}")
    for k, row in result["per_kind"].items():
        r = "-" if row["recall"] is None else f"{row['recall']:.2f}"
        p = "-" if row["precision"] is None else f"{row['precision']:.2f}"
        print(f"{k:44} {row['support']:>7} {r:>7} {p:>9}")
    print(f"overall recall {result['recall']}  precision {result['precision']}")
    print(f"missing-clause accuracy {result['missing_accuracy']}")
    print(
        f"look-alike clauses {result['lookalike_clauses']}, false flags on them {result['lookalike_false_flags']}"
    )
    h = result["heldout"]
    print(
        f"held-out clauses: {h['exact']}/{h['clauses']} exactly right ({h['accuracy']}); "
        "their first run, before the playbook was adjusted for them, was 18/27 (see heldout.yaml)"
    )
    for line in h["misses"]:
        print("  miss: " + line)
    if "ocr" in result:
        o = result["ocr"]
        print(
            f"OCR on {o['pages']} scanned pages: character accuracy {o['char_accuracy']}, flag agreement with text copy {o['flag_agreement']}, {o['seconds_per_page']} s/page"
        )
    if args.errors:
        for line in result["errors"]:
            print("  " + line)
    recalls = [r["recall"] for r in result["per_kind"].values() if r["recall"] is not None]
    ok = (result["recall"] or 0) >= 0.9 and (result["precision"] or 0) >= 0.85 and min(recalls) >= 0.7
    print("targets (recall >= 0.9, precision >= 0.85, every kind recall >= 0.7):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
