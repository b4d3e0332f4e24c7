"""`sdialog inspect direction` and `sdialog inspect lens` on the tiny model."""

from __future__ import annotations

from typer.testing import CliRunner

from sdialog.cli import app
from sdialog.interpretability import Direction


def test_inspect_direction_and_lens(tiny_model, tmp_path):
    (tmp_path / "pos.txt").write_text("I love it\nGreat day\n")
    (tmp_path / "neg.txt").write_text("I hate it\nAwful day\n")
    out = tmp_path / "d.safetensors"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "inspect", "direction", str(tmp_path / "pos.txt"), str(tmp_path / "neg.txt"),
            "--layer", "resid_pre:1", "--out", str(out), "--model", "huggingface:tiny",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Direction.load(out).meta["target"] == "resid_pre:1"
    result = runner.invoke(app, ["inspect", "lens", "Hello", "--model", "huggingface:tiny"])
    assert result.exit_code == 0 and "layer   1:" in result.output
    missing = runner.invoke(
        app, ["inspect", "direction", "nope.txt", "nope.txt", "--layer", "1", "-o", str(out)]
    )
    assert missing.exit_code != 0 and "no such file" in missing.output
