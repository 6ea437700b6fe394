"""Evidence storage: files by content hash under `<data_dir>/evidence`, rows in `stage_evidence`.

Stored and committed *before* the gate decides, in a transaction of its own: a rejected
advance returns the stored ids, and the next attempt counts them without a re-upload.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.config import Settings
from copilot.db.schema import StageEvidenceRow
from copilot.errors import InvalidInput, PayloadTooLarge
from copilot.stages.definitions import Pipeline
from copilot.stages.models import EvidenceItem

CHUNK = 1 << 20


@dataclass
class EvidenceUpload:
    """One offered item: a file (stream) or a text note, for one requirement id."""

    requirement: str
    file_name: str | None = None
    stream: BinaryIO | None = None
    content_type: str | None = None
    text: str | None = None


def evidence_dir(settings: Settings) -> Path:
    return settings.data_dir / "evidence"


def path_for(settings: Settings, sha256: str) -> Path:
    return evidence_dir(settings) / sha256[:2] / sha256


def store_stream(settings: Settings, stream: BinaryIO, limit: int) -> tuple[str, int]:
    """Copy to a temp file while hashing, then move into place (same content is stored once)."""
    root = evidence_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        f"an evidence file is larger than {limit} bytes",
                        details={"field": "evidence", "limit": limit},
                    )
                digest.update(chunk)
                handle.write(chunk)
        sha = digest.hexdigest()
        target = path_for(settings, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
        return sha, size
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_bytes(settings: Settings, content: bytes) -> tuple[str, int]:
    import io

    return store_stream(settings, io.BytesIO(content), max(len(content), 1))


def classify(pipeline: Pipeline, upload: EvidenceUpload) -> tuple[str, str]:
    """(stage, kind) of an offered item; unknown requirement or file type is a 422 naming it."""
    found = pipeline.requirement(upload.requirement)
    if found is None:
        known = [r.id for s in pipeline.stages for r in s.evidence]
        raise InvalidInput(
            f"unknown evidence requirement {upload.requirement!r}",
            details={"field": f"evidence.{upload.requirement}", "allowed": known},
        )
    stage, _ = found
    if upload.stream is None:
        if not (upload.text and upload.text.strip()):
            raise InvalidInput(
                f"evidence for {upload.requirement} is empty",
                details={"field": f"evidence.{upload.requirement}"},
            )
        return stage.key, "note"
    kind = pipeline.kind_of_file(upload.file_name or "")
    if kind is None:
        allowed = sorted({ext for spec in pipeline.evidence_kinds.values() for ext in spec.extensions})
        raise InvalidInput(
            f"cannot tell what kind of evidence {upload.file_name!r} is from its extension",
            details={
                "field": f"evidence.{upload.requirement}",
                "file": upload.file_name,
                "extensions": allowed,
            },
        )
    return stage.key, kind


def save_uploads(
    session: Session,
    settings: Settings,
    pipeline: Pipeline,
    opportunity_id: int,
    uploader_id: int | None,
    uploads: list[EvidenceUpload],
) -> list[StageEvidenceRow]:
    """Validate every item first (so a bad one stores nothing), then store files and rows."""
    classified = [(u, *classify(pipeline, u)) for u in uploads]
    rows = []
    for upload, stage, kind in classified:
        sha = size = None
        if upload.stream is not None:
            sha, size = store_stream(settings, upload.stream, settings.upload_max_bytes)
        row = StageEvidenceRow(
            opportunity_id=opportunity_id,
            stage=stage,
            requirement=upload.requirement,
            kind=kind,
            sha256=sha,
            file_name=upload.file_name,
            content_type=upload.content_type,
            size=size,
            text=upload.text if upload.stream is None else None,
            uploaded_by=uploader_id,
            attached=False,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def offered_for(session: Session, opportunity_id: int) -> list[StageEvidenceRow]:
    """Everything offered for this opportunity so far, attached or not (earlier uploads count)."""
    return list(
        session.scalars(
            select(StageEvidenceRow)
            .where(StageEvidenceRow.opportunity_id == opportunity_id)
            .order_by(StageEvidenceRow.id)
        )
    )


def to_item(row: StageEvidenceRow) -> EvidenceItem:
    return EvidenceItem.model_validate(row, from_attributes=True)


def history_entry(row: StageEvidenceRow) -> dict[str, object]:
    """What a stage-history row keeps of an evidence item (its `evidence` JSON column)."""
    return {
        "type": "evidence",
        "evidence_id": row.id,
        "stage": row.stage,
        "requirement": row.requirement,
        "kind": row.kind,
        "sha256": row.sha256,
        "file_name": row.file_name,
    }
