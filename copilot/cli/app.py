"""The root `copilot` Typer app and the foundation's commands; domains add their sub-apps below."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, err, out, progress

app = typer.Typer(
    name="copilot",
    help="Sales Copilot: customer knowledge with evidence, and explainable engines for sales ops.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Our own people: add, list, deactivate; API keys.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo dataset.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@app.command()
def init(as_json: JsonOpt = False) -> None:
    """Create the data dir, bring the database schema up to date and, when the search index was
    built by another embedder (an upgrade changed the default), rebuild it (safe to repeat)."""
    from copilot.ingest.cli import rebuild_index
    from copilot.ingest.reindex import built_by_another_embedder

    ctx = context()
    data: dict[str, object] = {
        "data_dir": str(ctx.settings.data_dir.resolve()),
        "database": ctx.db.dialect,
        "status": "ready",
        "search_index": "ready",
    }
    stale = built_by_another_embedder(ctx)
    if stale:
        err.print(f"the search index was {stale}: rebuilding it (copilot ingest reindex) ...")
        summary = rebuild_index(ctx)
        data["search_index"] = f"rebuilt: {summary['chunks']} chunks ({stale})"
    emit(
        data,
        as_json,
        lambda d: out.print(
            f"data dir {d['data_dir']} ready ({d['database']}); search index {d['search_index']}"
        ),
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default COPILOT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default COPILOT_PORT)")] = None,
    print_demo_key: Annotated[
        bool, typer.Option(help="Print the demo admin's API key if the demo is loaded.")
    ] = False,
) -> None:
    """Serve the API, its docs and the pages."""
    import uvicorn

    from copilot.api.app import create_app

    ctx = context()
    host = host or ctx.settings.host
    port = port or ctx.settings.port
    err.print(f"Sales Copilot on [bold]http://{host}:{port}[/]  (API docs at /docs)")
    key_file = ctx.settings.data_dir / "demo-admin-key.txt"
    if print_demo_key and key_file.exists():
        err.print(
            f"demo API key (admin): [bold]{key_file.read_text().strip()}[/]  — paste it on the sign-in page"
        )
    # the server owns the embedded search index, so the worker (indexing, optimize) runs in-process
    from copilot.worker import start_in_thread

    thread, stop = start_in_thread(ctx)
    try:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level=ctx.settings.log_level.lower())
    finally:
        stop.set()
        thread.join(timeout=30)
        from retrieval.index import close_store

        close_store(ctx)  # flush and release the shard for the next process


@app.command("worker")
def worker_cmd(
    once: Annotated[
        bool, typer.Option("--once", help="Run what is due now, then exit (cron-style).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run background jobs and periodic tasks (SLA timers, stage timeouts, the weekly report)."""
    import signal
    import threading

    from copilot.worker import run_forever, run_once

    ctx = context()
    if once:
        ran = run_once(ctx)
        emit({"jobs_run": ran}, as_json, lambda d: out.print(f"ran {d['jobs_run']} jobs"))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err.print("worker running; Ctrl-C to stop")
    try:
        run_forever(ctx, stop)
    except KeyboardInterrupt:
        stop.set()


# --- users -----------------------------------------------------------------------------------


def _user_table(users: list) -> None:
    table = Table("login", "name", "role", "department", "active", "receives leads")
    for u in users:
        table.add_row(
            u.login,
            u.name,
            u.role.value,
            u.department or "",
            "yes" if u.active else "no",
            "yes" if u.can_receive_leads else "no",
        )
    out.print(table)


