"""`POST /import/{entity}`: the CLI's import over HTTP (multipart upload, same service, same report)."""

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Query, UploadFile

from copilot.api.deps import CallerDep, ContextDep
from copilot.errors import InvalidInput, PayloadTooLarge
from copilot.importing.service import IMPORTABLE, import_file
from copilot.models import ImportSummary

router = APIRouter(tags=["import"])


def save_upload(upload: UploadFile, directory: Path, limit: int) -> Path:
    """Copy an upload to disk in chunks, refusing it past `limit` bytes; the caller removes it."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.filename or "").suffix.lower()
    handle = tempfile.NamedTemporaryFile(dir=directory, suffix=suffix, delete=False)  # noqa: SIM115 - kept past the with
    written = 0
    with handle:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                handle.close()
                Path(handle.name).unlink(missing_ok=True)
                raise PayloadTooLarge(
                    f"the upload is larger than {limit} bytes", details={"field": "file", "limit": limit}
                )
            handle.write(chunk)
    return Path(handle.name)


@router.post(
    "/import/{entity}",
    response_model=ImportSummary,
    summary="Import customers, contacts, leads, opportunities or activities from CSV or JSONL",
    description=f"entity: one of {', '.join(IMPORTABLE)}. Bad rows are reported with line, field and reason; good rows are imported.",
)
def import_upload(
    entity: str,
    context: ContextDep,
    caller: CallerDep,
    file: UploadFile = File(..., description="CSV (UTF-8, UTF-8 BOM or GBK/GB18030) or JSONL"),
    dry_run: bool = Query(False, description="Report without writing"),
) -> Any:
    if not file.filename:
        raise InvalidInput("the upload has no file name", details={"field": "file"})
    path = save_upload(file, context.settings.uploads_dir / "imports", context.settings.upload_max_bytes)
    try:
        return import_file(context.db, caller, entity, path, dry_run=dry_run)
    finally:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
