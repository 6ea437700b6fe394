"""`copilot tags confirm|reject|stats|taxonomy`: decide on proposed profile tags."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, out

NAME = "tags"
app = typer.Typer(help="Profile tags proposed from notes: confirm, reject, precision.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why (optional)")]


def _decide(tag_id: int, decision: str, reason: str | None, as_json: bool) -> None:
    from services.profile_tags import decide

    tag = decide(context(), system_caller(), tag_id, decision, reason)  # type: ignore[arg-type]
    emit(
        tag,
        as_json,
        lambda t: out.print(f"tag #{t.tag_row_id} {t.label} ({t.id}) is now [bold]{t.status}[/]"),
    )


@app.command("confirm")
def confirm(tag_id: int, reason: ReasonOpt = None, as_json: JsonOpt = False) -> None:
    """Confirm a proposed tag: it joins the customer's profile (a next step becomes a to-do)."""
    _decide(tag_id, "confirmed", reason, as_json)


@app.command("reject")
def reject(tag_id: int, reason: ReasonOpt = None, as_json: JsonOpt = False) -> None:
    """Reject a proposed tag: the same span is not proposed again for that customer."""
    _decide(tag_id, "rejected", reason, as_json)


@app.command("stats")
def stats(as_json: JsonOpt = False) -> None:
    """Precision per tag id from the decisions made so far."""
    from services.profile_tags import tag_stats

    result = tag_stats(context(), system_caller())

    def human(r) -> None:  # type: ignore[no-untyped-def]
        for s in r.tags:
            precision = "-" if s.precision is None else f"{s.precision:.2f}"
            out.print(
                f"{s.id:<22} {s.label:<10} proposed {s.proposed:>3} confirmed {s.confirmed:>3} rejected {s.rejected:>3} precision {precision}"
            )

    emit(result, as_json, human)


@app.command("taxonomy")
def taxonomy(as_json: JsonOpt = False) -> None:
    """Validate and print the tag taxonomy (prompts/tags/) and the competitor dictionary."""
    from extractors.tags import load_competitors, load_taxonomy

    data = {"taxonomy": load_taxonomy(), "competitors": load_competitors()}
    emit(
        data,
        as_json,
        lambda d: [out.print(f"{t.id:<22} {t.label['zh']} / {t.label['en']}") for t in d["taxonomy"].tags],
    )
