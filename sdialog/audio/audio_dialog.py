"""The result of voicing a dialog: turns with audio paths, timing and voices; files on disk.

Example:
    >>> turn = AudioTurn(0, "A", "Hi.", "synthetic:f1", 0, 8000, 16000)
    >>> turn.start_s, turn.end_s
    (0.0, 0.5)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AudioTurn:
    """One placed utterance, sample-accurate: ``[start_sample, end_sample)`` at the rate."""

    index: int
    speaker: str
    text: str
    voice: str
    start_sample: int
    end_sample: int
    sampling_rate: int
    overlap: bool = False
    path: str | None = None
    lufs: float | None = None

    @property
    def start_s(self) -> float:
        """Start time in seconds."""
        return self.start_sample / self.sampling_rate

    @property
    def end_s(self) -> float:
        """End time in seconds."""
        return self.end_sample / self.sampling_rate

    def to_dict(self) -> dict[str, Any]:
        """Manifest segment form (with seconds)."""
        return {**asdict(self), "start_s": round(self.start_s, 6), "end_s": round(self.end_s, 6)}


@dataclass
class AudioDialog:
    """Voiced dialog: :attr:`turns`, :attr:`voices` (speaker → voice dict), :attr:`files`
    (variant name → path), :attr:`manifest_path`, and ASR results when asked."""

    dialog_id: str
    sampling_rate: int
    turns: list[AudioTurn] = field(default_factory=list)
    voices: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    manifest_path: str | None = None
    asr: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Seconds from the first start to the last end."""
        return max((t.end_s for t in self.turns), default=0.0)

    # SDialog's names for the files (its step 1: voiced turns, step 2: timeline, step 3: rooms)
    @property
    def audio_step_1_filepath(self) -> str:
        """The dry mix (``files["dry"]``)."""
        return self.files.get("dry", "")

    @property
    def audio_step_2_filepath(self) -> str:
        """The dry mix too: our timeline (pauses, overlaps, noise) is in it."""
        return self.files.get("dry", "")

    @property
    def audio_step_3_filepaths(self) -> dict[str, str]:
        """Room name → wet mix (``room_<name>`` files, without device/channel variants)."""
        return {
            name[len("room_") :]: path
            for name, path in self.files.items()
            if name.startswith("room_") and "__" not in name
        }

    @staticmethod
    def from_dialog(dialog: Any) -> Any:
        """SDialog's ``AudioDialog.from_dialog``: the SDialog-shaped
        :class:`sdialog.audio.dialog.AudioDialog` of ``dialog`` (to pass to
        ``AudioPipeline.inference``)."""
        from sdialog.audio.dialog import AudioDialog as SDialogAudioDialog

        return SDialogAudioDialog.from_dialog(dialog)

    def display(self) -> None:
        """Print each produced file (``variant: path``), with a player under each in a notebook
        (SDialog's ``display()``, so ``dialog.to_audio(...).display()`` works as in its README).
        """
        try:
            from IPython import get_ipython
            from IPython.display import Audio, display

            notebook = get_ipython() is not None
        except ImportError:
            notebook = False
        for name, path in self.files.items():
            print(f"{name}: {path}")
            if notebook:
                display(Audio(path, autoplay=False))

    @classmethod
    def from_manifest(cls, path: str | Path) -> AudioDialog:
        """Rebuild from a ``manifest.json`` written by :class:`~sdialog.audio.AudioPipeline`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        turns = [
            AudioTurn(**{k: s[k] for k in AudioTurn.__dataclass_fields__ if k in s})
            for s in data["segments"]
        ]
        files = {name: info["path"] for name, info in data["files"].items()}
        return cls(
            data["dialog_id"],
            data["sampling_rate"],
            turns,
            data["voices"],
            files,
            str(path),
            data.get("asr", {}),
        )


def evaluate_asr(
    audio_dialog: AudioDialog, asr: Any = "whisper", variant: str = "dry", write: bool = True
) -> dict[str, Any]:
    """Transcribe each turn's span of the ``variant`` file and score WER/CER against the text.

    Results (per turn and overall) are stored in ``audio_dialog.asr[variant]`` and, with
    ``write``, in the manifest.

    Raises:
        KeyError: unknown variant (field ``variant``).
    """
    from sdialog.audio.asr import get_asr
    from sdialog.audio.io import read_audio
    from sdialog.audio.wer import score

    if variant not in audio_dialog.files:
        raise KeyError(f"variant {variant!r} not produced; have {sorted(audio_dialog.files)}")
    model = get_asr(asr)
    audio, rate = read_audio(audio_dialog.files[variant])
    ratio = rate / audio_dialog.sampling_rate
    hypotheses = []
    for turn in audio_dialog.turns:
        start = int(turn.start_sample * ratio)
        end = min(len(audio), int(turn.end_sample * ratio) + int(0.1 * rate))
        hypotheses.append(model.transcribe(audio[start:end], rate))
    report = score([t.text for t in audio_dialog.turns], hypotheses)
    result = {
        "asr": asr if isinstance(asr, str) else type(asr).__name__,
        "wer": report.wer,
        "cer": report.cer,
        "per_turn": report.per_turn,
    }
    audio_dialog.asr[variant] = result
    if write and audio_dialog.manifest_path:
        from sdialog.audio.export import write_json

        manifest = json.loads(Path(audio_dialog.manifest_path).read_text(encoding="utf-8"))
        manifest.setdefault("asr", {})[variant] = result
        write_json(audio_dialog.manifest_path, manifest)
    return result
