"""Pairwise A/B judging with order swap (beyond SDialog).

Each pair is judged twice, as (A=a, B=b) and swapped (A=b, B=a), in one batched call, so the
model's position bias cancels: the winner is the dialog preferred in **both** orders; a pair whose
verdict flips with the order is a tie (``consistent=False``). On a local model each order's
verdict comes from the log-probabilities of ``A`` vs ``B`` and ``probability_a`` averages
P(a wins) over both orders; elsewhere the model answers ``"A"``, ``"B"`` or ``"tie"`` in JSON.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> a = Dialog(turns=[Turn("A", "Hello, how can I help?")])
    >>> b = Dialog(turns=[Turn("A", "wat")])
    >>> def prefer_polite(messages):  # picks whichever label holds the polite dialog
    ...     text = messages[-1]["content"]
    ...     first = text.index("Hello") < text.index("wat")
    ...     return {"winner": "A" if first else "B"}
    >>> judge = PairwiseJudge(model=ScriptedBackend(prefer_polite))
    >>> result = judge.compare(a, b)
    >>> result.winner, result.consistent
    ('a', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field, create_model

from sdialog.evaluators.judges.base import Judgment, LLMJudge, softmax

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

_VALUE = {"A": 1.0, "B": 0.0, "tie": 0.5}


class PairwiseResult(BaseModel):
    """The verdict on one pair ``(a, b)``.

    Attributes:
        winner: ``"a"``, ``"b"``, ``"tie"``, or ``None`` when a judgment failed.
        consistent: whether both orders agreed (an inconsistent pair is a tie).
        probability_a: P(a wins), averaged over both orders (1/0/0.5 on the structured path).
        verdicts: each order's verdict, in terms of the pair: (a-first order, b-first order).
        reasons: each order's explanation (with ``reason=True``).
        error: why the pair could not be judged.
    """

    winner: Literal["a", "b", "tie"] | None = None
    consistent: bool | None = None
    probability_a: float | None = None
    verdicts: tuple[str | None, str | None] = (None, None)
    reasons: tuple[str | None, str | None] = (None, None)
    error: str | None = None


def _side(p_a: float) -> str:
    return "a" if p_a > 0.5 else "b" if p_a < 0.5 else "tie"


class PairwiseJudge(LLMJudge):
    """Compare two dialogs on a criterion, with order swap.

    Args:
        criterion: the question (e.g. "Which dialog sounds more natural?").
        prompt_template: Jinja2 text with ``{{ dialog_a }}``, ``{{ dialog_b }}`` and
            ``{{ criterion }}`` (default: the packaged ``judges/pairwise.j2``).
        **kwargs: ``reason``, ``model``, ``method``, generation params: see :class:`LLMJudge`.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> PairwiseJudge("Which is kinder?", model=ScriptedBackend(["{}"])).criterion
        'Which is kinder?'
    """

    name: ClassVar[str] = "pairwise"
    default_template: ClassVar[str | None] = "judges/pairwise.j2"

    def __init__(
        self,
        criterion: str = "Which dialog is more natural, coherent and helpful?",
        prompt_template: str | None = None,
        **kwargs: Any,
    ):
        if not isinstance(criterion, str) or not criterion.strip():
            raise ValueError(f"criterion must be a non-empty string, got {criterion!r}")
        self.criterion = criterion
        super().__init__(prompt_template, **kwargs)

    # -- LLMJudge hooks: one judgment per order, value = P(the dialog labelled A wins) ---------
    def _candidates(self) -> list[str]:
        return ["A", "B"]

    def _from_logprobs(self, logprobs: list[float]) -> dict[str, Any]:
        return {"value": softmax(logprobs)[0]}

    def _answer_format(self, logprob: bool, n: int) -> str:
        from sdialog.prompts import render

        return render("judges/answer_pairwise.j2", logprob=logprob, reason=self.reason)

    def _schema(self, n: int) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        if self.reason:
            fields["reason"] = (str, Field(description="one or two sentences"))
        fields["winner"] = (Literal["A", "B", "tie"], Field(description="the better dialog"))
        return create_model("PairwiseAnswer", **fields)

    def _from_parsed(self, parsed: Any, n: int) -> list[dict[str, Any]]:
        return [{"value": _VALUE[parsed.winner], "reason": getattr(parsed, "reason", None)}]

    def _answer_text(self, judgment: Judgment) -> str:
        return "A" if (judgment.value or 0) >= 0.5 else "B"

    # -- the public calls ----------------------------------------------------------------------
    def score(self, dialog: Dialog) -> Any:
        raise TypeError("PairwiseJudge compares two dialogs: use compare(a, b)")

    def compare(self, a: Dialog, b: Dialog) -> PairwiseResult:
        """Judge one pair; see :class:`PairwiseResult`."""
        return self.compare_batch([(a, b)])[0]

    def compare_batch(self, pairs: Sequence[tuple[Dialog, Dialog]]) -> list[PairwiseResult]:
        """Judge many pairs (both orders of every pair in one batched call), in input order."""
        tasks = []
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError(f"pairs[{i}] must be a (dialog_a, dialog_b) pair, got {pair!r}")
            a, b = (d.prompt() for d in pair)
            base = {**self.template_vars, "criterion": self.criterion}
            tasks += [
                {**base, "dialog_a": a, "dialog_b": b},
                {**base, "dialog_a": b, "dialog_b": a},
            ]
        if not tasks:
            return []
        run = self._judge_logprob if self.uses_logprob else self._judge_structured
        judgments = run(tasks)
        results = []
        for first, swapped in zip(judgments[0::2], judgments[1::2], strict=True):
            for judgment in (first, swapped):
                if judgment.error is not None:
                    self.errors.append(judgment)
            if first.value is None or swapped.value is None:
                error = first.error or swapped.error or "no verdict"
                results.append(PairwiseResult(error=error, reasons=(first.reason, swapped.reason)))
                continue
            p_first, p_swapped = float(first.value), 1.0 - float(swapped.value)
            verdicts = (_side(p_first), _side(p_swapped))
            consistent = verdicts[0] == verdicts[1]
            results.append(
                PairwiseResult(
                    winner=verdicts[0] if consistent else "tie",  # type: ignore[arg-type]
                    consistent=consistent,
                    probability_a=(p_first + p_swapped) / 2,
                    verdicts=verdicts,
                    reasons=(first.reason, swapped.reason),
                )
            )
        return results

    def win_rate(self, dialogs_a: Sequence[Dialog], dialogs_b: Sequence[Dialog]) -> dict[str, Any]:
        """Compare ``dialogs_a[i]`` with ``dialogs_b[i]``: counts of wins/ties/losses of ``a``,
        failures, and ``win_rate`` = (wins + ties / 2) / judged pairs."""
        if len(dialogs_a) != len(dialogs_b):
            raise ValueError(
                f"dialogs_a has {len(dialogs_a)} dialogs but dialogs_b has {len(dialogs_b)}"
            )
        results = self.compare_batch(list(zip(dialogs_a, dialogs_b, strict=True)))
        counts = {w: sum(r.winner == w for r in results) for w in ("a", "b", "tie")}
        judged = counts["a"] + counts["b"] + counts["tie"]
        rate = (counts["a"] + counts["tie"] / 2) / judged if judged else None
        return {
            "wins": counts["a"],
            "ties": counts["tie"],
            "losses": counts["b"],
            "failed": len(results) - judged,
            "win_rate": rate,
        }
