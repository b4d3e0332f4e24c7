"""A missing optional dependency is an error naming the extra that installs it.

Public entry points run in a fresh interpreter in which the extra's modules cannot be imported
(``sys.modules[name] = None``), as after an install without that extra.
"""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sdialog._extras import EXTRAS_OF, MissingExtraError, needs_extra, require
from sdialog._lazy import lazy_exports

ROOT = Path(__file__).resolve().parents[1]
# what the README's main job installs ("local,embeddings") leaves out of the eval extra
EVAL_ONLY = ["pandas", "datasets", "networkx", "textstat", "matplotlib"]


def _without(modules: list[str], code: str, tmp_path: Path) -> str:
    """Run ``code`` where ``modules`` are not importable; return its output (an exception as
    ``ExceptionType: message``)."""
    script = "import sys\n"
    script += f"for _name in {modules!r}:\n    sys.modules[_name] = None\n"
    script += "try:\n" + textwrap.indent(textwrap.dedent(code), "    ")
    script += "\nexcept Exception as exc:\n    print(f'{type(exc).__name__}: {exc}')\n"
    script += "else:\n    print('no error')\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    return (done.stdout + done.stderr).strip()


def _names(extra: str) -> str:
    return f'MissingExtraError: .* extra\\): pip install "sdialog\\[{extra}\\]"'


def test_readme_evaluation_block_after_the_main_job_install_names_eval(tmp_path):
    out = _without(
        EVAL_ONLY,
        """
        from sdialog import Dialog, Turn
        from sdialog.evaluators import Comparator, MeanEvaluator, MeanTurnLength, QuestionRate

        terse = [Dialog(turns=[Turn("A", "Hi?"), Turn("B", "Hello.")])]
        chatty = [Dialog(turns=[Turn("A", "Hi, how are you?"), Turn("B", "Fine, thanks.")])]
        table = Comparator([MeanEvaluator(MeanTurnLength()), MeanEvaluator(QuestionRate())])(
            {"terse": terse, "chatty": chatty}
        )
        """,
        tmp_path,
    )
    assert out.startswith("MissingExtraError: pandas is not installed (the 'eval' extra)"), out
    assert 'pip install "sdialog[eval]"' in out


