"""Lead routing: rules as data, validation before publish, dry-run, round robin, traces, SLA."""
