"""Registers the transcription job with the worker (listed in copilot.bootstrap.ENGINE_MODULES)."""

from __future__ import annotations

from copilot.bootstrap import AppContext


def register(context: AppContext) -> None:
    from copilot.worker import register_job
    from services.voice_index import INDEX_JOB_KIND, index_job
    from services.voice_notes import JOB_KIND, transcribe_job

    register_job(JOB_KIND, transcribe_job)
    register_job(INDEX_JOB_KIND, index_job)
