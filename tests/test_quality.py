"""The shipped example scenarios on the embedded model produce recognisable two-party dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdialog.corpus import generate_corpus
from sdialog.dialog import Dialog
from sdialog.scenario import Scenario

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", ["doctor_patient", "customer_support"])
def test_example_dialogs_are_clean(name, tmp_path):
    scenario = Scenario.from_file(Path("examples") / f"{name}.yaml")
    scenario.max_turns = 4
    result = generate_corpus(scenario, n=2, out_dir=tmp_path, progress=False)
    assert (result.written, result.failed) == (2, 0)
    for dialog in Dialog.from_folder(tmp_path / "dialogs"):
        first, second = scenario.build_agents(dialog.seed)
        prompts = [first.system_prompt_for(second.name), second.system_prompt_for(first.name)]
        texts = [t.text for t in dialog.turns]
        assert len(texts) == 4
        assert all(t.strip() for t in texts), "empty turn"
        assert len(set(texts)) == len(texts), "verbatim repeated turn"
        speakers = [t.speaker for t in dialog.turns]
        assert speakers == [first.name, second.name] * 2, "speakers must alternate"
        for prompt in prompts:
            for line in prompt.splitlines():
                if len(line) > 30:
                    assert not any(line in t for t in texts), f"leaked prompt line: {line}"
        assert not any("[END]" in t or "<|im_" in t for t in texts)
