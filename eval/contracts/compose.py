"""`python -m eval.contracts.compose`: write contracts.jsonl from the labelled clause libraries."""

from copilot.contracts.samples import main

if __name__ == "__main__":
    raise SystemExit(main())
