"""Microphone impulse-response databases shaped as in SDialog: :class:`RecordingDevice`,
:class:`ImpulseResponseDatabase`, :class:`LocalImpulseResponseDatabase` (your own IR files) and
:class:`HuggingFaceImpulseResponseDatabase` (hub only; a clear error offline).

Note: the identifiers of :class:`RecordingDevice` name SDialog's default IR set, which are
guitar-cabinet microphone recordings rather than measured microphone responses; for realistic
devices prefer our parametric presets (:data:`sdialog.audio.DEVICES`: smartphone, headset, lapel,
speakerphone, studio) or your own measured IRs in a :class:`LocalImpulseResponseDatabase`.

Example:
    >>> import tempfile, json, os
    >>> import numpy as np, soundfile as sf
    >>> folder = tempfile.mkdtemp()
    >>> sf.write(os.path.join(folder, "ir.wav"), np.r_[1.0, np.zeros(99)], 16000)
    >>> meta = os.path.join(folder, "meta.json")
    >>> _ = open(meta, "w").write(json.dumps([{"identifier": "mic", "file_name": "ir.wav"}]))
    >>> LocalImpulseResponseDatabase(meta, folder).get_ir("mic").endswith("ir.wav")
    True
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from sdialog.audio.voice_database import read_metadata


class RecordingDevice(str, Enum):
    """Identifiers of SDialog's default microphone IR set (guitar-cabinet recordings)."""

    LCT_440 = "OD-FBVET30-CND-AU-1-P20-50"
    SHURE_SM57 = "OD-FBVET30-DYN-57-P05-20"
    RE_20 = "OD-FBVET30-DYN-US-8-P10-70"
    RBN_160 = "OD-FBVET30-RBN-160-P10-30"
    SENNHEISER_E906 = "OD-FB-VET30-DYN-906-P12-30"
    AUDIX_I5 = "OD-FB-VET30-DYN-I5-P12-20"
    NEUMANN_TLM_103 = "OD-FB-VET30-LD-103-P09-40-LC"
    SONY_C800G_TUBE = "OD-FB-VET30-LD-800-P09-40"
    ROYER_R_10 = "OD-FB-VET30-RBN-US-1-P10-30-LC75"
    SENNHEISER_MD409_U3 = "OD-FBVET30-DN-409U-09-40"
    SENNHEISER_MD421_II = "OD-FBVET30-DN-421B-10-40-LC"
    NEUMANN_U67_TUBE = "OD-FBVET30-LD-67NOS-P09-40-LC"
    RBN_CN_2 = "OD-FBVET30-RBN-CN-2-P09-100"

    def __str__(self) -> str:
        return self.value


class ImpulseResponseDatabase:
    """Identifier → impulse-response file path; subclasses fill :attr:`_data` in
    ``_populate``."""

    def __init__(self):
        self._data: dict[str, str] = {}
        self._populate()

    def _populate(self) -> None:
        raise NotImplementedError

    def get_data(self) -> dict[str, str]:
        """Identifier → path."""
        return self._data

    def get_ir(self, identifier: str | RecordingDevice) -> str:
        """The IR file path of ``identifier``."""
        key = identifier.value if isinstance(identifier, RecordingDevice) else str(identifier)
        if key not in self._data:
            raise ValueError(
                f"Impulse response with identifier '{key}' not found. Known: {sorted(self._data)}"
            )
        return self._data[key]


class LocalImpulseResponseDatabase(ImpulseResponseDatabase):
    """IR files in ``directory`` listed by a CSV, TSV or JSON ``metadata_file`` with
    ``identifier`` and ``file_name`` columns; every file must exist."""

    def __init__(self, metadata_file: str, directory: str):
        self.metadata_file, self.directory = Path(metadata_file), Path(directory)
        if not self.metadata_file.exists():
            raise ValueError(f"Metadata file not found: {self.metadata_file}")
        if not self.directory.is_dir():
            raise ValueError(f"Audio directory is not a directory: {self.directory}")
        if self.metadata_file.suffix.lower() not in (".csv", ".tsv", ".json"):
            raise ValueError(f"Metadata file is not a csv / tsv / json file: {self.metadata_file}")
        super().__init__()

    def _populate(self) -> None:
        rows, columns = read_metadata(self.metadata_file)
        missing = {"identifier", "file_name"} - columns
        if missing:
            raise ValueError(f"{self.metadata_file}: missing columns {sorted(missing)}")
        for i, row in enumerate(rows):
            path = self.directory / str(row["file_name"])
            if not path.exists():
                raise ValueError(
                    f"Audio file not found at path: {path} ({self.metadata_file} row {i})"
                )
            self._data[str(row["identifier"])] = str(path)


class HuggingFaceImpulseResponseDatabase(ImpulseResponseDatabase):
    """SDialog's hub IR set; needs ``pip install datasets`` and the Hugging Face hub."""

    def __init__(self, repo_id: str = "sdialog/impulse-responses", subset: str = "train"):
        self.repo_id, self.subset = repo_id, subset
        super().__init__()

    def _populate(self) -> None:
        try:
            from datasets import load_dataset
        except ImportError:
            raise ImportError(
                "HuggingFaceImpulseResponseDatabase needs 'datasets' "
                '(pip install "sdialog[eval]") and the Hugging Face hub; offline, use '
                "LocalImpulseResponseDatabase with your own IR files, or our device presets "
                "(sdialog.audio.DEVICES)"
            ) from None
        try:
            dataset = load_dataset(self.repo_id, split=self.subset)
        except Exception as err:  # any hub/network failure gets the same advice
            raise RuntimeError(
                f"could not load IR dataset {self.repo_id!r} ({type(err).__name__}: {err}); "
                "offline, use LocalImpulseResponseDatabase or sdialog.audio.DEVICES"
            ) from err
        for row in dataset:
            audio = row.get("audio") or {}
            self._data[str(row.get("identifier"))] = audio.get("path", "")
