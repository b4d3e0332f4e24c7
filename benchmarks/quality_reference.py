"""The same dialogs from the reference toolkit (SDialog 0.5.3), for benchmarks/quality.py.

Runs under a separate environment with ``pip install sdialog==0.5.3`` (never this project's):
for every dialog of one of *our* corpus folders it takes the same personas, context, first
utterance, seed, speaker labels and generation settings, and lets the reference's agents talk on
the same converted SmolLM2 copy (``huggingface:<folder>``), one dialog at a time as it does.

Usage (the scenario file gives the instructions of each speaker):
    /path/to/venv053/bin/python benchmarks/quality_reference.py examples/doctor_patient.yaml \
        out/q/clinic out/q/ref-clinic --model ~/.cache/sdialog/models/smollm2-98362432 -n 6
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("ours", type=Path, help="our corpus folder (personas, seeds, openings)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", required=True, help="folder of the converted model")
    parser.add_argument("-n", type=int, default=4)
    parser.add_argument("--turns", type=int)
    args = parser.parse_args()

    import sdialog.personas as personas
    from sdialog.agents import Agent

    scenario = yaml.safe_load(Path(args.scenario).read_text())
    params = scenario.get("params", {})
    settings = {
        "temperature": params.get("temperature", 0.7),
        "max_new_tokens": params.get("max_tokens", 64),
        "repetition_penalty": params.get("repetition_penalty", 1.03),
        "torch_dtype": "float32",
        "device_map": "cpu",
    }
    max_turns = args.turns or scenario.get("max_turns", 10)
    model = f"huggingface:{Path(args.model).expanduser()}"
    files = sorted((args.ours / "dialogs").glob("*.json"))[: args.n]
    args.out.mkdir(parents=True, exist_ok=True)
    agents = None
    for path in files:
        ours = json.loads(path.read_text())
        labels = list(dict.fromkeys(t["speaker"] for t in ours["turns"]))[:2]
        built = []
        for slot, spec in enumerate(scenario["agents"]):
            data = (ours.get("personas") or {}).get(labels[slot], {})
            persona_spec = spec.get("persona") or {}
            cls = getattr(personas, persona_spec.get("class", "Persona"), personas.Persona)
            fields = {k: v for k, v in data.items() if k in cls.model_fields and v}
            persona = cls(**{k: str(v) if k != "age" else v for k, v in fields.items()})
            scripted = slot == 0 and spec.get("first_utterance")
            opening = ours["turns"][0]["text"] if scripted else None
            built.append(
                Agent(
                    persona=persona,
                    name=labels[slot],
                    context=json.dumps(ours.get("context")) if ours.get("context") else None,
                    first_utterance=opening,
                    dialogue_details=spec.get("dialogue_details", ""),
                    can_finish=spec.get("can_finish", True),
                    model=model if agents is None else agents[slot].llm,
                    **settings,
                )
            )
        agents = agents or built
        random.seed(ours["seed"])
        start = time.perf_counter()
        dialog = built[0].dialog_with(built[1], max_turns=max_turns, seed=ours["seed"])
        data = dialog.json()
        data["id"] = ours["id"]
        data["seconds"] = round(time.perf_counter() - start, 1)
        (args.out / f"{ours['id']}.json").write_text(json.dumps(data, indent=1))
        print(f"{ours['id']}: {len(dialog.turns)} turns in {data['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
