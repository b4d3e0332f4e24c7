"""Dialogs to realistic speech: TTS, voices, timeline, room acoustics, devices and telephone
channels, ASR/WER, manifests with RTTM/STM.

Importing this package imports nothing heavy; each name loads its module on first use.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.audio import AudioPipeline
    >>> dialog = Dialog(turns=[Turn("A", "Good morning?"), Turn("B", "Morning!")])
    >>> audio = AudioPipeline(tts_engine="synthetic").run(dialog, "out-audio")
    >>> [t.speaker for t in audio.turns], "dry" in audio.files
    (['A', 'B'], True)
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports

_LAZY = {
    "AudioPipeline": "sdialog.audio.pipeline",
    "AudioDialog": "sdialog.audio.audio_dialog",
    "AudioTurn": "sdialog.audio.audio_dialog",
    "evaluate_asr": "sdialog.audio.audio_dialog",
    "Voice": "sdialog.audio.tts.base",
    "TTSEngine": "sdialog.audio.tts.base",
    "get_engine": "sdialog.audio.tts.base",
    "register_engine": "sdialog.audio.tts.base",
    "clean_text": "sdialog.audio.tts.text",
    "VoiceDatabase": "sdialog.audio.voices",
    "assign_voices": "sdialog.audio.voices",
    "parse_age": "sdialog.audio.voices",
    "RandomGaps": "sdialog.audio.timeline",
    "RuleGaps": "sdialog.audio.timeline",
    "LLMGaps": "sdialog.audio.timeline",
    "Room": "sdialog.audio.room",
    "make_room": "sdialog.audio.room_presets",
    "ROOM_PRESETS": "sdialog.audio.room_presets:PRESETS",
    "Device": "sdialog.audio.devices",
    "DEVICES": "sdialog.audio.devices",
    "get_device": "sdialog.audio.devices",
    "TelephoneChannel": "sdialog.audio.telephone",
    "BernoulliLoss": "sdialog.audio.telephone",
    "GilbertElliott": "sdialog.audio.telephone",
    "CHANNELS": "sdialog.audio.telephone",
    "get_channel": "sdialog.audio.telephone",
    "mix_at_snr": "sdialog.audio.mix",
    "make_noise": "sdialog.audio.mix",
    "normalize_loudness": "sdialog.audio.mix",
    "get_asr": "sdialog.audio.asr",
    "WhisperASR": "sdialog.audio.asr",
    "PocketSphinxASR": "sdialog.audio.asr",
    "wer": "sdialog.audio.wer",
    "cer": "sdialog.audio.wer",
    "normalize_text": "sdialog.audio.wer",
    # SDialog's names (see docs/migrating.md, "Audio"); its AudioDialog, Voice and VoiceDatabase
    # live in sdialog.audio.dialog and sdialog.audio.voice_database (the names above are ours).
    "AcousticsSimulator": "sdialog.audio.acoustics_simulator",
    "AudioSource": "sdialog.audio.geometry",
    "RoomPosition": "sdialog.audio.geometry",
    "Position3D": "sdialog.audio.geometry",
    "Dimensions3D": "sdialog.audio.geometry",
    "DirectivityType": "sdialog.audio.geometry",
    "Role": "sdialog.audio.utils",
    "SourceVolume": "sdialog.audio.utils",
    "Furniture": "sdialog.audio.utils",
    "BaseTTS": "sdialog.audio.tts.compat",
    "BaseVoiceCloneTTS": "sdialog.audio.tts.compat",
    "KokoroTTS": "sdialog.audio.tts.compat",
    "Qwen3TTS": "sdialog.audio.tts.compat",
    "Qwen3TTSVoiceClone": "sdialog.audio.tts.compat",
    "Dia2TTS": "sdialog.audio.tts.compat",
    "BaseVoiceDatabase": "sdialog.audio.voice_database",
    "LocalVoiceDatabase": "sdialog.audio.voice_database",
    "HuggingfaceVoiceDatabase": "sdialog.audio.voice_database",
    "RoomAcousticsConfig": "sdialog.audio.dialog",
    # SDialog 0.5.3's one-call API (sdialog.audio.pipeline.to_audio is 0.4.9's)
    "to_audio": "sdialog.audio.synthesis",
    "dialogs_to_audio": "sdialog.audio.synthesis",
    "DialogAudio": "sdialog.audio.result",
    "Segment": "sdialog.audio.result",
    "register_preset": "sdialog.audio.presets",
    "list_presets": "sdialog.audio.presets",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY, extra="audio")
