"""Run every `bench/bench_*.py` module's `run(quick)` and print one table; write bench/results.json.

A module returns rows: {"area", "metric", "value", "unit", "target" (text, optional), "ok" (bool or None)}.
Figures are medians or ratios where timing is involved: these machines are noisy.
`python -m bench [NAME ...] [--quick]` runs only the named modules (e.g. `import`), smaller sizes with --quick.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import bench


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="bench modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    modules = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names or m in args.names]
    rows: list[dict] = []
    for name in modules:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(f"bench.{name}").run(args.quick))
        except Exception as exc:  # a broken bench must not hide the others' figures
            rows.append(
                {"area": name, "metric": "error", "value": str(exc), "unit": "", "target": "", "ok": False}
            )
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    _print_table(rows)
    out = Path(__file__).with_name("results.json")
    existing = json.loads(out.read_text()) if out.exists() and args.names else {}
    existing.update({f"{r['area']}::{r['metric']}": r for r in rows})
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=2))
    return 0 if all(r.get("ok") is not False for r in rows) else 1


def _print_table(rows: list[dict]) -> None:
    headers = ("area", "metric", "value", "unit", "target", "ok")
    cells = [[_fmt(r.get(h)) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def _fmt(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "NO"
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
