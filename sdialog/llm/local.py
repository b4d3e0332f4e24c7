"""In-process transformers backend: real batched ``generate`` with left padding and KV cache.

One loaded model is shared by every backend naming it. Structured output and local tool calls are
decoded under a JSON-schema grammar (xgrammar), so even the 135M embedded model always returns
valid JSON. The torch model and tokenizer are exposed for interpretability hooks, and ``hooks=``
scopes hooks to one call's forward passes.

Example:
    >>> backend = LocalBackend("smollm2", max_tokens=32)            # doctest: +SKIP
    >>> backend.complete([{"role": "user", "content": "Hi!"}]).text  # doctest: +SKIP
    'Hello! How can I help you today?'
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from sdialog._extras import needs_extra
from sdialog.llm.base import (
    Backend,
    Completion,
    Message,
    StructuredOutputError,
    Usage,
    normalize_stop,
    params_key,
    per_row,
    truncate_at_stop,
)
from sdialog.llm.local_models import LoadedModel, load_model
from sdialog.llm.structured import (
    append_to_system,
    parse_structured,
    schema_of,
    with_schema_instructions,
)
from sdialog.llm.tools import (
    local_protocol_prompt_items,
    local_protocol_schema,
    normalize_tools,
    parse_local_protocol,
)
from sdialog.prompts import render

DEFAULTS: dict[str, Any] = {"temperature": 0.7, "top_p": 0.95, "max_tokens": 256}
"""Generation defaults of local models (overridden by backend and call parameters)."""

STRUCTURED_MAX_TOKENS = 512
"""Token budget of a structured reply when ``max_tokens`` is not given."""

Hook = Callable[[Any], contextlib.AbstractContextManager[Any]]
"""A hook factory: ``hook(torch_model)`` returns a context manager active during generation.

