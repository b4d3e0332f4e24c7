"""sdialog.config: defaults, environment, cache locations, reset."""

from __future__ import annotations

from pathlib import Path

import sdialog
from sdialog import config


def test_llm_and_params():
    assert config.get_llm() == ("smollm2", {})
    config.llm("scripted:echo", temperature=0)
    config.llm_params(max_tokens=10)
    assert config.get_llm() == ("scripted:echo", {"temperature": 0, "max_tokens": 10})
    config.llm("scripted:x")
    assert config.get_llm() == ("scripted:x", {})


def test_environment_model_and_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("SDIALOG_MODEL", "scripted:env")
    assert config.get_llm()[0] == "scripted:env"
    monkeypatch.setenv("SDIALOG_CACHE_DIR", str(tmp_path))
    assert config.get_cache_dir() == tmp_path
    config.set_cache_dir(tmp_path / "x")
    assert config.get_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("SDIALOG_CACHE_DIR")
    config.set_cache_dir(None)
    assert config.get_cache_dir().name == "sdialog"


def test_seed_and_response_cache(tmp_path):
    assert config.get_seed() == config.DEFAULT_SEED
    config.set_seed(7)
    assert config.get_seed() == 7
    assert config.get_response_cache_path() is None
    config.cache(True, tmp_path)
    assert config.get_response_cache_path() == Path(tmp_path)
    assert sdialog.llm.get_backend("scripted:echo").cache is None  # scripted: off unless asked
    assert sdialog.llm.get_backend("scripted:echo", cache=None).cache.path == Path(tmp_path)
    from sdialog.llm import RemoteBackend

    assert RemoteBackend("openai/x").cache.path == Path(tmp_path)
    config.reset()
    assert config.get_seed() == config.DEFAULT_SEED and config.get_response_cache_path() is None


def test_default_seed_reaches_provenance():
    from sdialog.llm import ScriptedBackend

    config.set_seed(99)
    assert (
        ScriptedBackend(["x"]).complete([{"role": "user", "content": "a"}]).provenance["seed"] == 99
    )
