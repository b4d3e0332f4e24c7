"""How a served agent answers a request: a fresh session per request (stateless) or a remembered
one per conversation (stateful), with concurrent requests micro-batched into one ``drive`` call.

Every request gets its own :class:`~sdialog.agents.session.AgentSession` built from a shallow
copy of the agent carrying the request's generation parameters, so concurrent requests never
share mutable state. Requests that arrive within ``batch_window_ms`` of each other go to the
simulation engine together: rows with equal parameters become one ``complete_batch`` call (one
batched ``generate`` on a local model). The engine runs in a worker thread, never on the event
loop.

Work is bounded: at most ``max_queued`` requests wait or run at once (more get 503 with
``Retry-After``); a prompt that does not fit the model's context window gets 400 with the token
counts; a stateful conversation holds at most ``max_conversation_messages`` messages; a request
whose client went away is cancelled before its next model call.

Example:
    >>> import asyncio
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> runner = AgentRunner()
    >>> agent = Agent(name="Bot", model=ScriptedBackend(["pong"]))
    >>> reply = asyncio.run(runner.reply(agent, [{"role": "user", "content": "ping"}]))
    >>> reply.text, reply.usage.completion_tokens
    ('pong', 1)
"""

from __future__ import annotations

import asyncio
import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdialog.agents.agent import Agent
from sdialog.agents.session import END_MARKER, AgentSession, Request
from sdialog.llm.base import Completion, Message, Usage
from sdialog.server.schemas import RequestError


class ClientGone(Exception):
    """The client disconnected; the request's remaining model calls are skipped."""


@dataclass
class Reply:
    """An agent's answer to one request, with the token counts of every model call it took."""

    text: str
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    ended: bool = False
    """The agent wrote the end-of-conversation marker."""


class ConversationStore:
    """Sessions of stateful conversations, keyed by ``(model, conversation id)``, LRU-bounded.

    Example:
        >>> store = ConversationStore(max_conversations=1)
        >>> store.put(("Sam", "a"), "session a"); store.put(("Sam", "b"), "session b")
        >>> store.get(("Sam", "a")) is None, len(store)
        (True, 1)
    """

    def __init__(self, max_conversations: int = 1000):
        if max_conversations < 1:
            raise ValueError("max_conversations must be >= 1")
        self.max_conversations = max_conversations
        self._sessions: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, key: tuple[str, str]) -> Any:
        """The stored session (marked most recently used), or ``None``."""
        session = self._sessions.get(key)
        if session is not None:
            self._sessions.move_to_end(key)
        return session

    def put(self, key: tuple[str, str], session: Any) -> None:
        """Store ``session``; the least recently used conversation goes when over the bound."""
        self._sessions[key] = session
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_conversations:
            old, _ = self._sessions.popitem(last=False)
            lock = self._locks.get(old)
            if lock is not None and not lock.locked():
                del self._locks[old]

    def lock(self, key: tuple[str, str]) -> asyncio.Lock:
        """The lock that serialises requests of one conversation."""
        if len(self._locks) > 2 * self.max_conversations:  # drop idle locks of evicted ones
            for stale in [k for k, v in self._locks.items() if not v.locked()]:
                if stale not in self._sessions:
                    del self._locks[stale]
        return self._locks.setdefault(key, asyncio.Lock())


