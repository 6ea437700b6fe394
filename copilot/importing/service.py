"""`copilot import` and `POST /import/{entity}`: validate every row, import the good ones.

Each bad row is reported with its line, field and reason; good rows are written in batches in
one transaction per file (a dry run is the same work rolled back, so it reports exactly what a
real run would do). Rows with an `external_id` already stored update that record. Rows go
through the same record service as the API, so arrival rules (lead routing) hold for imports.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from copilot import auth
from copilot.db import Database
from copilot.db.engine import refresh_statistics
from copilot.errors import CopilotError, InvalidInput
from copilot.importing.columns import (
    REFERENCE_COLUMNS,
    CellError,
    ReferenceResolver,
    canonical_value,
    convert_cell,
    header_hint,
    map_header,
    required_columns_present,
)
from copilot.importing.readers import RawRow, read_rows
from copilot.models import ImportRowError, ImportSummary
from copilot.records import service as records
from copilot.records.specs import SPECS, EntitySpec

BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 1000
ANALYZE_FIRST_AT = 2 * BATCH_SIZE  # rows written before the first statistics refresh (PostgreSQL)
IMPORTABLE = ("customers", "contacts", "leads", "opportunities", "activities")


class _Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


def spec_for(entity: str) -> EntitySpec:
    if entity not in IMPORTABLE:
        raise InvalidInput(
            f"cannot import {entity!r}: choose one of {', '.join(IMPORTABLE)}", details={"field": "entity"}
        )
    return SPECS[entity]


def import_file(
    db: Database,
    caller: auth.Caller,
    entity: str,
    path: Path,
    *,
    dry_run: bool = False,
    fmt: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    spec = spec_for(entity)
    assert spec.create is not None
    _, encoding, rows = read_rows(path, fmt=fmt, on_progress=on_progress)
    summary = ImportSummary(entity=entity, dry_run=dry_run, encoding=encoding)
    try:
        with db.transaction() as session:
            _Importer(session, caller, spec, summary, db.settings.zone).run(rows)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return summary


class _Importer:
    def __init__(
        self, session: Session, caller: auth.Caller, spec: EntitySpec, summary: ImportSummary, zone: ZoneInfo
    ) -> None:
        self.session = session
        self.caller = caller
        self.spec = spec
        self.summary = summary
        self.resolver = ReferenceResolver(session)
        self.zone = zone
        self.known_fields = set(spec.create.model_fields)  # type: ignore[union-attr]
        self.mapping: dict[str, str] | None = None
        self.analyze_at = ANALYZE_FIRST_AT

    def run(self, rows: Any) -> None:
        batch: list[tuple[int, dict[str, Any]]] = []
        data_rows = 0
        for raw in rows:
            data_rows += 0 if raw.values is not None and "__header__" in raw.values else 1
            values = self._row_values(raw)
            if values is None:
                continue
            batch.append((raw.line, values))
            if len(batch) >= BATCH_SIZE:
                self._write(batch)
                batch = []
        if not data_rows:
            raise InvalidInput("the file has no rows", details={"field": "file"})
        self._write(batch)

    def _reject(self, line: int, field_name: str | None, reason: str, value: Any = None) -> None:
        self.summary.rejected += 1
        if len(self.summary.errors) < MAX_REPORTED_ERRORS:
            self.summary.errors.append(
                ImportRowError(
                    line=line,
                    field=field_name,
                    reason=reason,
                    value=None if value is None else str(value)[:200],
                )
            )

    def _set_header(self, header: list[str]) -> None:
        mapping, ignored = map_header(self.spec.plural, header, self.known_fields)
        missing = required_columns_present(self.spec.plural, mapping, self.spec.required)
        if missing:
            names = ", ".join(header_hint(self.spec.plural, m) for m in missing)
            raise InvalidInput(
                f"missing required column {names}",
                details={"field": "header", "missing": missing, "header": header},
            )
        self.mapping = mapping
        self.ignored = ignored

    def _row_values(self, raw: RawRow) -> dict[str, Any] | None:
        if raw.values is not None and "__header__" in raw.values:
            self._set_header(raw.values["__header__"])
            return None
        if raw.error:
            self._reject(raw.line, None, raw.error)
            return None
        assert raw.values is not None
        if self.mapping is None:  # JSONL: the first object's keys are the header
            self._set_header(list(raw.values))
        assert self.mapping is not None
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        try:
            for column, cell in raw.values.items():
                field_name = self.mapping.get(column)
                if field_name is None:
                    if cell not in (None, "") and self.spec.plural == "leads":
                        custom[column] = cell
                    continue
                converted = canonical_value(
                    self.spec.plural, field_name, convert_cell(field_name, cell, self.zone)
                )
                if converted is None:
                    continue
                if field_name in REFERENCE_COLUMNS and field_name not in self.known_fields:
                    continue  # resolved below, once the customer is known
                values[field_name] = converted
            for column, id_field in REFERENCE_COLUMNS.items():
                source_col = next((c for c, f in self.mapping.items() if f == column), None)
                if source_col is None or column in self.known_fields or id_field not in self.known_fields:
                    continue
                cell = raw.values.get(source_col)
                if cell in (None, "") or values.get(id_field) is not None:
                    continue
                try:
                    values[id_field] = self.resolver.resolve(column, str(cell).strip(), values)
                except CellError:
                    if column != "contact" or "participants" not in self.known_fields:
                        raise
                    # a person named in the history who is not (yet) a contact stays in it as a participant
                    names = values.setdefault("participants", [])
                    if str(cell).strip() not in names:
                        names.append(str(cell).strip())
        except CellError as exc:
            self._reject(raw.line, exc.field, exc.reason, exc.value)
            return None
        if custom:
            values["custom"] = {**custom, **values.get("custom", {})}
        return values

    def _validated(self, line: int, values: dict[str, Any]) -> Any | None:
        try:
            return self.spec.create.model_validate(values)  # type: ignore[union-attr]
        except ValidationError as exc:
            err = exc.errors()[0]
            field_name = ".".join(str(p) for p in err.get("loc", ())) or None
            message = str(err.get("ctx", {}).get("error", "")) or err.get("msg", "invalid")
            self._reject(line, field_name, message, err.get("input"))
            return None
        except CopilotError as exc:
            self._reject(line, exc.details.get("field"), exc.message, exc.details.get("value"))
            return None

    def _write(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Write a batch with one flush; if the database refuses it, redo it row by row to find the culprit."""
        if not batch:
            return
        prepared = [
            (line, values, model)
            for line, values in batch
            if (model := self._validated(line, values)) is not None
        ]
        checkpoint = self.summary.model_copy(deep=True)
        try:
            with self.session.begin_nested():
                self._write_rows(prepared, isolate=False)
        except SQLAlchemyError:
            self.summary = _restore(self.summary, checkpoint)
            self.session.expunge_all()
            self._write_rows(prepared, isolate=True)
        self.session.flush()
        self.session.expunge_all()  # keeps memory flat over a 50 MB file
        written = self.summary.imported + self.summary.updated
        if written >= self.analyze_at:  # the table doubled since the planner last looked at it
            refresh_statistics(self.session, self.spec.row.__tablename__)
            self.analyze_at = 2 * written

    def _write_rows(self, prepared: list[tuple[int, dict[str, Any], Any]], *, isolate: bool) -> None:
        existing = self._existing([v.get("external_id") for _, v, _ in prepared])
        created: list[Any] = []
        # entities without row hooks go in with two multi-row statements (rows + audit)
        bulk = not isolate and not records.needs_rows(self.spec)
        plain: list[dict[str, Any]] = []
        pending: dict[str, dict[str, Any]] = {}
        # the creation checks (e.g. duplicates) are made once for the batch and see its earlier rows
        checks = records.before_create_checks(
            self.session, self.caller, self.spec, [m for _, _, m in prepared]
        )
        for line, values, model in prepared:
            external_id = values.get("external_id")
            try:
                with self.session.begin_nested() if isolate else nullcontext():
                    row = existing.get(external_id) if external_id else None
                    if row is not None:
                        if not self._may_update(row):
                            self._reject(
                                line,
                                "external_id",
                                f"{self.spec.name} {external_id} exists but is not visible to you",
                                external_id,
                            )
                            continue
                        changes = {
                            k: v for k, v in model.model_dump(exclude_unset=True).items() if k in values
                        }
                        records.apply_update(self.session, self.caller, self.spec, row, changes)
                        self.summary.updated += 1
                        continue
                    if bulk:
                        if external_id in pending:  # the same external_id twice in this batch: later wins
                            pending[external_id].update(
                                records.build_values(self.session, self.caller, self.spec, model)
                            )
                            self.summary.updated += 1
                            continue
                        values_row = records.build_values(self.session, self.caller, self.spec, model)
                        notes = checks(model, records.CreateOptions())  # refuses by raising
                        if notes:  # a note for the audit log rides on an ORM row (see after_insert)
                            noted = self.spec.row(**values_row)
                            noted.create_notes = notes  # type: ignore[attr-defined]
                            self.session.add(noted)
                            created.append(noted)
                        else:
                            plain.append(values_row)
                        if external_id:
                            pending[external_id] = values_row
                        self.summary.imported += 1
                        continue
                    row = records.build_row(self.session, self.caller, self.spec, model, checks=checks)
                    self.session.add(row)
                    if isolate:
                        self.session.flush()
                        records.after_insert(self.session, self.caller, self.spec, row)
                    else:
                        created.append(row)
                    if external_id:
                        existing[external_id] = row
                    self.summary.imported += 1
            except CopilotError as exc:  # raised before anything was written for this row
                self._reject(line, exc.details.get("field"), exc.message, exc.details.get("value"))
            except SQLAlchemyError as exc:  # only in isolate mode: the savepoint undid this row
                self._reject(
                    line,
                    None,
                    f"the database refused this row: {exc.__class__.__name__}: {str(exc.orig if hasattr(exc, 'orig') else exc)[:200]}",
                )
        if plain:
            records.bulk_insert(self.session, self.caller, self.spec, plain)
        if created:
            self.session.flush()
            for row in created:
                records.after_insert(self.session, self.caller, self.spec, row)
            self.session.flush()

    def _existing(self, external_ids: list[str | None]) -> dict[str, Any]:
        wanted = [e for e in external_ids if e]
        if not wanted:
            return {}
        rows = self.session.scalars(select(self.spec.row).where(self.spec.row.external_id.in_(wanted)))
        return {r.external_id: r for r in rows}

    def _may_update(self, row: Any) -> bool:
        if self.caller.is_admin:
            return True
        return (
            self.session.scalar(
                select(self.spec.row.id).where(self.spec.row.id == row.id, self.spec.scope(self.caller))
            )
            is not None
        )


def _restore(current: ImportSummary, checkpoint: ImportSummary) -> ImportSummary:
    """The summary as it was before a batch that is being redone."""
    return checkpoint.model_copy(update={"encoding": current.encoding})