An object with a ``generation(context)`` method is called with a :class:`GenerationContext`
instead, so it knows which rows of the call each ``generate`` chunk holds and where the padding is.
"""

_CALL_IDS = itertools.count()


@dataclass
class GenerationContext:
    """What a context-aware hook sees for one ``model.generate`` call (one chunk of a batch).

    Rows are sorted by prompt length and chunked, so ``rows[b]`` is the index, within the
    ``complete_batch`` call, of batch row ``b``; prompts are left-padded (``attention_mask`` is 0 on
    padding). ``sequences`` is set to the generated ids (prompt included) before the hook exits.

    Example:
        >>> class Counting:
        ...     def generation(self, context):       # called instead of hook(model)
        ...         print(context.rows, context.call_size)
        ...         return contextlib.nullcontext()
        >>> backend.complete(messages, hooks=[Counting()])    # doctest: +SKIP
        (0,) 1
    """

    model: Any
    tokenizer: Any
    input_ids: Any
    attention_mask: Any
    rows: tuple[int, ...]
    call_id: int
    call_size: int
    eos_token_ids: tuple[int, ...] = ()
    sequences: Any = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    """One dict per batch row: hooks may record per-reply measurements there; they reach
    ``Completion.annotations``."""


class LocalBackend(Backend):
    """A transformers causal LM running in this process.

    Args:
        model: ``"smollm2"`` (the embedded default), ``"huggingface:<folder or hub id>"`` (alias
            ``"hf:"``), or a name registered with :func:`sdialog.llm.register_model`.
        device: ``"cpu"``, ``"cuda"`` ...; default CUDA when available.
        dtype: default float32 on CPU.
        max_batch_size: conversations per ``generate`` call (larger batches are split).
        **params: default generation parameters (``temperature``, ``max_tokens``, ``top_p``,
            ``top_k``, ``seed``, ``stop``, ``repetition_penalty``). Per call,
            ``prompt_format="text"`` sends the messages' contents joined by newlines as the
            prompt, without the chat template (``Agent(prompt_style="transcript")`` uses it).
    """

    kind = "local"

    def __init__(
        self,
        model: str = "smollm2",
        *,
        device: str | None = None,
        dtype: Any = None,
        max_batch_size: int = 32,
        cache: Any = None,
        **params: Any,
    ):
        super().__init__(model, cache=cache, **params)
        self.source = model.split(":", 1)[1] if model.startswith(("huggingface:", "hf:")) else model
        self.device = device
        self.dtype = dtype
        self.max_batch_size = max_batch_size
        self._loaded: LoadedModel | None = None

    # -- the model -----------------------------------------------------------------------------
    def load(self) -> LoadedModel:
        """Load the model now (otherwise it loads on first use) and return it."""
        if self._loaded is None:
            self._loaded = load_model(self.source, self.device, self.dtype)
        return self._loaded

    @property
    def torch_model(self) -> Any:
        """The underlying ``transformers`` model (for hooks and inspection)."""
        return self.load().model

    @property
    def tokenizer(self) -> Any:
        """The tokenizer (with a chat template)."""
        return self.load().tokenizer

    def effective_params(self, **overrides: Any) -> dict[str, Any]:
        return super().effective_params(**{**DEFAULTS, **self.params, **overrides})

    def batch_key(self) -> Any:
        """Backends on the same model, device and settings batch together (one loaded model)."""
        return (*params_key(self), str(self.device), str(self.dtype), self.max_batch_size)

    # -- prompts -------------------------------------------------------------------------------
    def render_prompt(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """Render messages with the tokenizer's chat template (or a plain fallback)."""
        tokenizer = self.tokenizer
        messages = [_plain_message(m) for m in messages]
        if tokenizer.chat_template:
            return tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=add_generation_prompt
            )
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n".join(lines) + ("\nassistant:" if add_generation_prompt else "")

    def _prompt_texts(self, conversations: Sequence[Sequence[Message]], text: bool) -> list[str]:
        """Each conversation as the model's prompt: through the chat template, or (``text``, the
        ``prompt_format="text"`` parameter) the caller's own text, the contents joined by
        newlines."""
        if text:
            return ["\n".join(str(m.get("content") or "") for m in c) for c in conversations]
        return [self.render_prompt(list(c)) for c in conversations]

    # -- generation ----------------------------------------------------------------------------
    def _complete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        hooks: Sequence[Hook] = (),
        **params: Any,
    ) -> list[Completion]:
        p = self.effective_params(**params)
        text_prompt = p.pop("prompt_format", "chat") == "text"
        n = len(conversations)
        seeds = per_row(p.get("seed"), n, "seed")
        tool_specs = normalize_tools(tools)
        grammar_schema: dict[str, Any] | None = None
        if tool_specs:
            grammar_schema = local_protocol_schema(tool_specs, allow_reply=True)
            items = local_protocol_prompt_items(tool_specs)
            tool_prompt = render("local_tools.j2", tools=items)
            conversations = [append_to_system(c, tool_prompt) for c in conversations]
        elif schema is not None:
            grammar_schema = schema_of(schema)
            conversations = [with_schema_instructions(c, schema) for c in conversations]
        if grammar_schema is not None and "max_tokens" not in {**self.params, **params}:
            p["max_tokens"] = STRUCTURED_MAX_TOKENS
        prompts = self._prompt_texts(conversations, text_prompt)

        # Sort by length so each chunk has little padding; results go back in input order.
        order = sorted(range(n), key=lambda i: len(prompts[i]))
        results: list[Completion | None] = [None] * n
        call = (next(_CALL_IDS), n)
        for start in range(0, n, self.max_batch_size):
            chunk = order[start : start + self.max_batch_size]
            texts, usages, finishes, notes = self._generate(
                [prompts[i] for i in chunk],
                [seeds[i] for i in chunk],
                p,
                grammar_schema,
                hooks,
                (tuple(chunk), *call),
            )
            for i, text, usage, finish, note in zip(
                chunk, texts, usages, finishes, notes, strict=True
            ):
                row_params = {**p, "seed": seeds[i]}
                results[i] = self._finish(text, usage, finish, row_params, schema, tool_specs, i)
                results[i].annotations = note
        return [r for r in results if r is not None]

    def _generate(
        self,
        prompts: list[str],
        seeds: list[Any],
        p: dict[str, Any],
        grammar_schema: dict[str, Any] | None,
        hooks: Sequence[Hook],
        call: tuple[tuple[int, ...], int, int] | None = None,
    ) -> tuple[list[str], list[Usage], list[str]]:
        with needs_extra("local"):
            import torch
            from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        loaded = self.load()
        tokenizer, model = loaded.tokenizer, loaded.model
        batch = tokenizer(
            prompts,
            return_tensors="pt",
            padding=True,
            padding_side="left",  # per call: the shared tokenizer's own setting is left alone
            add_special_tokens=False,
        )
        batch = {k: v.to(loaded.device) for k, v in batch.items()}
        processors = LogitsProcessorList()
        if grammar_schema is not None:
            processors.append(_grammar_processor(loaded, grammar_schema))
        penalty = float(p.get("repetition_penalty") or 1.0)
        if penalty != 1.0:  # on this reply's own tokens, not the prompt's (persona, context)
            processors.append(GeneratedTokensPenalty(batch["input_ids"].shape[1], penalty))
        temperature = float(p.get("temperature") or 0)
        if temperature > 0:
            with needs_extra("local"):
                from sdialog.llm.sampling import SeededSampler

            processors.append(
                SeededSampler(seeds, temperature, p.get("top_p"), p.get("top_k"), loaded.device)
            )
        stops = normalize_stop(p.get("stop"))
        config = GenerationConfig(
            max_new_tokens=int(p["max_tokens"]),
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=model.generation_config.eos_token_id or tokenizer.eos_token_id,
        )
        criteria = StoppingCriteriaList([_stop_criteria(loaded, stops)] if stops else [])
        rows, call_id, call_size = call or (
            tuple(range(len(prompts))),
            next(_CALL_IDS),
            len(prompts),
        )
        context = GenerationContext(
            model,
            tokenizer,
            batch["input_ids"],
            batch["attention_mask"],
            rows,
            call_id,
            call_size,
            tuple(_as_list(config.eos_token_id)),
            annotations=[{} for _ in prompts],
        )
        with loaded.lock, torch.inference_mode(), contextlib.ExitStack() as stack:
            for hook in hooks:
                generation = getattr(hook, "generation", None)
                stack.enter_context(generation(context) if generation else hook(model))
            output = model.generate(
                **batch,
                generation_config=config,
                logits_processor=processors,
                stopping_criteria=criteria,
            )
            context.sequences = output
        prompt_len = batch["input_ids"].shape[1]
        # Only end-of-turn ends a row: generate pads finished rows after their EOS, and a pad
        # token may legitimately appear earlier (e.g. as text inside a constrained JSON string).
        eos_ids = set(_as_list(config.eos_token_id))
        texts, usages, finishes = [], [], []
        for row in range(len(prompts)):
            new_tokens = output[row, prompt_len:].tolist()
            ended = next((k for k, t in enumerate(new_tokens) if t in eos_ids), None)
            kept = new_tokens if ended is None else new_tokens[:ended]
            text, stopped = truncate_at_stop(
                tokenizer.decode(kept, skip_special_tokens=True), stops
            )
            texts.append(text)
            usages.append(
                Usage(
                    prompt_tokens=int(batch["attention_mask"][row].sum()),
                    completion_tokens=len(kept),
                )
            )
            finishes.append("stop" if ended is not None or stopped else "length")
        return texts, usages, finishes, context.annotations

    def _finish(
        self,
        text: str,
        usage: Usage,
        finish: str,
        params: dict[str, Any],
        schema: type[BaseModel] | None,
        tool_specs: list[dict[str, Any]],
        row: int,
    ) -> Completion:
        completion = Completion(
            text=text.strip() if (schema or tool_specs) else text,
            finish_reason=finish,  # type: ignore[arg-type]
            usage=usage,
            provenance=self.provenance(params),
        )
        try:
            if tool_specs:
                data = json.loads(completion.text)
                completion.text, completion.tool_calls = parse_local_protocol(data, f"call_{row}")
                if completion.tool_calls:
                    completion.finish_reason = "tool_calls"
                else:  # the grammar closed the object: a whole reply, even on the last token
                    completion.finish_reason = "stop"
            elif schema is not None:
                completion.parsed = parse_structured(completion.text, schema)
        except (ValueError, StructuredOutputError) as exc:
            completion.error = f"{exc} (finish_reason={finish}; raise max_tokens if 'length')"
        return completion

    # -- log-probability scoring ---------------------------------------------------------------
    def score_continuations(
        self, messages: Sequence[Message], candidates: Sequence[str], **params: Any
    ) -> list[float]:
        """Total log-probability of each candidate as the assistant's reply, in one forward pass.

        Example:
            >>> backend.score_continuations(msgs, ["Yes", "No"])   # doctest: +SKIP
            [-0.41, -1.09]
        """
        with needs_extra("local"):
            import torch

        if not candidates:
            return []
        loaded = self.load()
        tokenizer, model = loaded.tokenizer, loaded.model
        prompt = self.render_prompt(list(messages))
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        rows = [
            prompt_ids + tokenizer(c, add_special_tokens=False)["input_ids"] for c in candidates
        ]
        width = max(len(r) for r in rows)
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=loaded.device)
        mask = torch.tensor(
            [[1] * len(r) + [0] * (width - len(r)) for r in rows], device=loaded.device
        )
        with loaded.lock, torch.inference_mode():
            logits = model(input_ids=input_ids, attention_mask=mask).logits.float()
        logprobs = logits[:, :-1].log_softmax(dim=-1)
        targets = input_ids[:, 1:]
        token_lp = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        scores = []
        for i, row in enumerate(rows):
            scores.append(float(token_lp[i, len(prompt_ids) - 1 : len(row) - 1].sum()))
        return scores

    def score_continuations_batch(
        self,
        conversations: Sequence[Sequence[Message]],
        candidates: Sequence[str],
        **params: Any,
    ) -> list[list[float]]:
        """:meth:`score_continuations` for many conversations in batched forward passes:
        ``result[i][j]`` is the log-probability of ``candidates[j]`` after ``conversations[i]``
        (``prompt_format="text"``: after the conversations' own text, no chat template).

        Rows are left-padded (with matching position ids), sorted by length and run
        ``max_batch_size`` at a time; only the last positions get logits. When every candidate is
        one token, each conversation is a single row.

        Example:
            >>> backend.score_continuations_batch([msgs_a, msgs_b], ["Yes", "No"])  # doctest: +SKIP
            [[-0.41, -1.09], [-2.3, -0.11]]
        """
        with needs_extra("local"):
            import torch

        loaded = self.load()
        tokenizer, model = loaded.tokenizer, loaded.model
        cands = [tokenizer(c, add_special_tokens=False)["input_ids"] for c in candidates]
        if any(not ids for ids in cands):
            raise ValueError("candidates must be non-empty strings")
        text_prompt = params.get("prompt_format") == "text"
        prompts = [
            tokenizer(prompt, add_special_tokens=False)["input_ids"]
            for prompt in self._prompt_texts(conversations, text_prompt)
        ]
        single = all(len(ids) == 1 for ids in cands)
        # a row: (conversation, candidate or None for "all single-token candidates", token ids)
        rows = [
            (i, j, p + c)
            for i, p in enumerate(prompts)
            for j, c in ([(None, [])] if single else enumerate(cands))
        ]
        scores = [[0.0] * len(cands) for _ in prompts]
        keep = 1 + max((len(c) for c in cands), default=0)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][2]))
        for start in range(0, len(order) if cands else 0, self.max_batch_size):
            chunk = [rows[r] for r in order[start : start + self.max_batch_size]]
            width = max(len(ids) for _, _, ids in chunk)
            ids = [[pad] * (width - len(r)) + r for _, _, r in chunk]
            mask = [[0] * (width - len(r)) + [1] * len(r) for _, _, r in chunk]
            input_ids = torch.tensor(ids, device=loaded.device)
            attention = torch.tensor(mask, device=loaded.device)
            positions = (attention.cumsum(-1) - 1).clamp(min=0)
            with loaded.lock, torch.inference_mode():
                logits = model(
                    input_ids=input_ids,
                    attention_mask=attention,
                    position_ids=positions,
                    logits_to_keep=keep,
                ).logits.float()
            logprobs = logits.log_softmax(dim=-1)  # (rows, keep, vocab); last = after the row
            for b, (i, j, _) in enumerate(chunk):
                if j is None:
                    scores[i] = [float(logprobs[b, -1, c[0]]) for c in cands]
                    continue
                n = len(cands[j])
                predicted = logprobs[b, keep - 1 - n : keep - 1]
                target = torch.tensor(cands[j], device=predicted.device)
                scores[i][j] = float(predicted.gather(-1, target[:, None]).sum())
        return scores


