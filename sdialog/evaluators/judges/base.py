"""The shared machinery of every LLM judge: prompts, the two ways of asking, repair, failures.

A judge renders a Jinja2 prompt for each dialog and asks its model in one of two ways:

- **log-probability** (``method="logprob"``; the default on a local model): the answer tokens
  (``Yes``/``No``, ``1``..``5``) are scored with the model's log-probabilities in batched forward
  passes, no text is generated; the judgment carries the probabilities.
- **structured output** (``method="structured"``; the default elsewhere): one
  ``complete_batch`` call with a pydantic schema (remote models run concurrently, local ones in
  one batched ``generate``); invalid or out-of-range answers are sent back for repair
  (``repair_retries`` rounds). A judgment that still fails has ``value=None`` and its ``error``
  set, and is appended to ``judge.errors``; the rest of the batch goes on.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> from sdialog.evaluators import LLMJudgeYesNo
    >>> backend = ScriptedBackend(['{"answer": "yes"}'])
    >>> judge = LLMJudgeYesNo("Is this polite?\\n{{ dialog }}", model=backend)
    >>> judge(Dialog(turns=[Turn("A", "Hello, please come in.")]))
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

from sdialog.evaluators.base import DialogScore, ScoreValue, _describe

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog
    from sdialog.llm import Backend, Completion

JUDGE_PARAMS: dict[str, Any] = {"temperature": 0.0, "seed": 0}
"""Generation parameters every judge pins unless given: greedy decoding and a fixed seed."""

METHODS = ("auto", "logprob", "structured")


class Judgment(BaseModel):
    """One judge's verdict on one dialog.

    Attributes:
        value: what :meth:`LLMJudge.score` returns: ``True``/``False`` (yes/no judges), a number
            (score judges; on the log-probability path the **expected** score), or ``None`` when
            the judgment failed.
        reason: the model's explanation (when the judge was made with ``reason=True``).
        probability: yes/no judges on the log-probability path: P(yes), normalised over yes/no.
        probabilities: score judges on the log-probability path: P(each score), normalised.
        method: ``"logprob"`` or ``"structured"``.
        error: why the judgment failed (``value`` is then ``None``).
        raw: the model's last reply text (structured path).
        dialog_id: the judged dialog's id.

    Example:
        >>> Judgment(value=True, probability=0.93, method="logprob").ok
        True
    """

    value: bool | int | float | None = None
    reason: str | None = None
    probability: float | None = None
    probabilities: dict[str, float] | None = None
    method: Literal["logprob", "structured"] | None = None
    error: str | None = None
    raw: str | None = None
    dialog_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the judgment succeeded."""
        return self.error is None and self.value is not None

    @property
    def positive(self) -> bool | None:
        """A yes/no judge's answer (SDialog's ``LLMJudgeYesNoOutput.positive``)."""
        return self.value if isinstance(self.value, bool) else None

    @property
    def score(self) -> int | float | None:
        """A score judge's number (SDialog's ``LLMJudgeScoreOutput.score``)."""
        return None if isinstance(self.value, bool) else self.value


class JudgeInputError(ValueError):
    """A dialog lacks what the judge needs (e.g. a persona for the judged speaker)."""


def softmax(logprobs: Sequence[float]) -> list[float]:
    """Normalise log-probabilities into probabilities that sum to 1.

    Example:
        >>> [round(p, 3) for p in softmax([0.0, 0.0, math.log(2)])]
        [0.25, 0.25, 0.5]
    """
    top = max(logprobs)
    weights = [math.exp(lp - top) for lp in logprobs]
    total = sum(weights)
    return [w / total for w in weights]


