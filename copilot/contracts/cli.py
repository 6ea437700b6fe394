"""`copilot contract review FILE` and `copilot contract queue`: contract review from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.cli.common import JSON_HELP, context, emit, err, out

NAME = "contract"
app = typer.Typer(
    help="Contract risk review: review a PDF/DOCX against the playbook; legal's queue.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def _customer_id(session, customer: str | None) -> int | None:  # noqa: ANN001
    if customer is None:
        return None
    from sqlalchemy import select

    from copilot.db.schema import CustomerRow
    from copilot.errors import NotFound

    if customer.isdigit():
        return int(customer)
    row = session.scalars(select(CustomerRow).where(CustomerRow.name == customer)).first()
    if row is None:
        raise NotFound(f"no customer named {customer!r}", details={"field": "customer"})
    return row.id


@app.command("review")
def review(
    file: Annotated[Path, typer.Argument(help="Contract PDF (text or scanned) or DOCX")],
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="Customer id or exact name; stores the contract for legal's queue"),
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password of an encrypted PDF")] = None,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Keep the contract in the review queue")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Review FILE: flags (kind, severity, clause, page, quote, why, suggested wording), missing clauses, summary."""
    from copilot.auth import system_caller
    from copilot.errors import InvalidInput
    from services import contract_queue
    from services.contract_review import review_document
    from services.generation import make_generator

    if not file.exists():
        raise InvalidInput(f"{file} does not exist", details={"field": "file"})
    ctx = context()
    data = file.read_bytes()
    if store:
        with ctx.db.transaction() as session:
            view = contract_queue.submit_contract(
                session, ctx.settings, system_caller(), data, file.name,
                customer_id=_customer_id(session, customer), password=password, embedder=_embedder,
            )  # fmt: skip
        result = {
            "contract_id": view["id"],
            "status": view["status"],
            "flags": view.get("flags", []),
            "missing": view.get("missing", []),
            "summary": view.get("summary", {}),
            "notice": view.get("notice"),
            "message": view.get("message"),
            "second_opinion": view.get("second_opinion"),
        }
    else:
        from extractors.documents import read_document

        with ctx.db.transaction() as session:
            playbook = contract_queue.active_playbook(session)
        r = review_document(
            read_document(data, password=password, name=file.name),
            playbook,
            llm=make_generator(ctx.settings),
        )
        result = {
            "contract_id": None,
            "status": None,
            **r.model_dump(mode="json", include={"flags", "missing", "summary", "notice", "second_opinion"}),
        }
    emit(result, as_json, _print_review)


def _embedder():  # noqa: ANN202 - the Embedder port, loaded only for an English contract
    from retrieval.embedder import get_embedder

    return get_embedder(context().settings.embed_model)


def _print_review(result: dict) -> None:
    s = result.get("summary") or {}
    if result.get("message"):
        err.print(result["message"])
    if result.get("notice"):
        err.print(f"[yellow]{result['notice']}[/yellow]")
    out.print(
        f"customer {s.get('customer') or '-'} · supplier {s.get('supplier') or '-'} · amount {s.get('amount') or '-'} · "
        f"term {s.get('term') or '-'} · payment days {', '.join(f'{d:g}' for d in s.get('payment_terms_days', [])) or '-'}"
    )
    table = Table("sev", "kind", "clause", "page", "why", "quote")
    for f in result["flags"]:
        table.add_row(
            f["severity"],
            f["category"],
            f["clause"],
            str(f.get("page") or "-"),
            f["explanation"],
            f["quote"][:60],
        )
    out.print(table)
    for m in result["missing"]:
        out.print(f"[bold]missing[/bold] {m['category']} ({m['severity']}): {m['why']}")
    second = result.get("second_opinion")
    if isinstance(second, dict):
        said = second.get("reason") or (
            f"kept {len(second['kept'])}, dropped {len(second['dropped'])} of {len(second['asked'])} borderline clauses"
        )
        out.print(f"LLM second opinion: {second['status']} - {said}")
        for d in second.get("dropped", []):
            out.print(f"  dropped (clause {d['clause'] or '-'}, {d['category'] or '-'}): {d['reason']}")
    if result.get("contract_id"):
        out.print(f"stored as contract {result['contract_id']} ({result['status']})")


@app.command("queue")
def queue(as_json: JsonOpt = False) -> None:
    """Legal's review queue: contracts awaiting a decision, riskiest first."""
    from copilot.auth import system_caller
    from services import contract_queue

    ctx = context()
    with ctx.db.transaction() as session:
        items = contract_queue.review_queue(session, system_caller())

    def human(rows: list[dict]) -> None:
        table = Table("id", "title", "customer", "status", "high", "medium", "low", "missing")
        for r in rows:
            o = r["open_flags"]
            table.add_row(
                str(r["id"]),
                r["title"],
                r.get("customer") or "-",
                r["status"],
                str(o["high"]),
                str(o["medium"]),
                str(o["low"]),
                str(r["missing"]),
            )
        out.print(table)

    emit(items, as_json, human)
