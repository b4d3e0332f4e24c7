"""The one typer application every ``sdialog`` sub-command registers on, and its error handling.

Any failure of a sub-command ends as one line on stderr (``error: ...``) and exit code 1; usage
errors keep click's message and exit code 2. ``sdialog --debug <command>`` (or
``SDIALOG_DEBUG=1``) shows the full traceback instead.

Example:
    $ sdialog generate scenario.yaml -o /read-only
    error: Permission denied: /read-only/manifest.json (sdialog --debug ... shows the traceback)
"""

from __future__ import annotations

import errno
import os
import re
from typing import Any

import typer
from typer.core import TyperGroup

from sdialog._extras import MissingExtraError

# their message says what happened without the type
_PLAIN = (ValueError, LookupError, OSError, MissingExtraError)


def describe_error(exc: BaseException) -> str:
    """One line saying what went wrong, for the command line.

    Example:
        >>> describe_error(PermissionError(13, "Permission denied", "out/x.json"))
        'Permission denied: out/x.json'
        >>> describe_error(TypeError("f() got an unexpected keyword argument 'x'"))
        "TypeError: f() got an unexpected keyword argument 'x'"
    """
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
        if exc.errno == errno.ENOSPC:
            text = "no space left on device (disk full)"
        if exc.filename is not None:
            text += f": {os.fsdecode(exc.filename)}"
    else:
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, _PLAIN):
            text = f"{type(exc).__name__}: {text}"
    from sdialog.llm.secrets import redact

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = redact(re.sub(r"\s+", " ", "; ".join(lines)))  # a provider error may quote a key
    return text if len(text) <= 600 else text[:597] + "..."


class _Group(TyperGroup):
    """The root command group: turns an uncaught exception into one ``error:`` line."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if ctx.params.get("debug") or os.environ.get("SDIALOG_DEBUG"):
                raise
            typer.secho(
                f"error: {describe_error(exc)} (sdialog --debug ... shows the traceback)",
                fg="red",
                err=True,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    help="Build, simulate, evaluate, inspect and voice conversational agents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback when a command fails."
    ),
) -> None:
    """sdialog: persona-driven dialog simulation, evaluation and more."""
