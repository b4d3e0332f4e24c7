"""Dialog quality without a big model: per-turn scores from a small sentence embedder and rules.

Scores (per turn unless said otherwise), for a corpus made from a scenario file:

- role: speaker attribution by the embedded model's likelihood — the turn is more probable after
  its own speaker's role label ("Patient:") than after the other's ("Doctor:"), given the
  scenario's one-line setting and the four turns before it. ``validate`` checks the measure on
  hand-written dialogs (``benchmarks/data/quality_gold.json``) and on the same with the speakers
  swapped. (``role_emb``, the first version — the turn is closer in all-MiniLM-L6-v2 space to its
  own role text than to the other's — scores the hand-written dialogs at chance: it measures topic,
  and a patient's symptoms are as close to "ask about the symptoms" as to "describe how you feel".)
- topic: similarity to the speaker's persona and the scenario context, against the same for a
  persona and context of *another* scenario (the baseline); ``topic+`` is the share of turns
  closer to their own.
- leak: role labels or names as a prefix, "Chat History", template or markup debris
  (``{{``, ``<|``, ``[END``, JSON keys, placeholders like ``[Your Name]``).
- rep: a turn repeating itself (few distinct 3-grams) or an earlier turn (half its 4-grams).
- len: within what the prompt asks (one or two short sentences: <= 2 sentences, <= 40 words).
- end (per dialog): ended by the end contract before ``max_turns``.

Usage:
    python benchmarks/quality.py generate examples/doctor_patient.yaml out/q/clinic -n 8 --turns 8
    python benchmarks/quality.py score examples/doctor_patient.yaml out/q/clinic [more folders]
    python benchmarks/quality.py show out/q/clinic        # read the dialogs as a user would
    python benchmarks/quality.py validate                 # the role score on hand-written dialogs

``generate`` runs the scenario on the embedded model (a remote agent, like remote_users.yaml's
bot, is put on the embedded model too) with ``-p KEY=VALUE`` generation overrides; each
``--variant NAME=SPEC`` makes one corpus in ``OUT/NAME``, SPEC being ``;``-separated parameters
and switches (``sdialog.agents.session:TURN_REMINDER=false``), all in one process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

BASELINES = {
    "clinic": "examples/customer_support.yaml",
    "support": "examples/doctor_patient.yaml",
    "probe": "examples/doctor_patient.yaml",
}
"""Scenario → the other scenario whose persona and context are the topic baseline."""

GENERIC_LABELS = ("user", "assistant", "system", "human", "ai", "bot", "agent", "customer")
DEBRIS = re.compile(
    r"chat history|<\||\|>|\{\{|\}\}|\{%|\[end|\[/?inst\]|###|\"(reply|tool|arguments)\"|\]\[|"
    r"\[(your|insert|name|customer|patient|doctor)[^\]]*\]|about you:|setting:|^\s*[\[{]",
    re.I,
)
SENTENCE_END = re.compile(r"[.!?…]+(?:\s|$)")
GOLD = Path(__file__).parent / "data" / "quality_gold.json"
ATTRIBUTION_WINDOW = 4
"""Turns of context before the turn being attributed."""


# -- corpus loading ------------------------------------------------------------------------------
def load_dialogs(folder: Path) -> list[dict[str, Any]]:
    """Dialog JSON files (ours, or the reference toolkit's) as plain dicts."""
    files = sorted((folder / "dialogs").glob("*.json")) or sorted(folder.glob("*.json"))
    dialogs = [json.loads(p.read_text()) for p in files if p.name != "manifest.json"]
    if not dialogs:
        raise SystemExit(f"no dialogs in {folder}")
    return dialogs


def role_texts(scenario: Any) -> list[str]:
    """One text per speaker: who they are and what the scenario asks them to do."""
    texts = []
    for spec in scenario.agents:
        persona = spec.persona
        kind = getattr(persona, "class_", None) or ""
        role = ""
        if hasattr(persona, "fields"):
            role = persona.fields.get("role", "") or ""
        what = spec.dialogue_details or scenario.description
        texts.append(f"{spec.name} ({kind} {role}). {what}".replace("( ", "(").replace(" )", ")"))
    return texts


def role_labels(scenario: Any) -> list[str]:
    """One plain role word per speaker ("Doctor", "Support agent"), for speaker attribution."""
    labels = []
    for spec in scenario.agents:
        kind = getattr(spec.persona, "class_", None) or spec.name or "Speaker"
        labels.append(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).capitalize())
    return labels


