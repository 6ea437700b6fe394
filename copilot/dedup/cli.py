"""`copilot dedup scan|merge|unmerge|merges|silent`: thin commands over copilot.dedup services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, err, out

NAME = "dedup"
app = typer.Typer(
    help="Find, explain, merge and undo duplicate customers and contacts.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@app.command()
def scan(
    entity: Annotated[str, typer.Option(help="customers or contacts (store mode)")] = "customers",
    input_file: Annotated[
        Path | None, typer.Option("--input", help="CSV or JSONL file to scan instead of the store")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="rules YAML (default: the entity's bundled rules)")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="also write an HTML report to this file")] = None,
    limit: Annotated[int | None, typer.Option(help="clusters shown at most (the rate counts all)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Duplicate clusters with scores, field diffs and reasons, and the duplicate rate."""
    from copilot.dedup import service
    from copilot.dedup.rules import load_rules_file

    if input_file is not None:
        report = service.scan_path(input_file, rules, entity, limit=limit)
    else:
        ctx = context()
        with ctx.db.read() as session:
            report = service.scan_store(
                session, system_caller(), entity, rules=load_rules_file(rules) if rules else None, limit=limit
            )
    if html is not None:
        from copilot.dedup.report import write_html

        write_html(report, html)
        err.print(f"HTML report written to {html}")
    emit(report, as_json, _print_scan)


def _print_scan(report: dict[str, Any]) -> None:
    out.print(
        f"{report['records']} records, {report['cluster_count']} clusters, "
        f"{report['duplicate_records']} redundant records: duplicate rate {report['duplicate_rate']:.2%} "
        f"(rules {report['rules']})"
    )
    for number, cluster in enumerate(report["clusters"][:50], 1):
        table = Table(
            title=f"cluster {number}: score {cluster['score']:.2f}"
            + (" (auto-merge)" if cluster["auto_merge"] else "")
        )
        for column in ("id", "external_id", "name", "phone", "updated_at"):
            table.add_column(column)
        for m in cluster["members"]:
            table.add_row(
                *(str(m.get(c) or "") for c in ("id", "external_id", "name", "phone", "updated_at"))
            )
        out.print(table)
        for pair in cluster["pairs"]:
            out.print(f"  {pair['left']} ~ {pair['right']}: {pair['score']:.2f}, {pair['reason']}")
    if len(report["clusters"]) > 50:
        out.print(f"... {len(report['clusters']) - 50} more clusters (use --json or --html)")


@app.command()
def merge(
    ids: Annotated[
        list[int], typer.Argument(help="MASTER DUP...: the first id is kept unless --auto-master")
    ],
    entity: Annotated[str, typer.Option(help="customers or contacts")] = "customers",
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")] = "",
    auto_master: Annotated[
        bool,
        typer.Option("--auto-master", help="keep the most recently updated record instead of the first id"),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Merge DUP records into MASTER: fields filled, related rows moved, owners notified; undoable."""
    from copilot.dedup.merge import merge as do_merge

    ctx = context()
    with ctx.db.transaction() as session:
        result = do_merge(
            session, system_caller(), entity, ids, master_id=None if auto_master else ids[0], reason=reason
        )
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"merge {r['merge_id']}: {r['duplicate_ids']} -> {r['master_id']}; moved {r['moved'] or 'nothing'}; "
            f"filled {sorted(r['filled']) or 'nothing'}. Undo: copilot dedup unmerge {r['merge_id']}"
        ),
    )


@app.command("merge-clusters")
def merge_clusters(
    entity: Annotated[str, typer.Option(help="customers or contacts")] = "customers",
    min_score: Annotated[float | None, typer.Option(help="default: the rules' auto_merge threshold")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="merge; without it only the preview is printed")
    ] = False,
    reason: Annotated[
        str, typer.Option(help="kept in the audit log")
    ] = "bulk merge of clusters above threshold",
    as_json: JsonOpt = False,
) -> None:
    """Bulk: merge every cluster at or above the auto-merge threshold, after a preview."""
    from copilot.dedup.bulk import merge_clusters as do_bulk

    ctx = context()
    result = do_bulk(ctx, system_caller(), entity, min_score=min_score, apply=apply, reason=reason)
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"{len(r['clusters'])} clusters ≥ {r['min_score']:.2f}"
            + (
                f": {len(r['merged'])} merged, {len(r['failed'])} failed"
                if r["applied"]
                else " (preview; --apply to merge)"
            )
        ),
    )


@app.command()
def unmerge(
    merge_id: Annotated[int, typer.Argument(help="the merge's id")], as_json: JsonOpt = False
) -> None:
    """Undo a merge exactly (rows changed since are listed and left as they are)."""
    from copilot.dedup.merge import unmerge as do_unmerge

    ctx = context()
    with ctx.db.transaction() as session:
        result = do_unmerge(session, system_caller(), merge_id)
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"merge {merge_id} undone: {r['restored_rows']} rows restored, {len(r['left_as_is'])} left as they are"
        ),
    )


@app.command()
def merges(limit: Annotated[int, typer.Option()] = 50, as_json: JsonOpt = False) -> None:
    """Recent merges (newest first)."""
    from copilot.dedup.merge import list_merges

    ctx = context()
    with ctx.db.read() as session:
        rows = list_merges(session, system_caller(), limit=limit)
    emit(rows, as_json, _print_merges)


def _print_merges(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        out.print(f"{r['merge_id']} {r['status']} {r['entity']} {r['duplicate_ids']} -> {r['master_id']}")


@app.command()
def silent(
    days: Annotated[int | None, typer.Option(help="default COPILOT_SILENT_CUSTOMER_DAYS")] = None,
    notify: Annotated[bool, typer.Option("--notify", help="leave a to-do for each owner")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Customers with no update and no activity for N days."""
    from copilot.dedup.silent import silent_customers

    ctx = context()
    with ctx.db.transaction() as session:
        result = silent_customers(
            session, system_caller(), days=days or ctx.settings.silent_customer_days, notify=notify
        )
    emit(result, as_json, _print_silent)


def _print_silent(result: dict[str, Any]) -> None:
    for c in result["customers"]:
        out.print(f"{c['id']} {c['name']}: {c['reason']}")
    out.print(f"{result['count']} silent customers; {result['notified']} owners notified")
