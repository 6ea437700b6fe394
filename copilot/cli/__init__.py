"""The `copilot` command. Commands are thin: parse, call one service, shape the output.

Every command that returns data has `--json` (machine output on stdout; progress and logs on
stderr). Errors are one line on stderr with an exit code scripts can trust:
1 error, 2 invalid input, 3 not found, 4 not allowed, 5 conflict, 6 unavailable.
"""

from __future__ import annotations

import sys

from copilot.cli.app import app
from copilot.errors import CopilotError


def main() -> None:
    try:
        # without standalone mode click returns (not raises) a `typer.Exit` code: pass it on
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except CopilotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click's own usage errors and anything unexpected
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise


__all__ = ["app", "main"]