def setting_line(scenario: Any, labels: list[str]) -> str:
    """The one-line header of a transcript: who talks, and the scenario's description."""
    return f"A conversation between a {labels[0].lower()} and a {labels[1].lower()}. " + (
        scenario.description or ""
    )


class SpeakerAttribution:
    """Whose turn is it? Compares log P(turn | setting, last turns, own label) with the other
    label, on the embedded model's raw text continuation (no chat template).

    Example:
        >>> who = SpeakerAttribution(["Doctor", "Patient"], "A consultation.")  # doctest: +SKIP
        >>> who.margins([(0, "What brings you in?"), (1, "My back hurts.")])  # doctest: +SKIP
        [1.3, 2.1]
    """

    def __init__(self, labels: list[str], setting: str, model: str = "smollm2") -> None:
        from sdialog.llm import LocalBackend

        self.labels, self.setting = labels, setting
        self.backend = LocalBackend(model)

    def _logprobs(self, prefixes: list[str], text: str) -> list[float]:
        conversations = [[{"role": "user", "content": prefix}] for prefix in prefixes]
        scores = self.backend.score_continuations_batch(
            conversations, [" " + text], prompt_format="text"
        )
        return [row[0] for row in scores]

    def margins(self, turns: list[tuple[int, str]]) -> list[float]:
        """Per turn, log P(own label) − log P(other label): > 0 when attributed correctly."""
        margins = []
        for k, (slot, text) in enumerate(turns):
            before = turns[max(0, k - ATTRIBUTION_WINDOW) : k]
            history = "".join(f"{self.labels[s]}: {t}\n" for s, t in before)
            prefix = f"{self.setting}\n\n{history}"
            own, other = self._logprobs(
                [prefix + self.labels[slot] + ":", prefix + self.labels[1 - slot] + ":"], text
            )
            margins.append(own - other)
        return margins


def persona_text(persona: Any, context: Any) -> str:
    def flat(value: Any) -> str:
        if isinstance(value, dict):
            return "; ".join(
                f"{k}: {v}" for k, v in value.items() if v not in (None, "", []) and k[0] != "_"
            )
        return str(value or "")

    return f"{flat(persona)}. {flat(context)}".strip(" .")


# -- scoring -------------------------------------------------------------------------------------
def score(
    scenario_path: str, folder: Path, max_turns: int | None = None, embeddings: bool = True
) -> dict[str, Any]:
    """All scores of one corpus folder (means over turns; ``end`` over dialogs).

    ``embeddings=False`` leaves out role and topic (no sentence-transformers model to load).
    """
    import numpy as np

    from sdialog.scenario import Scenario

    if embeddings:
        from sdialog.embeddings import embed
    else:

        def embed(texts: list[str]) -> Any:
            return np.full((len(texts), 1), np.nan)

    scenario = Scenario.from_file(scenario_path)
    baseline = Scenario.from_file(BASELINES.get(scenario.name, "examples/customer_support.yaml"))
    limit = max_turns or scenario.max_turns
    dialogs = load_dialogs(folder)
    roles = embed(role_texts(scenario))
    base_personas = [
        persona_text(_fixed_persona(baseline, i), baseline.context) for i in range(2)
    ]  # the baseline scenario's speakers, same order
    base = embed(base_personas)

    rows = []  # (dialog index, speaker slot, text)
    own_topic_texts = []
    for d, dialog in enumerate(dialogs):
        speakers = _speaker_order(dialog, scenario)
        personas = dialog.get("personas") or {}
        for turn in dialog["turns"]:
            slot = speakers.index(turn["speaker"])
            rows.append((d, slot, turn["text"]))
            persona = personas.get(turn["speaker"]) or _fixed_persona(scenario, slot)
            own_topic_texts.append(persona_text(persona, dialog.get("context") or scenario.context))
    texts = [t for _, _, t in rows]
    vectors = embed(texts)
    topics = embed(own_topic_texts)
    slots = np.array([s for _, s, _ in rows])
    role_own = (vectors * roles[slots]).sum(1)
    role_other = (vectors * roles[1 - slots]).sum(1)
    attributed = np.full(len(rows), np.nan)
    if embeddings:
        labels = role_labels(scenario)
        attribution = SpeakerAttribution(labels, setting_line(scenario, labels))
        margins = []
        for d in range(len(dialogs)):
            margins += attribution.margins([(s, t) for i, s, t in rows if i == d])
        attributed = np.array(margins) > 0
    topic_own = (vectors * topics).sum(1)
    topic_base = (vectors * base[slots]).sum(1)

    names = {n.lower() for dialog in dialogs for n in _speaker_order(dialog)}
    names |= {_first_name(p) for dialog in dialogs for p in (dialog.get("personas") or {}).values()}
    names.discard("")
    leaks = [_leaks(t, names) for t in texts]
    reps, lengths, sentences = [], [], []
    for dialog in dialogs:
        earlier: list[set[tuple[str, ...]]] = []
        for turn in dialog["turns"]:
            words = _words(turn["text"])
            grams3, grams4 = _ngrams(words, 3), _ngrams(words, 4)
            self_rep = len(words) >= 8 and len(set(grams3)) < 0.75 * len(grams3)
            cross = bool(grams4) and any(
                len(set(grams4) & g) >= 0.5 * len(set(grams4)) for g in earlier
            )
            reps.append(self_rep or cross)
            earlier.append(set(grams4))
            count = len(SENTENCE_END.findall(turn["text"].strip() + " ")) or 1
            sentences.append(count)
            lengths.append(count <= 2 and len(words) <= 40)
    ended = [_ended(dialog, limit) for dialog in dialogs]
    return {
        "dialogs": len(dialogs),
        "turns": len(texts),
        "role": float(np.mean(attributed)),
        "role_emb": float((role_own > role_other).mean()),
        "topic_own": float(topic_own.mean()),
        "topic_base": float(topic_base.mean()),
        "topic+": float((topic_own > topic_base).mean()),
        "leak": float(np.mean([bool(x) for x in leaks])),
        "rep": float(np.mean(reps)),
        "len": float(np.mean(lengths)),
        "words": float(np.mean([len(_words(t)) for t in texts])),
        "end": float(np.mean(ended)),
        "mean_turns": float(np.mean([len(d["turns"]) for d in dialogs])),
        "leak_examples": [x for x in leaks if x][:5],
    }


