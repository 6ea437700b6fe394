"""Turning raw inputs (PDF, DOCX, scans, public sources) into text, structure and positions."""