@pytest.mark.parametrize(
    ("blocked", "code", "extra"),
    [
        (
            ["datasets"],
            "from sdialog import Dialog, Turn\n"
            "Dialog(turns=[Turn('A', 'hi')]).to_huggingface('hf_out')",
            "eval",
        ),
        (
            ["pandas"],
            "from sdialog.util import dict_to_table\ndict_to_table({'a': {'x': 1}})",
            "eval",
        ),
        (
            ["networkx"],
            "from sdialog.evaluators import DialogFlowGraph\nDialogFlowGraph([], {}).to_networkx()",
            "eval",
        ),
        (
            ["sentence_transformers"],
            "from sdialog.embeddings import embed\nembed(['hi'])",
            "embeddings",
        ),
        (
            ["torch", "transformers"],
            "from sdialog.llm import LocalBackend\nLocalBackend('smollm2').load()",
            "local",
        ),
        (
            ["torch"],
            "from sdialog.interpretability import Direction\nDirection([1.0, 0.0])",
            "local",
        ),
        (
            ["sklearn"],  # probes need scikit-learn, which the local extra does not bring
            "from sdialog.interpretability import LinearProbe\n"
            "LinearProbe().fit([[0.0], [1.0], [0.1], [0.9]], [0, 1, 0, 1])",
            "eval",
        ),
        (
            ["soundfile"],
            "from sdialog import Dialog, Turn\n"
            "Dialog(turns=[Turn('A', 'hi')]).to_audio(path='audio_out')",
            "audio",
        ),
        (  # numpy is in several extras: an audio entry point names audio
            ["numpy"],
            "from sdialog import Dialog, Turn\n"
            "Dialog(turns=[Turn('A', 'hi')]).to_audio(path='audio_out')",
            "audio",
        ),
        (["jiwer"], "from sdialog.audio.wer import wer\nwer('a b', 'a c')", "audio"),
        (["fastapi"], "from sdialog.server import create_app", "server"),
        (
            ["uvicorn"],
            "from sdialog.llm import ScriptedBackend\nfrom sdialog.server import Server\n"
            "from sdialog.agents import Agent\n"
            "Server([Agent(name='Sam', model=ScriptedBackend.echo())], port=0).start()",
            "server",
        ),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_public_entry_points_name_the_missing_extra(tmp_path, blocked, code, extra):
    out = _without(blocked, code, tmp_path)
    assert out.startswith("MissingExtraError"), out
    assert f'pip install "sdialog[{extra}]"' in out, out


def test_cli_evaluate_without_pandas_prints_the_install_line(tmp_path):
    folder = tmp_path / "dialogs"
    folder.mkdir()
    from sdialog import Dialog, Turn

    Dialog(turns=[Turn("A", "Hi there?"), Turn("B", "Hello.")]).to_file(folder / "d.json")
    out = _without(
        EVAL_ONLY,
        f"from sdialog.cli import app\napp(['evaluate', {str(folder)!r}, '-o', 'report'])",
        tmp_path,
    )
    assert out.splitlines()[-1].startswith(
        "error: pandas is not installed (the 'eval' extra): pip install \"sdialog"
    ), out


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


def test_a_module_of_several_extras_is_named_after_the_block_s_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    for extra, named in [("audio", "audio"), ("eval", "eval"), ("server", "eval"), (None, "eval")]:
        with pytest.raises(MissingExtraError, match=rf'"sdialog\[{named}\]"'), needs_extra(extra):
            import numpy  # noqa: F401


def test_a_missing_module_inside_an_installed_one_is_not_blamed_on_an_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "some_dependency_of_json", None)
    assert require("json").__name__ == "json"
    with pytest.raises(ModuleNotFoundError) as info:
        require("some_dependency_of_json")
    assert not isinstance(info.value, MissingExtraError)
    with pytest.raises(ModuleNotFoundError) as info, needs_extra("eval"):
        import some_dependency_of_json  # noqa: F401
    assert not isinstance(info.value, MissingExtraError)


def test_installed_modules_pass_through_unchanged():
    import json

    with needs_extra("eval"):
        import json as again
    assert again is json
    assert require("json", "eval") is json


def _function_level_imports(tree: ast.AST):
    """(import node, inside a needs_extra block or a try) for imports inside functions."""

    def visit(node, in_function, guarded):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                yield child, guarded
            inner = guarded or isinstance(child, ast.Try)
            if isinstance(child, ast.With):
                inner = inner or any(
                    isinstance(item.context_expr, ast.Call)
                    and getattr(item.context_expr.func, "id", None) == "needs_extra"
                    for item in child.items
                )
            is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            yield from visit(child, in_function or is_function, inner)

    yield from visit(tree, False, False)


def test_every_lazy_import_of_an_optional_module_names_its_extra():
    """No function-level import of an optional module outside a ``needs_extra`` block."""
    bare = []
    for path in sorted((ROOT / "sdialog").rglob("*.py")):
        for node, guarded in _function_level_imports(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            optional = [n for n in names if n and not getattr(node, "level", 0)]
            if not guarded and any(n.split(".")[0] in EXTRAS_OF for n in optional):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, f"wrap these in `with needs_extra(...)`: {bare}"


def _closure(requirements: list[str], extras: dict[str, list[str]]) -> set[str]:
    """Distributions an extra installs: its requirements, their requirements (installed
    metadata), and the sdialog extras it includes."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == "sdialog":
            todo += [Requirement(r) for extra in req.extras for r in extras[extra]]
            continue
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            sub = Requirement(line)
            if sub.marker is None or sub.marker.evaluate({"extra": ""}):
                todo.append(sub)
    return seen


def test_extras_of_matches_pyproject():
    """Every extra named exists, and each (installed) module really comes with it."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    distributions = importlib.metadata.packages_distributions()
    checked = 0
    for module, named in EXTRAS_OF.items():
        for extra in named:
            assert extra in extras, f"{module}: no extra {extra!r} in pyproject.toml"
            if module not in distributions:
                continue  # not installed here: its metadata cannot be read
            provided = {canonicalize_name(d) for d in distributions[module]}
            assert provided & _closure(extras[extra], extras), f"{module} is not in [{extra}]"
            checked += 1
    assert checked >= 20
