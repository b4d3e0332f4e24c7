"""The persona-driven conversational agent.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> ana = Agent(name="Ana", model=ScriptedBackend(["Hi! Coffee?", "Bye! [END]"]))
    >>> ben = Agent(name="Ben", model=ScriptedBackend(["Yes, please."]))
    >>> dialog = ana.dialog_with(ben, max_turns=6, seed=1)
    >>> [str(t) for t in dialog.turns], dialog.complete
    (['Ana: Hi! Coffee?', 'Ben: Yes, please.', 'Ana: Bye!'], True)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, get_args

from sdialog.agents.compat import SDialogAgentAPI, attach
from sdialog.agents.session import END_MARKER, AgentSession, derive_seed
from sdialog.agents.tools import ToolBox
from sdialog.dialog import Dialog, Event
from sdialog.llm.base import GENERATION_PARAMS, Backend, Message

DEFAULT_RESPONSE_DETAILS = (
    "Reply with one or two short sentences, in character. Write only your own words: no name "
    "prefix, no stage directions, no narration."
)


class Agent(SDialogAgentAPI):
    """A conversational agent driven by a persona and a model.

    SDialog's methods (``get_name``, ``add_orchestrators``, ``response_lookahead``,
    ``memory_dump``, ``base_model`` ...) come from :class:`~sdialog.agents.compat.SDialogAgentAPI`.

    Args:
        persona: a persona object (anything with ``prompt()``/``json()``), a dict, or text.
        name: the speaker name (default: the persona's ``name``, else ``"Agent"``).
        context: the shared setting (a ``Context``, anything with ``prompt()``, or text).
        first_utterance: what the agent says first when it opens a dialog (a string, or a list
            to pick from with the dialog's seed), without calling the model.
        dialogue_details: extra instructions about the conversation.
        response_details: how to reply (length, style).
        example_dialogs: dialogs (or texts) shown in the system prompt as examples.
        tools: Python functions the agent may call (see :mod:`sdialog.agents.tools`).
        think: ask for reasoning inside ``<think></think>``; it is kept as ``think`` events.
        can_finish: the agent may end the conversation by writing ``[END]``.
        orchestrators: orchestrators consulted before every reply.
        inspectors: :class:`sdialog.interpretability.Inspector` objects that capture/steer this
            agent's own generation calls (local models only); also ``agent | inspector``.
        preprocessing_fn: applied once to every incoming utterance.
        postprocess_fn: applied once to every reply.
        system_prompt: use this instead of the persona template.
        model: a model string, a backend, or an object with a LangChain-style ``invoke(messages)``
            (default: ``sdialog.config``'s model).
        prompt_style: ``"chat"`` or ``"transcript"`` (local models without tools: the
            conversation as ``Name: text`` lines; see :data:`PROMPT_STYLES`).
        **llm_kwargs: generation parameters (``temperature``, ``max_tokens`` ...), sent with every
            call; anything else (``api_base``, ``api_key``, ``max_retries``, ``device`` ...)
            configures the backend made from ``model``.
    """

    def __init__(
        self,
        persona: Any = None,
        name: str | None = None,
        context: Any = None,
        first_utterance: str | Sequence[str] | None = None,
        dialogue_details: str = "",
        response_details: str = DEFAULT_RESPONSE_DETAILS,
        example_dialogs: Sequence[Any] | None = None,
        tools: Sequence[Callable[..., Any]] | None = None,
        think: bool = False,
        can_finish: bool = True,
        orchestrators: Any = None,
        inspectors: Any = None,
        preprocessing_fn: Callable[[str], str] | None = None,
        postprocess_fn: Callable[[str], str] | None = None,
        system_prompt: str | None = None,
        model: Any = None,
        prompt_style: PromptStyle = "chat",
        **llm_kwargs: Any,
    ):
        from sdialog.llm import get_backend

        if prompt_style not in PROMPT_STYLES:
            raise ValueError(f"prompt_style must be one of {PROMPT_STYLES}; got {prompt_style!r}")

        self.persona = persona
        self.name = name or persona_field(persona, "name") or "Agent"
        self.context = context
        self.first_utterance = first_utterance
        self.dialogue_details = dialogue_details
        self.response_details = response_details
        self.example_dialogs = list(example_dialogs or [])
        self.toolbox = ToolBox(tools)
        self.think = think
        self.can_finish = can_finish
        self.orchestrators: list[Any] = _as_orchestrator_list(orchestrators)
        for orchestrator in self.orchestrators:
            attach(orchestrator, self)
        self.preprocessing_fn = preprocessing_fn
        self.postprocess_fn = postprocess_fn
        self.system_prompt = system_prompt
        self.prompt_style = prompt_style
        self.llm_kwargs = dict(llm_kwargs)
        connection = {k: v for k, v in llm_kwargs.items() if k not in GENERATION_PARAMS}
        self.backend: Backend = get_backend(model, **connection)
        self.inspectors: list[Any] = _as_inspector_list(inspectors, self.backend)
        self._session = AgentSession(self, seed=self._default_seed())
        self._dialogs_started = 0  # dialog_with calls without a seed (each gets its own)

    # -- prompts -------------------------------------------------------------------------------
    def system_prompt_for(self, other_name: str = "the user", other: Agent | None = None) -> str:
        """The system prompt this agent uses when talking with ``other_name`` (the speaker label
        of ``other``, the other agent, when it is given: its name and role go in the prompt)."""
        if self.system_prompt is not None:
            return self.system_prompt
        from sdialog.prompts import render

        name, role = speaker_identity(self.persona, self.name)
        other_text = other_name if other is None else speaker_text(other.persona, other_name)
        return render(
            "agent_system.j2",
            # the persona's own name in the prompt; the speaker label may be a role ("Customer")
            name=name,
            role=role,
            other_name=other_name,
            other=other_text,
            persona=_describe(self.persona, skip=("name", "role")),
            context=_describe(self.context),
            dialogue_details=self.dialogue_details,
            response_details=self.response_details,
            can_finish=self.can_finish,
            end_marker=END_MARKER,
            think=self.think,
            example_dialogs=[_describe(d) for d in self.example_dialogs],
        )

    def transcript_header_for(self, other_name: str, other: Agent | None = None) -> str:
        """The opening of this agent's prompt in ``prompt_style="transcript"``: who talks, the
        setting, its part and persona, in the third person (the transcript lines follow).

        Example:
            >>> a = Agent(name="Noah", dialogue_details="Feel.", model="scripted:x")
            >>> print(a.transcript_header_for("Doctor"))
            The following is a conversation between Noah and Doctor.
            Noah's part: Feel.
        """
        from sdialog.prompts import render

        name, role = speaker_identity(self.persona, self.name)
        other_text = other_name if other is None else speaker_text(other.persona, other_name)
        persona = _describe(self.persona, skip=("name", "role"))
        return render(
            "agent_transcript.j2",
            name=name,
            role=role,
            other=other_text,
            context=_describe(self.context).replace("\n", "; "),
            dialogue_details=self.dialogue_details,
            persona="; ".join(line for line in persona.splitlines() if line.strip()),
            example_dialogs=[_describe(d) for d in self.example_dialogs],
        ).strip()

    def prompt(self) -> str:
        """The system prompt of the current conversation."""
        return self._session.system_prompt()

    def call_params(self, name: str, other_name: str) -> dict[str, Any]:
        """Generation parameters of one reply: the agent's ``llm_kwargs`` (the seed excepted:
        every turn derives its own) plus stop strings that keep the model to its own lines."""
        params = {
            k: v for k, v in self.llm_kwargs.items() if k in GENERATION_PARAMS and k != "seed"
        }
        stops = [f"\n{other_name}:", f"{other_name}:", f"\n{name}:"]
        user_stop = params.pop("stop", None)
        if user_stop:
            stops += [user_stop] if isinstance(user_stop, str) else list(user_stop)
        params["stop"] = stops
        if self.inspectors:  # scoped to this agent's own calls (never cached, never shared)
            params["hooks"] = list(self.inspectors)
        return params

    # -- state ---------------------------------------------------------------------------------
    @property
    def memory(self) -> list[Message]:
        """The messages of the current conversation (a copy; each reads as a dict and as an
        object: ``m["content"]`` or ``m.content``)."""
        return self.memory_dump()

    def reset(
        self,
        seed: int | None = None,
        context: Any = None,
        example_dialogs: Sequence[Any] | None = None,
    ) -> None:
        """Forget the conversation, reset orchestrators, and set the seed of the next replies.

        ``context`` / ``example_dialogs``, when given, replace the agent's own from now on.
        """
        if context is not None:
            self.context = context
        if example_dialogs is not None:
            self.example_dialogs = list(example_dialogs)
        self._session = AgentSession(self, seed=self._default_seed() if seed is None else seed)

    def instruct(self, instruction: str, persist: bool = False) -> None:
        """Give the agent an instruction for its next reply (``persist=True``: for the rest of
        the conversation)."""
        self._session.add_instruction(instruction, persist)

    def session(
        self, seed: int, other_name: str, name: str | None = None, other: Agent | None = None
    ) -> AgentSession:
        """A fresh per-dialog session (used by the simulation engine); ``name`` is the speaker
        label in that dialog (default: the agent's name), ``other`` the agent it talks with."""
        return AgentSession(self, seed=seed, other_name=other_name, name=name, other=other)

    def _default_seed(self) -> int:
        from sdialog import config

        return int(self.llm_kwargs.get("seed") or config.get_seed())

    # -- talking -------------------------------------------------------------------------------
    def __call__(
        self, utterance: str | Sequence[Message] | None = None, return_events: bool = False
    ) -> str | list[Event]:
        """Reply to ``utterance`` and remember the exchange.

        A list of messages is answered statelessly: memory is untouched and the list is not
        modified.
        """
        from sdialog.simulation import run_turns

        if isinstance(utterance, (list, tuple)):
            session = AgentSession(self, seed=self._session.seed)
            session.memory.extend(dict(m) for m in utterance)
            outcome = run_turns([(session, None)])[0]
        else:
            outcome = run_turns([(self._session, utterance)])[0]
        return outcome.events if return_events else outcome.text

    def dialog_with(
        self,
        other: Agent,
        context: Any = None,
        scenario: Any = None,
        max_turns: int = 100,
        seed: int | None = None,
        id: str | None = None,
        parent_id: str | None = None,
        notes: str | None = None,
        example_dialogs: Sequence[Any] | None = None,
        keep_bar: bool = True,
    ) -> Dialog:
        """Hold a conversation with ``other`` (this agent speaks first) and return the Dialog.

        Without ``seed``, the first dialog uses the agent's seed (its ``seed`` parameter, else
        ``sdialog.config.get_seed()``) and each later one a seed derived from it, so a script
        is reproducible and its dialogs differ.
        ``max_turns`` is exact: the dialog has at most that many turns; ``dialog.complete`` is
        True when an agent ended it, False when ``max_turns`` cut it. ``context`` and
        ``example_dialogs``, when given, are what both agents are told for this dialog (as in
        SDialog); ``keep_bar`` is accepted for SDialog code (no progress bar is shown).
        """
        from sdialog.simulation import DialogRun, DialogSpec, drive

        first, second = self, other
        if context is not None or example_dialogs is not None:
            first, second = copy.copy(self), copy.copy(other)
            for agent in (first, second):
                agent.context = context if context is not None else agent.context
                if example_dialogs is not None:
                    agent.example_dialogs = list(example_dialogs)
        if seed is None:  # reproducible, yet successive dialogs differ (not the same seed again)
            seed = self._default_seed()
            if self._dialogs_started:
                seed = derive_seed(seed, "dialog", self._dialogs_started)
        self._dialogs_started += 1
        spec = DialogSpec(
            first=first,
            second=second,
            seed=seed,
            max_turns=max_turns,
            context=context,
            scenario=scenario,
            id=id,
            parent_id=parent_id,
            notes=notes,
        )
        run = DialogRun(spec)
        dialog = drive([run.steps()])[0]
        # like a person after a conversation, each agent remembers it
        self._session, other._session = run.sessions
        return dialog

    talk_with = dialog_with

    def serve(
        self, host: str = "127.0.0.1", port: int = 1333, block: bool = True, **options: Any
    ) -> Any:
        """Serve this agent over HTTP (OpenAI- and Ollama-compatible; model id = its name).

        Blocks until interrupted; ``block=False`` returns the started
        :class:`~sdialog.server.Server` (call ``.stop()``). ``options`` go to the Server
        (``api_key``, ``stateful`` ...). See docs/server.md.
        """
        from sdialog.server import Server

        server = Server(self, host=host, port=port, **options)
        if not block:
            return server.start()
        server.run()
        return server

    # -- composition ---------------------------------------------------------------------------
    def __or__(self, other: Any) -> Agent:
        """``agent | orchestrator``, ``agent | inspector`` or ``agent | [x, y]``: a copy of the
        agent with them added (the inspectors are shared, not copied: they collect its replies)."""
        items = list(other) if isinstance(other, (list, tuple)) else [other]
        inspectors = [x for x in items if _is_inspector(x)]
        added = _as_orchestrator_list([x for x in items if not _is_inspector(x)])
        clone = copy.copy(self)
        for orchestrator in added:
            attach(orchestrator, clone)
        clone.orchestrators = [*self.orchestrators, *added]
        clone.inspectors = [*self.inspectors, *_as_inspector_list(inspectors, self.backend)]
        clone._session = AgentSession(clone, seed=self._session.seed)
        return clone

    def json(self, string: bool = False, indent: int | None = 2) -> dict[str, Any] | str:
        """The agent's configuration (persona, model provenance, tools, orchestrators)."""
        data = {
            "name": self.name,
            "persona": _to_json(self.persona),
            "context": _to_json(self.context),
            "model": self.backend.provenance(),
            "tools": [spec["function"]["name"] for spec in self.toolbox.specs],
            "orchestrators": [
                o.json() if hasattr(o, "json") else repr(o) for o in self.orchestrators
            ],
            "can_finish": self.can_finish,
            "think": self.think,
        }
        return json.dumps(data, indent=indent, default=str) if string else data

    def __repr__(self) -> str:
        return f"Agent(name={self.name!r}, model={self.backend.model!r})"


def _as_orchestrator_list(value: Any) -> list[Any]:
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not (hasattr(item, "instruct") and hasattr(item, "fork")):
            raise TypeError(
                f"expected an orchestrator (with instruct() and fork()), got {type(item).__name__}"
            )
    return items


def _is_inspector(item: Any) -> bool:
    return callable(getattr(item, "generation", None)) and hasattr(item, "steerers")


def _as_inspector_list(value: Any, backend: Backend) -> list[Any]:
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not _is_inspector(item):
            raise TypeError(f"expected an Inspector, got {type(item).__name__}")
    if items and backend.kind != "local":
        raise ValueError(
            f"inspectors need a local model (huggingface:... or the embedded default); "
            f"this agent uses {backend.model!r} ({backend.kind})"
        )
    return items


PromptStyle = Literal["chat", "transcript"]
PROMPT_STYLES: tuple[str, ...] = get_args(PromptStyle)
"""How a local model is prompted: ``"chat"`` (system prompt and chat turns through the model's
chat template) or ``"transcript"`` (a third-person description and the conversation as
``Name: text`` lines, continued after ``Own name:`` and stopped at the line's end). Small models
keep their role far better in a transcript; remote models and agents with tools always chat."""


def speaker_identity(persona: Any, label: str) -> tuple[str, str | None]:
    """``(name, role)`` of a speaker for a prompt: the persona's name and role; a speaker label
    that is not the name is the role ("Patient" for Noah: "the patient").

    Example:
        >>> speaker_identity({"name": "Noah", "age": 66}, "Patient")
        ('Noah', 'the patient')
        >>> speaker_identity({"name": "Sam", "role": "support agent"}, "Agent")
        ('Sam', 'support agent')
    """
    name = persona_field(persona, "name") or label
    role = persona_field(persona, "role")
    if not role and label and label != name:
        role = f"the {label.lower()}" if label.replace(" ", "").isalpha() else label
    return str(name), role


def speaker_text(persona: Any, label: str) -> str:
    """A speaker as a prompt names them: the name, then the role when there is one.

    Example:
        >>> speaker_text({"name": "Noah"}, "Patient")
        'Noah, the patient'
    """
    return ", ".join(filter(None, speaker_identity(persona, label)))


def persona_field(persona: Any, field: str) -> Any:
    """A field of a persona object or dict (``None`` when absent)."""
    if isinstance(persona, Mapping):
        return persona.get(field)
    return getattr(persona, field, None) if persona is not None else None


def _describe(value: Any, skip: Sequence[str] = ()) -> str:
    """Short prompt text for a persona, context or example dialog."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(
            f"{k}: {v}"
            for k, v in value.items()
            if v not in (None, "", []) and k not in skip and not k.startswith("_")
        )
    if isinstance(value, Dialog):
        return value.description()
    if hasattr(value, "prompt"):
        try:
            return str(value.prompt(exclude=skip))  # personas can leave out what we already said
        except TypeError:
            return str(value.prompt())
    return str(value)


def _to_json(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "json"):
        return value.json()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)