@users_app.command("add")
def users_add(
    login: str,
    role: Annotated[str, typer.Option(help="rep, manager, legal, finance or admin")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the login)")] = None,
    department: Annotated[str | None, typer.Option(help="Department name (created if new)")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user and print their API key once (it is stored only as a hash)."""
    from copilot import org

    with context().db.transaction() as session:
        created = org.add_user(
            session, login=login, role=role, name=name, department=department, region=region, email=email
        )
    emit(
        created,
        as_json,
        lambda c: (
            out.print(f"added {c.user.login} ({c.user.role.value})"),
            out.print(f"API key (shown once): [bold]{c.api_key}[/]"),
        ),
    )


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """List users with login, role, department and whether they are active."""
    from copilot import org

    with context().db.read() as session:
        users = org.list_users(session)
    emit(users, as_json, _user_table)


@users_app.command("deactivate")
def users_deactivate(
    login: str,
    handover_to: Annotated[
        str | None,
        typer.Option(
            "--handover-to", help="Login of the user who takes over their customers (with handover packages)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Deactivate a user: they can no longer sign in or receive leads; their records stay."""
    from copilot import org

    if handover_to:
        from services.handover_practice import deactivate_and_hand_over

        with context().db.transaction() as session:
            report = deactivate_and_hand_over(session, system_caller(), login, handover_to)
        emit(
            report,
            as_json,
            lambda r: out.print(
                f"deactivated {login}; handed over {len(r['handed_over'])} customers to {handover_to} "
                f"(packages prepared; see `copilot handover map CUSTOMER`)"
            ),
        )
        return
    with context().db.transaction() as session:
        user = org.deactivate_user(session, login)
    emit(user, as_json, lambda u: out.print(f"deactivated {u.login}"))


@users_app.command("rotate-key")
def users_rotate_key(login: str, as_json: JsonOpt = False) -> None:
    """Give a user a new API key (the old one stops working) and print it once."""
    from copilot import org

    with context().db.transaction() as session:
        created = org.rotate_key(session, login)
    emit(created, as_json, lambda c: out.print(f"new API key for {c.user.login}: [bold]{c.api_key}[/]"))


# --- import / export -------------------------------------------------------------------------


@app.command("import")
def import_cmd(
    entity: Annotated[str, typer.Argument(help="customers, contacts, leads, opportunities or activities")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen without writing.")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the extension)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import records from CSV (UTF-8, BOM, GBK/GB18030) or JSONL; bad rows are reported, good rows imported."""
    if entity in EXTRA_IMPORTERS:  # files that are not CRM records, e.g. marketing's lead export
        import importlib

        module_path, func = EXTRA_IMPORTERS[entity].split(":")
        getattr(importlib.import_module(module_path), func)(file, as_json=as_json)
        return
    from copilot.importing.service import import_file

    with progress(f"importing {entity}", file.stat().st_size) as advance:
        summary = import_file(
            context().db, system_caller(), entity, file, dry_run=dry_run, fmt=fmt, on_progress=advance
        )

    def human(s):  # type: ignore[no-untyped-def]
        for e in s.errors[:50]:
            err.print(f"line {e.line}: {e.field or '-'}: {e.reason}")
        if s.rejected > 50:
            err.print(f"... and {s.rejected - 50} more rejected rows (use --json for all)")
        out.print(s.line())

    emit(summary, as_json, human)
    if summary.rejected and not (summary.imported or summary.updated):
        raise typer.Exit(2)


@app.command("export")
def export_cmd(
    entity: Annotated[
        str, typer.Argument(help="customers, contacts, leads, opportunities, activities or signals")
    ],
    file: Annotated[Path, typer.Argument(dir_okay=False, writable=True)],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the extension)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export every record of an entity to CSV (UTF-8 with BOM) or JSONL."""
    from copilot.importing.export import count_visible, export_file

    caller = system_caller()
    with progress(f"exporting {entity}", count_visible(context().db, caller, entity)) as advance:
        count = export_file(context().db, caller, entity, file, fmt=fmt, on_progress=advance)
    emit(
        {"entity": entity, "file": str(file), "exported": count},
        as_json,
        lambda d: out.print(f"exported {d['exported']} {entity} to {d['file']}"),
    )


# --- demo ------------------------------------------------------------------------------------


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the store already holds customers.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same dataset.")] = 20261124,
    as_json: JsonOpt = False,
) -> None:
    """Load the deterministic zh-CN demo organisation, customers, leads, opportunities and activities."""
    from copilot.demo import load_demo

    ctx = context()
    report = load_demo(ctx, seed=seed, if_empty=if_empty, progress=progress)
    emit(report, as_json, lambda r: out.print(r["message"]))


def _register_domain_commands() -> None:
    """Sub-apps of the domains; each module exposes `app` (a Typer) and `NAME`."""
    import importlib

    for module_path in DOMAIN_CLI_MODULES:
        module = importlib.import_module(module_path)
        app.add_typer(module.app, name=module.NAME)


# Domains add their CLI module here (e.g. "copilot.assignment.cli").
DOMAIN_CLI_MODULES: list[str] = [
    "copilot.stages.cli",
    "copilot.dedup.cli",
    "copilot.assignment.cli",
    "copilot.handover.cli",
    "copilot.voice.cli",
    "copilot.voice.tags_cli",
    "copilot.health.cli",
    "copilot.health.metrics_cli",
    "copilot.ingest.cli",
    "copilot.contracts.cli",
]
# `copilot import KIND FILE` for kinds that are not CRM records: kind -> "module:function(file, as_json)".
EXTRA_IMPORTERS: dict[str, str] = {"marketing-leads": "copilot.health.marketing:import_cli"}
_register_domain_commands()

import copilot.cli.brief  # noqa: E402,F401 - `copilot brief` and `copilot triggers` (top-level commands)
