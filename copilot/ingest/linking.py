"""Linking a signal or a transcript to its customer: by uscc first, then by normalised name.

The name key is `copilot.dedup.normalise.normalise_company_name`, the same one dedup matches on,
so '上海交通大学医学院附属瑞金医院' links to the customer stored as '瑞金医院'. A key shared by
two live customers links to neither (the link says why): a wrong link would put one customer's
signals on another's wall.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.db.schema import CustomerRow
from copilot.dedup.normalise import normalise_company_name, uscc_problem


@dataclass(frozen=True)
class CustomerRef:
    id: int
    department_id: int | None
    owner_id: int | None


@dataclass(frozen=True)
class Link:
    customer: CustomerRef | None
    how: str  # uscc | name | ambiguous_name | none


class CustomerLinker:
    """Built once per ingest run: the live customers by uscc and by name key."""

    def __init__(self, session: Session) -> None:
        self.by_uscc: dict[str, CustomerRef] = {}
        self.by_key: dict[str, CustomerRef | None] = {}  # None = ambiguous
        self.by_id: dict[int, CustomerRef] = {}
        rows = session.execute(
            select(
                CustomerRow.id,
                CustomerRow.uscc,
                CustomerRow.name,
                CustomerRow.name_key,
                CustomerRow.department_id,
                CustomerRow.owner_id,
            ).where(CustomerRow.merged_into_id.is_(None))
        )
        for cid, uscc, name, key, dept, owner in rows:
            ref = CustomerRef(cid, dept, owner)
            self.by_id[cid] = ref
            if uscc:
                self.by_uscc[uscc.upper()] = ref
            key = normalise_company_name(name) or key  # computed here: a stale stored key must not mislink
            if key:
                self.by_key[key] = None if key in self.by_key and self.by_key[key] != ref else ref

    def link(self, company: str | None, uscc: str | None) -> Link:
        if uscc and uscc_problem(uscc) is None and uscc.upper() in self.by_uscc:
            return Link(self.by_uscc[uscc.upper()], "uscc")
        key = normalise_company_name(company) if company else ""
        if key and key in self.by_key:
            ref = self.by_key[key]
            return Link(ref, "name") if ref else Link(None, "ambiguous_name")
        return Link(None, "none")
