"""Strict JSON for dialog files: what is read can be written back and the reverse.

``dumps`` refuses NaN/Infinity and escapes lone surrogates (so the text is valid UTF-8 and reads
back the same); ``loads`` refuses NaN/Infinity and turns too-deep nesting into a
:class:`~sdialog.dialog.DialogFormatError` naming the file; dialogs nested deeper than
:data:`MAX_DEPTH` are refused on reading, since they could not be serialised again.

Example:
    >>> dumps({"text": "bad \\ud800 char"}, indent=None)
    '{"text": "bad \\\\ud800 char"}'
"""

from __future__ import annotations

import json
import re
from typing import Any

from sdialog.dialog.errors import DialogFormatError

__all__ = ["MAX_DEPTH", "dumps", "loads", "too_deep"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any, indent: int | None = 2, source: str | None = None) -> str:
    """Strict JSON text of ``data``: UTF-8 kept as is, lone surrogates escaped (``\\ud800``, so
    the text can be written as UTF-8 and reads back the same), NaN/Infinity refused.

    Raises :class:`~sdialog.dialog.DialogFormatError` (naming ``source``) for values JSON cannot
    hold (NaN, infinity) or data nested too deeply.
    """
    try:
        text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    except ValueError as err:  # NaN / infinity
        raise DialogFormatError(f"cannot write as JSON: {err}", source=source) from None
    except RecursionError:
        raise DialogFormatError("cannot write as JSON: nested too deeply", source=source) from None
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str, source: str, line: int | None = None) -> Any:
    """Strict ``json.loads``: NaN/Infinity and too-deep nesting are format errors.

    Example:
        >>> loads('{"x": NaN}', "a.json")
        Traceback (most recent call last):
        ...
        sdialog.dialog.errors.DialogFormatError: a.json: invalid JSON: NaN is not valid JSON
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise DialogFormatError(
            f"invalid JSON (column {err.colno}): {err.msg}",
            source=source,
            line=line if line is not None else err.lineno,
        ) from None
    except ValueError as err:  # NaN, Infinity (from _reject_constant)
        raise DialogFormatError(f"invalid JSON: {err}", source=source, line=line) from None
    except RecursionError:
        raise DialogFormatError(
            "JSON nested too deeply to read", source=source, line=line
        ) from None


MAX_DEPTH = 200
"""Deepest nesting of JSON values in a dialog that is read (deeper data cannot be written)."""


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON data nests deeper than ``limit`` levels (checked without recursion).

    Example:
        >>> too_deep({"a": [[1]]}, limit=3), too_deep({"a": [[1]]}, limit=2)
        (False, True)
    """
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if level > limit:
            return True
        items = value.values() if isinstance(value, dict) else value
        stack.extend((v, level + 1) for v in items if isinstance(v, (dict, list)))
    return False
