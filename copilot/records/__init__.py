"""Generic record services for the CRM entities."""
