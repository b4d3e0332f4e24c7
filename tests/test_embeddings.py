"""sdialog.embeddings: the offline default model, normalization, caching and model choices."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from sdialog import embeddings
from sdialog.embeddings import Embedder, default_embedder, default_model_path, embed, load_embedder

pytest.importorskip("sentence_transformers")


def test_shape_dtype_and_normalization():
    vectors = embed(["We are open from 9 to 5.", "Your refund has been processed.", "hi"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_single_string_and_empty_input():
    assert embed("hello").shape == (1, 384)
    assert embed([]).shape == (0, 384)
    with pytest.raises(TypeError, match="strings"):
        embed([1, 2])


def test_deterministic():
    np.testing.assert_array_equal(embed(["same text"]), embed(["same text"]))


def test_semantic_sanity():
    query, close, far = embed(["when do you open?", "We are open from 9 to 5.", "I like turtles."])
    assert query @ close > query @ far + 0.2


def test_default_model_is_loaded_once_per_process_even_across_threads():
    found = []
    threads = [threading.Thread(target=lambda: found.append(default_embedder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(model is found[0] for model in found)
    assert default_embedder() is found[0]
    assert load_embedder(default_model_path()) is found[0]
    assert type(found[0]).__name__ == "SentenceTransformer" and str(found[0].device) == "cpu"


def test_model_argument_accepts_a_path_or_an_object():
    path = default_model_path()
    by_path = embed(["refund"], model=str(path))
    by_object = embed(["refund"], model=default_embedder())
    np.testing.assert_allclose(by_path, by_object, atol=1e-6)
    assert isinstance(default_embedder(), Embedder)


def test_custom_embedder_rows_are_normalized():
    class Fixed:
        def encode(self, texts):
            return [[3.0, 4.0], [0.0, 0.0]][: len(texts)]

    vectors = embed(["a", "b"], model=Fixed())
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        embed(["a", "b", "c"], model=Fixed())
    with pytest.raises(TypeError, match="encode"):
        embed(["a"], model=3)


def test_offline_environment_is_restored_after_loading(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    copy = tmp_path / "copy"
    copy.symlink_to(default_model_path(), target_is_directory=True)
    load_embedder(copy)
    assert os.environ["HF_HUB_OFFLINE"] == "0" and "TRANSFORMERS_OFFLINE" not in os.environ


def test_missing_model_folder():
    with pytest.raises(FileNotFoundError, match="local sentence-transformers model folder"):
        load_embedder("/no/such/folder")


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(embeddings, "DEFAULT_MODEL_PACKAGE", "no_such_package_xyz")
    with pytest.raises(ImportError, match=r'pip install "sdialog\[embeddings\]"'):
        default_model_path()


def test_missing_sentence_transformers_names_the_install_command(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now fails
    with pytest.raises(ImportError, match=r'pip install "sdialog\[embeddings\]"'):
        load_embedder(tmp_path)
