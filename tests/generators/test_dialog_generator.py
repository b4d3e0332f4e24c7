"""DialogGenerator: prompts, provenance, seeds, batching, retries, output formats; tiny and
embedded models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

import sdialog
from sdialog.dialog import Context, Dialog, Turn
from sdialog.generators import DialogGenerator
from sdialog.generators.dialog_generator import RETRY_SEED_OFFSET, dialog_schema
from sdialog.llm import ScriptedBackend, StructuredOutputError

REPLY = {
    "turns": [
        {"speaker": "Ana", "text": "Do you have fresh bread?"},
        {"speaker": "Ben", "text": "Yes, just out of the oven."},
    ]
}


class CountingBackend(ScriptedBackend):
    """A scripted backend that also records each batch call (its size and seeds)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[dict] = []

    def _complete_batch(self, conversations, *, schema, tools, **params):
        self.batches.append({"size": len(conversations), "seed": params.get("seed")})
        return super()._complete_batch(conversations, schema=schema, tools=tools, **params)


class Chef:
    """A persona-like object: prompt() and json(), not a pydantic model."""

    def prompt(self) -> str:
        return "Name: Remy\nSpecialty: soups"

    def json(self) -> dict:
        return {"name": "Remy", "specialty": "soups"}


def test_prompt_holds_details_personas_context_scenario_and_examples():
    backend = CountingBackend([REPLY])
    example = Dialog(turns=[Turn("X", "Morning!"), Turn("Y", "Morning to you.")])
    gen = DialogGenerator(
        "A customer buys bread at a bakery.",
        context=Context(location="a small bakery", topics=["sourdough"]),
        example_dialogs=[example, "X: Bye\nY: See you"],
        scenario={"goal": "buy two loaves"},
        personas={"Ana": {"name": "Ana", "age": 31}, "Ben": Chef()},
        model=backend,
    )
    gen(seed=1)
    system, user = backend.calls[0]
    assert system["role"] == "system" and user["role"] == "user"
    prompt = system["content"]
    for expected in (
        "A customer buys bread at a bakery.",
        "- Ana:",
        "Name: Ana",
        "Age: 31",
        "Specialty: soups",
        "Location: a small bakery",
        "Topics: sourdough",
        "Goal: buy two loaves",
        "X: Morning!\nY: Morning to you.",
        "X: Bye\nY: See you",
        "between Ana and Ben",
    ):
        assert expected in prompt, expected
    assert gen.messages == backend.calls[0]
    assert gen.messages[0].content == prompt  # SDialog reads them as objects


def test_dialog_records_provenance_personas_context_and_seed():
    backend = ScriptedBackend([REPLY], temperature=0.3)
    context = Context(location="a bakery")
    gen = DialogGenerator(
        "Buying bread.",
        context=context,
        scenario={"goal": "bread"},
        personas={" Ana ": {"name": "Ana"}, "Ben": Chef()},
        model=backend,
        api_key="sk-secret-123",
    )
    dialog = gen.generate(seed=11, id="d1", parent_id="p0", notes="first try")
    assert isinstance(dialog, Dialog)
    assert [(t.speaker, t.text) for t in dialog] == [
        ("Ana", "Do you have fresh bread?"),
        ("Ben", "Yes, just out of the oven."),
    ]
    assert (dialog.id, dialog.parentId, dialog.notes) == ("d1", "p0", "first try")
    assert dialog.seed == 11 and dialog.complete is True
    assert dialog.model["model"] == "scripted" and dialog.model["backend"] == "scripted"
    assert dialog.model["seed"] == 11 and dialog.model["params"]["temperature"] == 0.3
    assert dialog.personas == {
        "Ana": {"name": "Ana"},
        "Ben": {"name": "Remy", "specialty": "soups"},
    }
    assert dialog.context.location == "a bakery" and dialog.context is not context
    assert dialog.scenario == {"goal": "bread"}
    assert "sk-secret-123" not in dialog.json(string=True)
    assert Dialog.from_json(dialog.json(string=True)) == dialog


def test_n_dialogs_are_one_batched_call_with_per_dialog_seeds():
    backend = CountingBackend([REPLY])
    dialogs = DialogGenerator("Buying bread.", model=backend)(seed=100, n=3, id="run")
    assert backend.batches == [{"size": 3, "seed": [100, 101, 102]}]
    assert [d.seed for d in dialogs] == [100, 101, 102]
    assert [d.model["seed"] for d in dialogs] == [100, 101, 102]
    assert [d.id for d in dialogs] == ["run-0", "run-1", "run-2"]
    assert len({d.id for d in DialogGenerator("x", model=backend)(n=2)}) == 2


