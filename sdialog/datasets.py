"""Dataset loaders under SDialog's names: :class:`STAR` reads a local copy of the STAR dataset.

STAR (Mosig et al., 2020, https://arxiv.org/abs/2010.11853) is not bundled and never downloaded:
get it with ``git clone https://github.com/RasaHQ/STAR`` and point :meth:`STAR.set_path` at the
folder that holds ``dialogues/`` and ``tasks/``.

Example:
    >>> from sdialog.datasets import STAR
    >>> STAR.set_path("/data/STAR")            # doctest: +SKIP
    >>> STAR.get_dialog(1).print()             # doctest: +SKIP
    >>> system, user = STAR.get_agents_from_dialogue(1, model_name="smollm2")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sdialog.dialog import Dialog, Event, Turn

__all__ = ["STAR", "DatasetNotFoundError"]

STAR_URL = "https://github.com/RasaHQ/STAR"


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's local copy is missing; the message says where to get it."""


class STAR:
    """The STAR task-oriented dialog dataset (a local copy), as SDialog's ``STAR`` class.

    Every method is static. Dialog files are ``<path>/dialogues/<id>.json``; task graphs and
    canned responses are ``<path>/tasks/<task>/<task>.json`` and ``responses.json``. The
    ``Wizard`` speaker is renamed ``System`` in loaded dialogs.
    """

    _path: str | None = None
    _speakers = ("User", "Wizard")

    # -- files -------------------------------------------------------------------------------
    @staticmethod
    def set_path(path: str | os.PathLike[str]) -> None:
        """Use the STAR copy in ``path`` (the folder with ``dialogues/`` and ``tasks/``)."""
        STAR._path = os.fspath(path)

    @staticmethod
    def _file(*parts: str) -> Path:
        if STAR._path is None:
            raise DatasetNotFoundError(
                f"STAR's path is not set: download the dataset ({STAR_URL}, e.g. "
                f"'git clone {STAR_URL}') and call STAR.set_path('<folder with dialogues/ and "
                "tasks/>')"
            )
        root = Path(STAR._path)
        if not (root / "dialogues").is_dir() or not (root / "tasks").is_dir():
            raise DatasetNotFoundError(
                f"no STAR dataset in {root} (expected dialogues/ and tasks/ folders): download "
                f"it from {STAR_URL} and call STAR.set_path() with its folder"
            )
        path = root.joinpath(*parts)
        if not path.exists():
            raise DatasetNotFoundError(f"STAR file not found: {path}")
        return path

    @staticmethod
    def _json(*parts: str) -> Any:
        path = STAR._file(*parts)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from exc

    # -- tasks -------------------------------------------------------------------------------
    @staticmethod
    def get_task_names() -> list[str]:
        """The task names (folders under ``tasks/``), sorted."""
        return sorted(p.name for p in STAR._file("tasks").iterdir() if p.is_dir())

    @staticmethod
    def read_graph(task_name: str | dict, as_dot: bool = True) -> str | dict:
        """A task's action graph (``{action: next action}``), as DOT text or as the dict.

        ``task_name`` may be the task's JSON dict itself.
        """
        if isinstance(task_name, dict):
            data = task_name
        else:
            data = STAR._json("tasks", task_name, f"{task_name}.json")
        graph = data["graph"]
        if not as_dot:
            return graph
        label = "" if isinstance(task_name, dict) else task_name
        edges = ";\n".join(f"    {a} -> {b}" for a, b in graph.items())
        return f"digraph {label}  {{\n{edges}\n}}"

    @staticmethod
    def read_graph_responses(task_name: str | dict, as_dict: bool = False) -> str | dict:
        """A task's example response per action (``{name}`` placeholders upper-cased, as
        ``NAME``), as JSON text or a dict; ``out_of_scope`` is left out."""
        if isinstance(task_name, dict):
            raw = task_name
        else:
            raw = STAR._json("tasks", task_name, "responses.json")
        responses = {
            action: re.sub(r"{(.+?)(?::\w+?)?}", lambda m: m.group(1).upper(), text)
            for action, text in raw.items()
            if action != "out_of_scope"
        }
        return responses if as_dict else json.dumps(responses, indent=2)

    # -- dialogs -----------------------------------------------------------------------------
    @staticmethod
    def get_dialog_events(id: int | str) -> list[dict]:
        """The raw events of dialog ``id``."""
        return STAR._json("dialogues", f"{id}.json")["Events"]

    @staticmethod
    def get_dialog_scenario(id: int | str) -> dict:
        """The scenario of dialog ``id`` (domains, tasks, happy path, ...)."""
        return STAR._json("dialogues", f"{id}.json")["Scenario"]

    @staticmethod
    def get_dialog(id: int | str) -> Dialog:
        """Dialog ``id`` with its turns, events and scenario (``Wizard`` becomes ``System``)."""
        data = STAR._json("dialogues", f"{id}.json")
        speaker = {"Wizard": "System"}
        turns = [
            Turn(speaker=speaker.get(e["Agent"], e["Agent"]), text=e["Text"])
            for e in data["Events"]
            if e.get("Action") in ("utter", "pick_suggestion")
        ]
        events = [
            Event(
                agent=speaker.get(e["Agent"], e["Agent"]),
                action=e["Action"],
                actionLabel=e.get("ActionLabel"),
                content=e["Text"],
                timestamp=e.get("UnixTime"),
            )
            for e in data["Events"]
            if "Text" in e
        ]
        return Dialog(id=str(id), scenario=data["Scenario"], turns=turns, events=events)

    @staticmethod
    def get_dialogs(
        domain: str | None = None,
        task_name: str | None = None,
        happy: bool | None = None,
        multitask: bool | None = None,
    ) -> list[Dialog]:
        """Every dialog matching the filters, in id order."""
        files = sorted(
            STAR._file("dialogues").glob("*.json"),
            key=lambda p: (0, int(p.stem)) if p.stem.isdigit() else (1, p.stem),
        )
        dialogs = []
        for path in files:
            scenario = STAR.get_dialog_scenario(path.stem)
            tasks = [c["Task"] for c in scenario.get("WizardCapabilities", [])]
            if (
                (domain is None or domain in scenario.get("Domains", []))
                and (happy is None or scenario.get("Happy") == happy)
                and (multitask is None or scenario.get("MultiTask") == multitask)
                and (task_name is None or task_name in tasks)
            ):
                dialogs.append(STAR.get_dialog(path.stem))
        return dialogs

    @staticmethod
    def get_dialog_first_turn(id: int | str, speaker: str | None = None) -> Turn | None:
        """The first turn of dialog ``id`` (of ``speaker`` when given), with STAR's speaker."""
        for event in STAR.get_dialog_events(id):
            agent = event.get("Agent")
            wanted = agent == speaker or (speaker is None and agent in STAR._speakers)
            if "Text" in event and wanted:
                return Turn(speaker=agent, text=event["Text"])
        return None

    @staticmethod
    def get_dialog_task_names(id: int | str) -> list[str]:
        """The tasks the system can perform in dialog ``id``."""
        return [c["Task"] for c in STAR.get_dialog_scenario(id)["WizardCapabilities"]]

    @staticmethod
    def get_dialog_graphs(id: int | str) -> list[dict]:
        """The action graph of each task of dialog ``id``."""
        return [STAR.read_graph(t, as_dot=False) for t in STAR.get_dialog_task_names(id)]

    @staticmethod
    def get_dialog_responses(id: int | str) -> list[dict]:
        """The example responses of each task of dialog ``id``."""
        return [STAR.read_graph_responses(t, as_dict=True) for t in STAR.get_dialog_task_names(id)]

    @staticmethod
    def get_dialog_graphs_and_responses(id: int | str) -> tuple[list[dict], list[dict]]:
        """``(get_dialog_graphs(id), get_dialog_responses(id))``."""
        return STAR.get_dialog_graphs(id), STAR.get_dialog_responses(id)

    @staticmethod
    def get_dialog_user_instructions(id: int | str) -> dict[int, str]:
        """The user guide's instructions, keyed by the number of user turns before each."""
        instructions, user_turns = {}, 0
        for event in STAR.get_dialog_events(id):
            if event.get("Agent") == "UserGuide" and event.get("Action") == "instruct":
                instructions[user_turns] = event["Text"]
            elif event.get("Agent") == "User" and event.get("Action") == "utter":
                user_turns += 1
        return instructions

    # -- descriptions and agents -------------------------------------------------------------
    @staticmethod
    def get_flowchart_description_for_scenario(scenario: dict) -> str:
        """Each task's graph (DOT) and example responses, as prompt text."""
        parts = []
        for task in scenario["WizardCapabilities"]:
            name = task["Task"]
            parts.append(
                f"## {name} ({task.get('Domain', '')})\n\nAction graph:\n```dot\n"
                f"{STAR.read_graph(name)}\n```\nExample response of each action:\n```json\n"
                f"{STAR.read_graph_responses(name)}\n```\nSay them in your own words, one action "
                "per reply, and fill UPPER-CASE placeholders with concrete values."
            )
        return "\n\n".join(parts)

    @staticmethod
    def get_scenario_description(scenario: dict) -> str:
        """A natural-language description of ``scenario`` (for a dialog generator)."""
        tasks = [t["Task"] for t in scenario["WizardCapabilities"]]
        path = "follows" if scenario.get("Happy") else "does not follow"
        scope = "all of these tasks" if scenario.get("MultiTask") else f"only the task {tasks[0]}"
        return (
            f"A conversation between a User and an AI assistant (domains: "
            f"{', '.join(d for d in scenario.get('Domains', []) if d)}).\n"
            f"User instructions: {scenario.get('UserTask', '')}\n"
            f"Assistant instructions: {scenario.get('WizardTask', '')}\n\n"
            f"{STAR.get_flowchart_description_for_scenario(scenario)}\n\n"
            f"The conversation {path} the flowcharts' happy path; the user wants {scope}."
        )

    @staticmethod
    def get_dialog_scenario_description(id: int | str) -> tuple[dict, str]:
        """``(scenario, description)`` of dialog ``id``."""
        scenario = STAR.get_dialog_scenario(id)
        return scenario, STAR.get_scenario_description(scenario)

    @staticmethod
    def get_user_persona_for_scenario(scenario: dict) -> Any:
        """The user's :class:`~sdialog.personas.Persona` for ``scenario``."""
        from sdialog.personas import Persona

        tasks = [t["Task"] for t in scenario["WizardCapabilities"]]
        domains = [d for d in scenario.get("Domains", []) if d] or tasks
        scope = (
            f"You want to do all of these tasks: {', '.join(tasks)}."
            if scenario.get("MultiTask")
            else f"You only want to do this task: {tasks[0]}."
        )
        return Persona(
            role=f"a user calling an AI assistant about {', '.join(domains)}",
            circumstances=scenario.get("UserTask", ""),
            rules=scope,
        )

    @staticmethod
    def get_system_persona_for_scenario(scenario: dict) -> Any:
        """The assistant's :class:`~sdialog.personas.Persona` for ``scenario``."""
        from sdialog.personas import Persona

        return Persona(role="AI assistant", rules=scenario.get("WizardTask", ""))

    @staticmethod
    def get_agents_for_scenario(scenario: dict, model_name: Any = None) -> tuple[Any, Any]:
        """``(system, user)`` agents for ``scenario`` (the system follows the flowcharts)."""
        from sdialog.agents import Agent

        user = Agent(STAR.get_user_persona_for_scenario(scenario), name="User", model=model_name)
        system = Agent(
            STAR.get_system_persona_for_scenario(scenario),
            name="System",
            dialogue_details="Follow these action flowcharts:\n"
            + STAR.get_flowchart_description_for_scenario(scenario),
            can_finish=False,
            model=model_name,
        )
        return system, user

    @staticmethod
    def get_agents_from_dialogue(
        id: int | str, model_name: Any = None, set_first_utterance: bool = False
    ) -> tuple[Any, Any]:
        """``(system, user)`` agents for dialog ``id``'s scenario; with ``set_first_utterance``
        the system opens with the dialog's first system turn (or a greeting)."""
        system, user = STAR.get_agents_for_scenario(STAR.get_dialog_scenario(id), model_name)
        if set_first_utterance:
            first = STAR.get_dialog_first_turn(id)
            system.set_first_utterances(
                first.text if first and first.speaker == "Wizard" else "Hello, how can I help?"
            )
        return system, user

    @staticmethod
    def get_agents_from_dialogue_with_orchestration(
        id: int | str, model_name: Any = None, set_first_utterance: bool = False
    ) -> tuple[Any, Any]:
        """As :meth:`get_agents_from_dialogue`, the system guided by the first task's canned
        responses and graph, the user by the dialog's user-guide instructions."""
        from sdialog.orchestrators import InstructionListOrchestrator, SimpleResponseOrchestrator

        system, user = STAR.get_agents_from_dialogue(id, model_name, set_first_utterance)
        graphs, responses = STAR.get_dialog_graphs_and_responses(id)
        system = system | SimpleResponseOrchestrator(responses[0], graph=graphs[0])
        instructions = STAR.get_dialog_user_instructions(id)
        if instructions:
            user = user | InstructionListOrchestrator(instructions, persistent=True)
        return system, user