class AgentRunner:
    """Turns chat requests into agent replies, batching concurrent ones.

    Args:
        max_conversations: stateful conversations kept (least recently used evicted).
        batch_window_ms: how long a request waits for others to share its batch.
        max_batch_size: a batch is sent as soon as it has this many requests.
        max_parallel_batches: batches running at once (in worker threads).
        client_system: what to do with the client's system messages: ``"append"`` (keep them,
            after the agent's own system prompt, as extra instructions) or ``"ignore"``.
        keep_end_marker: when the agent ends the conversation, its reply ends with ``[END]``
            (so an sdialog agent on the client side ends the dialog too); False removes it.
        max_queued: requests waiting or running at once; more get 503 with ``Retry-After``.
        max_prompt_tokens: prompt + ``max_tokens`` budget; ``None``: the model's context window
            where the backend knows it (local models), else no token check.
        max_conversation_messages: messages one stateful conversation may hold.
    """

    def __init__(
        self,
        *,
        max_conversations: int = 1000,
        batch_window_ms: float = 5.0,
        max_batch_size: int = 32,
        max_parallel_batches: int = 2,
        client_system: str = "append",
        keep_end_marker: bool = True,
        max_queued: int = 256,
        max_prompt_tokens: int | None = None,
        max_conversation_messages: int = 1000,
    ):
        if client_system not in ("append", "ignore"):
            raise ValueError(f"client_system must be 'append' or 'ignore', got {client_system!r}")
        if max_batch_size < 1 or max_parallel_batches < 1 or batch_window_ms < 0:
            raise ValueError("batch sizes and parallelism must be >= 1, the window >= 0")
        self.conversations = ConversationStore(max_conversations)
        self.batch_window = batch_window_ms / 1000
        self.max_batch_size = max_batch_size
        self.max_parallel_batches = max_parallel_batches
        self.client_system = client_system
        self.keep_end_marker = keep_end_marker
        self.max_queued = max_queued
        self.max_prompt_tokens = max_prompt_tokens
        self.max_conversation_messages = max_conversation_messages
        self.in_flight = 0
        """Requests waiting or running now."""
        self.cancelled = 0
        """Requests cancelled because their client went away."""
        self._pending: list[tuple[Generator[Request, Completion, Any], asyncio.Future]] = []
        self._flush: asyncio.Handle | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._foreign_locks: dict[int, threading.Lock] = {}
        self.batches: list[int] = []
        """Size of every batch run so far (most recent last, the last 1000 kept)."""

    # -- the public entry point ----------------------------------------------------------------
    async def reply(
        self,
        agent: Agent,
        messages: Sequence[Message],
        params: dict[str, Any] | None = None,
        seed: int | None = None,
        conversation_id: str | None = None,
    ) -> Reply:
        """The agent's reply to ``messages`` (role/content dicts).

        Without ``conversation_id`` the messages are the whole history (stateless). With one, the
        server's memory of that conversation is used and ``messages`` are the new messages since
        the last reply (a resent full history is recognised and its known part skipped).

        Raises:
            RequestError: 503 when ``max_queued`` requests are already in flight; 400 when the
                prompt does not fit the context window or the conversation is too long.
        """
        if self.in_flight >= self.max_queued:
            raise RequestError(
                f"the server is busy ({self.in_flight} requests in flight); retry shortly",
                status=503,
                code="server_busy",
                headers={"Retry-After": "1"},
            )
        self.in_flight += 1
        try:
            if not isinstance(agent, Agent):
                return await self._foreign(agent, messages)
            return await self._reply(agent, messages, params or {}, seed, conversation_id)
        finally:
            self.in_flight -= 1

    async def _reply(
        self,
        agent: Agent,
        messages: Sequence[Message],
        params: dict[str, Any],
        seed: int | None,
        conversation_id: str | None,
    ) -> Reply:
        worker = _with_params(agent, params)
        if conversation_id is None:
            session = AgentSession(worker, seed=agent._default_seed() if seed is None else seed)
            self._load(session, messages)
            await self._check_prompt(session)
            return await self._turn(session)
        key = (agent.name, conversation_id)
        async with self.conversations.lock(key):
            session = self.conversations.get(key)
            if session is None:
                session = AgentSession(worker, seed=agent._default_seed() if seed is None else seed)
            session.agent = worker  # this request's parameters
            saved = (list(session.memory), session.turns_taken)
            try:
                self._load(session, _new_messages(session, messages))
                if len(session.memory) > self.max_conversation_messages:
                    raise RequestError(
                        f"conversation {conversation_id[:64]!r} would hold {len(session.memory)} "
                        f"messages (at most {self.max_conversation_messages}); start a new one",
                        code="conversation_too_long",
                    )
                await self._check_prompt(session)
                reply = await self._turn(session)
            except BaseException:
                session.memory[:], session.turns_taken = saved
                raise
            self.conversations.put(key, session)
            return reply

    async def _check_prompt(self, session: AgentSession) -> None:
        """400 when the prompt plus ``max_tokens`` exceeds the context window (counted in a
        worker thread: tokenising a long prompt must not stall the event loop)."""
        backend = session.agent.backend
        limit = self.max_prompt_tokens or context_window(backend)
        if not limit:
            return
        # memory holds the system prompt first, then the conversation: what the model is sent
        prompt = await asyncio.to_thread(count_tokens, backend, list(session.memory))
        asked = session.agent.llm_kwargs
        try:
            wanted = int(backend.effective_params(**asked).get("max_tokens") or 0)
        except Exception:  # a backend without defaults: count the prompt only
            wanted = int(asked.get("max_tokens") or 0)
        if prompt + wanted > limit:
            raise RequestError(
                f"the prompt has {prompt} tokens and max_tokens is {wanted}: {prompt + wanted} "
                f"tokens, more than the model's context window of {limit}",
                param="messages",
                code="context_length_exceeded",
            )

    async def _foreign(self, agent: Any, messages: Sequence[Message]) -> Reply:
        """A reply from an agent-like object that is not an :class:`Agent` (anything called as
        ``agent(text) -> str``, as the reference server allows): its last user message, under
        the agent's lock, in a worker thread. Its memory is its own (one conversation)."""
        text = next((m.get("content") or "" for m in reversed(messages) if m["role"] == "user"), "")
        lock = self.lock_for(agent)

        def call() -> Any:
            with lock:
                return agent(text)

        answer = await asyncio.to_thread(call)
        if isinstance(answer, list):  # events
            answer = next((e.content for e in reversed(answer) if e.action == "utter"), "")
        return Reply(text=str(answer or ""))

    def forget(self, model: str, conversation_id: str) -> bool:
        """Drop a stateful conversation; True when it existed."""
        return self.conversations._sessions.pop((model, conversation_id), None) is not None

    def forget_agent(self, agent: Any) -> int:
        """Drop every stateful conversation of ``agent``; returns how many there were."""
        name = getattr(agent, "name", None)
        keys = [key for key in self.conversations._sessions if key[0] == name]
        for key in keys:
            del self.conversations._sessions[key]
        return len(keys)

    def lock_for(self, agent: Any) -> threading.Lock:
        """The lock under which an agent that is a plain callable answers (one at a time)."""
        return self._foreign_locks.setdefault(id(agent), threading.Lock())

    # -- helpers -------------------------------------------------------------------------------
    def _load(self, session: AgentSession, messages: Sequence[Message]) -> None:
        for message in messages:
            role, text = message["role"], message.get("content") or ""
            if role in ("system", "developer"):
                if self.client_system == "append" and text:
                    session.memory.append({"role": "system", "content": text})
            elif role == "user":
                session.hear(text)
            elif role == "assistant":
                session.say(text)

    async def _turn(self, session: AgentSession) -> Reply:
        completions: list[Completion] = []
        gone = threading.Event()
        step = _recording(session.turn(None, None, session.turns_taken), completions, gone)
        try:
            outcome = await self._submit(step)
        except asyncio.CancelledError:  # the client went away: skip the remaining model calls
            gone.set()
            self.cancelled += 1
            self._pending = [(s, f) for s, f in self._pending if s is not step]
            raise
        if isinstance(outcome, BaseException):
            raise outcome
        cut = bool(completions) and completions[-1].finish_reason == "length"
        text = outcome.text
        if outcome.finished and self.keep_end_marker:
            text = f"{text} {END_MARKER}".strip()
        return Reply(
            text=text,
            finish_reason="length" if cut else "stop",
            usage=Usage(
                prompt_tokens=sum(c.usage.prompt_tokens for c in completions),
                completion_tokens=sum(c.usage.completion_tokens for c in completions),
            ),
            ended=outcome.finished,
        )

    async def _submit(self, step: Generator[Request, Completion, Any]) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or the app moved to another loop
            self._loop, self._pending, self._flush = loop, [], None
            self._slots = asyncio.Semaphore(self.max_parallel_batches)
        future: asyncio.Future = loop.create_future()
        self._pending.append((step, future))
        if len(self._pending) >= self.max_batch_size:
            self._send()
        elif self._flush is None:
            self._flush = loop.call_later(self.batch_window, self._send)
        return await future

    def _send(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.ensure_future(self._run(batch))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _run(self, batch: list[tuple[Generator[Request, Completion, Any], Any]]) -> None:
        from sdialog.simulation import drive

        assert self._slots is not None
        async with self._slots:
            self.batches = [*self.batches[-999:], len(batch)]
            steps = [step for step, _ in batch]
            try:
                results = await asyncio.to_thread(drive, steps, errors="collect")
            except BaseException as exc:  # the engine itself failed: fail every row
                results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # the client may have gone away meanwhile
                future.set_result(result)


def _with_params(agent: Agent, params: dict[str, Any]) -> Agent:
    """A shallow copy of ``agent`` whose generation parameters include ``params``."""
    if not params:
        return agent
    worker = copy.copy(agent)
    worker.llm_kwargs = {**agent.llm_kwargs, **params}
    return worker


def _new_messages(session: AgentSession, messages: Sequence[Message]) -> list[Message]:
    """The messages not yet in the session's memory (clients may resend the whole history)."""
    known = [(m["role"], m.get("content")) for m in session.memory if m["role"] != "system"]
    sent = [(m["role"], m.get("content")) for m in messages if m["role"] in ("user", "assistant")]
    if known and len(sent) > len(known) and sent[: len(known)] == known:
        return [m for m in messages if m["role"] in ("user", "assistant")][len(known) :]
    return list(messages)


def _recording(
    step: Generator[Request, Completion, Any], sink: list[Completion], gone: threading.Event
) -> Generator[Request, Completion, Any]:
    """Forward ``step``'s requests and keep every completion it receives in ``sink``; once
    ``gone`` is set (the client disconnected) no further request is made."""
    try:
        request = next(step)
    except StopIteration as stop:
        return stop.value
    while True:
        if gone.is_set():
            step.close()
            raise ClientGone("the client disconnected")
        completion = yield request
        sink.append(completion)
        try:
            request = step.send(completion)
        except StopIteration as stop:
            return stop.value


def context_window(backend: Any) -> int | None:
    """The context window of ``backend``'s model in tokens, where the backend knows it.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> context_window(ScriptedBackend(["hi"])) is None
        True
    """
    declared = getattr(backend, "context_window", None)
    if isinstance(declared, int):
        return declared
    if getattr(backend, "kind", None) != "local":
        return None
    config = getattr(backend.torch_model, "config", None)
    size = getattr(config, "max_position_embeddings", None)
    if not size:
        size = getattr(backend.tokenizer, "model_max_length", None)
    return int(size) if size and size < 10**7 else None


def count_tokens(backend: Any, messages: Sequence[Message]) -> int:
    """Tokens of ``messages`` as ``backend`` would send them: its tokenizer on the rendered chat
    template where it has one, else an estimate (words and punctuation marks).

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> count_tokens(ScriptedBackend(["hi"]), [{"role": "user", "content": "Hi, you!"}])
        4
    """
    render = getattr(backend, "render_prompt", None)
    tokenizer = getattr(backend, "tokenizer", None) if render else None
    if render is not None and tokenizer is not None:
        prompt = render(messages)
        return len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    text = " ".join(str(m.get("content") or "") for m in messages)
    return len(re.findall(r"\w+|[^\w\s]", text))
