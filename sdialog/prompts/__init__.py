"""The one place for prompts: Jinja2 templates rendered by name.

Templates can be replaced by files of your own through ``sdialog.config.config["prompts"]``
(SDialog's keys, e.g. ``"persona_agent"``; see :data:`REFERENCE_PROMPTS`): a key whose path
differs from the built-in template's is loaded from that file instead (a relative path is read
from the current directory). The file gets the same variables as the built-in template.

Example:
    >>> from sdialog.prompts import render
    >>> "JSON" in render("structured_output.j2", schema_json="{}")
    True
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent
"""The folder of the built-in templates."""

REFERENCE_PROMPTS: dict[str, tuple[str, ...]] = {
    "agent_system.j2": ("persona_agent",),
    "dialog_generator.j2": ("dialog_generator", "persona_dialog_generator"),
    "attributes_request.j2": (
        "persona_generator",
        "persona_generator_n",
        "context_generator",
        "context_generator_n",
    ),
    "paraphrase_system.j2": ("paraphraser_system",),
    "paraphrase_turn.j2": ("paraphraser_turn",),
    "paraphrase_dialog.j2": ("paraphraser",),
    "judges/system.j2": ("evaluation.llm_judge.base",),
    "judges/answer_yes_no.j2": ("evaluation.llm_judge.yesno.base",),
    "judges/refusal.j2": ("evaluation.llm_judge.yesno.refusal",),
    "judges/real_dialog.j2": ("evaluation.llm_judge.yesno.real_dialog",),
    "judges/persona_attributes.j2": ("evaluation.llm_judge.yesno.persona_attributes",),
    "judges/answer_score.j2": ("evaluation.llm_judge.score.base",),
    "judges/real_dialog_score.j2": ("evaluation.llm_judge.score.real_dialog",),
    "judges/real_dialog_likert.j2": ("evaluation.llm_judge.score.real_dialog_likert",),
}
"""Built-in template → the SDialog ``config["prompts"]`` keys (dotted for nested ones) that
replace it. Several keys share a template where sdialog has one template for several SDialog
prompts; the first key set to another file wins."""


def default_prompt_paths() -> dict[str, Any]:
    """SDialog's ``config["prompts"]`` tree with the absolute paths of the built-in templates.

    Example:
        >>> default_prompt_paths()["persona_agent"].endswith("agent_system.j2")
        True
    """
    tree: dict[str, Any] = {}
    for template, keys in REFERENCE_PROMPTS.items():
        for dotted in keys:
            *parents, leaf = dotted.split(".")
            node = tree
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = str(FOLDER / template)
    return tree


def override_path(template: str) -> Path | None:
    """The file that replaces ``template`` through ``config["prompts"]``, else ``None``."""
    from sdialog import config

    for dotted in REFERENCE_PROMPTS.get(template, ()):
        node: Any = config.config["prompts"]
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (str, os.PathLike)) and Path(node) != FOLDER / template:
            return Path(node).expanduser().resolve()
    return None


def template_source(template: str) -> str:
    """The text of ``template`` (the replacing file's when one is configured)."""
    path = override_path(template) or FOLDER / template
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    class _Loader(jinja2.BaseLoader):
        """Built-in templates, or the file ``config["prompts"]`` names instead."""

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            path = override_path(template)
            if path is None:
                path = FOLDER / template
                if not path.is_file():
                    raise jinja2.TemplateNotFound(template)
            elif not path.is_file():
                raise FileNotFoundError(f"prompt file for {template!r} not found: {path}")
            mtime = path.stat().st_mtime

            def uptodate() -> bool:
                current = override_path(template) or FOLDER / template
                return current == path and path.is_file() and path.stat().st_mtime == mtime

            return path.read_text(encoding="utf-8"), str(path), uptodate

    return jinja2.Environment(
        loader=_Loader(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, /, **variables: Any) -> str:
    """Render the template ``sdialog/prompts/<name>`` (a missing variable is an error)."""
    return _environment().get_template(template).render(**variables).strip()
