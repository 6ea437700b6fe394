"""Render the labelled eval contracts (contracts.jsonl) to PDFs in a cache directory.

The PDFs are derived data: rebuilt when the labelled source changes (the file name carries a
hash of the contract's source), never committed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONTRACTS = HERE / "contracts.jsonl"
BUILD = HERE / "build"


def load_contracts() -> list[dict[str, Any]]:
    if not CONTRACTS.exists():
        from copilot.contracts.samples import main as compose

        compose([])
    return [json.loads(line) for line in CONTRACTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_all(contracts: list[dict[str, Any]], directory: Path = BUILD) -> dict[str, Path]:
    from copilot.contracts.documents import ContractSource, render_pdf

    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for c in contracts:
        digest = hashlib.sha1(
            json.dumps(c["source"], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:10]
        path = directory / f"{c['id']}-{digest}.pdf"
        if not path.exists():
            render_pdf(ContractSource.model_validate(c["source"]), path)
        paths[c["id"]] = path
    return paths
