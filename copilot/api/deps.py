"""Dependencies as typed aliases: the context, a unit of work, the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from copilot.auth import Caller, authenticate
from copilot.bootstrap import AppContext


def get_context(request: Request) -> AppContext:
    return request.app.state.context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with context.db.transaction(write_lock=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token
    return request.cookies.get("copilot_key")


def get_caller(request: Request, session: SessionDep) -> Caller:
    caller = authenticate(session, _bearer(request))
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
