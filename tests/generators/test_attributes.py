"""Tests for sdialog.generators.attributes: the rule mini-language, seeding, batching, the LLM."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from pydantic import BaseModel, Field

from sdialog.dialog import Context
from sdialog.generators import ContextGenerator, PersonaGenerator
from sdialog.generators.attributes import AttributeGenerator, RuleError
from sdialog.llm import BackendError, ScriptedBackend, StructuredOutputError
from sdialog.personas import BasePersona, Customer, Doctor, Patient, Persona, SupportAgent


class SpyBackend(ScriptedBackend):
    """A scripted backend that also records each ``complete_batch`` call (size and params)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[dict] = []

    def complete_batch(self, conversations, **params):
        self.batches.append({"size": len(conversations), **params})
        return super().complete_batch(conversations, **params)


class NoModel(ScriptedBackend):
    """Fails the test if any completion is asked for."""

    def complete_batch(self, conversations, **params):
        raise AssertionError("the model must not be called")


def names_reply(messages):
    """Structured reply naming the persona after a word of its prompt, so rows differ."""
    return {"name": f"N{len(messages[-1]['content'])}", "occupation": "baker", "issue": "refund"}


def fixed(**values):
    return ScriptedBackend([values])


# -- rules ---------------------------------------------------------------------------------------
class TestRules:
    def test_fixed_values_and_lists(self) -> None:
        gen = PersonaGenerator(Persona, [], model=NoModel()).set(name="Ana", role=["nurse", "cook"])
        p = gen.generate(seed=1)
        assert p.name == "Ana" and p.role in ("nurse", "cook")

    def test_range_is_inclusive_and_coerced_to_the_field_type(self) -> None:
        gen = PersonaGenerator(Persona, [], model=NoModel()).set(age="{3-4}", name="{1-1}")
        people = gen.generate(n=30, seed=0)
        assert {p.age for p in people} == {3, 4}
        assert {p.name for p in people} == {"1"}  # a number in a text field becomes text

    def test_txt_rule_draws_non_empty_lines(self, tmp_path) -> None:
        path = tmp_path / "names.txt"
        path.write_text("  Ana \n\n   \nBo\n", encoding="utf-8")
        people = PersonaGenerator(Persona, []).set(name=f"{{txt:{path}}}").generate(n=20, seed=2)
        assert {p.name for p in people} == {"Ana", "Bo"}

    @pytest.mark.parametrize(("kind", "sep"), [("csv", ","), ("tsv", "\t")])
    @pytest.mark.parametrize("column", ["city", "1"])
    def test_table_rules_by_name_or_index_skip_the_header(self, tmp_path, kind, sep, column):
        path = tmp_path / f"places.{kind}"
        rows = [["country", "city"], ["Peru", "Lima"], ["Chile", ""], ["Japan", "Osaka"]]
        path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
        gen = ContextGenerator(Context, []).set(location=f"{{{kind}:{column}:{path}}}")
        assert {c.location for c in gen.generate(n=20, seed=3)} == {"Lima", "Osaka"}

    def test_callables_get_the_values_they_name(self) -> None:
        seen = {}

        def rules(name, age):
            return f"{name} is {age}"

        def anything(**values):
            seen.update(values)
            return "calm"

        gen = PersonaGenerator(Persona, [], model=NoModel())
        gen.set(name="Ana", age="{30-30}", rules=rules, personality=anything)
        p = gen.generate(seed=4)
        assert p.rules == "Ana is 30" and p.personality == "calm"
        assert seen["rules"] == "Ana is 30" and "personality" not in seen  # set order, not self

    def test_callable_naming_a_model_field_runs_after_the_model(self) -> None:
        llm = fixed(name="Zed")
        gen = PersonaGenerator(Persona, ["name"], model=llm).set(rules=lambda name: f"I am {name}")
        assert gen.generate(seed=1).rules == "I am Zed"

    def test_instance_values_are_kept_and_a_rule_replaces_one(self) -> None:
        llm = SpyBackend([{"specialty": "dermatology"}])
        template = Doctor(name="Dr. Lee", specialty="", race="Asian")
        doc = PersonaGenerator(template, ["name", "specialty"], model=llm).generate(seed=1)
        assert (doc.name, doc.specialty, doc.race) == ("Dr. Lee", "dermatology", "Asian")
        assert "Dr. Lee" in llm.calls[0][-1]["content"]  # known values guide the model
        doc = PersonaGenerator(template, [], model=NoModel()).set(name="Dr. Kim").generate(seed=1)
        assert doc.name == "Dr. Kim"

    def test_non_empty_class_defaults_are_kept(self) -> None:
        agent = PersonaGenerator(SupportAgent, [], model=NoModel()).generate(seed=1)
        assert agent.role == "Customer Support Agent"

    def test_set_is_chainable_and_checks_field_names(self) -> None:
        gen = PersonaGenerator(Doctor)
        assert gen.set(name="A") is gen
        with pytest.raises(ValueError, match=r"Doctor has no field 'hobby'; fields: name, age"):
            gen.set(hobby="chess")
        with pytest.raises(ValueError, match="no field 'hobby'"):
            PersonaGenerator(Doctor, ["name", "hobby"])
        with pytest.raises(ValueError, match="generated_attributes"):
            PersonaGenerator(Doctor, "some")

    @pytest.mark.parametrize("rule", ["{5-2}", "{5-}", "{1-x}"])
    def test_bad_range_names_the_rule(self, rule) -> None:
        with pytest.raises(RuleError, match=rf"field 'age'.*{rule}"):
            PersonaGenerator(Persona).set(age=rule)

    def test_unknown_rule_kind_and_empty_list(self) -> None:
        with pytest.raises(RuleError, match=r"unknown rule '\{json:x\}'"):
            PersonaGenerator(Persona).set(name="{json:x}")
        with pytest.raises(RuleError, match="empty list"):
            PersonaGenerator(Persona).set(name=[])

    def test_unreadable_files_are_named(self, tmp_path) -> None:
        missing = tmp_path / "missing.txt"
        pattern = rf"field 'name'.*cannot read {re.escape(str(missing))}"
        with pytest.raises(RuleError, match=pattern):
            PersonaGenerator(Persona).set(name=f"{{txt:{missing}}}")
        empty = tmp_path / "empty.txt"
        empty.write_text("\n  \n", encoding="utf-8")
        with pytest.raises(RuleError, match=r"empty\.txt has no non-empty line"):
            PersonaGenerator(Persona).set(name=f"{{txt:{empty}}}")
        table = tmp_path / "t.csv"
        table.write_text("a,b\n1,2\n", encoding="utf-8")
        with pytest.raises(RuleError, match=r"t\.csv has no column 'c'; columns: a, b"):
            PersonaGenerator(Persona).set(name=f"{{csv:c:{table}}}")

    def test_a_value_of_the_wrong_type_is_reported(self) -> None:
        gen = PersonaGenerator(Persona, [], model=NoModel()).set(age=lambda: {"years": 3})
        with pytest.raises(RuleError, match="field 'age'"):
            gen.generate(seed=1)


