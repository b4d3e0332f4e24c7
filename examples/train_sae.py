"""Train a sparse autoencoder on activations captured from simulated dialogs of the embedded model.

Resumable stages (each short enough for one hold of the shared CPU lock), all under ``--out``:

1. ``dialogs``  — simulate dialogs between persona pairs on SmolLM2-135M-Instruct (lock-step),
   appended to ``dialogs.jsonl`` in chunks of ``--chunk`` (re-running continues);
2. ``capture``  — replay every dialog through the chat template with an ``Inspector`` on
   ``--target`` (prompt side, one generated token), dropping the template's shared prefix;
   saves ``acts.safetensors`` (activations, token ids, dialog index);
3. ``train``    — a TopK SAE on 90 % of the dialogs (progress bar), saved as an SAELens folder
   ``sae/``; metrics on the held-out 10 % go to ``metrics.json``;
4. ``report``   — prints the metrics and the top tokens (with context) of a few features.

Usage (all stages in one lock hold of ~5 minutes; or one stage at a time, resuming):
    flock /tmp/sdialog-cpu.lock timeout 480 python examples/train_sae.py \
        dialogs capture train report --n 32
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from sdialog.agents import Agent
from sdialog.dialog import Dialog
from sdialog.interpretability import SAE, Inspector, sae_metrics, top_tokens, train_sae
from sdialog.llm import LocalBackend
from sdialog.simulation import simulate

PAIRS = [
    ({"name": "Ana", "role": "a customer support agent for an online shop"},
     {"name": "Ben", "role": "a customer whose parcel arrived damaged"}, "Hello, how can I help?"),
    ({"name": "Carla", "role": "a barista", "personality": "cheerful"},
     {"name": "Dan", "role": "a tired student"}, "Hi! What can I get you?"),
    ({"name": "Dr. Evans", "role": "a family doctor"},
     {"name": "Fay", "role": "a patient with a bad cough"}, "Good morning, what brings you in?"),
    ({"name": "Gus", "role": "a travel agent"},
     {"name": "Hana", "role": "a retiree planning a trip to Italy"}, "Welcome! Where to?"),
]  # fmt: skip
PARAMS = {"temperature": 0.8, "max_tokens": 40, "repetition_penalty": 1.2}


def stage_dialogs(args: argparse.Namespace) -> None:
    path = args.out / "dialogs.jsonl"

    def keep(i: int, dialog: Dialog) -> None:  # each finished dialog is on disk at once
        Dialog.to_jsonl([dialog], path, append=True)

    while (done := sum(1 for _ in path.open()) if path.exists() else 0) < args.n:
        todo = min(args.chunk, args.n - done)
        first, second, opening = PAIRS[(done // args.chunk) % len(PAIRS)]  # a pair per chunk
        a = Agent(persona=first, first_utterance=opening, model="smollm2", **PARAMS)
        b = Agent(persona=second, model="smollm2", **PARAMS)
        simulate(a, b, n=todo, max_turns=args.turns, seed=1000 + done, on_dialog=keep)
        print(f"{sum(1 for _ in path.open())}/{args.n} dialogs in {path}", flush=True)


def _messages(dialog: Dialog) -> list[dict[str, str]]:
    first = dialog.turns[0].speaker
    return [
        {"role": "assistant" if t.speaker == first else "user", "content": t.text}
        for t in dialog.turns
    ]


def stage_capture(args: argparse.Namespace) -> None:
    dialogs = Dialog.from_file(args.out / "dialogs.jsonl")
    if (args.out / "acts.safetensors").exists() and not args.force:
        print("acts.safetensors exists (--force to capture again)")
        return
    backend = LocalBackend("smollm2", temperature=0, max_tokens=1, cache=False, max_batch_size=8)
    inspector = Inspector(args.target, dtype=torch.float16)
    conversations = [_messages(d) for d in dialogs]
    backend.complete_batch(conversations, hooks=[inspector])
    ids = [r.prompt.ids for r in inspector]
    shared = 0  # the chat template's common prefix (default system prompt) repeats: drop it
    while all(len(x) > shared and x[shared] == ids[0][shared] for x in ids):
        shared += 1
    acts = torch.cat([r.prompt.acts[shared:] for r in inspector])
    tokens = torch.tensor([t for x in ids for t in x[shared:]])
    owner = torch.tensor([i for i, x in enumerate(ids) for _ in x[shared:]])
    from safetensors.torch import save_file

    tmp = args.out / ".acts.safetensors.tmp"  # atomic: a killed run leaves no partial file
    save_file(
        {"acts": acts.contiguous(), "tokens": tokens, "dialog": owner},
        tmp,
        metadata={"target": str(args.target), "shared_prefix": str(shared)},
    )
    tmp.replace(args.out / "acts.safetensors")
    print(f"{len(acts)} tokens from {len(dialogs)} dialogs ({shared} shared prefix tokens dropped)")


def _load(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    from safetensors.torch import load_file

    data = load_file(args.out / "acts.safetensors")
    dialogs = int(data["dialog"].max()) + 1
    held_out = data["dialog"] % 10 == 9 if dialogs >= 10 else data["dialog"] == dialogs - 1
    return data["acts"].float(), data["tokens"], held_out


def stage_train(args: argparse.Namespace) -> None:
    if (args.out / "metrics.json").exists() and not args.force:
        print("sae/ and metrics.json exist (--force to train again)")
        return
    acts, _, held_out = _load(args)
    train, test = acts[~held_out], acts[held_out]
    sae = train_sae(
        train, d_sae=args.d_sae, k=args.k, steps=args.steps, batch_size=args.batch_size,
        hook_name=f"blocks.{args.target.split(':')[-1]}.hook_resid_post",
        meta={"model": "HuggingFaceTB/SmolLM2-135M-Instruct", "train_tokens": len(train)},
    )  # fmt: skip
    sae.save(args.out / "sae")
    metrics = {
        "train": sae_metrics(sae, train),
        "held_out": sae_metrics(sae, test),
        "tokens": {"train": len(train), "held_out": len(test)},
        "d_sae": args.d_sae, "k": args.k, "steps": args.steps,
    }  # fmt: skip
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))


def stage_report(args: argparse.Namespace) -> None:
    acts, tokens, _ = _load(args)
    sae = SAE.load(args.out / "sae")
    print(json.dumps(json.loads((args.out / "metrics.json").read_text()), indent=2))
    backend = LocalBackend("smollm2", cache=False)
    tokenizer = backend.load().tokenizer
    words = [tokenizer.decode([t]) for t in tokens.tolist()]
    context = ["".join(words[max(0, i - 6) : i]) + "[" + words[i] + "]" for i in range(len(words))]
    with torch.inference_mode():
        features = sae.encode(acts)
    counts = (features > 0).float().mean(dim=0)
    # a few features of middling frequency (frequent ones are often positional/generic)
    order = [int(i) for i in counts.argsort(descending=True) if 0.002 < counts[i] < 0.05]
    for feature in order[: args.features]:
        print(f"\nfeature {feature} (fires on {counts[feature]:.1%} of tokens):")
        for text, value in top_tokens(sae, acts, words, feature, n=6, context=context):
            print(f"  {value:7.2f}  {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="+", choices=["dialogs", "capture", "train", "report"])
    parser.add_argument("--out", type=Path, default=Path("output/sae-smollm2"))
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--chunk", type=int, default=8)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--target", default="resid_post:15")
    parser.add_argument("--d-sae", type=int, default=1536)
    parser.add_argument("--k", type=int, default=24)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--features", type=int, default=6)
    parser.add_argument("--force", action="store_true", help="redo capture/train")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    run = {"dialogs": stage_dialogs, "capture": stage_capture, "train": stage_train,
           "report": stage_report}  # fmt: skip
    for stage in args.stages:
        run[stage](args)


if __name__ == "__main__":
    main()
