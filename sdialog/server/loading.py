"""Agents to serve, from a file: a scenario (YAML/JSON with ``agents:``) or one agent (JSON).

An agent JSON holds :class:`~sdialog.agents.Agent` arguments: ``name``, ``persona``, ``context``,
``model`` (a model string, or the ``{"model": ...}`` provenance that ``Agent.json()`` writes),
``system_prompt``, ``first_utterance``, ``dialogue_details``, ``response_details``,
``can_finish``, ``think`` and ``params`` (generation/connection parameters). The output of
``Agent.json()`` loads too (its tool and orchestrator names are not importable and are skipped).

Example:
    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bot.json"
    >>> _ = path.write_text(json.dumps({"name": "Bot", "model": "scripted:Hi!"}))
    >>> [agent.name for agent in agents_from_file(path)]
    ['Bot']
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sdialog.agents.agent import Agent

logger = logging.getLogger("sdialog.server")

_AGENT_FIELDS = (
    "name",
    "persona",
    "context",
    "system_prompt",
    "first_utterance",
    "dialogue_details",
    "response_details",
    "can_finish",
    "think",
)


def agents_from_file(
    path: str | Path, model: str | None = None, params: dict[str, Any] | None = None
) -> list[Agent]:
    """The agents described by ``path`` (both speakers of a scenario, or the one agent).

    ``model``/``params`` override the file's model and generation parameters.

    Raises:
        FileNotFoundError, ValueError: the file is missing or malformed (the message says why).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix.lower() in (".yaml", ".yml"):
        return _scenario_agents(path, model, params)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if isinstance(data, dict) and "agents" in data:
        return _scenario_agents(path, model, params)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an agent file must be a JSON object")
    return [agent_from_dict(data, model=model, params=params, where=str(path))]


def agent_from_dict(
    data: dict[str, Any],
    model: str | None = None,
    params: dict[str, Any] | None = None,
    where: str = "agent",
) -> Agent:
    """An Agent from its JSON description (see the module docstring for the keys)."""
    unknown = set(data) - {*_AGENT_FIELDS, "model", "params", "tools", "orchestrators"}
    if unknown:
        raise ValueError(f"{where}: unknown agent field(s): {', '.join(sorted(unknown))}")
    if data.get("tools") or data.get("orchestrators"):
        logger.warning("%s: tools and orchestrators cannot be loaded from JSON; skipped", where)
    file_model = data.get("model")
    if isinstance(file_model, dict):  # Agent.json() provenance
        file_model = file_model.get("model")
    kwargs = {k: data[k] for k in _AGENT_FIELDS if data.get(k) is not None}
    llm = {**(data.get("params") or {}), **(params or {})}
    return Agent(model=model or file_model, **kwargs, **llm)


def _scenario_agents(path: Path, model: str | None, params: dict[str, Any] | None) -> list[Agent]:
    from sdialog.scenario import Scenario

    scenario = Scenario.from_file(path)
    return list(scenario.build_agents(seed=scenario.seed, model=model, params=params))
