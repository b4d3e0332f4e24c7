"""Importing the judges, the cache and the agreement module loads no heavy library."""

from __future__ import annotations

import subprocess
import sys


def test_imports_are_light():
    code = (
        "import sys\n"
        "import sdialog.evaluators as e\n"
        "import sdialog.evaluators.judges, sdialog.evaluators.cache, sdialog.evaluators.agreement\n"
        "e.LLMJudgeYesNo, e.PairwiseJudge, e.agreement, e.ScoreCache\n"
        "heavy = {'torch', 'numpy', 'pandas', 'scipy', 'sklearn', 'transformers', 'litellm'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
