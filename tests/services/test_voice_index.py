"""A tagged voice note's transcript reaches the search index (through the worker), citable by span."""

from __future__ import annotations

from copilot import worker
from copilot.auth import caller_from_row
from copilot.db.schema import CustomerRow, UserRow
from services import voice_notes


def test_text_note_is_indexed_by_the_worker_and_found_by_search(context, small_org) -> None:  # type: ignore[no-untyped-def]
    from retrieval.index import close_store
    from retrieval.search import search

    with context.db.transaction() as session:
        customer = CustomerRow(
            name="苏州华东精密", name_key="苏州华东精密", owner_id=small_org.ids["east.rep"], tags=[]
        )
        session.add(customer)
        session.flush()
        rep = caller_from_row(session.get(UserRow, small_org.ids["east.rep"]))
        customer_id = customer.id
    note_id = voice_notes.add_text_note(
        context, rep, customer_id, "王总说他们最关注能耗成本。预算大概五十万。"
    )
    try:
        worker.run_once(context)
        hits = search(context, "能耗成本", customer_id=customer_id, kinds=["voice_note"], caller=rep, limit=5)
        assert hits, "the note's transcript is not in the index"
        assert hits[0].doc_key == f"voice_note:{note_id}" and hits[0].record_id == str(note_id)
        evidence = hits[0].evidence()
        assert "能耗成本" in evidence.quote and evidence.start == 0.0
    finally:
        close_store(context)