class LLMJudge(DialogScore):
    """Base of the LLM judges (see the module docstring for how they ask and fail).

    Args:
        prompt_template: the question, as Jinja2 text (``{{ dialog }}`` is the transcript) or the
            name of a packaged template (``"judges/real_dialog.j2"``). Other variables:
            ``speakers``, ``personas``, ``context`` and ``template_vars``.
        reason: also ask for an explanation (on the log-probability path, one extra batched
            generation after the answer is scored).
        model: a model string or backend (default: the configured model, else the embedded one).
        method: ``"auto"`` (log-probabilities on a local model when the judge supports them,
            else structured output), ``"logprob"`` or ``"structured"``.
        repair_retries: rounds of sending invalid structured answers back to be fixed.
        template_vars: extra variables for the prompt template.
        **llm_kwargs: generation parameters (``temperature=0`` and ``seed=0`` unless given;
            ``max_tokens`` ...) and backend settings (``api_base``, ``api_key`` ...), which never
            reach :meth:`config`, caches or logs.
    """

    name: ClassVar[str] = "llm-judge"
    slow: ClassVar[bool] = True
    default_template: ClassVar[str | None] = None
    dialogs_per_call: int = 1

    def __init__(
        self,
        prompt_template: str | None = None,
        *,
        reason: bool = False,
        model: Any = None,
        method: str = "auto",
        repair_retries: int = 1,
        template_vars: dict[str, Any] | None = None,
        **llm_kwargs: Any,
    ):
        from sdialog.llm import get_backend
        from sdialog.llm.base import GENERATION_PARAMS

        template = prompt_template if prompt_template is not None else self.default_template
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"prompt_template must be a non-empty string, got {template!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if not isinstance(repair_retries, int) or repair_retries < 0:
            raise ValueError(f"repair_retries must be an int >= 0, got {repair_retries!r}")
        self.prompt_template = template
        self.reason = bool(reason)
        self.method = method
        self.repair_retries = repair_retries
        self.template_vars = dict(template_vars or {})
        generation = {k: v for k, v in llm_kwargs.items() if k in GENERATION_PARAMS}
        connection = {k: v for k, v in llm_kwargs.items() if k not in GENERATION_PARAMS}
        self._params = {**JUDGE_PARAMS, **generation}
        self._backend = get_backend(model, **connection)
        if method == "logprob" and self._backend.kind == "remote":
            raise ValueError(
                "method='logprob' needs a local model (remote APIs give no answer-token "
                "log-probabilities here); use method='structured' or 'auto'"
            )
        self.errors: list[Judgment] = []
        """Every failed judgment of this judge so far (``value`` None, ``error`` set)."""

    # -- family hooks (yes/no, score) ----------------------------------------------------------
    def _candidates(self) -> list[str] | None:
        """Answer strings scored on the log-probability path (``None``: not supported)."""
        return None

    def _from_logprobs(self, logprobs: list[float]) -> dict[str, Any]:
        raise NotImplementedError

    def _answer_format(self, logprob: bool, n: int) -> str:
        raise NotImplementedError

    def _schema(self, n: int) -> type[BaseModel]:
        raise NotImplementedError

    def _from_parsed(self, parsed: Any, n: int) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _answer_text(self, judgment: Judgment) -> str:
        return str(judgment.value)

    # -- the model, the prompt -----------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The backend this judge asks."""
        return self._backend

    @property
    def uses_logprob(self) -> bool:
        """Whether judgments are made from answer-token log-probabilities."""
        if self.method == "structured" or self.dialogs_per_call > 1:
            return False
        if self.method == "logprob":
            return True
        return self._backend.kind == "local" and self._candidates() is not None

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        """Template variables for one dialog (subclasses add theirs; may raise JudgeInputError)."""
        context = dialog.context
        return {
            **self.template_vars,
            "dialog": dialog.prompt(),
            "speakers": dialog.get_speakers(),
            "personas": dialog.personas,
            "context": context.prompt() if hasattr(context, "prompt") else context,
        }

    @cached_property
    def _template(self) -> Any:
        if self.prompt_template.endswith(".j2") and "\n" not in self.prompt_template:
            from sdialog.prompts import _environment

            return _environment().get_template(self.prompt_template)
        from jinja2 import StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        return env.from_string(self.prompt_template)

    def _template_source(self) -> str:
        if self.prompt_template.endswith(".j2") and "\n" not in self.prompt_template:
            from sdialog.prompts import template_source  # config["prompts"] may replace it

            return template_source(self.prompt_template)
        return self.prompt_template

    def _render(self, variables: dict[str, Any]) -> str:
        return self._template.render(**variables).strip()

    def _messages(self, task: str, answer_format: str) -> list[dict[str, str]]:
        from sdialog.prompts import render

        return [
            {"role": "system", "content": render("judges/system.j2")},
            {"role": "user", "content": f"{task}\n\n{answer_format}"},
        ]

    # -- judging -------------------------------------------------------------------------------
    def judge(self, dialog: Dialog) -> Judgment:
        """Judge one dialog; see :class:`Judgment`."""
        return self.judge_batch([dialog])[0]

    def judge_batch(self, dialogs: Sequence[Dialog]) -> list[Judgment]:
        """Judge many dialogs in one batched model call; results are in input order."""
        dialogs = list(dialogs)
        results: list[Judgment | None] = [None] * len(dialogs)
        tasks: dict[int, dict[str, Any]] = {}
        for i, dialog in enumerate(dialogs):
            try:
                tasks[i] = self._variables(dialog)
            except JudgeInputError as exc:
                results[i] = Judgment(error=f"{type(exc).__name__}: {exc}")
        order = list(tasks)
        if order:
            run = self._judge_logprob if self.uses_logprob else self._judge_structured
            for i, judgment in zip(order, run([tasks[i] for i in order]), strict=True):
                results[i] = judgment
        out = []
        for dialog, judgment in zip(dialogs, results, strict=True):
            assert judgment is not None
            judgment.dialog_id = dialog.id
            if judgment.error is not None:
                judgment.value = None
                self.errors.append(judgment)
            out.append(judgment)
        return out

    def score(self, dialog: Dialog) -> ScoreValue:
        """The judgment's plain value (``None`` when it failed; see :attr:`errors`)."""
        return self.judge(dialog).value

    def score_batch(self, dialogs: Sequence[Dialog]) -> list[ScoreValue]:
        return [judgment.value for judgment in self.judge_batch(dialogs)]

    def _judge_logprob(self, tasks: list[dict[str, Any]]) -> list[Judgment]:
        from sdialog.llm import BackendError

        candidates = self._candidates()
        if candidates is None:
            raise ValueError(f"{type(self).__name__} cannot judge by log-probabilities")
        convs = [self._messages(self._render(v), self._answer_format(True, 1)) for v in tasks]
        try:
            batched = getattr(self._backend, "score_continuations_batch", None)
            if batched is not None:
                logprobs = batched(convs, candidates)
            else:
                logprobs = [self._backend.score_continuations(c, candidates) for c in convs]
        except BackendError as exc:
            return [Judgment(method="logprob", error=f"{type(exc).__name__}: {exc}") for _ in convs]
        judgments = [Judgment(method="logprob", **self._from_logprobs(lp)) for lp in logprobs]
        if self.reason:
            from sdialog.prompts import render

            follow_ups = [
                [
                    *conv,
                    {"role": "assistant", "content": self._answer_text(judgment)},
                    {"role": "user", "content": render("judges/reason_request.j2")},
                ]
                for conv, judgment in zip(convs, judgments, strict=True)
            ]
            params = {"max_tokens": 96, **self._params}
            for judgment, completion in zip(
                judgments, self._complete(follow_ups, None, params), strict=True
            ):
                judgment.reason = completion.text.strip() or None
        return judgments

    def _judge_structured(self, tasks: list[dict[str, Any]]) -> list[Judgment]:
        from sdialog.prompts import render

        k = self.dialogs_per_call
        groups = [list(range(s, min(s + k, len(tasks)))) for s in range(0, len(tasks), k)]
        results: list[Judgment] = [Judgment() for _ in tasks]
        for size in sorted({len(g) for g in groups}):
            same = [g for g in groups if len(g) == size]
            convs = []
            for group in same:
                variables = tasks[group[0]]
                if size > 1:  # one prompt; its dialog is the numbered list of the group's dialogs
                    listing = render(
                        "judges/dialogs.j2", dialogs=[tasks[i]["dialog"] for i in group]
                    )
                    variables = {**variables, "dialog": listing}
                convs.append(
                    self._messages(self._render(variables), self._answer_format(False, size))
                )
            schema = self._schema(size)
            completions = self._complete_with_repair(convs, schema)
            for group, completion in zip(same, completions, strict=True):
                if completion.error is not None or completion.parsed is None:
                    error = completion.error or "no parsed answer"
                    for i in group:
                        results[i] = Judgment(method="structured", error=error, raw=completion.text)
                    continue
                for i, fields in zip(
                    group, self._from_parsed(completion.parsed, size), strict=True
                ):
                    results[i] = Judgment(method="structured", raw=completion.text, **fields)
        return results

    def _complete(
        self, convs: list[list[dict[str, str]]], schema: Any, params: dict[str, Any] | None = None
    ) -> list[Completion]:
        """One batched call; a row whose request exhausted its retries carries the error (the
        other rows are kept, never sent again). If the whole call fails, rows are tried one by
        one so that the others survive."""
        from sdialog.llm import BackendError, Completion

        def failed(exc: Exception) -> Completion:
            completion = Completion(error=f"backend failed: {type(exc).__name__}: {exc}")
            completion.provenance = {"backend_failed": True}
            return completion

        params = self._params if params is None else params
        try:
            outcomes = self._backend.complete_batch(
                convs, schema=schema, return_exceptions=True, **params
            )
        except BackendError as exc:
            if len(convs) == 1:
                return [failed(exc)]
            return [self._complete([conv], schema, params)[0] for conv in convs]
        return [failed(o) if isinstance(o, Exception) else o for o in outcomes]

    def _complete_with_repair(
        self, convs: list[list[dict[str, str]]], schema: type[BaseModel]
    ) -> list[Completion]:
        from sdialog.llm import StructuredOutputError
        from sdialog.llm.structured import repair_messages

        completions = self._complete(convs, schema)
        for _ in range(self.repair_retries):
            bad = [
                i
                for i, c in enumerate(completions)
                if c.error is not None and not c.provenance.get("backend_failed")
            ]
            if not bad:
                break
            repairs = [
                repair_messages(
                    convs[i],
                    completions[i].text,
                    StructuredOutputError(
                        completions[i].error or "", errors=[completions[i].error or ""]
                    ),
                )
                for i in bad
            ]
            for i, completion in zip(bad, self._complete(repairs, schema), strict=True):
                completions[i] = completion
        return completions

    # -- description ---------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Class, version, settings, every prompt text (template source, system prompt, answer
        formats) and the model with its effective generation parameters (no secrets)."""
        from sdialog import __version__
        from sdialog.prompts import render

        settings = {
            k: _describe(v)
            for k, v in sorted(vars(self).items())
            if not k.startswith("_") and k != "errors"
        }
        provenance = self._backend.provenance(self._params)
        return {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "name": self.name,
            "version": __version__,
            "settings": settings,
            "prompt": {
                "template": self._template_source(),
                "system": render("judges/system.j2"),
                "answer_format": self._answer_format(self.uses_logprob, self.dialogs_per_call),
                "logprob_candidates": self._candidates() if self.uses_logprob else None,
            },
            "model": {
                "model": provenance.get("model"),
                "backend": provenance.get("backend"),
                "params": provenance.get("params"),
            },
        }


class _SpeakerJudge(LLMJudge):
    """A judge about one speaker: ``speaker`` (optional) is the prompt's ``{{ speaker }}``.

    Mix it in before the judge family (``class J(_SpeakerJudge, LLMJudgeYesNo)``).
    """

    def __init__(
        self, prompt_template: str | None = None, *, speaker: str | None = None, **kw: Any
    ):
        super().__init__(prompt_template, **kw)
        self.speaker = speaker

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        return {**super()._variables(dialog), "speaker": self.speaker}
