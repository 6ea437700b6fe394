"""The summary every ingest returns: new / unchanged / replaced / rejected (with reasons)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RejectedItem(BaseModel):
    where: str = Field(description="file, and line or item when the file was partly accepted")
    reason: str


class IngestReport(BaseModel):
    kind: str
    files: int = 0
    new: int = 0
    unchanged: int = 0
    replaced: int = 0
    rejected: list[RejectedItem] = Field(default_factory=list)
    linked: int = Field(0, description="items linked to a customer (by uscc or name)")
    chunks: int = Field(0, description="chunks (re)indexed")
    index_deferred: bool = Field(
        False, description="true when the index was busy and the worker will index these items"
    )

    def reject(self, where: str, reason: str) -> None:
        self.rejected.append(RejectedItem(where=where, reason=reason))

    def merge(self, other: IngestReport) -> None:
        self.files += other.files
        self.new += other.new
        self.unchanged += other.unchanged
        self.replaced += other.replaced
        self.rejected.extend(other.rejected)
        self.linked += other.linked
        self.chunks += other.chunks

    @property
    def message(self) -> str:
        return (
            f"{self.kind}: {self.new} new, {self.unchanged} unchanged, {self.replaced} replaced, "
            f"{len(self.rejected)} rejected; {self.linked} linked to customers; {self.chunks} chunks indexed"
        )
