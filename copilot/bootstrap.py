"""The application context: Settings, Database and the adapters, built once from Settings.

`copilot.api`, `copilot.cli` and `copilot.worker` all start here, so the three entry points run
the same engines with the same hooks. Heavy adapters (embedder, transcriber, generator) are built
lazily on first use so `copilot --help` and the API start fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from copilot.config import Settings, load_settings
from copilot.db import Database

log = logging.getLogger(__name__)

# Engines that attach rules to record creation register themselves here (module paths with a
# `register(context)` function). Importing them at start-up keeps copilot.records free of them.
ENGINE_MODULES: list[str] = [
    "copilot.stages.engine",
    "copilot.dedup.service",
    "copilot.assignment.hooks",
    "services.triggers_scan",
    "copilot.voice.jobs",
    "copilot.health.delivery",
    "copilot.ingest.jobs",
    "services.contract_queue",
]


@dataclass
class AppContext:
    settings: Settings
    db: Database
    cache: dict[str, Any] = field(default_factory=dict)

    def adapter(self, name: str, factory: Any) -> Any:
        """One instance per process of a heavy adapter (model loaded once)."""
        if name not in self.cache:
            self.cache[name] = factory()
        return self.cache[name]


def build_context(settings: Settings | None = None, *, migrate: bool = True) -> AppContext:
    settings = settings or load_settings()
    settings.ensure_dirs()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    db = Database(settings)
    if migrate:
        db.migrate()
    context = AppContext(settings=settings, db=db)
    register_engines(context)
    return context


def register_engines(context: AppContext) -> None:
    import importlib

    for module_path in ENGINE_MODULES:
        importlib.import_module(module_path).register(context)
