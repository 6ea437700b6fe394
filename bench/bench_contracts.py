"""Contract review speed: a 20-page contract (p50 of 5 runs, target 3 s) and a 300-page one (45 s), memory.

The documents are composed from the clause library and rendered once (not timed); the timed
part is what an upload costs: read the PDF (pdfplumber), segment clauses, run the playbook.
"""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from copilot.contracts.samples import compose


def _contract(pages_target: int) -> bytes:
    """Clauses from several sample contracts concatenated until the PDF has about `pages_target` pages."""
    samples = compose(zh_count=8, en_count=0, seed=99)
    clauses: list[SourceClause] = []
    wanted = int(pages_target * 9.8)  # ~9 clauses a page for this library
    while len(clauses) < wanted:
        for sample in samples:
            for c in sample["source"]["clauses"]:
                if len(clauses) >= wanted:
                    break
                title = c["heading"].split(" ", 1)[-1].split("、", 1)[-1]
                paragraphs = [p.split(" ", 1)[-1] if p[:1].isdigit() else p for p in c["paragraphs"]]
                clauses.append(SourceClause(heading=f"第{len(clauses) + 1}条 {title}", paragraphs=paragraphs))
    source = ContractSource(
        title="大型设备采购框架合同",
        reference="BENCH-1",
        preamble=["甲方：华东精密制造有限公司", "乙方：上海智联工业软件有限公司"],
        clauses=clauses,
    )
    return render_pdf(source)


def _review(data: bytes) -> tuple[float, int, int]:
    from extractors.pdf import read_pdf
    from services.contract_review import review_document

    started = time.perf_counter()
    doc = read_pdf(data, name="bench.pdf")
    review = review_document(doc)
    return time.perf_counter() - started, doc.page_count, len(review.flags)


def run(quick: bool) -> list[dict]:
    rows: list[dict] = []
    small = _contract(20)
    _review(small)  # warm-up: imports, playbook compile
    times = []
    pages = flags = 0
    for _ in range(3 if quick else 5):
        t, pages, flags = _review(small)
        times.append(t)
    p50 = statistics.median(times)
    rows.append(
        {
            "area": "contracts",
            "metric": f"review {pages}-page contract p50 ({flags} flags)",
            "value": round(p50, 2),
            "unit": "s",
            "target": "<= 3 s",
            "ok": p50 <= 3,
        }
    )
    big_pages = 60 if quick else 300
    big = _contract(big_pages)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, pages, flags = _review(big)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    target = 45 * big_pages / 300
    rows.append(
        {
            "area": "contracts",
            "metric": f"review {pages}-page contract ({flags} flags)",
            "value": round(t, 1),
            "unit": "s",
            "target": f"<= {target:g} s",
            "ok": t <= target,
        }
    )
    rows.append(
        {
            "area": "contracts",
            "metric": f"max RSS after the {pages}-page review (growth {rss_after - rss_before:.0f} MiB)",
            "value": round(rss_after, 1),
            "unit": "MiB",
            "target": "",
            "ok": None,
        }
    )
    tracemalloc.start()
    _review(small)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(
        {
            "area": "contracts",
            "metric": "peak Python allocations, 20-page review",
            "value": round(peak / 2**20, 1),
            "unit": "MiB",
            "target": "",
            "ok": None,
        }
    )
    return rows
