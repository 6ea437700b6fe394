"""The voice-note pipeline end to end: intake, worker transcription, tagging, confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from copilot import worker
from copilot.auth import Caller, system_caller
from copilot.db.schema import ContactRow, CustomerRow, JobRow, TodoRow
from copilot.errors import InvalidInput, NotFound
from copilot.models import Role
from extractors.audio import FasterWhisperTranscriber
from services import profile_tags, voice_notes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "voice"
EVAL_AUDIO = Path(__file__).parents[2] / "eval" / "voice" / "audio"
RECORDED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared_transcriber(tmp_path_factory: pytest.TempPathFactory) -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber("auto", cache_dir=tmp_path_factory.mktemp("models"), max_seconds=120)


def _customer(ctx, owner_id: int | None = None, name: str = "苏州华东精密机械有限公司") -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as session:
        row = CustomerRow(name=name, name_key=name, owner_id=owner_id, tags=[])
        session.add(row)
        session.flush()
        return row.id


def _caller(ctx, login: str, ids) -> Caller:  # type: ignore[no-untyped-def]
    from copilot.auth import caller_from_row
    from copilot.db.schema import UserRow

    with ctx.db.read() as session:
        return caller_from_row(session.get(UserRow, ids[login]))


def test_text_note_is_tagged_and_confirmation_updates_the_profile(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    rep = _caller(any_context, "east.rep", any_org.ids)
    customer_id = _customer(any_context, any_org.ids["east.rep"])
    text = "王总说他们最关注能耗成本。预算大概五十万，希望下个季度末之前完成改造。我下周三前把节能方案发给王总。最终由钱副总拍板。"
    note_id = voice_notes.add_text_note(any_context, rep, customer_id, text, recorded_at=RECORDED)
    note = voice_notes.get_note(any_context, rep, note_id)
    assert note.status == "tagged" and note.kind == "text" and note.transcript.language == "zh"
    by_id = {t.id: t for t in note.tags}
    assert {"cares_energy_cost", "budget", "timeline", "next_step", "decision_maker"} <= set(by_id)
    energy = by_id["cares_energy_cost"]
    assert text[energy.char_start : energy.char_end] == energy.evidence.quote
    assert energy.evidence.kind == "transcript_span" and energy.evidence.start == energy.char_start

    profile_tags.decide(any_context, rep, energy.tag_row_id, "confirmed")
    profile_tags.decide(any_context, rep, by_id["budget"].tag_row_id, "confirmed")
    profile_tags.decide(any_context, rep, by_id["next_step"].tag_row_id, "confirmed")
    profile_tags.decide(any_context, rep, by_id["decision_maker"].tag_row_id, "confirmed")
    rejected = profile_tags.decide(
        any_context, rep, by_id["timeline"].tag_row_id, "rejected", "date is wrong"
    )
    assert rejected.status == "rejected" and rejected.reason == "date is wrong"
    with any_context.db.read() as session:
        customer = session.get(CustomerRow, customer_id)
        assert "关注能耗成本" in customer.tags and "预算: 50万 CNY" in customer.tags
        todo = session.scalar(select(TodoRow).where(TodoRow.user_id == any_org.ids["east.rep"]))
        assert todo.kind == "voice_next_step" and todo.due_at.date().isoformat() == "2026-12-02"
        assert todo.evidence[0]["quote"].startswith("我下周三前")
        contact = session.scalar(select(ContactRow).where(ContactRow.customer_id == customer_id))
        assert contact.name == "钱副总"
    confirmed = profile_tags.customer_profile_tags(any_context, rep, customer_id)
    assert {t.id for t in confirmed} == {"cares_energy_cost", "budget", "next_step", "decision_maker"}
    assert all(t.evidence.quote for t in confirmed)

    # the rejected span is not proposed again, on a new note with the same wording
    again = voice_notes.get_note(
        any_context, rep, voice_notes.add_text_note(any_context, rep, customer_id, text, recorded_at=RECORDED)
    )
    assert "timeline" not in {t.id for t in again.tags}
    stats = {s.id: s for s in profile_tags.tag_stats(any_context, rep).tags}
    assert stats["timeline"].precision == 0.0 and stats["cares_energy_cost"].precision == 1.0
    assert stats["budget"].proposed == 1


def test_deciding_twice_differently_is_a_conflict(context, small_org) -> None:  # type: ignore[no-untyped-def]
    from copilot.errors import Conflict

    customer_id = _customer(context)
    note = voice_notes.get_note(
        context,
        system_caller(),
        voice_notes.add_text_note(context, system_caller(), customer_id, "Their energy bill is huge."),
    )
    tag = note.tags[0]
    profile_tags.decide(context, system_caller(), tag.tag_row_id, "confirmed")
    assert profile_tags.decide(context, system_caller(), tag.tag_row_id, "confirmed").status == "confirmed"
    with pytest.raises(Conflict):
        profile_tags.decide(context, system_caller(), tag.tag_row_id, "rejected")


def test_audio_note_is_transcribed_by_the_worker_with_seconds_as_evidence(
    context, shared_transcriber
) -> None:  # type: ignore[no-untyped-def]
    context.cache["transcriber"] = shared_transcriber
    customer_id = _customer(context)
    data = (EVAL_AUDIO / "en01.ogg").read_bytes()
    note_id = voice_notes.add_audio_note(
        context, system_caller(), customer_id, data, "en01.ogg", recorded_at=RECORDED
    )
    queued = voice_notes.get_note(context, system_caller(), note_id)
    assert queued.status == "queued" and queued.transcript is None
    stored = (
        context.settings.data_dir / "uploads" / "voice" / queued.file_sha256[:2] / f"{queued.file_sha256}.ogg"
    )
    assert stored.read_bytes() == data
    assert worker.run_once(context) >= 1  # other engines' periodic tasks may run in the same pass
    note = voice_notes.get_note(context, system_caller(), note_id)
    assert note.status == "tagged" and note.progress == 1.0 and note.transcript.language == "en"
    assert 30 < note.duration < 45
    tags = {t.id: t for t in note.tags}
    assert {"cares_energy_cost", "budget", "timeline", "competitor", "next_step"} <= set(tags)
    assert tags["budget"].value["amount"] == 2_500_000
    for tag in note.tags:
        assert tag.evidence.source == "voice note"
        assert 0 <= tag.evidence.start < tag.evidence.end <= note.duration + 1
        assert tag.evidence.quote in note.transcript.text
    # the budget is said about 20 s in: the span points there, not at the start
    assert 10 < tags["budget"].evidence.start < 30


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_silence_fails_with_the_reason_and_keeps_the_upload(context, shared_transcriber, name: str) -> None:  # type: ignore[no-untyped-def]
    context.cache["transcriber"] = shared_transcriber
    customer_id = _customer(context)
    note_id = voice_notes.add_audio_note(
        context, system_caller(), customer_id, (FIXTURES / name).read_bytes(), name
    )
    worker.run_once(context)
    note = voice_notes.get_note(context, system_caller(), note_id)
    assert note.status == "failed" and "no speech detected" in note.error
    with context.db.read() as session:
        job = session.scalar(select(JobRow).where(JobRow.kind == voice_notes.JOB_KIND))
        assert job.status == "done" and job.result["reason"] == "no_speech"
    assert list((context.settings.data_dir / "uploads" / "voice").rglob(f"{note.file_sha256}*"))


def test_too_long_fails_with_the_limit(context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context.cache["transcriber"] = FasterWhisperTranscriber("auto", cache_dir=tmp_path, max_seconds=10)
    note_id = voice_notes.add_audio_note(
        context, system_caller(), _customer(context), (EVAL_AUDIO / "en02.ogg").read_bytes(), "long.ogg"
    )
    worker.run_once(context)
    note = voice_notes.get_note(context, system_caller(), note_id)
    assert note.status == "failed" and "limit is 10 s" in note.error


@pytest.mark.parametrize(
    ("name", "code"),
    [("empty.wav", "empty_file"), ("not_audio.wav", "not_audio"), ("corrupt.mp3", "not_audio")],
)
def test_bad_uploads_are_refused_at_once(context, name: str, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        voice_notes.add_audio_note(
            context, system_caller(), _customer(context), (FIXTURES / name).read_bytes(), name
        )
    assert caught.value.code == code and caught.value.details["field"] == "file"


def test_a_customer_the_caller_cannot_see(context, small_org) -> None:  # type: ignore[no-untyped-def]
    customer_id = _customer(context, small_org.ids["na.rep"])
    east = _caller(context, "east.rep", small_org.ids)
    with pytest.raises(NotFound) as caught:
        voice_notes.add_text_note(context, east, customer_id, "Their energy bill is huge.")
    assert "not visible to you" in caught.value.message
    note_id = voice_notes.add_text_note(context, system_caller(), customer_id, "Their energy bill is huge.")
    with pytest.raises(NotFound):
        voice_notes.get_note(context, east, note_id)
    tag_id = voice_notes.get_note(context, system_caller(), note_id).tags[0].tag_row_id
    with pytest.raises(NotFound):
        profile_tags.decide(context, east, tag_id, "confirmed")
    assert east.role == Role.rep