class GeneratedTokensPenalty:
    """A repetition penalty on the tokens the reply itself has generated so far.

    transformers' ``repetition_penalty`` penalises every token of the input too, so a reply is
    pushed away from the persona, context and names it should reuse (a patient who must not say
    "sleep" because the prompt says "trouble sleeping"). This one looks only past the prompt:
    positive logits are divided by ``penalty``, negative ones multiplied, as in transformers.

    Example:
        >>> import torch
        >>> penalty = GeneratedTokensPenalty(prompt_length=2, penalty=2.0)
        >>> penalty(torch.tensor([[5, 6, 7]]), torch.ones(1, 8)).tolist()[0]
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    """

    def __init__(self, prompt_length: int, penalty: float):
        if penalty <= 0:
            raise ValueError(f"repetition_penalty must be > 0, got {penalty}")
        self.prompt_length = prompt_length
        self.penalty = penalty

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        with needs_extra("local"):
            import torch

        generated = input_ids[:, self.prompt_length :]
        if generated.shape[1] == 0:
            return scores
        picked = scores.gather(1, generated)
        picked = torch.where(picked < 0, picked * self.penalty, picked / self.penalty)
        return scores.scatter(1, generated, picked)


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _grammar_processor(loaded: LoadedModel, schema: dict[str, Any]) -> Any:
    """A fresh xgrammar logits processor for ``schema`` (grammars compiled once per model)."""
    with needs_extra("local"):
        import xgrammar as xgr

    if loaded.grammar_compiler is None:
        info = xgr.TokenizerInfo.from_huggingface(
            loaded.tokenizer, vocab_size=loaded.model.config.vocab_size
        )
        loaded.grammar_compiler = xgr.GrammarCompiler(info)
    key = json.dumps(schema, sort_keys=True)
    if key not in loaded.grammars:
        # no free whitespace: small models otherwise pad JSON with endless blanks
        loaded.grammars[key] = loaded.grammar_compiler.compile_json_schema(
            key, any_whitespace=False
        )
    return xgr.contrib.hf.LogitsProcessor(loaded.grammars[key])


