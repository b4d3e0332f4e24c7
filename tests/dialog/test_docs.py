"""The examples in the docstrings of sdialog.dialog and in docs/dialog.md run as written."""

from __future__ import annotations

import doctest
import importlib
import re
import tempfile
from pathlib import Path

import pytest

MODULES = [
    "sdialog.dialog",
    "sdialog.dialog.dialog",
    "sdialog.dialog.errors",
    "sdialog.dialog.hf",
    "sdialog.dialog.io",
    "sdialog.dialog.model",
    "sdialog.dialog.persistence",
    "sdialog.dialog.render",
    "sdialog.dialog.tabular",
    "sdialog.dialog.transforms",
]
DOC = Path(__file__).resolve().parents[2] / "docs" / "dialog.md"


@pytest.fixture(autouse=True)
def _temp_files_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    if name == "sdialog.dialog.hf":
        pytest.importorskip("datasets")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_object_has_an_example() -> None:
    import sdialog.dialog as package

    for name in package.__all__:
        obj = getattr(package, name)
        if not isinstance(obj, type):
            continue
        assert ">>>" in (obj.__doc__ or ""), name
        own = [k for k in obj.__mro__ if k.__module__.startswith("sdialog.")]
        attrs = {attr for klass in own for attr in vars(klass) if not attr.startswith("_")}
        for attr in sorted(attrs):
            member = getattr(obj, attr)
            if callable(member) and not isinstance(member, type):
                assert ">>>" in (member.__doc__ or ""), f"{name}.{attr}"


@pytest.mark.parametrize(
    "index", range(len(re.findall(r"```python\n", DOC.read_text(encoding="utf-8"))))
)
def test_markdown_examples(index: int) -> None:
    pytest.importorskip("datasets")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    exec(compile(blocks[index], f"{DOC}:block{index}", "exec"), {})
