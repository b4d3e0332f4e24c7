"""Shared fixtures: a tiny random model registered as ``huggingface:tiny``; config isolation."""

from __future__ import annotations

import os

import pytest

import sdialog


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory):
    """One private cache folder for the whole session, set before any fixture loads a model.

    The embedded model is converted into it once per session (a real cold conversion), unless
    ``SDIALOG_TEST_CACHE_DIR`` names a folder to reuse between runs.
    """
    previous = os.environ.get("SDIALOG_CACHE_DIR")
    folder = os.environ.get("SDIALOG_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("cache"))
    os.environ["SDIALOG_CACHE_DIR"] = folder
    yield folder
    if previous is None:
        os.environ.pop("SDIALOG_CACHE_DIR", None)
    else:
        os.environ["SDIALOG_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def _isolated_config():
    """Every test starts from the default config."""
    sdialog.config.reset()
    yield
    sdialog.config.reset()


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