def _stop_criteria(loaded: LoadedModel, stops: list[str]) -> Any:
    """A stop-string criterion, built once per model and stop set (building one scans the
    vocabulary and takes seconds; using it is cheap and stateless)."""
    with needs_extra("local"):
        from transformers import StopStringCriteria

    key = tuple(stops)
    if key not in loaded.stop_criteria:
        loaded.stop_criteria[key] = StopStringCriteria(loaded.tokenizer, list(stops))
    return loaded.stop_criteria[key]


def _plain_message(message: Message) -> Message:
    """Flatten tool traffic into plain chat turns every chat template accepts."""
    role, content = message["role"], message.get("content")
    if role == "assistant" and message.get("tool_calls"):
        calls = [
            {"tool": c["function"]["name"], "arguments": _loads(c["function"].get("arguments"))}
            for c in message["tool_calls"]
        ]
        return {"role": "assistant", "content": json.dumps(calls[0] if len(calls) == 1 else calls)}
    if role == "tool":
        name = message.get("name") or "tool"
        text = content if isinstance(content, str) else json.dumps(content)
        return {"role": "user", "content": f"[{name} returned] {text}"}
    return {"role": role, "content": content if isinstance(content, str) else json.dumps(content)}


def _loads(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except json.JSONDecodeError:
            return arguments
    return arguments or {}
