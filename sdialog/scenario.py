"""Scenario files: everything a corpus run needs, declared in YAML (or JSON).

A scenario names two speakers (the first one opens), their personas (fixed, or generated per
dialog from rules), context, orchestrators (built-ins by name, with arguments), tools (import
paths), first utterance, ``max_turns``, model and parameters.

Example:
    >>> scenario = Scenario.model_validate({
    ...     "name": "coffee",
    ...     "model": "scripted:Sure!",
    ...     "agents": [
    ...         {"name": "Ana", "persona": {"role": "barista"}, "first_utterance": "Hi!"},
    ...         {"name": "Ben", "persona": {"class": "Persona", "fields": {"name": "Ben"}}},
    ...     ],
    ... })
    >>> first, second = scenario.build_agents(seed=1)
    >>> first.name, second.name, type(second.persona).__name__
    ('Ana', 'Ben', 'Persona')
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from sdialog.agents import Agent
from sdialog.agents.agent import PromptStyle


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file and the field."""


class PersonaSpec(BaseModel):
    """A persona: a class by name with fixed ``fields``, and/or ``rules`` to generate the rest."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    class_: str = Field(default="Persona", alias="class")
    fields: dict[str, Any] = Field(default_factory=dict)
    rules: dict[str, Any] = Field(default_factory=dict)
    generated_attributes: Any = Field(
        default=None, description="Fields the LLM fills when no rule names them (default: none)."
    )


class OrchestratorSpec(BaseModel):
    """A built-in orchestrator by class name, with constructor arguments."""

    model_config = ConfigDict(extra="forbid")

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class AgentSpec(BaseModel):
    """One speaker of the scenario."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    persona: PersonaSpec | dict[str, Any] | str | None = None
    first_utterance: str | list[str] | None = None
    dialogue_details: str = ""
    response_details: str | None = None
    can_finish: bool = True
    think: bool = False
    example_dialogs: list[str] = Field(
        default_factory=list,
        description="Short example conversations (plain text, one 'Name: line' per line).",
    )
    prompt_style: PromptStyle = Field(
        default="chat", description="How a local model is prompted (see Agent's prompt_style)."
    )
    orchestrators: list[OrchestratorSpec | str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("persona", mode="before")
    @classmethod
    def _persona_spec(cls, value: Any) -> Any:
        if isinstance(value, dict) and ("class" in value or "rules" in value or "fields" in value):
            return PersonaSpec.model_validate(value)
        return value


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


class Scenario(BaseModel):
    """A corpus recipe. See ``examples/*.yaml`` for complete files.

    ``name`` becomes part of file names (dialog ids ``<name>-000000``), so it must be a plain
    name: letters, digits, ``_``, ``.``, ``-``, starting with a letter or digit, at most 100
    characters (no ``/``, no ``..``).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = "scenario"
    description: str = ""
    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    max_turns: int = Field(default=10, ge=1)
    context: dict[str, Any] | str | None = None
    agents: list[AgentSpec] = Field(min_length=2, max_length=2)
    _base_dir: Path | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not _SAFE_NAME.fullmatch(value) or ".." in value:
            raise ValueError(
                f"{value[:80]!r} is not a plain name (it becomes a file name): use letters, "
                "digits, '_', '.', '-', starting with a letter or digit, at most 100 characters"
            )
        return value

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Load a YAML or JSON scenario; errors name the file and the offending field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FileNotFoundError(f"scenario file not found: {path}") from None
        try:
            import yaml

            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ScenarioError(f"{path}{where}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ScenarioError(f"{path}: a scenario must be a mapping, got {type(data).__name__}")
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ScenarioError(f"{path}: invalid scenario: {problems}") from None
        scenario._base_dir = path.resolve().parent  # tools/orchestrators may live beside it
        return scenario

    def fingerprint(self) -> str:
        """A short hash of the scenario, recorded in manifests to detect a changed recipe."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # -- building ------------------------------------------------------------------------------
    def check(self) -> None:
        """Resolve everything the agents need without calling a model: persona classes and
        fields, orchestrators with their arguments, tools. Raises :class:`ScenarioError` naming
        the agent and the problem, so a run can fail before it writes anything.

        Example:
            >>> bad = Scenario.model_validate({"agents": [
            ...     {"persona": {"class": "Nobody"}}, {"name": "B"}]})
            >>> try:
            ...     bad.check()
            ... except ScenarioError as err:
            ...     print(str(err).split(";")[0])
            agents.0: unknown persona class 'Nobody'
        """
        for index, spec in enumerate(self.agents):
            where = f"agents.{index}"
            try:
                if isinstance(spec.persona, PersonaSpec):
                    from sdialog.personas import persona_class

                    try:
                        cls = persona_class(spec.persona.class_)
                    except LookupError as exc:
                        raise ScenarioError(str(exc).strip("'\"")) from None
                    cls(**spec.persona.fields)
                for orchestrator in spec.orchestrators:
                    _build_orchestrator(orchestrator, self._base_dir)
                for tool in spec.tools:
                    import_object(tool, self._base_dir)
            except ScenarioError as exc:
                raise ScenarioError(f"{where}: {exc}") from None
            except (TypeError, ValueError) as exc:
                raise ScenarioError(f"{where}: {type(exc).__name__}: {exc}") from None

    def build_agents(
        self, seed: int, model: str | None = None, params: dict[str, Any] | None = None
    ) -> tuple[Agent, Agent]:
        """The two agents of one dialog; generated personas are drawn with ``seed``.

        ``model``/``params`` override the scenario's (e.g. from the command line).
        """
        agents = []
        for index, spec in enumerate(self.agents):
            agent_model = model or spec.model or self.model
            agent_params = {**self.params, **spec.params, **(params or {})}
            persona = _build_persona(spec.persona, seed + 7919 * index, agent_model, agent_params)
            extra = (
                {} if spec.response_details is None else {"response_details": spec.response_details}
            )
            agents.append(
                Agent(
                    persona=persona,
                    name=spec.name,
                    context=self.context,
                    first_utterance=spec.first_utterance if index == 0 else None,
                    dialogue_details=spec.dialogue_details,
                    can_finish=spec.can_finish,
                    think=spec.think,
                    prompt_style=spec.prompt_style,
                    example_dialogs=spec.example_dialogs,
                    orchestrators=[
                        _build_orchestrator(o, self._base_dir) for o in spec.orchestrators
                    ],
                    tools=[import_object(path, self._base_dir) for path in spec.tools],
                    model=agent_model,
                    **extra,
                    **agent_params,
                )
            )
        return agents[0], agents[1]


def _build_persona(spec: Any, seed: int, model: str | None, params: dict[str, Any]) -> Any:
    if not isinstance(spec, PersonaSpec):
        return spec
    from sdialog.personas import persona_class

    cls = persona_class(spec.class_)
    base = cls(**spec.fields)
    if not spec.rules and not spec.generated_attributes:
        return base
    from sdialog.generators import PersonaGenerator

    generator = PersonaGenerator(
        base, generated_attributes=spec.generated_attributes or [], model=model, **params
    )
    if spec.rules:
        generator.set(**spec.rules)
    return generator.generate(n=1, seed=seed)


def _build_orchestrator(spec: OrchestratorSpec | str, base_dir: Path | None = None) -> Any:
    import sdialog.orchestrators as orchestrators

    if isinstance(spec, str):
        spec = OrchestratorSpec(name=spec)
    if ":" in spec.name:
        cls = import_object(spec.name, base_dir)
    else:
        cls = getattr(orchestrators, spec.name, None)
    if cls is None:
        known = ", ".join(n for n in orchestrators.__all__ if n.endswith("Orchestrator"))
        raise ScenarioError(
            f"unknown orchestrator {spec.name!r} (built-ins: {known}; or 'module:Class')"
        )
    try:
        return cls(**spec.args)
    except TypeError as exc:
        raise ScenarioError(
            f"orchestrator {spec.name!r}: bad arguments {spec.args}: {exc}"
        ) from None


def import_object(path: str, base_dir: Path | None = None) -> Any:
    """Import ``"package.module:name"`` (or ``"package.module.name"``).

    Modules beside the scenario file (``base_dir``) are found too, e.g. ``"support_tools:refund"``
    next to ``support.yaml``.
    """
    import sys

    module_name, _, attribute = path.partition(":") if ":" in path else path.rpartition(".")
    added = base_dir is not None and str(base_dir) not in sys.path
    if added:
        sys.path.insert(0, str(base_dir))
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ScenarioError(f"cannot import {path!r}: {exc}") from None
    finally:
        if added:
            sys.path.remove(str(base_dir))
