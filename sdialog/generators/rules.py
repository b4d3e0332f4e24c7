"""Field rules of the attribute generators: parse a rule once, draw values from it.

``"{a-b}"`` (random integer), ``"{txt:path}"`` (random line), ``"{csv:column:path}"`` /
``"{tsv:...}"`` (random column value), lists (random choice), callables (called with the other
fields they name), ``"*"``/``"{llm}"``/``"{llm:instruction}"`` (left to the model) and fixed
values. Template rules may also be written with double braces (``"{{18-99}}"``,
``"{{txt:path}}"``), as in SDialog's examples. See :mod:`sdialog.generators.attributes` for how
generators apply them.

Example:
    >>> import random
    >>> parse_rule("age", "{18-80}").draw(random.Random(3))
    33
    >>> parse_rule("name", ["Ana", "Bo"]).draw(random.Random(3))
    'Ana'
    >>> parse_rule("age", "{{18-80}}") == parse_rule("age", "{18-80}")
    True
"""

from __future__ import annotations

import csv
import inspect
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["RuleError", "parse_rule"]

_RANGE = re.compile(r"^\{\s*(-?\d+)\s*-\s*(-?\d+)\s*\}$")
_RANGE_LIKE = re.compile(r"^\{\s*-?\d+\s*-.*\}$", re.S)
_KIND = re.compile(r"^\{(\w+)(?::(.*))?\}$", re.S)


class RuleError(ValueError):
    """A generation rule that cannot be used; the message names the field, rule and file."""


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its ``kind`` and what it needs; :meth:`draw` picks a value."""

    kind: str  # "llm", "range", "choice", "callable" or "fixed"
    value: Any = None  # instruction, (low, high), options, function or the fixed value

    def draw(self, rng: random.Random) -> Any:
        if self.kind == "range":
            return rng.randint(*self.value)
        if self.kind == "choice":
            return rng.choice(self.value)
        return self.value


def parse_rule(field: str, rule: Any) -> Rule:
    """Turn a rule (see the module docstring) into a :class:`Rule`; file rules read the file now.

    Raises:
        RuleError: naming the field and rule (and the file for unreadable files).
    """
    if callable(rule):
        return Rule("callable", rule)
    if isinstance(rule, (list, tuple)):
        if not rule:
            raise RuleError(f"field {field!r}: an empty list gives nothing to choose from")
        return Rule("choice", tuple(rule))
    if not isinstance(rule, str):
        return Rule("fixed", rule)
    text = rule.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[1:-1]  # SDialog's double-brace spelling of the same rules
    if text in ("*", "{llm}"):
        return Rule("llm")
    if match := _RANGE.match(text):
        low, high = int(match.group(1)), int(match.group(2))
        if low > high:
            raise RuleError(f"field {field!r}: bad range rule {rule!r}: {low} > {high}")
        return Rule("range", (low, high))
    if _RANGE_LIKE.match(text):
        raise RuleError(f"field {field!r}: bad range rule {rule!r}; write it as '{{low-high}}'")
    match = _KIND.match(text)
    if match is None:
        return Rule("fixed", rule)
    kind, arg = match.group(1), match.group(2)
    if kind == "llm":
        return Rule("llm", (arg or "").strip() or None)
    if kind == "txt" and arg:
        return Rule("choice", _lines(field, rule, arg.strip()))
    if kind in ("csv", "tsv") and arg and ":" in arg:
        column, path = arg.split(":", 1)
        return Rule("choice", _column(field, rule, kind, column.strip(), path.strip()))
    raise RuleError(
        f"field {field!r}: unknown rule {rule!r}; use '*', '{{llm}}', '{{llm:instruction}}', "
        "'{a-b}', '{txt:path}', '{csv:column:path}' or '{tsv:column:path}'"
    )


def _read(field: str, rule: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise RuleError(f"field {field!r}: rule {rule!r} cannot read {path}: {reason}") from None


def _lines(field: str, rule: str, path: str) -> tuple[str, ...]:
    lines = tuple(line.strip() for line in _read(field, rule, path).splitlines() if line.strip())
    if not lines:
        raise RuleError(f"field {field!r}: rule {rule!r}: {path} has no non-empty line")
    return lines


def _column(field: str, rule: str, kind: str, column: str, path: str) -> tuple[str, ...]:
    rows = list(
        csv.reader(_read(field, rule, path).splitlines(), delimiter="\t" if kind == "tsv" else ",")
    )
    header = [h.strip() for h in rows[0]] if rows else []
    if column in header:
        index = header.index(column)
    elif column.isdigit() and int(column) < len(header):
        index = int(column)
    else:
        raise RuleError(
            f"field {field!r}: rule {rule!r}: {path} has no column {column!r}; "
            f"columns: {', '.join(header) or '(none)'}"
        )
    values = tuple(r[index].strip() for r in rows[1:] if index < len(r) and r[index].strip())
    if not values:
        raise RuleError(f"field {field!r}: rule {rule!r}: column {column!r} of {path} is empty")
    return values


def accepted_keywords(function: Callable[..., Any]) -> set[str] | None:
    """Names ``function`` accepts as keywords; ``None`` when it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return set()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def call_with_fields(function: Callable[..., Any], values: Mapping[str, Any]) -> Any:
    """Call ``function`` with the values it names (all of them if it takes ``**kwargs``)."""
    names = accepted_keywords(function)
    return function(**{k: v for k, v in values.items() if names is None or k in names})