def test_default_seed_comes_from_model_params_then_config():
    sdialog.config.set_seed(5)
    assert DialogGenerator("x", model=ScriptedBackend([REPLY]))().seed == 5
    assert DialogGenerator("x", model=ScriptedBackend([REPLY]), seed=9)().seed == 9
    assert DialogGenerator("x", model=ScriptedBackend([REPLY], seed=8))().seed == 8
    assert DialogGenerator("x", model=ScriptedBackend([REPLY]), seed=9)(seed=1).seed == 1


def test_empty_turns_are_dropped_and_speakers_stripped():
    reply = {
        "turns": [
            {"speaker": "  Ana ", "text": " Hello "},
            {"speaker": "Ben", "text": "   "},
            {"speaker": "Ben", "text": "Hi."},
        ]
    }
    dialog = DialogGenerator("x", model=ScriptedBackend([reply]))()
    assert [(t.speaker, t.text) for t in dialog] == [("Ana", "Hello"), ("Ben", "Hi.")]


def test_a_bad_reply_is_retried_once_with_a_new_seed():
    backend = CountingBackend(["not json at all", REPLY], cycle=False)
    dialog = DialogGenerator("x", model=backend)(seed=3)
    assert backend.batches == [
        {"size": 1, "seed": [3]},
        {"size": 1, "seed": [3 + RETRY_SEED_OFFSET]},
    ]
    assert dialog.seed == 3 + RETRY_SEED_OFFSET == dialog.model["seed"]
    assert len(dialog) == 2


def test_a_row_failing_twice_raises_naming_the_dialog_index():
    backend = CountingBackend([REPLY, "{}", REPLY, {"turns": []}], cycle=False)
    with pytest.raises(StructuredOutputError, match=r"dialog 1 of 3"):
        DialogGenerator("x", model=backend)(seed=0, n=3)
    assert [b["size"] for b in backend.batches] == [3, 1]  # the retry batches the failed rows


def test_only_blank_turns_count_as_a_failure():
    blank = {"turns": [{"speaker": "A", "text": "  "}]}
    backend = ScriptedBackend([blank, REPLY], cycle=False)
    assert len(DialogGenerator("x", model=backend)()) == 2
    with pytest.raises(StructuredOutputError, match="non-empty turns"):
        DialogGenerator("x", model=ScriptedBackend([blank]))()


def test_speakers_and_turn_bounds_shape_the_schema():
    gen = DialogGenerator(
        "x", personas={"Ana": {}, "Ben": {}}, min_turns=2, max_turns=6, model="scripted:x"
    )
    schema = gen.schema.model_json_schema()
    turn = schema["$defs"]["GeneratedTurn"]["properties"]
    assert turn["speaker"]["enum"] == ["Ana", "Ben"]
    assert (
        schema["properties"]["turns"]["minItems"],
        schema["properties"]["turns"]["maxItems"],
    ) == (
        2,
        6,
    )
    assert "between 2 and 6 turns" in gen.prompt()
    intruder = {"turns": [{"speaker": "Eve", "text": "Hi"}, {"speaker": "Ana", "text": "Hi"}]}
    gen = DialogGenerator("x", personas={"Ana": {}, "Ben": {}}, model=ScriptedBackend([intruder]))
    with pytest.raises(StructuredOutputError, match="dialog 0 of 1"):
        gen()
    explicit = DialogGenerator("x", speakers=["Doctor", "Patient"], model="scripted:x")
    assert explicit.schema.model_json_schema()["$defs"]["GeneratedTurn"]["properties"]["speaker"][
        "enum"
    ] == ["Doctor", "Patient"]
    assert (
        dialog_schema(max_chars=20).model_json_schema()["$defs"]["GeneratedTurn"]["properties"][
            "text"
        ]["maxLength"]
        == 20
    )


class Line(BaseModel):
    role: str
    content: str


class Script(BaseModel):
    title: str
    dialog: list[Line]


class Summary(BaseModel):
    summary: str


