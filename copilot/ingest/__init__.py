"""Ingestion: public signals, call transcripts and contracts into the store and the search index."""
