"""Score judges: a number on a closed scale, one or several dialogs per call.

On a local model an integer scale whose answers are not prefixes of one another (e.g. 1..5,
0..9) is judged from log-probabilities: ``judge(dialog).probabilities`` is P(each score) and the
value is the **expected** score (a float). Elsewhere the model answers in JSON validated against a
schema with the range; an out-of-range or malformed answer is sent back for repair, never silently
clamped (``clamp=True`` clamps explicitly instead).

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> backend = ScriptedBackend(['{"score": 4}'])
    >>> judge = LLMJudgeScore("How polite (1-5)?\\n{{ dialog }}", 1, 5, model=backend)
    >>> judge(Dialog(turns=[Turn("A", "Thank you kindly.")]))
    4
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field, create_model

from sdialog.evaluators.judges.base import Judgment, LLMJudge, softmax


class LLMJudgeScore(LLMJudge):
    """Rate each dialog on a scale from ``min_score`` to ``max_score``.

    Args:
        prompt_template: the rating question (Jinja2; ``{{ dialog }}`` is the transcript; with
            several dialogs per call it is the numbered list of them).
        min_score, max_score: the closed range.
        score_type: ``int`` or ``float``.
        dialogs_per_call: dialogs rated in one prompt (structured output only): the answer must be
            a list with exactly one valid item per dialog, else it is repaired, else every dialog
            of that call fails.
        clamp: clamp out-of-range answers into the range instead of repairing them.
        **kwargs: ``reason``, ``model``, ``method``, ``repair_retries``, generation params: see
            :class:`LLMJudge`.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.llm import ScriptedBackend
        >>> backend = ScriptedBackend(['{"scores": [{"score": 2}, {"score": 5}]}'])
        >>> judge = LLMJudgeScore("Rate:\\n{{ dialog }}", 1, 5, dialogs_per_call=2, model=backend)
        >>> judge.batch([Dialog(turns=[Turn("A", "Hi")]), Dialog(turns=[Turn("A", "Hello!")])])
        [2, 5]
    """

    name: ClassVar[str] = "llm-judge-score"
    default_min: ClassVar[int | float] = 1
    default_max: ClassVar[int | float] = 5

    def __init__(
        self,
        prompt_template: str | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        score_type: type = int,
        *,
        dialogs_per_call: int = 1,
        clamp: bool = False,
        **kwargs: Any,
    ):
        min_score = self.default_min if min_score is None else min_score
        max_score = self.default_max if max_score is None else max_score
        if score_type not in (int, float):
            raise ValueError(f"score_type must be int or float, got {score_type!r}")
        for field, value in (("min_score", min_score), ("max_score", max_score)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{field} must be a number, got {value!r}")
            if score_type is int and value != int(value):
                raise ValueError(f"{field} must be a whole number for score_type=int, got {value}")
        if not min_score < max_score:
            raise ValueError(f"min_score ({min_score}) must be below max_score ({max_score})")
        if not isinstance(dialogs_per_call, int) or dialogs_per_call < 1:
            raise ValueError(f"dialogs_per_call must be an int >= 1, got {dialogs_per_call!r}")
        if dialogs_per_call > 1 and kwargs.get("method") == "logprob":
            raise ValueError("dialogs_per_call > 1 needs method='structured' (or 'auto')")
        self.min_score = score_type(min_score)
        self.max_score = score_type(max_score)
        self.score_type = score_type
        self.dialogs_per_call = dialogs_per_call
        self.clamp = bool(clamp)
        super().__init__(prompt_template, **kwargs)

    # -- log-probabilities ---------------------------------------------------------------------
    def _candidates(self) -> list[str] | None:
        if self.score_type is not int:
            return None
        answers = [str(v) for v in range(int(self.min_score), int(self.max_score) + 1)]
        if any(a != b and b.startswith(a) for a in answers for b in answers):
            return None  # "1" would also count the start of "10"
        return answers

    def _from_logprobs(self, logprobs: list[float]) -> dict[str, Any]:
        answers = self._candidates() or []
        p = softmax(logprobs)
        expected = sum(pi * int(a) for pi, a in zip(p, answers, strict=True))
        return {"value": expected, "probabilities": dict(zip(answers, p, strict=True))}

    def _answer_text(self, judgment: Judgment) -> str:
        probabilities = judgment.probabilities or {}
        return max(probabilities, key=probabilities.__getitem__) if probabilities else "?"

    # -- structured output ---------------------------------------------------------------------
    def _answer_format(self, logprob: bool, n: int) -> str:
        from sdialog.prompts import render

        return render(
            "judges/answer_score.j2",
            logprob=logprob,
            n=n,
            reason=self.reason,
            min_score=self.min_score,
            max_score=self.max_score,
            score_type=self.score_type.__name__,
        )

    def _item_schema(self) -> type[BaseModel]:
        bounds = {} if self.clamp else {"ge": self.min_score, "le": self.max_score}
        fields: dict[str, Any] = {}
        if self.reason:
            fields["reason"] = (str, Field(description="one or two sentences"))
        description = f"from {self.min_score} to {self.max_score}"
        fields["score"] = (self.score_type, Field(description=description, **bounds))
        return create_model("ScoreAnswer", **fields)

    def _schema(self, n: int) -> type[BaseModel]:
        item = self._item_schema()
        if n == 1:
            return item
        scores = (list[item], Field(min_length=n, max_length=n))  # type: ignore[valid-type]
        return create_model("ScoresAnswer", scores=scores)

    def _from_parsed(self, parsed: Any, n: int) -> list[dict[str, Any]]:
        items = [parsed] if n == 1 else list(parsed.scores)
        out = []
        for item in items:
            value = item.score
            if self.clamp:
                value = min(max(value, self.min_score), self.max_score)
            out.append({"value": value, "reason": getattr(item, "reason", None)})
        return out


class LLMJudgeRealDialogLikertScore(LLMJudgeScore):
    """How human-like is the dialog, from 1 (clearly machine-made or broken) to 5 (real)?

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> j = LLMJudgeRealDialogLikertScore(model=ScriptedBackend(['{"score": 3}']))
        >>> (j.min_score, j.max_score)
        (1, 5)
    """

    name: ClassVar[str] = "real-dialog-likert"
    default_template: ClassVar[str | None] = "judges/real_dialog_likert.j2"


class LLMJudgeRealDialogScore(LLMJudgeScore):
    """How realistic is the dialog, from 0 to 10 (structured output on every model)?

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> j = LLMJudgeRealDialogScore(model=ScriptedBackend(['{"score": 7}']))
        >>> (j.min_score, j.max_score)
        (0, 10)
    """

    name: ClassVar[str] = "real-dialog-score"
    default_template: ClassVar[str | None] = "judges/real_dialog_score.j2"
    default_min: ClassVar[int | float] = 0
    default_max: ClassVar[int | float] = 10
