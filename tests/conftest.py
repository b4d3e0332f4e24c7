"""Shared fixtures: a tiny random model registered as ``huggingface:tiny``; config isolation."""

from __future__ import annotations

import pytest

import sdialog


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Every test starts from default config and a private cache folder."""
    sdialog.config.reset()
    monkeypatch.setenv("SDIALOG_CACHE_DIR", str(_shared_cache_dir(tmp_path_factory)))
    yield
    sdialog.config.reset()


_CACHE_DIR = None


def _shared_cache_dir(factory):
    # One cache folder for the whole session, so the embedded model is converted only once.
    global _CACHE_DIR
    if _CACHE_DIR is None:
        import os

        _CACHE_DIR = os.environ.get("SDIALOG_TEST_CACHE_DIR") or str(
            factory.mktemp("sdialog-cache")
        )
    return _CACHE_DIR


@pytest.fixture(scope="session")
def tiny_model():
    """``(model, tokenizer)`` of the tiny random Llama, registered as ``huggingface:tiny``."""
    from sdialog.llm import register_model
    from tests.tiny_model import build_model, build_tokenizer

    tokenizer = build_tokenizer()
    model = build_model(len(tokenizer))
    register_model("tiny", model, tokenizer)
    return model, tokenizer


@pytest.fixture
def tiny_backend(tiny_model):
    """A LocalBackend on the tiny model (greedy by default, short replies)."""
    from sdialog.llm import LocalBackend

    return LocalBackend("huggingface:tiny", temperature=0, max_tokens=24, cache=False)