def test_user_output_format_keeps_the_parsed_reply_and_builds_turns():
    reply = {"title": "Bread", "dialog": [{"role": "Ana", "content": "Bread?"}]}
    backend = ScriptedBackend([reply])
    dialog = DialogGenerator("x", output_format=Script, model=backend)()
    assert [(t.speaker, t.text) for t in dialog] == [("Ana", "Bread?")]
    assert dialog.output == reply
    assert "requested format" in backend.calls[0][0]["content"]
    assert Dialog.from_json(dialog.json(string=True)).output == reply

    summary = DialogGenerator("x", output_format=Summary, model=ScriptedBackend([{"summary": "s"}]))
    dialog = summary()
    assert len(dialog) == 0 and dialog.output == {"summary": "s"}


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="dialogue_details"):
        DialogGenerator(None, model="scripted:x")
    with pytest.raises(TypeError, match="personas"):
        DialogGenerator("x", personas=["Ana", "Ben"], model="scripted:x")
    with pytest.raises(TypeError, match="output_format"):
        DialogGenerator("x", output_format={"type": "object"}, model="scripted:x")
    with pytest.raises(ValueError, match="min_turns"):
        DialogGenerator("x", min_turns=3, max_turns=2, model="scripted:x")
    with pytest.raises(ValueError, match="n must be"):
        DialogGenerator("x", model="scripted:x")(n=0)
    with pytest.raises(ValueError, match="2 ids for n=3"):
        DialogGenerator("x", model=ScriptedBackend([REPLY]))(n=3, id=["a", "b"])


# ------------------------------------------------------------------- the tiny random local model
class TinyTurn(BaseModel):
    speaker: str = Field(min_length=1, max_length=6)
    text: str = Field(min_length=1, max_length=12)


class TinyDialog(BaseModel):
    turns: list[TinyTurn] = Field(min_length=1, max_length=3)


def test_tiny_random_model_returns_a_valid_dialog_under_the_grammar(tiny_backend):
    gen = DialogGenerator(
        "Two people talk.", output_format=TinyDialog, model=tiny_backend, max_tokens=400
    )
    dialog = gen(seed=1)
    assert isinstance(dialog, Dialog) and 1 <= len(dialog) <= 3
    assert all(t.text.strip() and len(t.text) <= 12 for t in dialog)
    assert dialog.model["model"] == "huggingface:tiny" and dialog.model["seed"] == dialog.seed


def test_tiny_model_batches_are_seeded_and_reproducible(tiny_backend):
    gen = DialogGenerator(
        "Two people talk.",
        personas={"Ana": {}, "Ben": {}},
        max_turns=2,
        max_chars=10,
        model=tiny_backend,
        temperature=1.0,
        max_tokens=400,
    )
    batch = gen(seed=20, n=3)
    assert [d.seed for d in batch] == [20, 21, 22]
    for dialog in batch:
        assert 1 <= len(dialog) <= 2 and set(dialog.get_speakers()) <= {"Ana", "Ben"}
    again = gen(seed=21)
    assert again.turns == batch[1].turns  # same seed: the same dialog, alone or in a batch


def test_placeholder_speakers_are_rejected_and_retried():
    bad = {"turns": [{"speaker": "<name>", "text": "Hello"}]}
    good = {"turns": [{"speaker": "Ana", "text": "Hello"}]}
    backend = ScriptedBackend([bad, good])
    assert DialogGenerator("x", model=backend)(seed=1).get_speakers() == ["Ana"]


# ------------------------------------------------------------------------- the embedded model
@pytest.mark.integration
def test_embedded_model_writes_a_short_two_speaker_dialog():
    gen = DialogGenerator(
        "Ana, a customer, asks Ben, a baker, whether he has fresh bread today.",
        personas={"Ana": {"role": "customer"}, "Ben": {"role": "baker"}},
        min_turns=2,
        max_turns=2,
        max_chars=60,
        model="smollm2",
        temperature=0.7,
        max_tokens=120,
    )
    dialog = gen(seed=2)
    assert len(dialog) >= 2
    assert set(dialog.get_speakers()) == {"Ana", "Ben"}
    assert all(t.text.strip() for t in dialog)
    assert dialog.model["model"] == "smollm2"


@pytest.mark.integration
def test_embedded_model_names_speakers_without_copying_the_placeholder():
    gen = DialogGenerator(
        "A brief medical consultation about headaches.",
        max_turns=2,
        max_chars=80,
        model="smollm2",
        max_tokens=200,
    )
    dialog = gen(seed=1)
    assert dialog.get_speakers() and all(
        not set("<>{}[]") & set(speaker) for speaker in dialog.get_speakers()
    )


def test_local_models_cap_turn_text_by_default_so_a_looping_turn_still_closes(tiny_backend):
    from sdialog.generators.dialog_generator import LOCAL_TURN_MAX_CHARS

    def cap(gen):
        turn = gen.schema.model_json_schema()["$defs"]["GeneratedTurn"]["properties"]["text"]
        return turn.get("maxLength")

    assert cap(DialogGenerator("x", model=tiny_backend)) == LOCAL_TURN_MAX_CHARS
    assert cap(DialogGenerator("x", model=tiny_backend, max_chars=50)) == 50
    assert cap(DialogGenerator("x", model="scripted:x")) is None  # remote/scripted: no cap
    assert DialogGenerator("x", model=tiny_backend, output_format=TinyDialog).max_chars is None
