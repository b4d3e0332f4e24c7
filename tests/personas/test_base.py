"""Tests for sdialog.personas.base: text views, lineage, JSON/file I/O and the class registry."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from pydantic import Field
from rich.console import Console

from sdialog.dialog import Dialog, Turn
from sdialog.personas import (
    BasePersona,
    Customer,
    Doctor,
    Patient,
    Persona,
    PersonaFormatError,
    SupportAgent,
    persona_class,
    persona_classes,
)
from sdialog.personas.base import PROMPT_VALUE_CHARS


class TestTextViews:
    def test_fields_default_to_empty_strings(self) -> None:
        p = Persona()
        assert all(getattr(p, name) == "" for name in Persona.model_fields)
        assert p.description() == "" and p.prompt() == ""

    def test_description_lists_only_non_empty_fields(self) -> None:
        p = Persona(name="Ana", age=34, role="", personality="warm")
        assert p.description() == "Name: Ana\nAge: 34\nPersonality: warm"
        assert str(p) == p.description()

    def test_description_includes_extra_keys_and_lists(self) -> None:
        p = Persona(name="Ana", pets=["cat", "dog"])
        assert p.description() == "Name: Ana\nPets: cat; dog"

    def test_prompt_is_compact(self) -> None:
        long = "word " * 200
        p = Customer(name="  Bo ", issue="late\n\n parcel", issue_description=long)
        lines = p.prompt().splitlines()
        assert lines[0] == "Name: Bo"
        assert lines[1] == "Issue: late parcel"
        value = lines[2].split(": ", 1)[1]
        assert len(value) == PROMPT_VALUE_CHARS and value.endswith("…")
        assert len(lines) == 3

    def test_default_role_of_support_agent_is_shown(self) -> None:
        assert SupportAgent(name="Kim").prompt() == "Name: Kim\nRole: Customer Support Agent"

    def test_print_is_plain_text_not_markup(self) -> None:
        console = Console(width=80, color_system=None)
        with console.capture() as capture:
            Persona(name="[bold]Ana[/bold]", role="nurse").print(console=console)
        out = capture.get()
        assert "[bold]Ana[/bold]" in out and "nurse" in out and "Persona" in out


class TestJson:
    def test_json_has_every_field_and_metadata(self) -> None:
        p = Doctor(name="Lee", specialty="cardiology")
        data = p.json()
        assert list(data)[:-1] == list(Doctor.model_fields)
        meta = data["_metadata"]
        assert set(meta) >= {"id", "parentId", "className", "model", "seed", "notes"}
        assert meta["className"] == "Doctor" and meta["parentId"] is None
        assert uuid.UUID(meta["id"]).version == 4

    def test_json_string_and_indent(self) -> None:
        p = Persona(name="Zoë")
        text = p.json(string=True)
        assert "Zoë" in text and "\n  " in text
        assert json.loads(p.json(string=True, indent=None)) == p.json()

    def test_each_persona_has_its_own_id(self) -> None:
        assert Persona()._metadata.id != Persona()._metadata.id

    def test_round_trip_keeps_fields_metadata_and_unknown_keys(self) -> None:
        p = Customer(name="Bo", age="middle-aged", times_called=3, vip=True)
        p._metadata.model, p._metadata.seed = "smollm2", 7
        data = p.json()
        data["_metadata"]["reviewer"] = "qa-team"
        back = BasePersona.from_json(json.dumps(data))
        assert type(back) is Customer
        assert back.age == "middle-aged" and back.times_called == 3 and back.vip is True
        assert back._metadata.id == p._metadata.id and back._metadata.seed == 7
        assert back.json()["_metadata"]["reviewer"] == "qa-team"
        assert back.json() == data

    def test_equality_compares_fields_and_metadata(self) -> None:
        p = Persona(name="Ana")
        assert BasePersona.from_dict(p.json()) == p
        assert Persona(name="Ana") != p  # a different id

    def test_validating_an_existing_persona_keeps_its_metadata(self) -> None:
        p = Persona(name="Ana")
        assert Persona.model_validate(p)._metadata.id == p._metadata.id

    def test_numbers_become_text_in_text_fields(self) -> None:
        assert Persona(name=7).name == "7"
        assert Persona(age=40).age == 40

    def test_dialog_stores_persona_json_with_metadata(self) -> None:
        p = Patient(name="Sam", symptoms="cough")
        dialog = Dialog(personas={"Sam": p}, turns=[Turn("Sam", "Hi")])
        stored = Dialog.from_json(dialog.json(string=True)).personas["Sam"]
        assert stored["_metadata"]["className"] == "Patient"
        assert BasePersona.from_dict(stored) == p


class TestClone:
    def test_clone_has_new_id_and_parent(self) -> None:
        p = Patient(name="Sam", symptoms="cough")
        p._metadata.seed = 3
        q = p.clone(symptoms="fever", mood="tired")
        assert (q.name, q.symptoms, q.mood) == ("Sam", "fever", "tired")
        assert p.symptoms == "cough"
        assert q._metadata.id != p._metadata.id
        assert q._metadata.parentId == p._metadata.id
        assert q._metadata.className == "Patient" and q._metadata.seed == 3
        assert type(q) is Patient

    def test_clone_validates_overrides(self) -> None:
        with pytest.raises(ValueError, match="age"):
            Persona().clone(age=["not", "an", "age"])


class TestFiles:
    def test_to_file_and_from_file(self, tmp_path) -> None:
        p = Doctor(name="Lee", years_of_experience=12)
        path = tmp_path / "sub" / "lee.json"
        p.to_file(path)
        assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
        for loaded in (
            BasePersona.from_file(path),
            BasePersona.from_file(str(path)),
            BasePersona.from_json(path),
            Doctor.from_json(str(path)),
        ):
            assert type(loaded) is Doctor and loaded == p

    def test_missing_file_names_the_path(self, tmp_path) -> None:
        with pytest.raises(FileNotFoundError, match=r"nope\.json"):
            BasePersona.from_file(tmp_path / "nope.json")

    def test_invalid_json_names_the_file(self, tmp_path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{"name": "Ana",', encoding="utf-8")
        with pytest.raises(PersonaFormatError, match=r"broken\.json: not valid JSON") as err:
            BasePersona.from_file(path)
        assert err.value.source == str(path)

    def test_invalid_value_names_the_file_and_field(self, tmp_path) -> None:
        path = tmp_path / "bad.json"
        data = Persona(name="Ana").json()
        data["age"] = {"years": 3}
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(PersonaFormatError, match=r"bad\.json.*field 'age'") as err:
            BasePersona.from_file(path)
        assert err.value.field == "age"

    def test_not_an_object(self, tmp_path) -> None:
        path = tmp_path / "list.json"
        path.write_text("[1, 2]", encoding="utf-8")
        with pytest.raises(PersonaFormatError, match=r"list\.json: expected a JSON object"):
            BasePersona.from_file(path)

    def test_bad_metadata(self) -> None:
        with pytest.raises(PersonaFormatError, match="_metadata"):
            Persona.from_dict({"name": "Ana", "_metadata": "oops"})


class TestRegistry:
    def test_subclass_defined_after_import_is_resolved(self, tmp_path) -> None:
        class Astronaut(BasePersona):
            name: str = Field("", description="Full name.")
            missions: int = Field(0, description="Missions flown.")

        path = tmp_path / "a.json"
        Astronaut(name="Yuri", missions=2).to_file(path)
        loaded = BasePersona.from_file(path)
        assert type(loaded) is Astronaut and loaded.missions == 2
        assert persona_class("Astronaut") is Astronaut

    def test_subclass_of_a_builtin_is_resolved(self) -> None:
        class Surgeon(Doctor):
            hospital: str = ""

        data = Surgeon(name="Ada", hospital="St. Mary").json()
        assert type(BasePersona.from_dict(data)) is Surgeon
        assert type(Doctor.from_dict(data)) is Surgeon  # a Surgeon is a Doctor

    def test_latest_definition_of_a_name_wins(self) -> None:
        class Pilot(BasePersona):
            name: str = ""

        first = Pilot

        class Pilot(BasePersona):  # a redefinition, as in a notebook
            name: str = ""
            airline: str = ""

        assert persona_class("Pilot") is Pilot is not first

    def test_unknown_class_lists_known_classes(self) -> None:
        data = {"name": "x", "_metadata": {"className": "Wizard"}}
        with pytest.raises(PersonaFormatError, match="unknown persona class 'Wizard'") as err:
            BasePersona.from_dict(data)
        assert "Customer" in str(err.value) and "Doctor" in str(err.value)
        with pytest.raises(LookupError, match=r"known classes: .*Persona"):
            persona_class("Wizard")

    def test_concrete_class_without_class_name_loads_as_that_class(self) -> None:
        assert type(Customer.from_dict({"name": "Bo"})) is Customer
        assert type(Customer.from_dict({"name": "Bo", "_metadata": {"className": "Gone"}})) is (
            Customer
        )
        with pytest.raises(PersonaFormatError, match="className"):
            BasePersona.from_dict({"name": "Bo"})

    def test_data_of_an_unrelated_class_is_refused(self) -> None:
        with pytest.raises(PersonaFormatError, match="is a Doctor, which is not a Customer"):
            Customer.from_dict(Doctor(name="Lee").json())

    def test_persona_classes_lists_builtins(self) -> None:
        classes = persona_classes()
        assert classes["Customer"] is Customer and len(classes) >= 35


def test_import_is_light_and_has_no_side_effects() -> None:
    code = (
        "import random, sys, logging; state = random.getstate(); import sdialog.personas; "
        "heavy = [m for m in ('torch', 'transformers', 'litellm', 'numpy') if m in sys.modules]; "
        "print(heavy, random.getstate() == state, len(logging.getLogger().handlers))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True 0"
