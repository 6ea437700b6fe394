"""`copilot ingest signals|transcripts|contracts PATH` and the top-level `copilot search`.

Both need the search index. The embedded index belongs to one process: while `copilot serve`
runs, `ingest` stores the rows and leaves the indexing to the server's worker (the summary
says so), and `search` says to use the server's `GET /search` instead.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.cli.app import app as root
from copilot.cli.common import JSON_HELP, context, emit, err, out, progress
from copilot.errors import InvalidInput
from copilot.ingest.report import IngestReport

NAME = "ingest"
app = typer.Typer(
    help="Ingest public signals, call transcripts and contracts into the search index.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
PathArg = Annotated[Path, typer.Argument(help="A file, or a folder to ingest every matching file under.")]


def _show(report: IngestReport) -> None:
    out.print(report.message)
    if report.index_deferred:
        out.print(
            "[yellow]the index is owned by a running `copilot serve`: the rows are stored and its worker will index them[/]"
        )
    if report.rejected:
        table = Table("rejected", "reason")
        for item in report.rejected[:50]:
            table.add_row(item.where, item.reason)
        out.print(table)
        if len(report.rejected) > 50:
            out.print(f"... and {len(report.rejected) - 50} more (use --json for all)")


def _finish(report: IngestReport, as_json: bool) -> None:
    emit(report.model_dump(mode="json") | {"message": report.message}, as_json, lambda _: _show(report))
    if report.rejected and not (report.new or report.unchanged or report.replaced):
        raise typer.Exit(2)


def _read_all(files: list[Path]) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in files]


@app.command("signals")
def ingest_signals(
    path: PathArg,
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="Signal type for feeds/pages that do not say: tender, news, registry_change, wechat_article, web_event",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Public signals from JSONL, RSS/Atom or saved HTML; linked to customers by uscc, then by name."""
    from copilot.ingest.service import SIGNAL_SUFFIXES, ingest_signal_files

    files = _read_all(_collect(path, SIGNAL_SUFFIXES))
    with progress("indexing signals", None) as advance:
        report = ingest_signal_files(context(), files, default_type=type_, progress=advance)
    _finish(report, as_json)


@app.command("transcripts")
def ingest_transcripts(
    path: PathArg,
    customer: Annotated[
        int | None, typer.Option("--customer", help="Customer id, when the files do not name one.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Call and meeting transcripts: plain text, `Speaker: text` lines, SRT or WebVTT, or JSONL."""
    from copilot.ingest.service import TRANSCRIPT_SUFFIXES, ingest_transcript_files

    files = _read_all(_collect(path, TRANSCRIPT_SUFFIXES))
    with progress("indexing transcripts", len(files)) as advance:
        report = ingest_transcript_files(context(), files, customer_id=customer, progress=advance)
    _finish(report, as_json)


@app.command("contracts")
def ingest_contracts(
    path: PathArg,
    customer: Annotated[
        int | None, typer.Option("--customer", help="Customer id (default: the customer named on page 1).")
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password of encrypted PDFs.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Contract PDFs: clauses (第X条 / 1.1 / Article 5) indexed one per chunk with page and position."""
    from copilot.ingest.contracts import CONTRACT_SUFFIXES, ingest_contract_files

    files = _read_all(_collect(path, CONTRACT_SUFFIXES))
    report = ingest_contract_files(context(), files, customer_id=customer, password=password)
    _finish(report, as_json)


@app.command("reindex")
def reindex_cmd(as_json: JsonOpt = False) -> None:
    """Rebuild the search index from the database with the configured embedder (after COPILOT_EMBED_MODEL changed)."""
    emit(
        rebuild_index(context()),
        as_json,
        lambda s: out.print(
            f"re-indexed with {s['embed_model']}: {s['signals']} signals, {s['transcripts']} transcripts, "
            f"{s['contracts']} contracts, {s['chunks']} chunks; {s['voice_notes_queued']} voice notes queued for the worker"
        ),
    )


def rebuild_index(ctx: Any) -> dict[str, Any]:
    """`copilot ingest reindex` with a progress bar (also run by `copilot init` after an upgrade)."""
    from copilot.ingest.reindex import documents_to_rebuild, reindex

    total = sum(len(ids) for kind, ids in documents_to_rebuild(ctx).items() if kind != "voice_notes")
    with progress("re-indexing", total) as advance:
        return reindex(ctx, progress=advance)


def _collect(path: Path, suffixes: set[str]) -> list[Path]:
    from copilot.ingest.service import collect_files

    return collect_files(path, suffixes)


def _parse_when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    from extractors.dates import parse_datetime

    try:
        return parse_datetime(value, field=name)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.message, param_hint=f"--{name}") from exc


@root.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese or English.")],
    customer: Annotated[int | None, typer.Option("--customer", help="Only this customer's material.")] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="signal, transcript, contract (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Occurred on or after (2026-03-01).")] = None,
    until: Annotated[str | None, typer.Option(help="Occurred on or before.")] = None,
    limit: Annotated[int, typer.Option(help="How many results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, dense or sparse.")] = "hybrid",
    as_json: JsonOpt = False,
) -> None:
    """Hybrid search over signals, transcripts and contracts; best first, each with its evidence."""
    from retrieval.search import hits_as_json, search

    hits = search(
        context(),
        query,
        customer_id=customer,
        sources=source,
        kinds=kind,
        since=_parse_when(since, "since"),
        until=_parse_when(until, "until"),
        limit=limit,
        mode=mode,  # type: ignore[arg-type]
    )

    def human(_: object) -> None:
        if not hits:
            err.print("no results")
            return
        table = Table("#", "score", "kind", "source", "customer", "date", "quote", show_lines=False)
        for n, h in enumerate(hits, 1):
            where = h.url or h.file or ""
            quote = h.quote.replace("\n", " ")
            table.add_row(
                str(n),
                f"{h.score:.3f}",
                h.kind,
                h.source,
                str(h.customer_id or ""),
                h.occurred_at.date().isoformat() if h.occurred_at else "",
                (quote[:90] + "…" if len(quote) > 90 else quote) + (f"\n[dim]{where}[/]" if where else ""),
            )
        out.print(table)

    emit(hits_as_json(hits), as_json, human)
