"""One agent's state inside one dialog, and its turn as a generator of backend requests.

A turn yields :class:`Request` objects and receives :class:`~sdialog.llm.Completion` objects, so
the simulation engine can drive many dialogs in lock-step and send all their pending requests to
the backend together. ``Agent.__call__`` and ``Agent.dialog_with`` are the N=1 case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdialog.dialog import Dialog, Event, Instruction, Turn
from sdialog.llm.base import Backend, BackendError, Completion, Message

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.agents.agent import Agent

END_MARKER = "[END]"
"""The explicit end-of-conversation marker an agent writes to end the dialog."""

END_ON_GOODBYE = True
"""A reply whose last words are a farewell ("Goodbye!", "Take care.") ends the dialog too, from
the fourth turn on: small models say goodbye as asked but often forget the marker."""

_GOODBYE = re.compile(
    r"\b(good ?bye|bye( now)?|take care|see you( soon| later| next time)?|"
    r"have a (nice|good|great|lovely) (day|evening|night|week))\b[^.!?]{0,12}[.!?]*\s*$",
    re.I,
)

TURN_REMINDER = True
"""Before every reply of a local model, a one-line system note says whose words come next (a 135M
model otherwise drifts into the other speaker's role or a helpful assistant's voice). Remote
models and model objects get the conversation as it is (some APIs refuse a trailing system
message)."""

MAX_TOOL_ROUNDS = 4
"""Tool calls an agent may make in one turn before it must answer in words."""

MAX_ATTEMPTS = 3
"""Tries for a usable reply (non-empty, not a verbatim repeat, no leaked prompt)."""

RETRY_TEMPERATURE = 0.7
"""Lowest temperature of a retry (after an empty, repeated or leaking reply)."""

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.S | re.I)


@dataclass
class Request:
    """One pending model call of one dialog."""

    backend: Backend
    messages: list[Message]
    params: dict[str, Any]
    seed: int
    tools: list[dict[str, Any]] | None = None


class UnusableReplyError(BackendError):
    """Every try at a turn gave an empty reply: the dialog fails (and is recorded as a failure by
    corpus runs) instead of being written with empty turns."""


@dataclass
class TurnOutcome:
    """What an agent said in one turn, what happened meanwhile, and whether it ended the dialog.

    ``metadata`` goes on the turn: ``finish_reason="length"`` when ``max_tokens`` cut the reply,
    ``unusable="repeated"`` or ``"leaked_prompt"`` when every try was unusable that way and the
    last one was kept.
    """

    text: str
    events: list[Event] = field(default_factory=list)
    finished: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


def derive_seed(seed: int, *parts: Any) -> int:
    """A 31-bit seed derived from ``seed`` and ``parts`` (stable across runs and batch layouts).

    Example:
        >>> derive_seed(13, "Ana", 2) == derive_seed(13, "Ana", 2) != derive_seed(13, "Ana", 3)
        True
    """
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class AgentSession:
    """The agent's memory and per-dialog helpers (forked orchestrators, seed) for one dialog.

    Args:
        agent: the (shared, stateless) agent configuration.
        seed: the dialog's seed; every turn derives its own seed from it.
        other_name: the name of the other speaker (for the prompt and stop strings).
    """

    def __init__(
        self,
        agent: Agent,
        seed: int,
        other_name: str = "the user",
        name: str | None = None,
        other: Agent | None = None,
    ):
        self.agent = agent
        self.name = name or agent.name
        self.seed = seed
        self.other_name = other_name
        self.orchestrators = [
            o.fork(derive_seed(seed, self.name, "orch", i))
            for i, o in enumerate(agent.orchestrators)
        ]
        for orchestrator in self.orchestrators:  # each fork knows whose turns it orchestrates
            if getattr(orchestrator, "target_speaker", None) is None:
                orchestrator.target_speaker = self.name
            if hasattr(orchestrator, "agent_response_lookahead"):  # ... and its conversation
                orchestrator._owner_session = self
        system = agent.system_prompt_for(other_name, other=other)
        own_template = system and agent.system_prompt is None  # not a prompt of the user's own
        self.reminder = _reminder(agent, self.name, other_name, other) if own_template else ""
        # labels a small model writes before a line: "Noah:", "Patient:", "Dr. Lee:", "Doctor:"
        from sdialog.agents.agent import DEFAULT_RESPONSE_DETAILS, persona_field

        labels = {self.name, other_name, persona_field(agent.persona, "name")}
        if other is not None:
            labels.add(persona_field(other.persona, "name"))
        names = "|".join(re.escape(str(x)) for x in sorted(labels - {None, ""}, key=len)[::-1])
        self._label = re.compile(rf"^\s*(?:{names})\s*:\s*") if names else None
        # the default asks for one or two short sentences: longer replies are cut to two
        self.max_sentences = 2 if agent.response_details == DEFAULT_RESPONSE_DETAILS else None
        self.memory: list[Message] = [{"role": "system", "content": system}] if system else []
        self.transcript_header = ""
        if agent.prompt_style == "transcript" and own_template and not agent.toolbox:
            from sdialog.agents.agent import speaker_identity

            self.transcript_header = agent.transcript_header_for(other_name, other)
            self._names = (
                speaker_identity(agent.persona, self.name)[0],
                speaker_identity(other.persona, other_name)[0] if other else other_name,
            )
            if self._names[1].startswith("the "):  # "the user" (no other agent): "User: ..."
                self._names = (self._names[0], self._names[1][4:].capitalize())
        self.pending_instructions: list[str] = []
        self.turns_taken = 0

    # -- memory --------------------------------------------------------------------------------
    def hear(self, utterance: str) -> None:
        """Add the other speaker's utterance (pre-processed once) to memory."""
        if self.agent.preprocessing_fn is not None:
            utterance = self.agent.preprocessing_fn(utterance)
        self.memory.append({"role": "user", "content": utterance})

    def say(self, text: str) -> None:
        self.memory.append({"role": "assistant", "content": text})
        self.turns_taken += 1

    def add_instruction(self, text: str, persist: bool) -> bool:
        """Add an instruction; persistent ones stay in memory once (no duplicate pile-up).

        Returns False when a persistent instruction was already in memory.
        """
        if persist:
            message = {"role": "system", "content": text}
            if message in self.memory:
                return False
            self.memory.append(message)
        else:
            self.pending_instructions.append(text)
        return True

    # -- one turn ------------------------------------------------------------------------------
    def turn(
        self, dialog: Dialog | None, utterance: str | None, turn_index: int
    ) -> Generator[Request, Completion, TurnOutcome]:
        """Write this agent's next reply (orchestration, tool loop, retries) as a request generator.

        ``dialog`` is the dialog so far (the simulation's); ``None`` means this session's own
        conversation, read from memory after hearing ``utterance``.
        """
        agent = self.agent
        events: list[Event] = []
        if utterance is not None:
            self.hear(utterance)
        if dialog is None:
            dialog = self.transcript()
        for orchestrator in self.orchestrators:
            self._apply(orchestrator.instruct(dialog, utterance), orchestrator, events)

        scratch: list[Message] = []  # tool traffic of this turn, kept in memory afterwards
        text, finished, reasoning = "", False, None
        for attempt in range(MAX_ATTEMPTS):
            seed = derive_seed(self.seed, self.name, turn_index, attempt)
            completion, final_text = yield from self._tool_loop(
                dialog, scratch, events, seed, retry=attempt > 0
            )
            reasoning = completion.reasoning
            raw = final_text if final_text is not None else completion.text
            if final_text is None and completion.finish_reason == "length":
                raw = _whole_sentences(raw)  # the token budget cut it mid-sentence
            text, think, finished = self._clean(raw)
            if END_ON_GOODBYE and turn_index >= 3 and _GOODBYE.search(text):
                finished = True
            if think or reasoning:
                events.append(Event(agent=self.name, action="think", content=think or reasoning))
            if agent.postprocess_fn is not None:
                text = agent.postprocess_fn(text)
            problem = None if final_text is not None else self._problem(text, dialog)
            if problem is None:
                break
            if attempt < MAX_ATTEMPTS - 1:
                _forget_captures(completion, agent.inspectors)  # only the kept reply is captured
        if problem == "empty":
            raise UnusableReplyError(
                f"{self.name} gave an empty reply in all {MAX_ATTEMPTS} tries (turn {turn_index})"
            )
        metadata: dict[str, Any] = {"unusable": problem} if problem else {}
        if final_text is None and completion.finish_reason == "length":
            metadata["finish_reason"] = "length"  # max_tokens cut it (trimmed to whole sentences)
        self.pending_instructions.clear()
        self.memory.extend(scratch)
        self.say(text)
        # interpretability monitors' per-reply scores (local models) travel on the utter event
        notes = getattr(completion, "annotations", None)
        monitors = notes.get("monitors") if isinstance(notes, dict) else None
        extra = {"monitors": monitors} if isinstance(monitors, dict) and monitors else {}
        events.append(Event(agent=self.name, action="utter", content=text, **extra, **metadata))
        return TurnOutcome(
            text=text, events=events, finished=finished and agent.can_finish, metadata=metadata
        )

    def _tool_loop(
        self,
        dialog: Dialog,
        scratch: list[Message],
        events: list[Event],
        seed: int,
        retry: bool = False,
    ) -> Generator[Request, Completion, tuple[Completion, str | None]]:
        agent = self.agent
        params = agent.call_params(self.name, self.other_name)
        if self._transcript():
            params["prompt_format"] = "text"
            params["stop"] = [*params.get("stop", []), "\n"]
        if retry and float(params.get("temperature") or 0) < RETRY_TEMPERATURE:
            # greedy decoding would write the unusable reply again: a new seed changes nothing
            params["temperature"] = RETRY_TEMPERATURE
        for round_index in range(MAX_TOOL_ROUNDS + 1):
            tools = agent.toolbox.specs if agent.toolbox and round_index < MAX_TOOL_ROUNDS else None
            completion = yield Request(
                backend=agent.backend,
                messages=self._messages(scratch),
                params=params,
                seed=derive_seed(seed, "tools", round_index) if round_index else seed,
                tools=tools,
            )
            if not completion.tool_calls:
                return completion, None
            scratch.append(_assistant_tool_message(completion))
            for call in completion.tool_calls:
                call_event = Event(
                    agent=self.name,
                    action="tool",
                    actionLabel="call",
                    content={"name": call.name, "args": call.arguments, "id": call.id},
                )
                result = agent.toolbox.run(call.name, call.arguments, call.id)
                output_event = Event(
                    agent=self.name,
                    action="tool",
                    actionLabel="output",
                    content=result.event_content(),
                )
                events.extend([call_event, output_event])
                scratch.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.id,
                        "name": call.name,
                        "content": result.message_text(),
                    }
                )
                for event in (call_event, output_event):
                    for orchestrator in self.orchestrators:
                        self._apply(orchestrator.on_event(dialog, event), orchestrator, events)
                if result.final and result.error is None:
                    return completion, result.message_text()
        return completion, None

    def transcript(self) -> Dialog:
        """The conversation in memory as a Dialog (the other speaker's and this agent's turns)."""
        roles = {"user": self.other_name, "assistant": self.name}
        return Dialog(
            turns=[
                Turn(speaker=roles[m["role"]], text=m["content"])
                for m in self.memory
                if m["role"] in roles and isinstance(m.get("content"), str)
            ]
        )

    # -- helpers -------------------------------------------------------------------------------
    def _transcript(self) -> bool:
        return bool(self.transcript_header) and self.agent.backend.kind == "local"

    def _transcript_prompt(self) -> list[Message]:
        """The whole conversation as one text to continue: header, ``Name: text`` lines, notes
        (instructions) in brackets, and ``Own name:`` (``prompt_format="text"``)."""
        own, other = self._names
        lines = [self.transcript_header, ""]
        for message in self.memory[1:]:
            content = message.get("content")
            if not isinstance(content, str):
                continue
            if message["role"] == "user":
                lines.append(f"{other}: {content}")
            elif message["role"] == "assistant":
                lines.append(f"{own}: {content}")
            elif message["role"] == "system":
                lines.append(f"({content})")
        lines += [f"({text})" for text in self.pending_instructions]
        lines.append(f"{own}:")
        return [{"role": "system", "content": "\n".join(lines)}]

    def _messages(self, scratch: list[Message]) -> list[Message]:
        if self._transcript():
            return self._transcript_prompt()
        messages = [dict(m) for m in self.memory]
        if len(messages) == (1 if self.system_prompt() else 0):
            # nobody has spoken yet: a small cue lets chat models open the conversation
            from sdialog.prompts import render

            messages.append(
                {"role": "user", "content": render("agent_start.j2", other_name=self.other_name)}
            )
        messages.extend({"role": "system", "content": text} for text in self.pending_instructions)
        if self.reminder and TURN_REMINDER and self.agent.backend.kind == "local":
            messages.append({"role": "system", "content": self.reminder})
        messages.extend(scratch)
        return messages

    def _apply(
        self, result: str | Instruction | None, orchestrator: Any, events: list[Event]
    ) -> None:
        if not result:
            return
        instruction = result if isinstance(result, Instruction) else Instruction(text=str(result))
        persist = bool(getattr(orchestrator, "persistent", False))
        if self.add_instruction(instruction.text, persist):
            events.extend(instruction.event_list)
            events.append(
                Event(
                    agent=_event_label(orchestrator),
                    action="instruct-persist" if persist else "instruct",
                    content=instruction.text,
                )
            )

    def _clean(self, raw: str) -> tuple[str, str | None, bool]:
        """Split off reasoning and the end marker; drop a leading 'Name:' the model may write."""
        think = None
        match = _THINK.search(raw)
        if match:
            think = match.group(1).strip() or None
            raw = raw[: match.start()] + raw[match.end() :]
        finished = END_MARKER in raw
        text = raw.replace(END_MARKER, " ") if finished else raw
        if self._label is not None:
            text = self._label.sub("", text)
        if self.max_sentences and self.agent.postprocess_fn is None:
            text = _STAGE_DIRECTION.sub(" ", text)  # "(smiling)", "*nods*", "[laughs]"
            text = _first_sentences(" ".join(text.split()), self.max_sentences)
        return " ".join(text.split()), think, finished

    def _problem(self, text: str, dialog: Dialog) -> str | None:
        """Why a reply is unusable: ``"empty"``, ``"repeated"`` (verbatim an earlier turn),
        ``"leaked_prompt"`` (copies a system-prompt line); ``None`` when it is usable."""
        if not text.strip():
            return "empty"
        if any(turn.text == text for turn in dialog.turns):
            return "repeated"
        lines = self.system_prompt().splitlines()
        return "leaked_prompt" if any(len(line) > 30 and line in text for line in lines) else None

    def system_prompt(self) -> str:
        """This session's system prompt ("" when the agent has none)."""
        first = self.memory[0] if self.memory else None
        return first["content"] if first and first["role"] == "system" else ""


