"""Model strings → backends: every accepted form, the default from config, and the errors."""

from __future__ import annotations

import os
import subprocess

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

import sdialog
from sdialog.llm import (
    Backend,
    ModelStringError,
    ScriptedBackend,
    get_backend,
    to_litellm_model,
)
from sdialog.llm.local import LocalBackend
from sdialog.llm.remote import RemoteBackend

try:
    from stub_server import forbid_non_loopback
except ImportError:  # tests/llm collected as a package
    from .stub_server import forbid_non_loopback

HI = [{"role": "user", "content": "hi there"}]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """No internet, no SDIALOG_MODEL from the environment, and a clean config after each test."""
    forbid_non_loopback(monkeypatch)
    monkeypatch.delenv("SDIALOG_MODEL", raising=False)
    sdialog.config.reset()
    yield
    sdialog.config.reset()


# -- SDialog-style provider prefixes ------------------------------------------------------------
@pytest.mark.parametrize(
    "model, litellm_model",
    [
        ("openai:gpt-4.1-mini", "openai/gpt-4.1-mini"),
        ("ollama:qwen3:14b", "ollama_chat/qwen3:14b"),
        ("ollama:llama3.1", "ollama_chat/llama3.1"),
        ("anthropic:claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"),
        ("google:gemini-2.0-flash", "gemini/gemini-2.0-flash"),
        ("gemini:gemini-2.0-flash", "gemini/gemini-2.0-flash"),
        (
            "aws:anthropic.claude-3-haiku-20240307-v1:0",
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
        ),
        ("amazon:amazon.nova-lite-v1:0", "bedrock/amazon.nova-lite-v1:0"),
        ("azure:my-gpt4o-deployment", "azure/my-gpt4o-deployment"),
        ("groq:llama-3.3-70b-versatile", "groq/llama-3.3-70b-versatile"),
        ("together:meta-llama/Llama-3-8b-chat-hf", "together_ai/meta-llama/Llama-3-8b-chat-hf"),
        ("vllm:Qwen/Qwen3-8B", "hosted_vllm/Qwen/Qwen3-8B"),
    ],
)
def test_sdialog_prefixes_map_to_litellm(model, litellm_model):
    assert to_litellm_model(model) == litellm_model
    backend = get_backend(model, temperature=0.2)
    assert type(backend) is RemoteBackend
    assert backend.model == litellm_model
    assert backend.params == {"temperature": 0.2}
    assert backend.provenance()["model"] == litellm_model


def test_to_litellm_model_leaves_other_strings_alone():
    assert to_litellm_model("openai/gpt-4o") == "openai/gpt-4o"
    assert to_litellm_model("foo:bar") == "foo:bar"
    assert to_litellm_model("openai:") == "openai:"
    assert to_litellm_model("gpt-4") == "gpt-4"


