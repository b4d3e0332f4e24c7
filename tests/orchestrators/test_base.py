"""The orchestrator contract: defaults, reset, fork isolation, json and persistence."""

from __future__ import annotations

import json

import pytest

from sdialog.dialog import Dialog, Event, Instruction, Turn
from sdialog.orchestrators import (
    BaseOrchestrator,
    BasePersistentOrchestrator,
    ChangeMindOrchestrator,
    InstructionListOrchestrator,
    LengthOrchestrator,
    SimpleReflexOrchestrator,
    SimpleResponseOrchestrator,
    ToolEventOrchestrator,
)


class Counting(BaseOrchestrator):
    """Numbers its instructions and remembers what it said (per-dialog state)."""

    def __init__(self, prefix: str = "Note", target_speaker: str | None = None) -> None:
        super().__init__(target_speaker)
        self.prefix = prefix
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.count = 0
        self.memory: list[str] = []

    def instruct(self, dialog, utterance):
        self.count += 1
        text = f"{self.prefix} {self.count}: {self.rng.randint(0, 10**6)}"
        self.memory.append(text)
        return text


class Sticky(BasePersistentOrchestrator):
    """A user subclass with its own constructor calling the base one (the reference's bug)."""

    def __init__(self, rule: str) -> None:
        super().__init__()
        self.rule = rule

    def instruct(self, dialog, utterance):
        return self.rule


