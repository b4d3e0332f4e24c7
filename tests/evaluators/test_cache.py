"""The opt-in score cache: content keys, no collisions between judges, per-item persistence,
resume after an interruption, clear()."""

from __future__ import annotations

import json

import pytest

from sdialog import Dialog, Event, Turn
from sdialog.evaluators import DialogScore, LLMJudgeScore, LLMJudgeYesNo, ScoreCache, dialog_hash
from sdialog.evaluators import cache as score_cache
from sdialog.llm import ScriptedBackend


@pytest.fixture(autouse=True)
def _no_global_cache():
    score_cache.disable()
    yield
    score_cache.disable()


class Words(DialogScore):
    name = "words"

    def __init__(self, fail_after: int | None = None, weight: int = 1):
        self.weight = weight
        self._fail_after = fail_after
        self.calls: list[str] = []

    def score(self, dialog):
        if self._fail_after is not None and len(self.calls) >= self._fail_after:
            raise KeyboardInterrupt("interrupted")
        self.calls.append(dialog.turns[0].text)
        return self.weight * int(dialog.length("words"))


def dialogs(n: int) -> list[Dialog]:
    return [Dialog(turns=[Turn("A", " ".join(["w"] * (i + 1)))]) for i in range(n)]


# -- the content hash --------------------------------------------------------------------------
def test_dialog_hash_ignores_identity_and_times_but_not_content():
    base = Dialog(
        turns=[Turn("A", "Hi"), Turn("B", "Hello")],
        personas={"A": {"name": "Ann", "_metadata": {"id": "p1"}}},
        events=[Event("A", "utter", content="Hi", timestamp=1.0)],
    )
    same = base.model_copy(
        update={
            "id": "other",
            "timestamp": "2000-01-01T00:00:00Z",
            "seed": 99,
            "personas": {"A": {"name": "Ann", "_metadata": {"id": "p2"}}},
            "events": [Event("A", "utter", content="Hi", timestamp=2.0)],
        }
    )
    assert dialog_hash(base) == dialog_hash(same) == dialog_hash(base.clone())
    changed = [
        base.model_copy(update={"turns": [Turn("A", "Hi"), Turn("B", "Hello!")]}),
        base.model_copy(update={"turns": [Turn("A", "Hi"), Turn("C", "Hello")]}),
        base.model_copy(update={"personas": {"A": {"name": "Bea"}}}),
        base.model_copy(update={"events": [Event("A", "tool", content="Hi", timestamp=1.0)]}),
        base.model_copy(update={"context": "a bank"}),
    ]
    hashes = {dialog_hash(d) for d in changed}
    assert len(hashes) == len(changed) and dialog_hash(base) not in hashes


# -- keys: no collisions -----------------------------------------------------------------------
def judge_keys(*judges) -> list[str]:
    return [ScoreCache.config_key(j.config()) for j in judges]


def test_judges_differing_in_prompt_model_or_params_never_share_keys():
    a, b = ScriptedBackend(["{}"]), ScriptedBackend(["{}"], model="scripted:other")
    judges = [
        LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a),
        LLMJudgeYesNo("Is it rude?\n{{ dialog }}", model=a),
        LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=b),
        LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a, temperature=0.5),
        LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a, reason=True),
        LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a, template_vars={"x": 1}),
        LLMJudgeScore("Is it polite?\n{{ dialog }}", 1, 5, model=a),
        LLMJudgeScore("Is it polite?\n{{ dialog }}", 1, 10, model=a),
    ]
    keys = judge_keys(*judges)
    assert len(set(keys)) == len(keys)
    assert judge_keys(LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a))[0] == keys[0]
    # secrets never change (or enter) the key
    with_key = LLMJudgeYesNo("Is it polite?\n{{ dialog }}", model=a, api_key="sk-1")
    assert judge_keys(with_key)[0] == keys[0] and "sk-1" not in json.dumps(with_key.config())


def test_two_judges_on_one_cache_do_not_share_answers(tmp_path):
    d = Dialog(turns=[Turn("A", "Hi")])
    polite = LLMJudgeYesNo(
        "Is it polite?\n{{ dialog }}", model=ScriptedBackend([{"answer": "yes"}])
    )
    rude = LLMJudgeYesNo("Is it rude?\n{{ dialog }}", model=ScriptedBackend([{"answer": "no"}]))
    assert polite.batch([d], cache=tmp_path) == [True]
    assert rude.batch([d], cache=tmp_path) == [False]
    assert len(ScoreCache(tmp_path)) == 2


