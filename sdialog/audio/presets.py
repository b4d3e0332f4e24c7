"""Named acoustic scene presets shaped as in SDialog 0.5.3, for
:func:`sdialog.audio.synthesis.to_audio` (``preset=``).

A preset sets scene parameters only (``pauses``, ``overlap``, ``max_overlap``, ``reverb``,
``noise``, ``channel``, ``level_jitter_db``); explicit arguments override it. Our built-in
``call_center`` applies its telephone line and noise to the whole recording (per-speaker effects
are not supported here, see docs/migrating.md).

Example:
    >>> register_preset("noisy_phone", channel="telephone", noise={"type": "pink", "snr": (5, 15)})
    >>> resolve_scene("noisy_phone", overlap=0.2)["overlap"], "room" in list_presets()
    (0.2, True)
"""

from __future__ import annotations

import copy
from typing import Any

SCENE_PARAMS = ("pauses", "overlap", "max_overlap", "reverb", "noise", "channel", "level_jitter_db")
SCENE_DEFAULTS: dict[str, Any] = {
    "pauses": "natural",
    "overlap": 0.0,
    "max_overlap": 0.3,
    "reverb": None,
    "noise": None,
    "channel": None,
    "level_jitter_db": 0.0,
}
_BUILTIN: dict[str, dict[str, Any]] = {
    "clean": {},
    "conversational": {"pauses": 0.35, "overlap": 0.15, "level_jitter_db": 2.0},
    "room": {
        "pauses": 0.4,
        "overlap": 0.1,
        "reverb": "medium",
        "noise": {"type": "pink", "snr": (20, 30)},
        "level_jitter_db": 3.0,
    },
    "call_center": {
        "pauses": 0.4,
        "overlap": 0.1,
        "noise": {"type": ["pink", "brown", "white"], "snr": (10, 25)},
        "channel": "telephone",
        "level_jitter_db": 3.0,
    },
    "far_field": {
        "pauses": 0.4,
        "overlap": 0.2,
        "reverb": "large",
        "noise": {"type": "pink", "snr": (5, 15)},
        "level_jitter_db": 4.0,
    },
    "hard": {
        "pauses": 0.3,
        "overlap": 0.3,
        "reverb": "large",
        "noise": {"type": ["pink", "brown", "white"], "snr": (0, 10)},
        "channel": "telephone",
        "level_jitter_db": 6.0,
    },
}
_PRESETS: dict[str, dict[str, Any]] = copy.deepcopy(_BUILTIN)


def register_preset(name: str, **params: Any) -> None:
    """Add or replace the preset ``name`` (scene parameters only)."""
    invalid = [k for k in params if k not in SCENE_PARAMS]
    if invalid:
        raise ValueError(
            f"invalid preset parameter(s) {invalid}: presets set only {list(SCENE_PARAMS)} "
            "(output options such as sample_rate are arguments of to_audio)"
        )
    _PRESETS[name] = copy.deepcopy(params)


def list_presets() -> dict[str, dict[str, Any]]:
    """A copy of every preset."""
    return copy.deepcopy(_PRESETS)


def resolve_scene(preset: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Defaults, then the preset, then the explicit (not ``None``) overrides."""
    scene = copy.deepcopy(SCENE_DEFAULTS)
    if preset is not None:
        if preset not in _PRESETS:
            raise ValueError(f"unknown preset {preset!r}; known: {sorted(_PRESETS)}")
        scene.update(copy.deepcopy(_PRESETS[preset]))
    scene.update({k: v for k, v in overrides.items() if v is not None})
    return scene