def _fixed_persona(scenario: Any, slot: int) -> dict[str, Any]:
    persona = scenario.agents[slot].persona
    if hasattr(persona, "fields"):
        rules = {k: (v[0] if isinstance(v, list) else v) for k, v in persona.rules.items()}
        return {"role": persona.class_, **persona.fields, **rules}
    return persona if isinstance(persona, dict) else {"role": scenario.agents[slot].name}


def _speaker_order(dialog: dict[str, Any], scenario: Any = None) -> list[str]:
    """The dialog's two speakers in the scenario's agent order (else in order of appearance)."""
    spoken = {turn["speaker"] for turn in dialog["turns"]}
    agents = [spec.name for spec in scenario.agents] if scenario is not None else []
    if spoken and spoken <= set(agents):
        return agents[:2]
    order: list[str] = []
    for turn in dialog["turns"]:
        if turn["speaker"] not in order:
            order.append(turn["speaker"])
    return [*order, "?"][:2]


def _first_name(persona: Any) -> str:
    name = persona.get("name") if isinstance(persona, dict) else None
    return str(name).split()[0].lower().strip(".") if name else ""


def _leaks(text: str, names: set[str]) -> str:
    """What leaked ("" when nothing did)."""
    match = DEBRIS.search(text)
    if match:
        return match.group(0)
    labels = names | set(GENERIC_LABELS)
    for line in text.splitlines() or [text]:
        prefix = re.match(r"\s*([A-Za-z][\w. ]{0,24}?)\s*:", line)
        if prefix and prefix.group(1).lower().split()[-1] in labels:
            return prefix.group(0)
    inline = re.search(r"(?:^|[.!?]\s+)([A-Z][a-z]+):\s", text)
    if inline and inline.group(1).lower() in labels:
        return inline.group(0).strip()
    return ""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _ended(dialog: dict[str, Any], limit: int) -> bool:
    if "complete" in dialog and dialog["complete"] is not None:
        return bool(dialog["complete"]) and len(dialog["turns"]) <= limit
    return len(dialog["turns"]) < limit