# -- behaviour ---------------------------------------------------------------------------------
def test_cache_replays_and_saves_one_file_per_item(tmp_path):
    metric = Words()
    items = dialogs(3)
    assert metric.batch(items, cache=tmp_path) == [1, 2, 3]
    files = sorted(tmp_path.glob("??/*.json"))
    assert len(files) == 3
    assert json.loads(files[0].read_text())["metric"] == "words"
    again = Words()
    assert again.batch(items, cache=tmp_path) == [1, 2, 3] and again.calls == []
    # a clone (new id and timestamp) is the same content
    assert again.batch([items[1].clone()], cache=tmp_path) == [2] and again.calls == []
    # a different setting is a different key
    assert Words(weight=2).batch(items, cache=tmp_path) == [2, 4, 6]


def test_interrupted_run_resumes_where_it_stopped(tmp_path):
    class Chunked(Words):
        chunk_size = 2

    items = dialogs(5)
    with pytest.raises(KeyboardInterrupt):
        Chunked(fail_after=3).batch(items, cache=tmp_path, progress=False)
    assert len(ScoreCache(tmp_path)) == 2  # the first chunk was saved before the interruption
    resumed = Chunked()
    assert resumed.batch(items, cache=tmp_path, progress=False) == [1, 2, 3, 4, 5]
    assert resumed.calls == ["w w w", "w w w w", "w w w w w"]


def test_failed_judgments_are_not_cached(tmp_path):
    d = Dialog(turns=[Turn("A", "Hi")])
    failing = LLMJudgeYesNo("Ok?\n{{ dialog }}", model=ScriptedBackend(["garbage"]))
    assert failing.batch([d], cache=tmp_path) == [None]
    assert len(ScoreCache(tmp_path)) == 0
    working = LLMJudgeYesNo("Ok?\n{{ dialog }}", model=ScriptedBackend([{"answer": "yes"}]))
    assert working.batch([d], cache=tmp_path) == [True]


def test_global_enable_disable_and_clear(tmp_path):
    store = score_cache.enable(tmp_path / "scores")
    assert score_cache.active() is store
    metric = Words()
    metric.batch(dialogs(2))
    assert len(store) == 2
    assert Words().batch(dialogs(2), cache=False) == [1, 2]  # per-call opt-out
    (tmp_path / "scores" / "keep.txt").write_text("not ours")
    assert score_cache.clear() == 2 and len(store) == 0
    assert (tmp_path / "scores" / "keep.txt").exists()  # only cache entries are removed
    again = Words()
    again.batch(dialogs(2))
    assert len(again.calls) == 2
    score_cache.disable()
    assert score_cache.active() is None and score_cache.clear() == 0


def test_default_folder_and_bad_arguments(tmp_path):
    import sdialog

    sdialog.config.set_cache_dir(tmp_path)
    assert score_cache.enable().path == tmp_path / "scores"
    assert score_cache.resolve(True).path == tmp_path / "scores"
    with pytest.raises(TypeError, match="cache must be"):
        Words().batch(dialogs(1), cache=3)
    with pytest.raises(ValueError, match="hex"):
        ScoreCache(tmp_path).get("../../etc")


def test_unreadable_entry_is_a_miss(tmp_path):
    store = ScoreCache(tmp_path)
    metric = Words()
    metric.batch(dialogs(1), cache=store)
    (entry,) = tmp_path.glob("??/*.json")
    entry.write_text("{torn")
    assert Words().batch(dialogs(1), cache=store) == [1]


class Sizes(DialogScore):
    name = "sizes"

    def __init__(self):
        self._sizes: list[int] = []

    def score_batch(self, dialogs):
        self._sizes.append(len(dialogs))
        return [len(d) for d in dialogs]


def test_slow_scores_run_in_chunks_with_progress_and_others_in_one_call():
    class SlowSizes(Sizes):
        slow = True

    items = dialogs(70)
    fast, slow = Sizes(), SlowSizes()
    assert fast.batch(items) == slow.batch(items) == [1] * 70
    assert fast._sizes == [70] and slow._sizes == [32, 32, 6]
    quiet = SlowSizes()
    quiet.batch(items, progress=False)
    assert quiet._sizes == [70]