def _event_label(orchestrator: Any) -> str:
    """The agent name of an orchestrator's events (SDialog's ``get_event_label()``)."""
    label = getattr(orchestrator, "get_event_label", None)
    if callable(label):
        return label()
    return getattr(orchestrator, "name", type(orchestrator).__name__)


def _forget_captures(completion: Completion, inspectors: list[Any]) -> None:
    """Drop what ``inspectors`` captured of a rejected reply (hooks list the ids of the responses
    they captured for a row in ``completion.annotations["captured"]``)."""
    notes = getattr(completion, "annotations", None)
    captured = set(notes.get("captured") or ()) if isinstance(notes, dict) else set()
    for inspector in inspectors if captured else ():
        responses = getattr(inspector, "responses", None)
        if isinstance(responses, list):
            responses[:] = [r for r in responses if id(r) not in captured]


def _reminder(agent: Agent, name: str, other_name: str, other: Agent | None) -> str:
    from sdialog.agents.agent import speaker_identity, speaker_text
    from sdialog.prompts import render

    own_name, role = speaker_identity(agent.persona, name)
    other_text = other_name if other is None else speaker_text(other.persona, other_name)
    return render("agent_turn.j2", name=own_name, role=role, other=other_text)


_STAGE_DIRECTION = re.compile(
    r"\([A-Za-z][A-Za-z ,'-]{0,40}\)|\*[A-Za-z][A-Za-z ,'-]{0,40}\*|\[[A-Za-z][A-Za-z ,'-]{0,40}\]"
)
_SENTENCE_END = re.compile(r"(?<!\bDr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)[.!?…]+[\"')\]]*(?=\s|$)")


def _first_sentences(text: str, count: int) -> str:
    """The first ``count`` sentences of ``text`` (all of it when it has no more).

    Example:
        >>> _first_sentences("Hi Dr. Lee. I sleep badly! It hurts. Also my knee.", 2)
        'Hi Dr. Lee. I sleep badly!'
    """
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[count - 1]] if len(ends) > count else text


def _whole_sentences(text: str) -> str:
    """Drop a trailing sentence fragment (keep the text if it has no complete sentence).

    Example:
        >>> _whole_sentences("Sure, come in. We have fresh croissants and")
        'Sure, come in.'
    """
    end = max(text.rfind(mark) for mark in (".", "!", "?", "…"))
    return text[: end + 1] if end > 0 else text


def _assistant_tool_message(completion: Completion) -> Message:
    import json

    return {
        "role": "assistant",
        "content": completion.text or None,
        "tool_calls": [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in completion.tool_calls
        ],
    }