# -- generation ----------------------------------------------------------------------------------
def generate(args: argparse.Namespace) -> None:
    """Generate the corpus, once per ``--variant`` (each in ``out/<name>``) or once in ``out``."""
    import importlib
    import time

    from sdialog.corpus import generate_corpus
    from sdialog.scenario import Scenario

    variants = [v.partition("=")[::2] for v in args.variant or []] or [("", "")]
    for name, spec in variants:
        scenario = Scenario.from_file(args.scenario)
        scenario.max_turns = args.turns
        for agent in scenario.agents:  # a remote system under test: the embedded model stands in
            if agent.model and not agent.model.startswith(("smollm2", "huggingface:", "hf:")):
                agent.model = None
                agent.params = {k: v for k, v in agent.params.items() if not k.startswith("api_")}
        params, patches = {}, []
        for item in [*(args.param or []), *filter(None, spec.split(";"))]:
            key, _, value = item.partition("=")
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
            if ":" in key:  # module:ATTR — an experiment switch, restored afterwards
                module_name, _, attribute = key.partition(":")
                module = importlib.import_module(module_name)
                patches.append((module, attribute, getattr(module, attribute)))
                setattr(module, attribute, value)
            else:
                params[key] = value
        out = args.out / name if name else args.out
        start = time.perf_counter()
        try:
            result = generate_corpus(
                scenario,
                n=args.n,
                out_dir=out,
                params=params or None,
                batch_size=args.n,
                resume=True,
                progress=True,
            )
        finally:
            for module, attribute, original in patches:
                setattr(module, attribute, original)
        seconds = time.perf_counter() - start
        print(f"{name or 'corpus'}: {result.written} dialogs in {seconds:.1f} s", flush=True)


def validate() -> None:
    """The role score on the hand-written dialogs, and on the same with the speakers swapped."""
    gold = json.loads(GOLD.read_text())
    print("| scenario | turns | role (as written) | role (swapped) | role_emb (as written) |")
    print("|---|---:|---:|---:|---:|")
    for name, path in (("clinic", "doctor_patient"), ("support", "customer_support")):
        scenario_path = str(Path("examples") / f"{path}.yaml")
        results = []
        for swap in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                for i, dialog in enumerate(gold[name]):
                    speakers = sorted({t["speaker"] for t in dialog})
                    other = dict(zip(speakers, speakers[::-1], strict=True)) if swap else {}
                    turns = [{**t, "speaker": other.get(t["speaker"], t["speaker"])}
                             for t in dialog]  # fmt: skip
                    (Path(folder) / f"{i}.json").write_text(json.dumps({"turns": turns}))
                results.append(score(scenario_path, Path(folder), None, True))
        as_written, swapped = results
        print(
            f"| {name} | {as_written['turns']} | {as_written['role']:.2f} | "
            f"{swapped['role']:.2f} | {as_written['role_emb']:.2f} |"
        )


def show(folder: Path, limit: int) -> None:
    for dialog in load_dialogs(folder)[:limit]:
        end = "ended" if dialog.get("complete") else "cut"
        print(f"== {dialog.get('id')} ({len(dialog['turns'])} turns, {end})")
        for turn in dialog["turns"]:
            print(f"  {turn['speaker']}: {turn['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("scenario")
    gen.add_argument("out", type=Path)
    gen.add_argument("-n", type=int, default=8)
    gen.add_argument("--turns", type=int, default=8)
    gen.add_argument("-p", "--param", action="append", help="KEY=VALUE generation parameter")
    gen.add_argument(
        "--variant",
        action="append",
        help="NAME=KEY=VALUE;module:ATTR=VALUE;... one corpus per variant, in OUT/NAME",
    )
    sc = commands.add_parser("score")
    sc.add_argument("scenario")
    sc.add_argument("folders", nargs="+", type=Path)
    sc.add_argument("--max-turns", type=int)
    sc.add_argument("--json", action="store_true")
    sc.add_argument("--no-embed", action="store_true", help="text rules only (no model)")
    commands.add_parser("validate")
    sh = commands.add_parser("show")
    sh.add_argument("folder", type=Path)
    sh.add_argument("--limit", type=int, default=3)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args)
    elif args.command == "validate":
        validate()
    elif args.command == "show":
        show(args.folder, args.limit)
    else:
        columns = ["role", "role_emb", "topic_own", "topic_base", "topic+"]
        columns += ["leak", "rep", "len", "end"]
        print(f"| corpus | turns | {' | '.join(columns)} | words |")
        print("|---|---:|" + "---:|" * (len(columns) + 1))
        for folder in args.folders:
            result = score(args.scenario, folder, args.max_turns, not args.no_embed)
            if args.no_embed:
                for column in ("role", "role_emb", "topic+"):
                    result[column] = float("nan")
            cells = " | ".join(f"{result[c]:.2f}" for c in columns).replace("nan", "–")
            print(f"| {folder} | {result['turns']} | {cells} | {result['words']:.1f} |")
            if args.json:
                print(json.dumps(result), file=sys.stderr)
            if result["leak_examples"]:
                print(f"  leaks: {result['leak_examples']}", file=sys.stderr)


if __name__ == "__main__":
    main()
