"""Request shapes of the dedup API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ScanRequest(BaseModel):
    entity: Literal["customers", "contacts"] = "customers"
    limit: int | None = Field(
        None, ge=1, le=10000, description="clusters returned at most (the rate counts all)"
    )
    records: list[dict[str, Any]] | None = Field(
        None, description="standalone mode: scan these records instead of the store", max_length=200000
    )
    rules: dict[str, Any] | None = Field(
        None, description="a rules document (as the YAML files); default the entity's"
    )


class MergeRequest(BaseModel):
    entity: Literal["customers", "contacts"] = "customers"
    ids: list[int] = Field(min_length=2, description="the records to merge, master included")
    master_id: int | None = Field(None, description="the record kept; default the most recently updated")
    reason: str = Field("", max_length=2000)
    score: float | None = Field(None, ge=0, le=1, description="the cluster score the merge was decided on")


class BulkMergeRequest(BaseModel):
    entity: Literal["customers", "contacts"] = "customers"
    min_score: float | None = Field(None, ge=0, le=1)
    apply: bool = Field(False, description="false = preview only")
    reason: str = Field("bulk merge of clusters above threshold", max_length=2000)
