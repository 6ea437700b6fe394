"""What every command shares: the lazily built context, JSON/human output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from rich.console import Console

from copilot.bootstrap import AppContext, build_context

out = Console(soft_wrap=True)
err = Console(stderr=True)

JSON_HELP = "Print machine-readable JSON on stdout."


@lru_cache(maxsize=1)
def context() -> AppContext:
    """Built on first use, so `copilot --help` touches no database."""
    return build_context()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def emit(data: Any, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    if as_json or human is None:
        sys.stdout.write(json.dumps(_plain(data), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        human(data)


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on a TTY (stderr); silent otherwise. Yields `advance(n)`."""
    if not err.is_terminal:
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
