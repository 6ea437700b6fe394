"""Customer and contact deduplication: normalisation, keys, matching, clustering, merge."""