@pytest.mark.parametrize(
    "model",
    ["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "ollama_chat/qwen3:14b", "hosted_vllm/x/y"],
)
def test_litellm_style_strings_give_a_remote_backend(model):
    backend = get_backend(model, max_tokens=12)
    assert type(backend) is RemoteBackend
    assert backend.model == model
    assert backend.params == {"max_tokens": 12}


def test_connection_aliases_are_normalised_and_the_key_hidden():
    backend = get_backend(
        "openai:my-model", openai_api_base="http://127.0.0.1:9/v1", openai_api_key="sk-HIDDEN"
    )
    assert backend.params == {"api_base": "http://127.0.0.1:9/v1", "api_key": "sk-HIDDEN"}
    assert "sk-HIDDEN" not in repr(backend)
    assert "sk-HIDDEN" not in str(backend.provenance())
    assert get_backend("  openai:my-model  ").model == "openai/my-model"  # whitespace trimmed


# -- scripted and local --------------------------------------------------------------------------
def test_scripted_echo():
    backend = get_backend("scripted:echo")
    assert type(backend) is ScriptedBackend
    assert backend.model == "scripted:echo"
    assert backend.complete(HI).text == "hi there"


def test_scripted_text():
    backend = get_backend("scripted:Hello: how are you?", temperature=0)
    assert type(backend) is ScriptedBackend
    assert backend.model == "scripted:Hello: how are you?"
    assert backend.complete(HI).text == "Hello: how are you?"  # everything after the first ':'
    assert backend.complete(HI).text == "Hello: how are you?"
    assert backend.provenance()["params"]["temperature"] == 0


@pytest.mark.parametrize(
    "model, source",
    [
        ("huggingface:/models/my-llama", "/models/my-llama"),
        ("hf:HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"),
        ("huggingface:org/name", "org/name"),
    ],
)
def test_huggingface_prefixes_give_a_local_backend_without_loading(model, source):
    backend = get_backend(model, max_tokens=8)
    assert type(backend) is LocalBackend
    assert backend.model == model
    assert backend.source == source
    assert backend._loaded is None  # nothing is loaded until the first completion
    assert backend.params == {"max_tokens": 8}


@pytest.mark.parametrize("alias", ["smollm2", "embedded", "default", "embedded:smollm2"])
def test_embedded_aliases_give_the_embedded_local_model(alias):
    backend = get_backend(alias)
    assert type(backend) is LocalBackend
    assert backend.source == "smollm2"
    assert backend._loaded is None


# -- the default model and backend objects ------------------------------------------------------
def test_none_uses_the_configured_model_and_params():
    sdialog.config.llm("scripted:echo", temperature=0, max_tokens=5)
    backend = get_backend()
    assert type(backend) is ScriptedBackend and backend.model == "scripted:echo"
    assert backend.params == {"temperature": 0, "max_tokens": 5}
    # call parameters win over configured ones
    assert get_backend(None, temperature=1).params == {"temperature": 1, "max_tokens": 5}
    sdialog.config.llm("ollama:qwen3:14b", seed=3)
    remote = get_backend(None)
    assert type(remote) is RemoteBackend and remote.model == "ollama_chat/qwen3:14b"
    assert remote.params == {"seed": 3}


def test_none_falls_back_to_env_then_embedded(monkeypatch):
    default = get_backend()
    assert type(default) is LocalBackend and default.source == "smollm2"
    assert default._loaded is None
    monkeypatch.setenv("SDIALOG_MODEL", "scripted:from env")
    assert get_backend().complete(HI).text == "from env"
    sdialog.config.llm("scripted:from config")  # config wins over the environment
    assert get_backend().complete(HI).text == "from config"


def test_backend_objects_pass_through():
    backend = ScriptedBackend(["x"])
    assert get_backend(backend) is backend
    assert get_backend(backend, temperature=0.5) is backend
    sdialog.config.llm(backend)
    assert get_backend() is backend
    assert isinstance(backend, Backend)


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, why",
    [
        ("gpt-4", "no provider given"),
        ("qwen3", "no provider given"),
        ("foo:bar baz", "unknown provider prefix 'foo'"),  # "foo:bar" would be an Ollama name
        ("", "non-empty string"),
        ("   ", "non-empty string"),
        ("huggingface:", "no folder or hub id"),
        ("hf:", "no folder or hub id"),
        ("notaprovider/some-model", "'notaprovider' is not a litellm provider"),
        ("openai:", "no model name after 'openai:'"),
    ],
)
def test_unknown_forms_raise_with_the_accepted_forms_listed(model, why):
    with pytest.raises(ModelStringError) as info:
        get_backend(model)
    message = str(info.value)
    assert repr(model.strip()) in message or repr(model) in message
    assert why in message
    assert "accepted model strings" in message
    for form in ("huggingface:", "scripted:echo", "openai/gpt-4o", "smollm2", "Backend object"):
        assert form in message
    for provider in ("openai", "ollama", "anthropic", "google", "aws", "azure"):
        assert provider in message


@pytest.mark.parametrize("model", [42, 3.5, ["openai:gpt-4o"], object()])
def test_non_strings_raise(model):
    with pytest.raises(ModelStringError, match="non-empty string or a Backend"):
        get_backend(model)


def test_model_string_error_is_a_value_error():
    with pytest.raises(ValueError):
        get_backend("gpt-4")


def test_names_are_never_guessed_with_a_subprocess(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"get_backend started a process: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(os, "system", refuse)
    for name in ("qwen3", "gpt-4"):
        with pytest.raises(ModelStringError):
            get_backend(name)
    # valid strings build backends without starting anything either (no `ollama pull`/`serve`)
    assert type(get_backend("ollama:qwen3:14b")) is RemoteBackend
    assert get_backend("llama3.1:8b").model == "ollama_chat/llama3.1:8b"
    assert type(get_backend("huggingface:/models/x")) is LocalBackend
