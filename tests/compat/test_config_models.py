"""SDialog compatibility: model objects, Ollama names, the config dict and its setters."""

from __future__ import annotations

import os
import subprocess

import pytest

import sdialog
from sdialog.agents import Agent
from sdialog.config import config
from sdialog.llm import ScriptedBackend, get_backend


class Parrot:
    """A LangChain-style model object: replies with the last message, upper-cased."""

    def __init__(self):
        self.seen = []

    def invoke(self, messages):
        self.seen.append(messages)
        return type("AIMessage", (), {"content": messages[-1].content.upper()})()

    def __str__(self):
        return "parrot-1"


def test_model_object_drives_an_agent_and_gets_messages_as_objects_and_dicts():
    parrot = Parrot()
    bot = Agent(name="Bot", model=parrot)
    assert bot("hello there") == "HELLO THERE"
    first = parrot.seen[0]
    assert first[0].role == first[0]["role"] == "system" and first[0].type == "system"
    assert first[-1].content == "hello there" and first[-1].type == "human"
    assert bot.backend.kind == "invoke" and bot.llm is parrot
    assert bot.json()["model"]["model"] == "parrot-1"


def test_model_object_structured_reply_in_sdialog_shape_makes_a_dialog():
    from sdialog.generators import DialogGenerator, LLMDialogOutput, Turn

    class Writer:
        def invoke(self, messages):
            turns = [Turn(speaker="Ana", text="Hi!"), Turn(speaker="Ben", text="Hello, Ana.")]
            return LLMDialogOutput(dialog=turns)  # a pydantic reply is taken as its JSON

    dialog = DialogGenerator("Two friends greet.", model=Writer()).generate(seed=1)
    assert [(t.speaker, t.text) for t in dialog.turns] == [("Ana", "Hi!"), ("Ben", "Hello, Ana.")]


def test_model_object_without_tool_support_says_so():
    from sdialog.llm import UnsupportedFeatureError

    tool = {"type": "function", "function": {"name": "f", "parameters": {}}}
    with pytest.raises(UnsupportedFeatureError, match="tools are not supported"):
        get_backend(Parrot()).complete([{"role": "user", "content": "x"}], tools=[tool])


def test_unprefixed_name_with_tag_is_an_ollama_model_and_starts_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    assert get_backend("qwen3:14b").model == "ollama_chat/qwen3:14b"
    assert get_backend("smollm:135m").model == "ollama_chat/smollm:135m"
    from sdialog.util import is_ollama_model_name

    assert is_ollama_model_name("qwen3:14b") and not is_ollama_model_name("openai:gpt-4.1")


def test_config_dict_is_a_live_view_of_the_settings():
    sdialog.config.llm("scripted:first", temperature=0.3, seed=33)
    assert config["llm"]["model"] == "scripted:first"
    assert (config["llm"]["temperature"], config["llm"]["seed"]) == (0.3, 33)
    config["llm"]["model"] = "scripted:Hello from config"
    config["llm"]["max_tokens"] = 12
    assert sdialog.config.get_llm() == (
        "scripted:Hello from config",
        {"temperature": 0.3, "seed": 33, "max_tokens": 12},
    )
    backend = get_backend()
    assert backend.complete([{"role": "user", "content": "hi"}]).text == "Hello from config"
    assert backend.provenance()["params"]["max_tokens"] == 12
    assert config["llm"]["top_p"] is None  # SDialog's keys read as None when unset
    sdialog.config.reset()
    assert config["llm"]["model"] == "smollm2" and config["llm"]["temperature"] is None


def test_default_prompt_paths_are_absolute_files():
    def leaves(node):
        for value in node.values():
            yield from leaves(value) if isinstance(value, dict) else [value]

    paths = list(leaves(config["prompts"]))
    assert len(paths) >= 14
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in paths)


def test_persona_agent_prompt_setter_replaces_the_agent_template(tmp_path, monkeypatch):
    (tmp_path / "agent.j2").write_text("Play {{ name }}; the other one is {{ other_name }}.")
    monkeypatch.chdir(tmp_path)
    sdialog.config.set_persona_agent_prompt("agent.j2")  # relative to the current folder
    assert config["prompts"]["persona_agent"] == "agent.j2"
    assert Agent(name="Ana", model=ScriptedBackend(["x"])).prompt() == (
        "Play Ana; the other one is the user."
    )
    sdialog.config.reset()
    prompt = Agent(name="Ana", model=ScriptedBackend(["x"])).prompt()
    assert prompt.startswith("You are Ana, talking with the user.")


def test_missing_prompt_file_is_a_clear_error(tmp_path):
    sdialog.config.set_persona_agent_prompt(str(tmp_path / "nope.j2"))
    with pytest.raises(FileNotFoundError, match=r"nope\.j2"):
        Agent(name="Ana", model=ScriptedBackend(["x"]))


def test_judge_prompt_is_replaced_through_the_nested_prompt_keys(tmp_path):
    from sdialog import Dialog, Turn
    from sdialog.evaluators import LLMJudgeRealDialog

    custom = tmp_path / "real.j2"
    custom.write_text("CUSTOM QUESTION about:\n{{ dialog }}")
    config["prompts"]["evaluation"]["llm_judge"]["yesno"]["real_dialog"] = str(custom)
    backend = ScriptedBackend(['{"answer": "yes", "positive": true}'])
    judge = LLMJudgeRealDialog(model=backend, method="structured")
    judge.judge(Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hello")]))
    sent = "\n".join(m["content"] for m in backend.calls[0])
    assert "CUSTOM QUESTION about:" in sent and "A: Hi" in sent


def test_set_cache_caches_responses_and_clear_cache_removes_them(tmp_path):
    sdialog.config.set_cache(tmp_path / "cache")
    assert config["cache"]["enabled"] is True
    assert config["cache"]["path"] == str(tmp_path / "cache")
    backend = get_backend("scripted:cached", cache=None)
    backend.complete([{"role": "user", "content": "hi"}])
    assert len(backend.cache) == 1
    assert backend.complete([{"role": "user", "content": "hi"}]).cached
    assert sdialog.config.clear_cache() == 1
    assert len(backend.cache) == 0
    sdialog.config.set_cache(tmp_path / "cache", enable=False)
    assert config["cache"]["enabled"] is False
    sdialog.config.cache_path(tmp_path / "other")
    assert config["cache"]["path"] == str(tmp_path / "other")


@pytest.mark.parametrize("name", ["qwen3:14b", "ollama:qwen3:14b"])
def test_chat_ollama_hook_builds_ollama_names_with_the_users_class(monkeypatch, name):
    built = []

    class MyChatOllama(Parrot):
        def __init__(self, model, **params):
            super().__init__()
            built.append((model, params))

    monkeypatch.setattr("sdialog.util.ChatOllama", MyChatOllama)
    bot = Agent(name="Bot", model=name)
    assert bot("hi") == "HI"
    assert built[0][0] == "qwen3:14b"
    monkeypatch.setattr("sdialog.util.ChatOllama", None)
    assert get_backend(name).kind != "invoke"  # the default: sdialog's own Ollama backend
