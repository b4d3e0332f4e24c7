"""Real-time factor of the audio pipeline on a 10-turn dialog, split by stage.

RTF = processing seconds / audio seconds (lower is faster). Stages: TTS (flite), timeline
(placement + loudness), room (cold RIR cache, then warm), device, channel; and whisper tiny.en ASR.

Run: python benchmarks/audio.py   (prints a markdown table)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from sdialog import Dialog, Turn
from sdialog.audio import AudioPipeline, evaluate_asr
from sdialog.audio import room as room_module

LINES = [
    "Good morning, what brings you in today?",
    "I have had a sore throat and a mild fever for three days.",
    "Have you had any trouble swallowing or breathing?",
    "Swallowing hurts a little, but breathing is fine.",
    "Any cough, runny nose, or ear pain?",
    "A bit of a runny nose, no cough.",
    "Let me have a look at your throat. Say ah, please.",
    "Ah. Is it bad?",
    "It looks like a viral infection. Rest, fluids and paracetamol should help.",
    "Thank you, doctor. I will come back if it gets worse.",
]


def main() -> None:
    dialog = Dialog(
        turns=[Turn("Doctor" if i % 2 == 0 else "Patient", t) for i, t in enumerate(LINES)]
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "rirs"
        stages = {}
        t0 = time.perf_counter()
        base = AudioPipeline(tts_engine="flite", cache_dir=cache)
        audio = base.run(dialog, Path(tmp) / "dry")
        stages["TTS + timeline + loudness (dry mix)"] = time.perf_counter() - t0
        seconds = audio.duration_s
        room_module._MEMORY.clear()
        t0 = time.perf_counter()
        AudioPipeline(tts_engine="flite", rooms=["consultation_room"], cache_dir=cache).run(
            dialog, Path(tmp) / "dry"
        )
        stages["room stage only (turn audio reused, RIR cache cold)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        AudioPipeline(tts_engine="flite", rooms=["consultation_room"], cache_dir=cache).run(
            dialog, Path(tmp) / "dry", redo=False
        )
        reuse = time.perf_counter() - t0
        t0 = time.perf_counter()
        AudioPipeline(tts_engine="flite", rooms=["office"], cache_dir=cache).run(
            dialog, Path(tmp) / "warm", redo=True
        )
        full_cold_office = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = AudioPipeline(
            tts_engine="flite", rooms=["office"], devices=["smartphone"], cache_dir=cache
        ).run(dialog, Path(tmp) / "full", redo=True)
        full_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        evaluate_asr(full, "whisper", "dry")
        asr_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = evaluate_asr(full, "whisper", "dry")
        asr = time.perf_counter() - t0
    rows.append(("audio duration (s)", f"{seconds:.1f}", ""))
    for name, value in stages.items():
        rows.append((name, f"{value:.2f}", f"{value / seconds:.3f}"))
    rows.append(
        (
            "full pipeline, TTS+room(office, cold RIR)",
            f"{full_cold_office:.2f}",
            f"{full_cold_office / seconds:.3f}",
        )
    )
    rows.append(
        (
            "full pipeline, TTS+room+device (RIR cache warm)",
            f"{full_warm:.2f}",
            f"{full_warm / seconds:.3f}",
        )
    )
    rows.append(("resumed run (all outputs reused)", f"{reuse:.2f}", f"{reuse / seconds:.3f}"))
    rows.append(
        (
            "ASR whisper tiny.en int8 (model load included)",
            f"{asr_first:.2f}",
            f"{asr_first / seconds:.3f}",
        )
    )
    rows.append(("ASR whisper tiny.en int8 (loaded)", f"{asr:.2f}", f"{asr / seconds:.3f}"))
    print("| stage | seconds | RTF |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    print(f"\nWER of the dry mix: {result['wer']:.3f}; numpy {np.__version__}")


if __name__ == "__main__":
    main()
