"""SDialog compatibility of the generators, through the public API: LLMDialogOutput replies,
double-brace rules, ``field: str = None`` persona classes, ContextGenerator(context=),
per-call overrides, prompt() and messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdialog import Context, Dialog
from sdialog.agents import Agent
from sdialog.generators import (
    ContextGenerator,
    DialogGenerator,
    LLMDialogOutput,
    Paraphraser,
    PersonaDialogGenerator,
    PersonaGenerator,
    Turn,
)
from sdialog.llm import ScriptedBackend, StructuredOutputError
from sdialog.personas import BasePersona, Persona

EXAMPLE = Dialog(turns=[Turn(speaker="A", text="This is an example!"), Turn("B", "Hi!")])


class Plain(BasePersona):
    """A person described by a few loose fields."""

    name: str = None
    age: int = None
    city: str = None
    hobby: str = None


class Invoker:
    """A LangChain-style model object whose structured reply is an LLMDialogOutput dump."""

    def __init__(self, reply):
        self.reply, self.seen = reply, []

    def invoke(self, messages):
        self.seen.append(messages)
        return self.reply


# ------------------------------------------------------------------------- reply shapes
def test_llm_dialog_output_replies_are_read_from_backends_and_model_objects() -> None:
    reply = LLMDialogOutput(dialog=[Turn(speaker="A", text="Hi"), Turn("B", "Hello")])
    assert Turn is type(reply.dialog[0]) and reply.model_dump()["dialog"][1]["text"] == "Hello"
    for model in (ScriptedBackend([reply.model_dump()]), Invoker(reply.model_dump())):
        dialog = DialogGenerator("Two people greet.", model=model)(seed=1)
        assert [str(t) for t in dialog] == ["A: Hi", "B: Hello"]


def test_llm_dialog_output_as_output_format() -> None:
    reply = {"dialog": [{"speaker": "A", "text": "Hi"}]}
    gen = DialogGenerator("x", output_format=LLMDialogOutput, model=ScriptedBackend([reply]))
    dialog = gen(seed=2)
    assert dialog[0].text == "Hi" and dialog.output == reply


# -------------------------------------------------------------------------------- rules
def test_double_brace_rules(tmp_path: Path) -> None:
    (tmp_path / "jobs.txt").write_text("baker\n\nnurse\n")
    (tmp_path / "people.csv").write_text("name,city\nAna,Lima\nBo,Oslo\n")
    (tmp_path / "people.tsv").write_text("name\tcity\nCy\tRome\n")
    gen = PersonaGenerator(Plain, generated_attributes={"age": "{{18-99}}"})
    gen.set(
        hobby="{{txt:%s}}" % (tmp_path / "jobs.txt"),
        name="{{csv:name:%s}}" % (tmp_path / "people.csv"),
        city="{{tsv:city:%s}}" % (tmp_path / "people.tsv"),
    )
    for seed in range(5):
        p = gen.generate(seed=seed)
        assert 18 <= p.age <= 99 and p.hobby in ("baker", "nurse")
        assert p.name in ("Ana", "Bo") and p.city == "Rome"
        assert p._metadata.model is None  # rules only: no model call


def test_none_default_fields_generate_without_validation_errors() -> None:
    p = PersonaGenerator(Plain, generated_attributes={"age": "{{20-30}}"}).generate(seed=3)
    assert 20 <= p.age <= 30 and p.name is None and p.city is None
    llm = ScriptedBackend([{"name": "Dummy", "age": 30, "city": "Quito", "hobby": "Chess"}])
    q = PersonaGenerator(Plain, model=llm).generate(seed=4)
    assert (q.name, q.age, q.city) == ("Dummy", 30, "Quito")
    again = Persona.from_dict(q.json(), Plain)
    assert type(again) is Plain and again.name == "Dummy"


def test_callable_rules_see_other_fields() -> None:
    gen = PersonaGenerator(Plain, generated_attributes={})
    gen.set(name=["Loco Polaco", "Loca Polaca"], hobby=lambda **a: a["name"][-1])
    for seed in range(4):
        p = gen.generate(seed=seed)
        assert p.hobby == p.name[-1]


# ---------------------------------------------------------------------- context generator
def test_context_generator_keeps_the_given_context() -> None:
    ctx = Context(location="Library", goals=["Study"])
    reply = {"environment": "quiet", "topics": ["exams", "books"]}
    gen = ContextGenerator(
        context=ctx, generated_attributes=["environment", "topics"], model=ScriptedBackend([reply])
    )
    out = gen.generate(seed=1)
    assert out.location == "Library" and out.goals == ["Study"]
    assert out.environment == "quiet" and out.topics == ["exams", "books"]
    with pytest.raises(TypeError, match="not both"):
        ContextGenerator(Context, context=ctx)


def test_context_generator_rules_with_set() -> None:
    gen = ContextGenerator(context=Context(), generated_attributes=[])
    gen.set(location=["Cafe", "Library"], goals=lambda **_: ["chat"])
    out = gen.generate(seed=2)
    assert out.location in ("Cafe", "Library") and out.goals == ["chat"]


# ------------------------------------------------------------------------ call overrides
class Recording(ScriptedBackend):
    """A scripted backend that also records the parameters of each batched call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params_seen = []

    def _complete_batch(self, conversations, **params):
        self.params_seen.append(params)
        return super()._complete_batch(conversations, **params)


