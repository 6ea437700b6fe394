"""Turning raw inputs (PDF, DOCX, scans, public pages, transcripts) into text, structure, positions and provenance."""
