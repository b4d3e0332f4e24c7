"""Importing sdialog.evaluators is light and has no side effects on matplotlib."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
import sdialog.evaluators as ev
from sdialog.evaluators import ConversationalFeatures, ReadabilityScore, ToolSequenceValidator
import sdialog.cli
heavy = [m for m in ("numpy", "pandas", "torch", "sentence_transformers", "sklearn", "matplotlib",
                     "scipy", "textstat") if m in sys.modules]
missing = [n for n in ev.__all__ if not hasattr(ev, n)]
print(json.dumps({"heavy": heavy, "missing": missing}))
"""


def test_import_is_light_and_every_export_resolves():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert report["missing"] == []


def test_plotting_leaves_matplotlib_settings_alone():
    # rcParams["backend"] is left out: reading it would itself import pyplot
    probe = (
        "import json, sys, matplotlib\n"
        "rc = matplotlib.rcParams\n"
        "snap = lambda: {k: rc[k] for k in rc if k != 'backend'}\n"
        "before = snap()\n"
        "from sdialog import Dialog, Turn\n"
        "from sdialog.evaluators import Comparator, MeanEvaluator, TurnLength\n"
        "c = Comparator(MeanEvaluator(TurnLength()), n_boot=5)\n"
        "c({'a': [Dialog(turns=[Turn('A', 'x y')])] * 3})\n"
        "figures = c.plot()\n"
        "print(json.dumps([snap() == before,"
        " 'matplotlib.pyplot' in sys.modules, len(figures)]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False, 1]
