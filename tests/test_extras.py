"""A missing optional dependency is an error naming the extra that installs it."""

from __future__ import annotations

import sys
import types

import pytest

from sdialog._extras import MissingExtraError, require
from sdialog._lazy import lazy_exports


def test_comparator_without_pandas_names_the_eval_extra(monkeypatch):
    from sdialog import Dialog, Turn
    from sdialog.evaluators import Comparator, MeanEvaluator, MeanTurnLength

    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ModuleNotFoundError
    dialogs = [Dialog(turns=[Turn("A", "hello there"), Turn("B", "hi")])]
    with pytest.raises(MissingExtraError, match=r'pip install "sdialog\[eval\]"'):
        Comparator([MeanEvaluator(MeanTurnLength())])({"d": dialogs})


def test_lazy_exports_name_the_extra_of_a_missing_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    package = types.ModuleType("demo_pkg")
    monkeypatch.setitem(sys.modules, "demo_pkg", package)
    package.__getattr__ = lazy_exports("demo_pkg", {"tensor": "torch"})
    with pytest.raises(MissingExtraError, match=r"torch is not installed \(the 'local' extra\)"):
        package.tensor  # noqa: B018


def test_a_missing_module_inside_an_installed_one_is_not_blamed_on_an_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "some_dependency_of_json", None)
    assert require("json").__name__ == "json"
    with pytest.raises(ModuleNotFoundError) as info:
        require("some_dependency_of_json")
    assert not isinstance(info.value, MissingExtraError)