def test_attribute_generate_overrides_go_to_metadata_and_model() -> None:
    llm = Recording([{"name": "A", "age": 1, "city": "B", "hobby": "C"}])
    p = PersonaGenerator(Plain, model=llm).generate(
        seed=5, id="p-1", parent_id="p-0", notes="batch 3", temperature=0.25, max_attempts=1
    )
    assert (p.id, p.parentId, p._metadata.notes) == ("p-1", "p-0", "batch 3")
    assert llm.params_seen[-1]["temperature"] == 0.25
    several = PersonaGenerator(Plain, model=llm).generate(n=2, seed=1, id="batch")
    assert [x.id for x in several] == ["batch-0", "batch-1"]


def test_attribute_max_attempts_bounds_the_retries() -> None:
    bad = ScriptedBackend(["not json"] * 5)
    with pytest.raises(StructuredOutputError, match="in 3 attempt"):
        PersonaGenerator(Plain, model=bad).generate(seed=1, max_attempts=3)
    assert len(bad.calls) == 3


def test_dialog_generate_overrides_apply_to_one_call() -> None:
    reply = {"turns": [{"speaker": "A", "text": "Hi"}, {"speaker": "B", "text": "Yo"}]}
    llm = Recording([reply])
    gen = DialogGenerator("Greetings.", example_dialogs=[EXAMPLE], model=llm)
    assert gen.example_dialogs[0] == EXAMPLE
    dialog = gen(
        context=Context(location="Library"),
        scenario={"case": 7},
        dialogue_details="A quiet greeting.",
        temperature=0.5,
        id="d-1",
        parent_id="d-0",
        notes="n",
        seed=3,
    )
    assert dialog.context.location == "Library" and dialog.scenario == {"case": 7}
    assert (dialog.id, dialog.parentId, dialog.notes) == ("d-1", "d-0", "n")
    assert "Library" in gen.prompt() and "A quiet greeting." in gen.prompt()
    assert EXAMPLE.turns[0].text in gen.messages[0].content
    assert gen.messages[0]["role"] == "system" and gen.messages[1].role == "user"
    assert llm.calls[-1][0]["content"] == gen.prompt()
    assert llm.params_seen[-1]["temperature"] == 0.5
    gen(seed=4)  # overrides do not carry over
    assert "Library" not in gen.prompt() and "Greetings." in gen.prompt()
    assert gen(seed=5).context is None


def test_dialog_generate_max_turns_override_bounds_the_schema() -> None:
    long = {"turns": [{"speaker": "A", "text": str(i)} for i in range(4)]}
    gen = DialogGenerator("x", model=ScriptedBackend([long]))
    assert len(gen(seed=1)) == 4
    with pytest.raises(StructuredOutputError):
        gen(seed=1, max_turns=2, max_attempts=1)
    assert "at most 2 turns" in gen.prompt()


def test_persona_dialog_generator_context_and_examples_at_generate() -> None:
    reply = LLMDialogOutput(dialog=[Turn(speaker="A", text="Hi")]).model_dump()
    gen = PersonaDialogGenerator(
        Persona(name="A"), Persona(name="B"), model=ScriptedBackend([reply])
    )
    dialog = gen(context=Context(location="Library"), example_dialogs=[EXAMPLE], seed=1)
    assert "Library" in gen.prompt() and EXAMPLE.turns[0].text in gen.messages[0].content
    assert dialog.personas["A"]["name"] == "A" and dialog.context.location == "Library"


def test_persona_dialog_generator_with_agents_takes_overrides() -> None:
    a = Agent(Persona(name="Ann"), "A", model=ScriptedBackend(["Hi there!"]))
    b = Agent(Persona(name="Ben"), "B", model=ScriptedBackend(["Hello!"]))
    gen = PersonaDialogGenerator(a, b, example_dialogs=[EXAMPLE])
    dialog = gen(max_turns=3, context=Context(location="Park"), scenario="s", seed=2)
    assert len(dialog) == 3 and set(dialog.personas) == {"A", "B"}
    assert dialog.context.location == "Park" and dialog.scenario == "s"
    assert a.context is None  # the agents themselves are not changed
    with pytest.raises(TypeError, match="temperature"):
        gen(temperature=0.1)


def test_response_details_reach_the_prompt() -> None:
    gen = PersonaDialogGenerator(
        Persona(name="A"),
        Persona(name="B"),
        response_details="one short sentence",
        model=ScriptedBackend(),
    )
    assert "one short sentence" in gen.prompt()


# -------------------------------------------------------------------------------- prompts
def test_prompt_of_persona_generator_and_paraphraser() -> None:
    gen = PersonaGenerator(Persona(name="Ana"), ["role"], extra_instructions="Use English.")
    text = gen.prompt()
    assert "Name: Ana" in text and "role" in text and "Use English." in text
    para = Paraphraser("Sound natural.", model=ScriptedBackend())
    assert "Sound natural." in para.prompt()


def test_paraphraser_call_takes_target_speaker_ignoring_case() -> None:
    d = Dialog(turns=[Turn("Bot", "hello"), Turn("User", "hey")])
    para = Paraphraser(model=ScriptedBackend([{"turns": ["Hello there!"]}]))
    out = para(d, target_speaker="bot", raise_on_validation_failure=True, seed=1)
    assert [t.text for t in out] == ["Hello there!", "hey"] and para.target_speaker is None
    assert "hello" in para.messages[1].content and para.messages[0]["role"] == "system"
    assert Paraphraser(model=ScriptedBackend()).messages[1].content == ""


def test_model_lists_lose_repeats_and_stray_commas() -> None:
    reply = {"objects": ["The desk.", "the desk", "a board"], "environment": "quiet ,"}
    ctx = ContextGenerator(
        Context(location="a classroom"), ["objects", "environment"], model=ScriptedBackend([reply])
    ).generate(seed=1)
    assert ctx.objects == ["The desk.", "a board"] and ctx.environment == "quiet"
