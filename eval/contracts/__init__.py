"""Contract review eval: labelled contracts composed from clause libraries, rendered to PDFs."""
