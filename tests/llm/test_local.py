"""LocalBackend on a tiny random Llama: batching, padding, seeds, stop strings, constrained JSON,
tool calls, log-probability scoring, hooks, sharing and the response cache."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Literal

import pytest
import torch
from pydantic import BaseModel, Field

from sdialog.llm import LocalBackend, ResponseCache, StructuredOutputError, load_model

PROMPTS = [
    [{"role": "user", "content": "Hi"}],
    [
        {"role": "system", "content": "You are a very talkative pirate captain."},
        {"role": "user", "content": "Tell me a long story about the sea, please!"},
    ],
    [{"role": "user", "content": "What is two plus two?"}],
]


class Mood(BaseModel):
    mood: Literal["happy", "sad", "calm"]
    ok: bool
    tag: str = Field(max_length=4)


def test_batch_equals_per_row_greedy(tiny_backend):
    batched = tiny_backend.complete_batch(PROMPTS)
    single = [tiny_backend.complete(p) for p in PROMPTS]
    assert [c.text for c in batched] == [c.text for c in single]
    assert all(c.usage.completion_tokens > 0 for c in batched)


def test_batch_equals_per_row_sampled_with_row_seeds(tiny_backend):
    batched = tiny_backend.complete_batch(PROMPTS, temperature=1.0, seed=[7, 8, 9])
    single = [
        tiny_backend.complete(p, temperature=1.0, seed=s)
        for p, s in zip(PROMPTS, [7, 8, 9], strict=True)
    ]
    assert [c.text for c in batched] == [c.text for c in single]
    assert [c.provenance["seed"] for c in batched] == [7, 8, 9]


def test_sampling_is_seeded_and_seed_matters(tiny_backend):
    a = tiny_backend.complete(PROMPTS[0], temperature=1.0, seed=1).text
    b = tiny_backend.complete(PROMPTS[0], temperature=1.0, seed=1).text
    c = tiny_backend.complete(PROMPTS[0], temperature=1.0, seed=2).text
    assert a == b
    assert a != c


def test_sampling_does_not_touch_global_rng(tiny_backend):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tiny_backend.complete(PROMPTS[0], temperature=1.0, seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_generation_leaves_the_shared_tokenizer_untouched(tiny_model, tiny_backend):
    _, tokenizer = tiny_model
    tokenizer.padding_side = "right"
    tiny_backend.complete_batch(PROMPTS, max_tokens=2)
    assert tokenizer.padding_side == "right"


def test_left_padding_gives_same_logits_as_unpadded(tiny_model, tiny_backend):
    model, tokenizer = tiny_model
    prompts = [tiny_backend.render_prompt(p) for p in PROMPTS]
    tokenizer.padding_side = "left"
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    assert (batch["attention_mask"] == 0).any(), "the prompts must need padding"
    with torch.inference_mode():
        padded = model(**batch).logits[:, -1]
        for row, prompt in enumerate(prompts):
            alone = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
            torch.testing.assert_close(
                padded[row], model(**alone).logits[0, -1], atol=1e-4, rtol=1e-4
            )


def test_stop_strings_cut_the_reply(tiny_backend):
    free = tiny_backend.complete(PROMPTS[1], max_tokens=24)
    assert free.finish_reason == "length" and len(free.text) > 6
    stop = free.text[4:6]
    cut = tiny_backend.complete(PROMPTS[1], max_tokens=24, stop=[stop])
    assert stop not in cut.text
    assert cut.text == free.text[: free.text.find(stop)]
    assert cut.finish_reason == "stop"


def test_constrained_json_always_valid(tiny_backend):
    results = tiny_backend.complete_batch(
        PROMPTS * 2, schema=Mood, temperature=1.0, seed=list(range(6)), max_tokens=64
    )
    for completion in results:
        assert completion.error is None, completion.error
        assert isinstance(completion.parsed, Mood)
        assert Mood.model_validate(json.loads(completion.text, strict=False)) == completion.parsed


def test_truncated_json_is_an_error_not_garbage(tiny_backend):
    class Long(BaseModel):
        story: str

    completion = tiny_backend.complete_batch([PROMPTS[0]], schema=Long, max_tokens=3)[0]
    assert completion.parsed is None and "length" in completion.error
    with pytest.raises(StructuredOutputError):
        tiny_backend.complete(PROMPTS[0], schema=Long, max_tokens=3)


def test_local_tool_calls_are_well_formed(tiny_backend):
    def set_alarm(hour: int, label: Literal["work", "gym"]) -> str:
        """Set an alarm.

        Args:
            hour: hour of the day.
            label: what the alarm is for.
        """
        return "ok"

    kinds = set()
    results = tiny_backend.complete_batch(
        [PROMPTS[0]] * 12, tools=[set_alarm], temperature=1.0, seed=list(range(12)), max_tokens=64
    )
    for completion in results:
        if completion.tool_calls:
            call = completion.tool_calls[0]
            assert call.name == "set_alarm" and completion.finish_reason == "tool_calls"
            assert isinstance(call.arguments["hour"], int)
            assert call.arguments["label"] in ("work", "gym")
            kinds.add("call")
        elif completion.error is None:
            assert completion.finish_reason == "stop"
            kinds.add("reply")
        else:  # a random model may spend its budget on a huge integer: only truncation fails
            assert completion.finish_reason == "length"
            kinds.add("truncated")
    assert kinds & {"call", "reply"}


def test_score_continuations_matches_manual_forward(tiny_model, tiny_backend):
    model, tokenizer = tiny_model
    candidates = ["yes", "no thanks"]
    scores = tiny_backend.score_continuations(PROMPTS[2], candidates)
    prompt_ids = tokenizer(tiny_backend.render_prompt(PROMPTS[2]), add_special_tokens=False)[
        "input_ids"
    ]
    for candidate, score in zip(candidates, scores, strict=True):
        ids = prompt_ids + tokenizer(candidate, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logprobs = model(torch.tensor([ids])).logits[0].log_softmax(-1)
        manual = sum(float(logprobs[k - 1, ids[k]]) for k in range(len(prompt_ids), len(ids)))
        assert score == pytest.approx(manual, abs=1e-3)


def test_messages_not_mutated_and_provenance_has_no_secrets(tiny_backend):
    messages = [dict(m) for m in PROMPTS[1]]
    snapshot = json.dumps(messages)
    completion = tiny_backend.complete(messages, api_key="sk-SECRET", seed=11)
    assert json.dumps(messages) == snapshot
    assert "SECRET" not in json.dumps(completion.provenance)
    assert completion.provenance["seed"] == 11
    assert completion.provenance["model"] == "huggingface:tiny"
    assert "SECRET" not in repr(LocalBackend("huggingface:tiny", api_key="sk-SECRET"))


def test_hooks_fire_only_inside_their_call(tiny_model, tiny_backend):
    model, _ = tiny_model
    calls = []
    # transformers may keep inert output-recording hooks of its own on shared layers
    before = dict(model.model.layers[0]._forward_hooks)

    @contextlib.contextmanager
    def counting(torch_model):
        handle = torch_model.model.layers[0].register_forward_hook(lambda *a: calls.append(1))
        try:
            yield
        finally:
            handle.remove()

    tiny_backend.complete(PROMPTS[0], max_tokens=5, hooks=[counting])
    assert len(calls) == 5  # one prefill + four decode steps
    tiny_backend.complete(PROMPTS[0], max_tokens=5)
    assert len(calls) == 5
    assert dict(model.model.layers[0]._forward_hooks) == before


def test_models_are_shared(tiny_model, tmp_path):
    a = LocalBackend("huggingface:tiny")
    b = LocalBackend("hf:tiny", temperature=0.1)
    assert a.torch_model is b.torch_model is tiny_model[0]
    model, tokenizer = tiny_model
    model.save_pretrained(tmp_path / "tiny")
    tokenizer.save_pretrained(tmp_path / "tiny")
    first = load_model(str(tmp_path / "tiny"), device="cpu")
    assert load_model(str(tmp_path / "tiny"), device="cpu") is first
    assert first.model.dtype == torch.float32


def test_missing_model_folder_is_a_clear_error(tmp_path):
    from sdialog.llm import BackendError

    with pytest.raises(BackendError, match="cannot load model"):
        LocalBackend(f"huggingface:{tmp_path / 'nope'}").load()


def test_response_cache_replays_and_is_thread_safe(tiny_model, tmp_path):
    backend = LocalBackend("huggingface:tiny", temperature=1.0, max_tokens=8, cache=tmp_path)
    first = backend.complete(PROMPTS[0], seed=3)
    again = backend.complete(PROMPTS[0], seed=3)
    assert not first.cached and again.cached and again.text == first.text
    assert not backend.complete(PROMPTS[0], seed=4).cached
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(backend.complete(PROMPTS[2], seed=9).text))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert len(ResponseCache(tmp_path)) == 3


def test_structured_cache_hit_is_revalidated(tiny_model, tmp_path):
    backend = LocalBackend("huggingface:tiny", temperature=1.0, max_tokens=64, cache=tmp_path)
    first = backend.complete(PROMPTS[0], schema=Mood, seed=1)
    again = backend.complete(PROMPTS[0], schema=Mood, seed=1)
    assert again.cached and again.parsed == first.parsed


def test_hooked_calls_are_never_cached(tiny_model, tmp_path):
    backend = LocalBackend("huggingface:tiny", max_tokens=4, cache=tmp_path)
    backend.complete(PROMPTS[0], hooks=[lambda m: contextlib.nullcontext()])
    assert len(ResponseCache(tmp_path)) == 0


def test_context_hooks_see_rows_padding_and_sequences(tiny_model):
    backend = LocalBackend("huggingface:tiny", temperature=0, max_tokens=3, max_batch_size=2)
    seen = []

    class Recorder:
        def generation(self, context):
            seen.append(context)
            return contextlib.nullcontext()

    backend.complete_batch(PROMPTS, hooks=[Recorder()])
    # rows sorted by prompt length, then chunked; one call id and size for the whole call
    assert [c.rows for c in seen] == [(0, 2), (1,)]
    assert {c.call_id for c in seen} == {seen[0].call_id} and seen[0].call_size == 3
    first = seen[0]
    assert first.attention_mask[0].sum() < first.attention_mask.shape[1]  # left padding
    assert first.attention_mask[0, -1] == 1 and first.attention_mask[0, 0] == 0
    assert first.sequences.shape[1] == first.input_ids.shape[1] + 3
