"""``sdialog audio``: voice a dialog file or a folder of dialogs.

Example:
    $ sdialog audio output/clinic/dialogs -o output/clinic-audio --room consultation_room \
        --device smartphone --channel telephone --snr 15 --asr
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sdialog.cli._app import app


def _dialog_files(source: Path) -> list[Path]:
    from sdialog.corpus_layout import find_corpus

    source = find_corpus(source) or source  # a `sdialog generate` folder: its dialogs
    if source.is_dir():
        files = sorted(
            p
            for p in source.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and p.suffix.lower() in (".json", ".jsonl", ".txt")
        )
        if not files:
            raise typer.BadParameter(f"no dialog files in {source}", param_hint="DIALOG_OR_DIR")
        return files
    if not source.exists():
        raise typer.BadParameter(f"{source} does not exist", param_hint="DIALOG_OR_DIR")
    return [source]


@app.command()
def audio(
    source: Annotated[Path, typer.Argument(help="A dialog file or a folder of them.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("output/audio"),
    room: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Room preset (repeatable): consultation_room, office, ..."),
    ] = None,
    device: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Device preset (repeatable): smartphone, headset, ..."),
    ] = None,
    channel: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Channel preset (repeatable): telephone, voip-lossy, ..."),
    ] = None,
    noise: Annotated[str | None, typer.Option(help="white, pink, brown, babble or a file.")] = None,
    snr: Annotated[float | None, typer.Option(help="SNR in dB (implies pink noise).")] = None,
    tts: Annotated[str, typer.Option(help="auto, flite, espeak-ng, piper or synthetic.")] = "auto",
    rate: Annotated[int, typer.Option(help="Pipeline sampling rate (Hz).")] = 16000,
    fmt: Annotated[str, typer.Option("--format", help="wav, flac or mp3.")] = "wav",
    asr: Annotated[bool, typer.Option(help="Transcribe (whisper) and score WER.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of voices, timing, rooms, noise.")] = 0,
    redo: Annotated[bool, typer.Option(help="Recompute existing outputs.")] = False,
) -> None:
    """Render dialogs to audio: per-turn files, mixes, room/device/channel variants, manifest."""
    from sdialog._progress import ProgressBar
    from sdialog.audio import AudioPipeline, evaluate_asr
    from sdialog.corpus_layout import plain_name
    from sdialog.dialog import Dialog

    files = _dialog_files(source)
    try:
        pipeline = AudioPipeline(
            tts_engine=tts,
            sampling_rate=rate,
            rooms=room or [],
            devices=device or [],
            channels=channel or [],
            noise=noise or ("pink" if snr is not None else None),
            snr_db=snr,
            audio_file_format=fmt,
            seed=seed,
        )
    except (ValueError, RuntimeError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    dialogs = []
    for file in files:
        loaded = Dialog.from_file(file)
        dialogs += loaded if isinstance(loaded, list) else [loaded]
    bar = ProgressBar(len(dialogs), "dialogs")
    scores = []
    try:
        for i, dialog in enumerate(dialogs):
            folder = out / f"{i:04d}_{plain_name(dialog.id)}"  # ids come from data: keep in -o
            result = pipeline.run(dialog, folder, redo=redo)
            if asr:
                for variant in result.files:
                    scores.append((variant, evaluate_asr(result, "whisper", variant)["wer"]))
            bar.advance()
    finally:
        bar.close()
    typer.echo(f"{len(dialogs)} dialogs voiced -> {out}")
    for variant in sorted({v for v, _ in scores}):
        values = [w for v, w in scores if v == variant]
        typer.echo(f"WER {variant}: {sum(values) / len(values):.3f}")
