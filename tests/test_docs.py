"""Every ```python block of README.md and docs/*.md runs (blocks marked ```python skip do not).

Blocks of one file run in order in one namespace, inside a temporary folder, on the real backends
they name (the embedded model, the scripted backend), so the docs cannot rot.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sdialog

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python[ \t]*(?P<flags>[^\n]*)\n(?P<code>.*?)^```", re.M | re.S)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        if "skip" in match.group("flags").split():
            continue
        line = text[: match.start()].count("\n") + 2
        blocks.append((line, match.group("code")))
    return blocks


@pytest.mark.integration
@pytest.mark.parametrize("path", [p for p in DOCS if python_blocks(p)], ids=lambda p: p.name)
def test_doc_examples_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for line, code in python_blocks(path):
        try:
            exec(compile(code, f"{path.name}:{line}", "exec", dont_inherit=True), namespace)
        finally:
            sdialog.config.reset()


def _modules() -> list[str]:
    import pkgutil

    names = ["sdialog"]
    for info in pkgutil.walk_packages(sdialog.__path__, "sdialog."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    import doctest
    import importlib
    import tempfile

    if name == "sdialog.dialog.hf":
        pytest.importorskip("datasets")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"sdialog": sdialog}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
