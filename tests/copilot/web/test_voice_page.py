"""The voice-note page in headless Chromium: upload, transcript with highlighted spans, confirm/reject."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot import worker
from extractors.audio import FasterWhisperTranscriber
from services import voice_notes
from tests.conftest import serve_in_thread, sign_in

FIXTURES = Path(__file__).parents[2] / "fixtures" / "voice"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(context, small_org, tmp_path):  # type: ignore[no-untyped-def]
    """The app for a fresh data dir, with its worker thread (transcriptions run as in `copilot serve`)."""
    context.cache["transcriber"] = FasterWhisperTranscriber("auto", cache_dir=tmp_path, max_seconds=60)
    url, srv = serve_in_thread(context)
    worker_thread, stop = worker.start_in_thread(context)
    yield url
    stop.set()
    srv.should_exit = True  # type: ignore[attr-defined]
    worker_thread.join(10)


def test_voice_page_upload_highlight_confirm(server, page, context, small_org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from copilot.auth import caller_from_row
    from copilot.db.schema import CustomerRow, UserRow

    with context.db.transaction() as session:
        customer = CustomerRow(
            name="苏州华东精密", name_key="苏州华东精密", owner_id=small_org.ids["east.rep"], tags=[]
        )
        session.add(customer)
        session.flush()
        cid = customer.id
        rep = caller_from_row(session.get(UserRow, small_org.ids["east.rep"]))
    voice_notes.add_text_note(
        context, rep, cid, "王总说他们最关注能耗成本。预算大概五十万。西门子上周也来过。"
    )

    sign_in(page, server, small_org.keys["east.rep"], f"/app/customers/{cid}/voice")
    page.wait_for_selector("#transcript mark")
    marks = page.locator("#transcript mark")
    assert marks.count() == 3
    assert "关注能耗成本" in marks.first.inner_text()
    energy = page.locator("li.tag-card[data-tag='cares_energy_cost']")
    energy.locator("button.confirm").click()
    page.wait_for_selector("li.tag-card.confirmed[data-tag='cares_energy_cost']")
    page.wait_for_selector("#transcript mark.confirmed")
    page.locator("li.tag-card[data-tag='competitor'] button.reject").click()
    page.wait_for_selector("li.tag-card.rejected[data-tag='competitor']")
    assert page.locator("#transcript mark").count() == 2  # a rejected tag is no longer highlighted
    page.wait_for_function("document.querySelector('#profile').innerText.includes('关注能耗成本')")

    # upload a browser recording (webm/opus): queued -> tagged by the worker, spans in seconds
    page.set_input_files("#file", str(FIXTURES / "phrase.webm"))
    page.select_option("#language", "en")
    page.click("#upload-form button[type=submit]")
    page.wait_for_function(
        "document.querySelector('#note-title').innerText.includes('phrase.webm')"
        " && document.querySelector('#status').innerText === 'tagged'",
        timeout=120_000,
    )
    page.wait_for_selector("li.tag-card[data-tag='budget']")
    assert " s" in page.locator("li.tag-card[data-tag='budget'] a.seek").inner_text()
    assert "energy" in page.locator("#transcript").inner_text().lower()
    page.screenshot(path=str(tmp_path / "voice.png"), full_page=True)
    Path("/tmp/issue10_voice_page.png").write_bytes((tmp_path / "voice.png").read_bytes())

    # a file that is not audio: a clear error on the page, nothing queued
    bad = tmp_path / "notes.mp3"
    bad.write_text("not a recording")
    page.set_input_files("#file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_function("document.querySelector('#form-error').innerText.length > 0")
    assert "not audio" in page.locator("#form-error").inner_text()