# -- generation, seeds and provenance ----------------------------------------------------------
class TestGenerate:
    def rules_only(self) -> PersonaGenerator:
        return PersonaGenerator(Persona, [], model=NoModel()).set(
            name=["Ana", "Bo", "Cy", "Di"], age="{18-90}", role=lambda age: f"role-{age}"
        )

    def test_n_gives_a_list_of_distinct_ids(self) -> None:
        people = self.rules_only().generate(n=5, seed=1)
        assert isinstance(people, list) and len(people) == 5
        assert len({p._metadata.id for p in people}) == 5
        assert [p._metadata.seed for p in people] == [1, 2, 3, 4, 5]
        assert isinstance(self.rules_only().generate(seed=1), Persona)
        with pytest.raises(ValueError, match="positive"):
            self.rules_only().generate(n=0)

    def test_same_seed_same_values(self) -> None:
        def values(objs):
            return [p.model_dump() for p in objs]

        a = self.rules_only().generate(n=6, seed=11)
        assert values(a) == values(self.rules_only().generate(n=6, seed=11))
        assert values(a) != values(self.rules_only().generate(n=6, seed=12))
        assert values(a[2:3]) == [self.rules_only().generate(seed=13).model_dump()]

    def test_without_a_seed_calls_differ_but_runs_repeat(self) -> None:
        gen = self.rules_only()
        first = [gen.generate().model_dump() for _ in range(4)]
        assert len({json.dumps(v) for v in first}) > 1
        again = self.rules_only()
        assert [again.generate().model_dump() for _ in range(4)] == first

    def test_rules_covering_every_field_make_no_llm_call(self) -> None:
        llm = ScriptedBackend([{"name": "unused"}])
        gen = PersonaGenerator(Patient, model=llm)
        gen.set(**{name: "x" for name in Patient.model_fields})
        patients = gen.generate(n=3, seed=1)
        assert llm.calls == []
        assert all(p._metadata.model is None for p in patients)

    def test_nothing_left_to_the_llm_makes_no_call(self) -> None:
        llm = ScriptedBackend([{"name": "unused"}])
        PersonaGenerator(Customer, [], model=llm).set(name="{llm}").set(name="Bo").generate(n=2)
        assert llm.calls == []

    def test_one_batched_call_for_n_objects(self) -> None:
        llm = SpyBackend(names_reply)
        gen = PersonaGenerator(Customer, ["name", "occupation"], model=llm)
        gen.set(age="{20-70}", issue="{llm:about a refund}")
        people = gen.generate(n=4, seed=100)
        assert len(llm.batches) == 1
        batch = llm.batches[0]
        assert batch["size"] == 4 and batch["seed"] == [100, 101, 102, 103]
        assert set(batch["schema"].model_fields) == {"name", "occupation", "issue"}
        assert len(llm.calls) == 4
        for p in people:
            assert p.name.startswith("N") and p.occupation == "baker" and p.issue == "refund"
            assert p._metadata.model == "scripted" and p._metadata.className == "Customer"
        prompt = llm.calls[0][-1]["content"]
        assert "about a refund" in prompt and "Age:" in prompt

    def test_generated_attributes_all_list_and_dict(self) -> None:
        llm = SpyBackend(lambda m: {})
        PersonaGenerator(Doctor, model=llm).set(name="A", age=1, race="x", gender="y")
        all_fields = PersonaGenerator(Doctor, model=llm)
        assert set(all_fields._model_fields()) == set(Doctor.model_fields)
        listed = PersonaGenerator(Doctor, ["specialty", "age"], model=llm)
        assert set(listed._model_fields()) == {"specialty", "age"}
        by_dict = PersonaGenerator(Doctor, {"specialty": "{llm:a rare one}", "age": "{40-41}"})
        assert by_dict._model_fields() == {"specialty": "a rare one"}

    def test_model_values_are_coerced_and_stripped(self) -> None:
        llm = fixed(name=" Ana ", age=41, years_of_experience="ten")
        doc = PersonaGenerator(Doctor, ["name", "age", "years_of_experience"], model=llm).generate()
        assert (doc.name, doc.age, doc.years_of_experience) == ("Ana", 41, "ten")

    def test_failed_rows_are_retried_once_with_a_new_seed(self) -> None:
        llm = SpyBackend([{"name": "Ana"}, "not json", {"name": "Bo"}])
        people = PersonaGenerator(Persona, ["name"], model=llm).generate(n=2, seed=7)
        assert [p.name for p in people] == ["Ana", "Bo"]
        assert [b["size"] for b in llm.batches] == [2, 1]
        retry_seed = llm.batches[1]["seed"][0]
        assert retry_seed not in (7, 8)
        assert people[1]._metadata.seed == 8 and people[1].json()["_metadata"]["llm_seed"] == (
            retry_seed
        )
        assert "llm_seed" not in people[0].json()["_metadata"]

    def test_rows_failing_twice_raise_a_clear_error(self) -> None:
        llm = ScriptedBackend(["nope"])
        gen = PersonaGenerator(Persona, ["name", "role"], model=llm)
        with pytest.raises(StructuredOutputError, match=r"1 of 1 Persona.*name, role.*retry"):
            gen.generate(seed=1)
        assert isinstance(StructuredOutputError("x"), BackendError)

    def test_max_tokens_budget(self) -> None:
        llm = SpyBackend(lambda m: {"name": "A"})
        PersonaGenerator(Persona, ["name"], model=llm, max_value_chars=40).generate()
        assert llm.batches[-1]["max_tokens"] == 32 + 16 + 20
        PersonaGenerator(Persona, ["name"], model=llm, max_tokens=50, temperature=0).generate()
        assert llm.batches[-1]["max_tokens"] == 50 and llm.batches[-1]["temperature"] == 0
        schema = llm.batches[-1]["schema"].model_json_schema()
        assert schema["properties"]["name"]["maxLength"] == 160

    def test_model_string_and_config_default(self) -> None:
        import sdialog

        sdialog.config.llm("scripted:" + json.dumps({"name": "Cfg"}))
        assert PersonaGenerator(Persona, ["name"]).generate().name == "Cfg"
        gen = PersonaGenerator(Persona, ["name"], model='scripted:{"name": "Str"}')
        assert gen.generate().name == "Str"

    def test_context_generator(self) -> None:
        llm = fixed(location="a bakery", goals="buy bread")
        ctx = ContextGenerator(model=llm, generated_attributes=["location", "goals"]).generate()
        assert isinstance(ctx, Context) and ctx.location == "a bakery"
        assert ctx.goals == "buy bread" and ctx.topics is None
        kept = ContextGenerator(Context(location="a bank"), ["location"], model=NoModel())
        assert kept.generate().location == "a bank"

    def test_any_pydantic_model_and_later_subclasses(self) -> None:
        class Robot(BasePersona):
            """A household robot."""

            model_name: str = ""
            battery: int = 0

        llm = SpyBackend([{"model_name": "R2"}])
        robot = PersonaGenerator(Robot, ["model_name"], model=llm).set(battery="{90-90}").generate()
        assert (robot.model_name, robot.battery) == ("R2", 90)
        assert "household robot" in llm.calls[0][-1]["content"]
        assert type(BasePersona.from_json(robot.json(string=True))) is Robot
        with pytest.raises(TypeError):
            AttributeGenerator("not a model")

    def test_default_factories_run_per_object_and_empty_ones_are_filled(self) -> None:
        class Ticket(BaseModel):
            """A support ticket."""

            id: str = Field(default_factory=lambda: uuid.uuid4().hex)
            tags: list[str] = Field(default_factory=list)
            title: str = ""

        llm = SpyBackend([{"tags": ["refund"], "title": "Card charged twice"}])
        a, b = AttributeGenerator(Ticket, model=llm).generate(n=2, seed=1)
        assert a.id != b.id and a.tags == ["refund"] and b.title == "Card charged twice"
        assert set(llm.batches[0]["schema"].model_fields) == {"tags", "title"}
        assert llm.calls[0][-1]["content"].endswith("Give its tags and title.")


