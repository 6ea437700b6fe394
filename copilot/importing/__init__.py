"""Import and export of CRM records from CSV (UTF-8, BOM, GBK/GB18030) and JSONL, streamed."""
