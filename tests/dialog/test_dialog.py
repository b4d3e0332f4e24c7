"""Tests for sdialog.dialog.dialog and its mixins (transforms, persistence, render)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import BaseModel
from rich.console import Console

import sdialog
from sdialog.dialog import (
    SCHEMA_VERSION,
    WORDS_PER_MINUTE,
    Context,
    Dialog,
    DialogFormatError,
    Event,
    Turn,
)


def make_dialog() -> Dialog:
    """Three turns with aligned events: instructions, thoughts and a tool call around them."""
    return Dialog(
        id="root",
        model={"Alice": {"name": "m1"}, "Bob": "m2"},
        seed=3,
        personas={"Alice": {"name": "Alice"}, "Bob": {"name": "Bob"}},
        context=Context(location="park"),
        turns=[Turn("Alice", "Hi Bob"), Turn(None, "(door slams)"), Turn("Bob", "Hello, Alice")],
        events=[
            Event(agent=None, action="instruct", content="be kind", timestamp=1),
            Event(agent="Alice", action="think", content="greet", timestamp=2),
            Event(agent="Alice", action="utter", content="Hi Bob", timestamp=3),
            Event(agent=None, action="utter", content="(door slams)", timestamp=4),
            Event(
                agent="Bob", action="tool", actionLabel="call", content={"name": "f"}, timestamp=5
            ),
            Event(agent="Bob", action="utter", content="Hello, Alice", timestamp=6),
            Event(agent="Bob", action="think", content="done", timestamp=7),
        ],
    )


def capture(dialog: Dialog, **options: Any) -> str:
    console = Console(width=120, color_system=None, record=True)
    with console.capture() as cap:
        dialog.print(console=console, **options)
    return cap.get()


# ----------------------------------------------------------------------- construction
class TestDefaults:
    def test_metadata_defaults(self) -> None:
        d = Dialog()
        assert d.version == sdialog.__version__
        assert d.schema_version == SCHEMA_VERSION
        stamp = datetime.fromisoformat(d.timestamp)
        assert stamp.utcoffset() == timezone.utc.utcoffset(None)
        assert abs((datetime.now(timezone.utc) - stamp).total_seconds()) < 60
        assert uuid.UUID(d.id).version == 4
        assert d.parentId is None and d.complete is None and d.model is None
        assert d.turns == [] and d.events == [] and d.personas == {}

    def test_ids_are_unique(self) -> None:
        assert Dialog().id != Dialog().id

    def test_lazy_export_from_package_root(self) -> None:
        assert sdialog.Dialog is Dialog and sdialog.Turn is Turn and sdialog.Context is Context

    def test_numeric_ids_become_strings(self) -> None:
        d = Dialog(id=7, parentId=3, schema_version=1)
        assert (d.id, d.parentId, d.schema_version) == ("7", "3", "1")

    def test_turns_from_pairs(self) -> None:
        assert Dialog(turns=[("A", "hi")]).turns == [Turn("A", "hi")]

    def test_empty_dialog_is_truthy(self) -> None:
        assert Dialog() and len(Dialog()) == 0

    def test_personas_from_objects(self) -> None:
        class Plain(BaseModel):
            name: str = "Ann"

        class WithJson(BaseModel):
            name: str = "Bo"

            def json(self, string: bool = False) -> Any:  # type: ignore[override]
                return {"name": self.name, "_metadata": {"className": "WithJson"}}

        d = Dialog(personas={"A": Plain(), "B": WithJson()})
        assert d.personas == {
            "A": {"name": "Ann"},
            "B": {"name": "Bo", "_metadata": {"className": "WithJson"}},
        }

    def test_context_forms(self) -> None:
        class Office(Context):
            floor: int = 3

        assert Dialog(context="a cafe").context == "a cafe"
        assert Dialog(context={"location": "x"}).context == Context(location="x")
        d = Dialog(context=Office(location="hq"))
        assert d.json()["context"]["floor"] == 3  # subclass fields are serialized

    def test_per_speaker_model(self) -> None:
        d = Dialog(model={"Alice": {"name": "a"}, "Bob": {"name": "b"}})
        assert Dialog.from_json(d.json(string=True)).model == d.model


class TestNoSideEffects:
    def test_no_subprocess_on_construction(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def forbidden(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("a subprocess was started")

        for name in ("run", "Popen", "check_output", "call", "check_call"):
            monkeypatch.setattr(subprocess, name, forbidden)
        monkeypatch.setattr(os, "system", forbidden)
        d = make_dialog()
        Dialog.from_json(d.json(string=True)).clone()[1:].filter("Bob").upper()

    def test_import_has_no_side_effects(self) -> None:
        code = (
            "import logging, sys; before = list(logging.getLogger().handlers);"
            "import sdialog.dialog;"
            "assert logging.getLogger().handlers == before;"
            "assert logging.getLogger().level == logging.WARNING;"
            "heavy = [m for m in ('datasets', 'rich', 'pandas', 'torch') if m in sys.modules];"
            "assert not heavy, heavy"
        )
        subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ container behaviour
class TestContainer:
    def test_len_index_iter(self) -> None:
        d = make_dialog()
        assert len(d) == 3
        assert d[0] == Turn("Alice", "Hi Bob") and d[-1].speaker == "Bob"
        assert [t.text for t in d] == ["Hi Bob", "(door slams)", "Hello, Alice"]

    def test_index_error(self) -> None:
        with pytest.raises(IndexError):
            make_dialog()[3]

    def test_slice_is_lineage_clone(self) -> None:
        d = make_dialog()
        part = d[1:]
        assert isinstance(part, Dialog)
        assert part.parentId == "root" and part.id != "root"
        assert [t.text for t in part] == ["(door slams)", "Hello, Alice"]
        assert part.personas == d.personas and part.seed == 3
        assert len(d) == 3  # source unchanged

    def test_slice_keeps_the_events_of_the_selected_turns(self) -> None:
        d = make_dialog()
        assert [e.timestamp for e in d[:1].events] == [1, 2, 3]
        assert [e.timestamp for e in d[1:].events] == [4, 5, 6, 7]
        assert [e.timestamp for e in d[1:2].events] == [4]
        assert [e.timestamp for e in d[::2].events] == [1, 2, 3, 5, 6, 7]
        assert [e.timestamp for e in d[::-1].events] == [1, 2, 3, 4, 5, 6, 7]
        assert d[::-1][0].text == "Hello, Alice"
        assert d[5:].events == [] and len(d[5:]) == 0

    def test_slice_drops_events_that_do_not_match_turns(self) -> None:
        d = Dialog(turns=[Turn("A", "x"), Turn("B", "y")], events=[Event(action="think")])
        assert d[:1].events == []
        assert d[:].events == d.events  # a full slice keeps everything

    def test_slice_copies_deeply(self) -> None:
        d = make_dialog()
        part = d[:]
        part.turns[0].text = "changed"
        assert d[0].text == "Hi Bob"


class TestLineage:
    def test_clone(self) -> None:
        d = make_dialog()
        c = d.clone()
        assert c.parentId == "root" and c.id != "root"
        assert c.turns == d.turns and c.events == d.events and c.timestamp == d.timestamp
        c.personas["Alice"]["name"] = "Zed"
        assert d.personas["Alice"]["name"] == "Alice"

    def test_clone_with_new_id(self) -> None:
        assert make_dialog().clone(new_id="child").id == "child"

    def test_filter_with_agentless_events(self) -> None:
        d = make_dialog()  # has events with agent=None (PITFALL: the reference crashed)
        bob = d.filter("Bob")
        assert [t.text for t in bob] == ["Hello, Alice"]
        assert {e.agent for e in bob.events} == {"Bob"}
        assert bob.parentId == "root"

    def test_filter_several_and_none(self) -> None:
        d = make_dialog()
        assert len(d.filter(["Alice", "Bob"])) == 2
        nobody = d.filter(None)
        assert [t.text for t in nobody] == ["(door slams)"]
        assert all(e.agent is None for e in nobody.events) and len(nobody.events) == 2

    def test_get_speakers(self) -> None:
        d = Dialog(turns=[Turn("B", "x"), Turn(None, "y"), Turn("A", "z"), Turn("B", "w")])
        assert d.get_speakers() == ["B", "A"]


class TestLength:
    def test_modes(self) -> None:
        d = Dialog(turns=[Turn("A", "one two three"), Turn("B", "four")])
        assert d.length() == d.length("words") == 4
        assert d.length("turns") == 2
        assert d.length("minutes") == 1  # rounded, at least 1 (as SDialog)
        assert d.length("minutes", exact=True) == pytest.approx(4 / WORDS_PER_MINUTE)
        assert d.length("time", words_per_minute=2) == d.length("MINUTES", words_per_minute=2) == 2
        assert d.length("minutes", words_per_minute=3) == 1  # 1.33 rounds to 1
        assert d.length("minutes", words_per_minute=1.5) == 3  # 2.67 rounds to 3
        assert Dialog().length("minutes") == 0  # no words, no time

    def test_bad_mode_and_rate(self) -> None:
        with pytest.raises(ValueError, match="mode"):
            Dialog().length("seconds")
        with pytest.raises(ValueError, match="words_per_minute"):
            Dialog().length("minutes", words_per_minute=0)


# ---------------------------------------------------------------------------- text views
class TestTextViews:
    def test_description_and_str(self) -> None:
        d = make_dialog()
        expected = "Alice: Hi Bob\n(door slams)\nBob: Hello, Alice"
        assert d.description() == str(d) == expected
        assert d.description("[{speaker}] {text}").startswith("[Alice] Hi Bob")

    def test_prompt_keeps_one_line_per_turn(self) -> None:
        d = Dialog(turns=[Turn("A", "line one\nline two"), Turn(None, "x")])
        assert d.prompt() == "A: line one line two\nx"

    def test_json(self) -> None:
        d = make_dialog()
        data = d.json()
        assert data["id"] == "root"
        assert data["turns"][1] == {"speaker": None, "text": "(door slams)"}
        text = d.json(string=True)
        assert json.loads(text) == data and "\n  " in text
        assert "\n" not in d.json(string=True, indent=None)

    def test_json_schema(self) -> None:
        schema = Dialog.json_schema()
        assert {"turns", "events", "personas", "schema_version"} <= set(schema["properties"])
        assert "Turn" in schema["$defs"] and "Event" in schema["$defs"]

    def test_unknown_keys_round_trip(self) -> None:
        data = make_dialog().json()
        data["x_annotator"] = {"name": "kim", "scores": [1, 2]}
        data["turns"][0]["x_start"] = 0.5
        data["events"][0]["x_latency"] = 3
        data["context"]["x_weather"] = "rain"
        back = Dialog.from_json(json.dumps(data)).json()
        assert back == data


class TestPrint:
    def test_plain(self) -> None:
        out = capture(make_dialog())
        assert "Alice: Hi Bob" in out and "(door slams)" in out and "Bob: Hello, Alice" in out
        assert "think" not in out and "instruct" not in out

    def test_speakerless_turns_and_agentless_events(self) -> None:
        d = Dialog(turns=[Turn(text="x")], events=[Event(action="think", content="y")])
        out = capture(d, all=True)
        assert "x" in out and "(think) -: y" in out

    def test_think_and_orchestration(self) -> None:
        d = make_dialog()
        think = capture(d, think=True)
        assert "(think) Alice: greet" in think and "instruct" not in think
        orch = capture(d, orchestration=True)
        assert "(instruct) -: be kind" in orch and "think" not in orch
        # events are shown next to their turn, in order
        assert orch.index("be kind") < orch.index("Alice: Hi Bob")

    def test_all_shows_metadata_and_every_event(self) -> None:
        out = capture(make_dialog(), all=True)
        assert "id: root" in out and "seed: 3" in out and '"location": "park"' in out
        assert "(tool/call) Bob" in out and "(think) Bob: done" in out

    def test_unaligned_events_listed_after_turns(self) -> None:
        d = Dialog(turns=[Turn("A", "x")], events=[Event(action="think", content="t")])
        out = capture(d, think=True)
        assert out.index("A: x") < out.index("Events") < out.index("(think) -: t")

    def test_markup_is_printed_literally(self) -> None:
        out = capture(Dialog(turns=[Turn("[red]A", "[bold]hi[/bold]")]))
        assert "[red]A: [bold]hi[/bold]" in out

    def test_default_console(self, capsys: pytest.CaptureFixture[str]) -> None:
        Dialog(turns=[Turn("A", "hello")]).print()
        assert "A: hello" in capsys.readouterr().out


# ------------------------------------------------------------------------ transforms
class TestTransforms:
    @pytest.mark.parametrize(
        ("method", "args", "expected"),
        [
            ("lower", (), "hello, alice"),
            ("upper", (), "HELLO, ALICE"),
            ("title", (), "Hello, Alice"),
            ("capitalize", (), "Hello, alice"),
            ("replace", ("Alice", "Eve"), "Hello, Eve"),
            ("re_sub", (r"l+", "L"), "HeLo, ALice"),
        ],
    )
    def test_returns_new_dialog_when_not_in_place(
        self, method: str, args: tuple, expected: str
    ) -> None:
        d = make_dialog()
        new = getattr(d, method)(*args, in_place=False)
        assert new is not d and new.parentId == "root"
        assert new[2].text == expected
        assert new.events[5].content == expected  # the matching utter event follows
        assert d[2].text == "Hello, Alice" and d.events[5].content == "Hello, Alice"

    def test_in_place_by_default(self) -> None:
        d = make_dialog()
        assert d.upper() is d
        assert d[0].text == "HI BOB" and d.id == "root" and d.parentId is None
        assert d.events[2].content == "HI BOB"  # utter events follow
        assert d.lower().replace("hi", "yo").strip() is d and d[0].text == "yo bob"

    def test_strip(self) -> None:
        d = Dialog(turns=[Turn("A", "  hi \n"), Turn("B", "--x--")])
        assert [t.text for t in d.strip(in_place=False)] == ["hi", "--x--"]
        assert d.strip("-", in_place=False)[1].text == "x"

    def test_replace_count_and_re_sub_options(self) -> None:
        d = Dialog(turns=[Turn("A", "a a a")])
        assert d.replace("a", "b", count=1, in_place=False)[0].text == "b a a"
        assert d.re_sub("A", "c", flags=re.IGNORECASE, in_place=False)[0].text == "c c c"
        assert d.re_sub("a", "c", count=2, in_place=False)[0].text == "c c a"
        assert d.re_sub(r"(a)", lambda m: m.group(1).upper(), in_place=False)[0].text == "A A A"

    def test_non_utter_events_untouched(self) -> None:
        assert make_dialog().upper().events[0].content == "be kind"


class TestRenameSpeaker:
    def test_everywhere(self) -> None:
        d = make_dialog()
        r = d.rename_speaker("Alice", "Ann", in_place=False)
        assert r.get_speakers() == ["Ann", "Bob"]
        assert [e.agent for e in r.events][:3] == [None, "Ann", "Ann"]
        assert list(r.personas) == ["Ann", "Bob"]
        assert r.model == {"Ann": {"name": "m1"}, "Bob": "m2"}
        assert r.parentId == "root" and d.get_speakers() == ["Alice", "Bob"]

    def test_string_model_untouched(self) -> None:
        d = Dialog(model="gpt", turns=[Turn("A", "x")])
        assert d.rename_speaker("A", "B").model == "gpt"

    def test_case_insensitive_and_in_place_by_default(self) -> None:
        d = Dialog(turns=[Turn("alice", "x")], events=[Event("alice", "utter", content="x")])
        assert d.rename_speaker("ALICE", "A", case_sensitive=True)[0].speaker == "alice"
        assert d.rename_speaker("ALICE", "A", in_events=False) is d
        assert d[0].speaker == "A" and d.events[0].agent == "alice"
        assert d.rename_speaker("alice", "B").events[0].agent == "B" and d[0].speaker == "A"

    def test_persona_collision(self) -> None:
        with pytest.raises(ValueError, match="both have a persona"):
            make_dialog().rename_speaker("Alice", "Bob")


# --------------------------------------------------------------------- loading helpers
class TestFromDictJsonStr:
    def test_from_json_is_a_classmethod(self) -> None:
        d = make_dialog()
        assert Dialog.from_json(d.json(string=True)) == d  # called on the class (PITFALL)

    def test_from_json_path_and_list(self, tmp_path: Any) -> None:
        d = make_dialog()
        path = tmp_path / "d.json"
        path.write_text(d.json(string=True), encoding="utf-8")
        assert Dialog.from_json(path) == d
        assert Dialog.from_json(str(path)) == d
        two = Dialog.from_json(json.dumps([d.json(), d.json()]))
        assert isinstance(two, list) and two == [d, d]

    def test_from_json_errors(self) -> None:
        with pytest.raises(DialogFormatError, match=r"<string>:2: invalid JSON"):
            Dialog.from_json('{"id": "x",\n oops}')
        with pytest.raises(DialogFormatError, match="item 1: invalid dialog: field 'turns'"):
            Dialog.from_json('[{}, {"turns": 3}]')

    def test_from_dict(self) -> None:
        assert Dialog.from_dict(make_dialog().json()) == make_dialog()
        with pytest.raises(DialogFormatError) as info:
            Dialog.from_dict({"turns": [{"speaker": "A", "text": 3}]})
        assert info.value.field == "turns.0.text" and "turns.0.text" in str(info.value)
        with pytest.raises(DialogFormatError, match="expected a dict"):
            Dialog.from_dict(["not", "a", "dict"])  # type: ignore[arg-type]

    def test_from_str(self) -> None:
        d = Dialog.from_str("A: hi: there\n\n  B  : yo\n", seed=1)
        assert [(t.speaker, t.text) for t in d] == [("A", "hi: there"), ("B", "yo")]
        assert d.seed == 1

    def test_from_str_custom_template_fields(self) -> None:
        d = Dialog.from_str("[00:01] A> hi", template="[{time}] {speaker}> {text}")
        assert d[0].json() == {"speaker": "A", "text": "hi", "time": "00:01"}

    def test_from_str_default_speakers(self) -> None:
        d = Dialog.from_str("hi\nhello\nbye", template="{text}", default_speakers=["A", "B"])
        assert [t.speaker for t in d] == ["A", "B", "A"]
        mixed = Dialog.from_str("X: hi\nno speaker", default_speakers=["A", "B"])
        assert [(t.speaker, t.text) for t in mixed] == [("X", "hi"), ("B", "no speaker")]
        assert Dialog.from_str("hi", template="{text}")[0].speaker is None

    def test_from_str_errors(self) -> None:
        with pytest.raises(DialogFormatError, match=r"<string>:2: line does not match") as info:
            Dialog.from_str("A: ok\nnot a turn")
        assert info.value.line == 2
        with pytest.raises(ValueError, match=r"must contain \{text\}"):
            Dialog.from_str("x", template="{speaker}")
        with pytest.raises(ValueError, match="repeated"):
            Dialog.from_str("x", template="{text} {text}")
