"""SDialog compatibility of dialogs and personas, through the public API: in-place transforms,
rename_speaker, rounded minutes, the reference's keywords, printing, Instruction events, persona
ids, loading as a given class, numbers in measurements and SDialog's persona field names."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from rich.console import Console

from sdialog import Context, Dialog, Event, Instruction, Turn
from sdialog import personas as P
from sdialog.agents import Agent
from sdialog.generators import PersonaGenerator
from sdialog.llm import ScriptedBackend
from sdialog.orchestrators import BaseOrchestrator

REFERENCE_PERSONAS = Path("/work/ref/sdist053/src053/sdialog/personas.py")


def _dialog() -> Dialog:
    return Dialog(
        id="root",
        turns=[Turn("Alice", "Hello Bob"), Turn("Bob", "Hi Alice, how are you?")],
        events=[
            Event("Alice", "utter", content="Hello Bob", timestamp=1),
            Event("Bob", "utter", content="Hi Alice, how are you?", timestamp=2),
        ],
        personas={"Alice": {"name": "Alice"}},
    )


# ------------------------------------------------------------------------------------ dialogs
def test_text_transforms_change_the_dialog_itself_and_chain() -> None:
    d = _dialog()
    assert d.lower().replace("hello", "hey").upper() is d
    assert [t.text for t in d] == ["HEY BOB", "HI ALICE, HOW ARE YOU?"]
    assert d.id == "root" and d.parentId is None
    assert d.events[0].content == "HEY BOB"  # utterances stay in step with turns


def test_in_place_false_still_gives_a_lineage_clone() -> None:
    d = _dialog()
    c = d.title(in_place=False)
    assert c is not d and c.parentId == "root" and d[0].text == "Hello Bob"


def test_rename_speaker_in_place_case_insensitive_with_events_option() -> None:
    d = _dialog()
    assert d.rename_speaker("alice", "Carol") is d
    assert d.get_speakers() == ["Carol", "Bob"] and list(d.personas) == ["Carol"]
    assert d.events[0].agent == "Carol"
    d.rename_speaker("BOB", "Dave", case_sensitive=True)  # no exact match: unchanged
    assert d[1].speaker == "Bob"
    d.rename_speaker("bob", "Dave", in_events=False)
    assert d[1].speaker == "Dave" and d.events[1].agent == "Bob"


def test_length_minutes_and_time_round_like_the_reference() -> None:
    d = _dialog()  # 7 words
    assert d.length("minutes") == d.length("time") == 1
    assert isinstance(d.length("minutes"), int)
    assert d.length("minutes", words_per_minute=2) == 4  # 3.5 -> 4
    assert d.length("minutes", words_per_minute=2, exact=True) == 3.5
    with pytest.raises(ValueError, match="mode"):
        d.length("hours")


def test_reference_keywords_description_json_from_json_get_speakers() -> None:
    d = Dialog(turns=[Turn("Ana", "Olá, café?"), Turn("ana", "Sim"), Turn(text="(pause)")])
    assert d.description(turn_template="<{speaker}> {text}").splitlines() == [
        "<Ana> Olá, café?",
        "<ana> Sim",
        "<> (pause)",
    ]
    text = d.json(string=True, ensure_ascii=True)
    assert text.isascii() and "\\u00e9" in text
    assert "café" in d.json(string=True)
    assert Dialog.from_json(json_str=text) == d
    with pytest.raises(TypeError, match="not both"):
        Dialog.from_json(text, json_str=text)
    assert d.get_speakers() == ["Ana", "ana"] and d.get_speakers(keep_case=False) == ["ana"]


def test_print_methods_write_what_they_show(capsys: pytest.CaptureFixture[str]) -> None:
    _dialog().print()
    out = capsys.readouterr().out
    assert "Dialogue Begins" in out and "Alice: Hello Bob" in out and "Dialogue Ends" in out
    Dialog(turns=[Turn("A", "x")], scenario={"case": 3}).print(scenario=True)
    assert 'scenario: {"case": 3}' in capsys.readouterr().out
    Context(location="Lab", goals=["Study"]).print()
    out = capsys.readouterr().out
    assert "Context" in out and "Location: Lab" in out and "Goals: Study" in out
    Turn("Bob", "Hi [bold]there[/bold]").print()
    assert capsys.readouterr().out.strip() == "Bob: Hi [bold]there[/bold]"
    assert Turn("A", "two\nlines").prompt() == "A: two lines"


def test_instruction_keeps_a_single_event_and_the_agent_logs_it() -> None:
    marker = Event(agent="Coach", action="note", content="flagged")
    assert Instruction("Be brief.", events=marker).events == marker

    class Coach(BaseOrchestrator):
        def instruct(self, dialog, utterance):
            return Instruction("Be brief.", events=marker)

    bot = Agent(name="Bot", model=ScriptedBackend(["Sure."])) | Coach()
    user = Agent(name="User", model=ScriptedBackend(["Hi"]))
    dialog = user.dialog_with(bot, max_turns=2, seed=1)
    actions = [e.action for e in dialog.events]
    assert "note" in actions and actions.index("note") < actions.index("instruct")


# ----------------------------------------------------------------------------------- personas
def test_persona_id_and_parent_id_follow_metadata() -> None:
    p = P.Persona(name="Ana")
    assert p.id == p._metadata.id and p.parentId is None
    child = p.clone(new_id="c-1", role="nurse")
    assert child.id == "c-1" and child.parentId == p.id and child.role == "nurse"
    p.id = 7
    assert p._metadata.id == 7 and "id" not in p.model_dump() and p.json()["_metadata"]["id"] == 7


def test_metadata_may_be_reset_to_none_or_given_as_a_dict() -> None:
    p = P.ExtendedPersona(name="Bob", occupation="Engineer")
    p._metadata = None
    clone = p.clone()
    assert clone._metadata.className == "ExtendedPersona" and clone.parentId == p.id
    p._metadata = {"id": 123}
    assert p.clone().parentId == 123


def test_load_as_a_given_class(tmp_path: Path) -> None:
    class Barista(P.BasePersona):
        name: str = None
        drink: str = None

    data = Barista(name="Ana", drink="flat white").json()
    data["_metadata"]["className"] = "SomethingElse"
    loaded = P.Persona.from_dict(data, Barista)
    assert type(loaded) is Barista and loaded.drink == "flat white"
    assert type(P.BasePersona.from_json(json.dumps(data), Barista)) is Barista
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    assert type(P.BasePersona.from_file(path, Barista)) is Barista
    with pytest.raises(TypeError, match="persona class"):
        P.BasePersona.from_dict(data, "Barista")


def test_numbers_stay_numbers_and_lists_stay_lists() -> None:
    p = P.Patient(name="Jo", height=180, weight=75.5, symptoms=["cough", "fever"])
    assert p.json()["height"] == 180 and p.json()["weight"] == 75.5
    assert p.symptoms == ["cough", "fever"]
    e = P.ExtendedPersona(weight="70kg", height=175.0)
    assert e.weight == "70kg" and e.height == 175.0
    back = P.BasePersona.from_json(p.json(string=True))
    assert back.height == 180 and back == p


def _reference_fields() -> dict[str, list[str]]:
    tree = ast.parse(REFERENCE_PERSONAS.read_text())
    fields: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            base = node.bases[0].id if node.bases else ""
            own = [s.target.id for s in node.body if isinstance(s, ast.AnnAssign)]
            fields[node.name] = [*fields.get(base, []), *own]
    return fields


@pytest.mark.skipif(not REFERENCE_PERSONAS.exists(), reason="reference source not available")
def test_every_reference_persona_field_exists_and_is_settable() -> None:
    for name, fields in _reference_fields().items():
        cls = getattr(P, name)
        missing = [f for f in fields if f not in cls.model_fields]
        assert not missing, (name, missing)
        PersonaGenerator(cls).set(**{f: "x" for f in fields})  # no "has no field" error


@pytest.mark.parametrize(
    ("cls", "field", "value"),
    [
        (P.Teacher, "communication_style", "warm"),
        (P.Student, "interests", "chess"),
        (P.Nurse, "specialty", "ICU"),
        (P.Chef, "cuisine_specialty", "Thai"),
        (P.Waiter, "restaurant_name", "Chez Lu"),
    ],
)
def test_reference_field_names_generate(cls: type, field: str, value: str) -> None:
    persona = PersonaGenerator(cls, generated_attributes={}).set(**{field: value}).generate(seed=1)
    assert getattr(persona, field) == value and persona._metadata.model is None


def test_earlier_sdialog_field_names_still_load() -> None:
    chef = P.Chef(restaurant="Lu", cuisine="Thai")
    assert (chef.restaurant_name, chef.cuisine_specialty) == ("Lu", "Thai")
    old_file = {"name": "Kim", "hotel": "Ritz", "_metadata": {"className": "HotelReceptionist"}}
    assert P.BasePersona.from_dict(old_file).hotel_name == "Ritz"
    assert P.Caregiver(years_of_experience=3).experience_years == 3
    assert "restaurant" not in chef.json()  # written under the new name only
    gen = PersonaGenerator(P.Chef, generated_attributes={}).set(cuisine="Thai")
    assert gen.generate(seed=1).cuisine_specialty == "Thai"  # rules may use the old name too


def test_console_width_independent_context_print() -> None:
    console = Console(width=30, color_system=None)
    with console.capture() as cap:
        Context().print(console=console)
    assert "(empty)" in cap.get()


def test_filter_ignores_case_and_chains_like_the_reference_readme(tmp_path: Path) -> None:
    d = _dialog()
    out = tmp_path / "processed.json"
    d.filter("alice").rename_speaker("Alice", "Customer").upper().to_file(out)
    saved = Dialog.from_file(out)
    assert [str(t) for t in saved] == ["Customer: HELLO BOB"] and saved.parentId == "root"
    assert d[0].text == "Hello Bob"  # filter made a copy; the chain changed only the copy
    assert len(d.filter("alice", case_sensitive=True)) == 0


def test_persona_helpers_attributes_json_without_metadata_and_to_file(tmp_path: Path) -> None:
    assert P.Teacher.attributes()[:4] == ["name", "age", "gender", "language"]
    assert "communication_style" in P.Teacher.attributes()
    assert "_metadata" not in P.Teacher(name="x").json(output_metadata=False)
    with pytest.raises(FileNotFoundError, match="makedir=False"):
        P.Teacher().to_file(tmp_path / "missing" / "t.json", makedir=False)
    P.Teacher(name="Lee").to_file(tmp_path / "made" / "t.json")
    assert P.BasePersona.from_file(tmp_path / "made" / "t.json").name == "Lee"


def test_reference_io_aliases_and_to_file_options(tmp_path: Path) -> None:
    d = Dialog(id="x", turns=[Turn("A", "café"), Turn("B", "ok")])
    d.save(tmp_path / "d.json", ensure_ascii=True)
    assert "\\u00e9" in (tmp_path / "d.json").read_text() and Dialog.load(tmp_path / "d.json") == d
    with pytest.raises(FileExistsError, match="overwrite=False"):
        d.to_file(tmp_path / "d.json", overwrite=False)
    with pytest.raises(FileNotFoundError, match="makedir=False"):
        d.to_file(tmp_path / "no" / "d.json", makedir=False)
    d.to_file(tmp_path / "d.data", type="txt")
    assert [str(t) for t in Dialog.open(tmp_path / "d.data", type="txt")] == ["A: café", "B: ok"]
    d.save(tmp_path / "f" / "one.txt")
    assert [t.text for t in Dialog.load_folder(tmp_path / "f", type="txt")[0]] == ["café", "ok"]
