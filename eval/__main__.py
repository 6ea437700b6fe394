"""`python -m eval SUITE [args]`: run `eval/<suite>/run.py:main(argv) -> int`; `all` runs every suite."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import eval as eval_package


def suites() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(eval_package.__path__) if m.ispkg)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m eval SUITE [args]   suites: {', '.join(suites()) or '(none yet)'}, all")
        return 0 if argv else 2
    names = suites() if argv[0] == "all" else [argv[0]]
    status = 0
    for name in names:
        if name not in suites():
            print(f"error: no eval suite {name!r}; suites: {', '.join(suites())}", file=sys.stderr)
            return 2
        print(f"== eval {name}", flush=True)
        status |= importlib.import_module(f"eval.{name}.run").main(argv[1:])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
