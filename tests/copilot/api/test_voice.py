"""The voice-note routes on SQLite and PostgreSQL: 202 for audio, tags, confirm/reject, errors."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from copilot import worker
from extractors.audio import FasterWhisperTranscriber

FIXTURES = Path(__file__).parents[2] / "fixtures" / "voice"


def _customer(client: TestClient, org, login: str = "east.rep") -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        "/customers",
        headers=org.headers(login),
        json={"name": f"Voice客户{login}", "owner_id": org.ids[login]},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_text_note_confirm_reject_stats(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.rep")
    cid = _customer(any_client, any_org)
    created = any_client.post(
        f"/customers/{cid}/voice-notes",
        headers=h,
        data={
            "text": "李处长很反感PPT式汇报。他们在比较施耐德的方案。",
            "recorded_at": "2026-11-24T10:00:00+08:00",
        },
    )
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["status"] == "tagged"
    tags = {t["id"]: t for t in note["tags"]}
    assert set(tags) == {"dislikes_slide_pitch", "competitor"}
    assert tags["dislikes_slide_pitch"]["label"] == "反感PPT式汇报"
    assert tags["dislikes_slide_pitch"]["evidence"]["quote"] == "李处长很反感PPT式汇报。"
    confirmed = any_client.post(f"/tags/{tags['dislikes_slide_pitch']['tag_row_id']}/confirm", headers=h)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    rejected = any_client.post(
        f"/tags/{tags['competitor']['tag_row_id']}/reject", headers=h, json={"reason": "not bidding"}
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "not bidding"
    assert "反感PPT式汇报" in any_client.get(f"/customers/{cid}", headers=h).json()["tags"]
    profile = any_client.get(f"/customers/{cid}/profile-tags", headers=h).json()
    assert [t["id"] for t in profile] == ["dislikes_slide_pitch"] and profile[0]["evidence"]["quote"]
    stats = {s["id"]: s for s in any_client.get("/tags/stats", headers=h).json()["tags"]}
    assert stats["dislikes_slide_pitch"]["precision"] == 1.0 and stats["competitor"]["precision"] == 0.0
    # another department's rep sees none of it
    other = any_org.headers("na.rep")
    assert any_client.get(f"/voice-notes/{note['id']}", headers=other).status_code == 404
    assert (
        any_client.post(f"/tags/{tags['competitor']['tag_row_id']}/confirm", headers=other).status_code == 404
    )
    assert any_client.get("/tags/stats", headers=other).json()["overall_precision"] is None


def test_audio_upload_answers_202_and_the_worker_tags_it(client: TestClient, small_org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context = client.app.state.context
    context.cache["transcriber"] = FasterWhisperTranscriber("auto", cache_dir=tmp_path, max_seconds=60)
    h = small_org.headers("east.rep")
    cid = _customer(client, small_org)
    with (FIXTURES / "phrase.webm").open("rb") as handle:
        response = client.post(
            f"/customers/{cid}/voice-notes",
            headers=h,
            files={"file": ("rec.webm", handle, "audio/webm")},
            data={"language": "en"},
        )
    assert response.status_code == 202, response.text
    note_id = response.json()["id"]
    assert response.headers["location"] == f"/voice-notes/{note_id}"
    assert client.get(f"/voice-notes/{note_id}", headers=h).json()["status"] == "queued"
    worker.run_once(context)
    note = client.get(f"/voice-notes/{note_id}", headers=h).json()
    assert note["status"] == "tagged" and note["transcript"]["segments"]
    assert {"cares_energy_cost", "budget"} <= {t["id"] for t in note["tags"]}
    audio = client.get(f"/voice-notes/{note_id}/audio", headers=h)
    assert audio.status_code == 200 and audio.content == (FIXTURES / "phrase.webm").read_bytes()


def test_bad_requests_name_the_field(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.rep")
    cid = _customer(any_client, any_org)
    empty = any_client.post(
        f"/customers/{cid}/voice-notes", headers=h, files={"file": ("e.wav", b"", "audio/wav")}
    )
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_file"
    assert empty.json()["error"]["details"]["field"] == "file"
    junk = any_client.post(
        f"/customers/{cid}/voice-notes",
        headers=h,
        files={"file": ("x.mp3", (FIXTURES / "corrupt.mp3").read_bytes(), "audio/mpeg")},
    )
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "not_audio"
    neither = any_client.post(f"/customers/{cid}/voice-notes", headers=h)
    assert neither.status_code == 422 and neither.json()["error"]["details"]["field"] == "file"
    when = any_client.post(
        f"/customers/{cid}/voice-notes", headers=h, data={"text": "hi", "recorded_at": "yesterday"}
    )
    assert when.json()["error"]["details"]["field"] == "recorded_at"
    language = any_client.post(
        f"/customers/{cid}/voice-notes", headers=h, data={"text": "hi", "language": "fr"}
    )
    assert language.json()["error"]["details"]["field"] == "language"
    hidden = _customer(any_client, any_org, "na.rep")
    response = any_client.post(
        f"/customers/{hidden}/voice-notes", headers=h, data={"text": "Their energy bill is huge."}
    )
    assert response.status_code == 404 and "not visible" in response.json()["error"]["message"]
    assert any_client.get("/voice-notes/99999", headers=h).status_code == 404
