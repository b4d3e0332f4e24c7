""":class:`PersonaDialogGenerator`: a dialog between two personas (one model writes it) or two
Agents (a real multi-agent simulation).

Example:
    >>> from sdialog.llm import ScriptedBackend
    >>> reply = {"turns": [{"speaker": "Ana", "text": "Hi!"}, {"speaker": "Ben", "text": "Hi."}]}
    >>> llm = ScriptedBackend([reply])
    >>> gen = PersonaDialogGenerator({"name": "Ana"}, {"name": "Ben"}, model=llm)
    >>> gen(seed=1).get_speakers()
    ['Ana', 'Ben']
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sdialog.dialog import Dialog
from sdialog.generators.dialog_generator import DialogGenerator, _ids

__all__ = ["PersonaDialogGenerator"]


class PersonaDialogGenerator(DialogGenerator):
    """A dialog between two personas — or, given two Agents, a real multi-agent simulation.

    With personas (persona objects, dicts or text) one model writes the whole dialog, conditioned
    on both personas (a :class:`DialogGenerator`). With two :class:`~sdialog.agents.Agent`
    objects, they talk turn by turn (``persona_a``'s agent opens), batched in lock-step when
    ``n > 1``. ``response_details`` (style instructions for every turn) is added to the
    dialogue details.

    Example:
        >>> from sdialog.agents import Agent
        >>> from sdialog.llm import ScriptedBackend
        >>> a = Agent(name="A", model=ScriptedBackend(lambda m: f"a{len(m)}"))
        >>> b = Agent(name="B", model=ScriptedBackend(lambda m: f"b{len(m)}"))
        >>> PersonaDialogGenerator(a, b, max_turns=3).generate(seed=1).get_speakers()
        ['A', 'B']
    """

    def __init__(
        self,
        persona_a: Any,
        persona_b: Any,
        speaker_a: str | None = None,
        speaker_b: str | None = None,
        context: Any = None,
        dialogue_details: str = "",
        model: Any = None,
        max_turns: int | None = None,
        response_details: str = "",
        **kwargs: Any,
    ):
        from sdialog.agents import Agent
        from sdialog.agents.agent import persona_field

        self.agents: tuple[Agent, Agent] | None = None
        if isinstance(persona_a, Agent) and isinstance(persona_b, Agent):
            self.agents = (persona_a, persona_b)
            self.context = context
            self.example_dialogs = kwargs.pop("example_dialogs", None)
            self.scenario = kwargs.pop("scenario", None)
            self.simulation_turns = max_turns or 10
            return
        if isinstance(persona_a, Agent) or isinstance(persona_b, Agent):
            raise TypeError("give two Agents (a simulation) or two personas, not one of each")
        speaker_a = speaker_a or persona_field(persona_a, "name") or "A"
        speaker_b = speaker_b or persona_field(persona_b, "name") or "B"
        if speaker_a == speaker_b:
            speaker_b = f"{speaker_b} (2)"
        details = dialogue_details or f"A conversation between {speaker_a} and {speaker_b}."
        if response_details:  # SDialog's style instructions for every turn
            details = f"{details}\n\nEach turn: {response_details.strip()}"
        super().__init__(
            details,
            context=context,
            personas={speaker_a: persona_a, speaker_b: persona_b},
            model=model,
            max_turns=max_turns,
            **kwargs,
        )

    def generate(
        self,
        seed: int | None = None,
        id: str | Sequence[str] | None = None,
        parent_id: str | None = None,
        notes: str | None = None,
        n: int = 1,
        **overrides: Any,
    ) -> Dialog | list[Dialog]:
        """One dialog (``n=1``) or ``n`` dialogs; see :class:`DialogGenerator.generate` for the
        per-call overrides (``context=``, ``example_dialogs=``, ``scenario=``, ``max_turns=``,
        ...). With two Agents, ``context`` and ``example_dialogs`` are what both agents are
        told for this call, and ``max_turns`` bounds the simulation exactly."""
        if self.agents is None:
            return super().generate(
                seed=seed, id=id, parent_id=parent_id, notes=notes, n=n, **overrides
            )
        from sdialog.config import resolve_seed
        from sdialog.simulation import DialogSpec, simulate_dialogs

        unknown = set(overrides) - {"context", "example_dialogs", "scenario", "max_turns"}
        if unknown:
            raise TypeError(
                f"with two Agents, generate() takes no {', '.join(sorted(unknown))} "
                "(the agents' own settings apply)"
            )
        context = overrides.get("context")
        examples = overrides.get("example_dialogs") or self.example_dialogs
        scenario = overrides.get("scenario") or self.scenario
        agents = self.agents
        if context is not None or examples is not None:  # told to both, for this call only
            agents = tuple(copy.copy(agent) for agent in agents)
            for agent in agents:
                if context is not None:
                    agent.context = context
                if examples is not None:
                    agent.example_dialogs = list(examples)
        base = resolve_seed(seed)
        ids = _ids(id, n)
        specs = [
            DialogSpec(
                *agents,
                seed=base + i,
                max_turns=overrides.get("max_turns") or self.simulation_turns,
                context=context if context is not None else self.context,
                scenario=scenario,
                id=ids[i],
                parent_id=parent_id,
                notes=notes,
            )
            for i in range(n)
        ]
        dialogs = simulate_dialogs(specs)
        return dialogs[0] if n == 1 else dialogs

    __call__ = generate