class Shared(BaseOrchestrator):
    """Keeps mutable state without resetting it: fork still gives the copy its own containers."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.heavy = object()

    def instruct(self, dialog, utterance):
        self.seen.append(utterance)
        return None


DIALOG = Dialog(turns=[Turn("Bot", "Hi!"), Turn("User", "Hello.")])


def test_defaults_return_none():
    o = BaseOrchestrator()
    assert o.instruct(DIALOG, "Hello.") is None
    assert o.on_event(DIALOG, Event("Bot", "tool", "call", {"name": "x"})) is None
    assert o.persistent is False and o.target_speaker is None and o.name == "BaseOrchestrator"


def test_persistent_flag_survives_super_init_and_fork():
    s = Sticky("Speak formally.")
    assert s.persistent is True
    assert "persistent" not in vars(s)  # a class property, never overwritten per instance
    assert s.fork(seed=1).persistent is True
    s.reset(3)
    assert s.persistent is True
    assert s.json()["persistent"] is True
    assert BasePersistentOrchestrator.persistent is True and BaseOrchestrator.persistent is False
    assert BasePersistentOrchestrator().persistent is True


def test_instruction_list_persistence_is_per_instance():
    assert InstructionListOrchestrator(["a"], persistent=True).persistent is True
    assert InstructionListOrchestrator(["a"]).persistent is False
    assert InstructionListOrchestrator.persistent is False


def test_reset_seeds_a_local_rng(monkeypatch):
    import random

    o = Counting()
    o.reset(5)
    first = [o.instruct(DIALOG, "x") for _ in range(3)]
    random.seed(999)  # global random state is irrelevant
    o.reset(5)
    assert [o.instruct(DIALOG, "x") for _ in range(3)] == first
    o.reset(6)
    assert [o.instruct(DIALOG, "x") for _ in range(3)] != first


def test_reset_without_seed_uses_config_seed():
    import sdialog

    o = Counting()
    o.reset()
    default = o.instruct(DIALOG, "x")
    sdialog.config.set_seed(123)
    o.reset()
    other = o.instruct(DIALOG, "x")
    o.reset(123)
    assert o.instruct(DIALOG, "x") == other != default


def test_fork_isolates_state_and_keeps_settings():
    o = Counting(prefix="Tip", target_speaker="Bot")
    o.instruct(DIALOG, "x")
    a, b = o.fork(seed=1), o.fork(seed=1)
    assert type(a) is Counting and a.prefix == "Tip" and a.target_speaker == "Bot"
    assert a.count == 0 and a.memory == [] and a.memory is not b.memory
    assert a.instruct(DIALOG, "x") == b.instruct(DIALOG, "x")  # same seed, same output
    a.instruct(DIALOG, "x")
    assert (a.count, b.count, o.count) == (2, 1, 1)
    assert o.memory == [o.memory[0]] and len(a.memory) == 2
    assert a.rng is not o.rng


def test_fork_copies_containers_but_shares_heavy_members():
    o = Shared()
    f = o.fork()
    f.instruct(DIALOG, "hello")
    assert o.seen == [] and f.seen == ["hello"]
    assert f.heavy is o.heavy


def test_fork_of_builtins_is_shallow_and_private():
    r = SimpleResponseOrchestrator(["a", "b"])
    f = r.fork(seed=2)
    assert f._vectors is r._vectors  # embeddings (and the model) are shared, not copied
    assert f.responses == r.responses and f.responses is not r.responses
    c = ChangeMindOrchestrator(probability=1.0)
    c.times = 1
    assert c.fork().times == 0 and c.times == 1


def test_json_reports_name_class_and_settings():
    data = Counting(prefix="Tip", target_speaker="Bot").json()
    assert data == {
        "name": "Counting",
        "className": "Counting",
        "persistent": False,
        "target_speaker": "Bot",
        "prefix": "Tip",
    }
    assert json.loads(Counting().json(string=True))["prefix"] == "Note"


def _is_json(value) -> bool:
    return json.loads(json.dumps(value)) == value


@pytest.mark.parametrize(
    "orchestrator",
    [
        SimpleReflexOrchestrator(lambda u: True, "x"),
        LengthOrchestrator(min=2, max=4),
        ChangeMindOrchestrator(reasons=["cost"]),
        InstructionListOrchestrator({0: "a", 2: Instruction("b")}, persistent=True),
        SimpleResponseOrchestrator(["a", "b"], graph={"a": ["b"]}, top_k=1),
        ToolEventOrchestrator(on_tool={"t": lambda e: None}, on_error="oops"),
        Sticky("rule"),
    ],
    ids=lambda o: type(o).__name__,
)
def test_every_builtin_json_is_json_safe(orchestrator):
    data = orchestrator.json()
    assert _is_json(data)
    assert data["name"] == data["className"] == type(orchestrator).__name__
    assert data["persistent"] is orchestrator.persistent
    assert json.loads(orchestrator.json(string=True)) == data
    assert repr(orchestrator).startswith(type(orchestrator).__name__ + "(")


def test_json_of_specific_settings():
    assert LengthOrchestrator(min=2, max=4).json()["min"] == 2
    reflex = SimpleReflexOrchestrator(str.isupper, "Calm down.").json()
    assert reflex["condition"] == "str.isupper" and reflex["instruction"] == "Calm down."
    assert InstructionListOrchestrator({1: "b"}).json()["instructions"] == {"1": "b"}
    assert SimpleResponseOrchestrator(["a"]).json()["model"] is None


def test_owner_given_or_inferred():
    three = Dialog(turns=[Turn("Bot", "Hi"), Turn("User", "Yo"), Turn("Bot", "?")])
    assert BaseOrchestrator().owner(Dialog()) is None
    assert BaseOrchestrator().owner(Dialog(turns=[Turn("User", "Hi")])) is None
    assert BaseOrchestrator().owner(DIALOG) == "Bot"
    assert BaseOrchestrator().owner(three) == "User"
    assert BaseOrchestrator("Bot").owner(Dialog()) == "Bot"
    assert [t.text for t in BaseOrchestrator("Bot").agent_turns(three)] == ["Hi", "?"]
    assert BaseOrchestrator().agent_turns(Dialog()) == []


def test_importing_orchestrators_loads_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, sdialog.orchestrators, sdialog.embeddings; "
        "print([m for m in ('numpy', 'torch', 'sentence_transformers') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
