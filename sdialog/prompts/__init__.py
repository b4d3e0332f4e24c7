"""The one place for prompts: Jinja2 templates rendered by name.

Example:
    >>> from sdialog.prompts import render
    >>> "JSON" in render("structured_output.j2", schema_json="{}")
    True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("sdialog", "prompts"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, /, **variables: Any) -> str:
    """Render the template ``sdialog/prompts/<name>`` (a missing variable is an error)."""
    return _environment().get_template(template).render(**variables).strip()