# -- real constrained decoding -----------------------------------------------------------------
def test_tiny_model_output_always_validates(tiny_backend) -> None:
    gen = PersonaGenerator(
        Customer,
        ["name", "age", "issue"],
        model=tiny_backend,
        temperature=1.0,
        max_tokens=256,  # byte-level tokens: up to 4 per character, plus JSON escapes
        max_value_chars=6,
    ).set(occupation="{llm:a job}")
    people = gen.generate(n=3, seed=5)
    for p in people:
        assert all(str(getattr(p, f)).strip() for f in ("name", "age", "issue", "occupation"))
        assert Customer.model_validate(p.model_dump()).name == p.name
        assert p._metadata.model == "huggingface:tiny"
    assert len({p._metadata.id for p in people}) == 3


@pytest.mark.integration
def test_embedded_model_writes_customers() -> None:
    from sdialog.llm import get_backend

    gen = PersonaGenerator(
        Customer, [], model=get_backend("smollm2"), max_value_chars=24, temperature=0.7
    ).set(name="{llm}", occupation="{llm:a job}", issue="{llm:a problem with an order}")
    people = gen.generate(n=2, seed=1)
    assert len(people) == 2
    for p in people:
        assert p.name.strip() and p.occupation.strip() and p.issue.strip()
        assert p._metadata.model == "smollm2" and p._metadata.seed in (1, 2)
