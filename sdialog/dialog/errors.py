"""The one exception raised for malformed dialog input.

Example:
    >>> from sdialog.dialog import Dialog, DialogFormatError
    >>> try:
    ...     Dialog.from_str("no separator here")
    ... except DialogFormatError as err:
    ...     print(err.line)
    1
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

__all__ = ["DialogFormatError"]


class DialogFormatError(ValueError):
    """Malformed dialog data: invalid JSON/JSONL/CSV/txt or a value that fails validation.

    The message names the source (a file path, ``<string>`` or ``<dict>``), the line when one is
    known and, for validation errors, the offending field (e.g. ``turns.3.text``). The same
    pieces are available as attributes: ``source``, ``line`` (1-based or ``None``) and ``field``.

    Example:
        >>> err = DialogFormatError("expected a JSON object", source="a.jsonl", line=3)
        >>> str(err)
        'a.jsonl:3: expected a JSON object'
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.reason = message
        where = source or ""
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<root>"


def from_validation_error(
    err: ValidationError,
    *,
    source: str | None,
    line: int | None = None,
    prefix: str = "",
) -> DialogFormatError:
    """Turn a pydantic ``ValidationError`` into a :class:`DialogFormatError` naming the field(s)."""
    errors = err.errors(include_url=False, include_input=False)
    parts = [f"field {_loc(e['loc'])!r}: {e['msg']}" for e in errors[:3]]
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more error(s)")
    field = _loc(errors[0]["loc"]) if errors else None
    message = f"{prefix}invalid dialog: " + "; ".join(parts)
    return DialogFormatError(message, source=source, line=line, field=field)
