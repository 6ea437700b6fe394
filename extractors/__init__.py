"""Turning raw inputs (public pages, transcripts, PDFs, audio) into records and text with provenance."""
