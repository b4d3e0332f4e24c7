"""Look inside (and steer) local models while agents talk.

- :class:`Inspector` — capture activations of chosen modules, token by token, during an agent's
  replies (``agent | inspector``); steer with ``inspector + direction`` / ``inspector - direction``
  (in place, as in the reference SDialog).
- :class:`DirectionSteerer`, :class:`FunctionSteerer` — reusable steering edits.
- :class:`Direction`, :func:`extract_direction` — directions from contrastive prompt sets
  (difference in means or PCA), saved and loaded with metadata (safetensors).
- :func:`logit_lens`, :class:`LinearProbe`, :func:`patch_activations`, :func:`capture_attention`,
  :func:`steering_effect` — logit lens, probes, activation patching, attention maps and a
  significance-tested steering evaluator.

Importing this package does not import torch.

Example:
    >>> from sdialog.interpretability import Inspector
    >>> Inspector(target="resid_pre:3")
    Inspector(target='resid_pre:3', responses=0, steerers=0)
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports
from sdialog.interpretability.inspector import Inspector, Prompt, Response, Token
from sdialog.interpretability.steering import (
    DirectionSteerer,
    FunctionSteerer,
    Interval,
    Steerer,
)

_LAZY = {
    "Direction": "sdialog.interpretability.directions",
    "extract_direction": "sdialog.interpretability.directions",
    "prompt_activations": "sdialog.interpretability.directions",
    "logit_lens": "sdialog.interpretability.lens",
    "LinearProbe": "sdialog.interpretability.probes",
    "response_features": "sdialog.interpretability.probes",
    "patch_activations": "sdialog.interpretability.patching",
    "capture_attention": "sdialog.interpretability.patching",
    "steering_effect": "sdialog.interpretability.effect",
    "SteeringEffect": "sdialog.interpretability.effect",
    "resolve_target": "sdialog.interpretability._modules",
    "decoder_layers": "sdialog.interpretability._modules",
    "split_heads": "sdialog.interpretability._modules",
    "transformer_lens_name": "sdialog.interpretability._modules",
    "export_activations": "sdialog.interpretability.export",
    "load_activations": "sdialog.interpretability.export",
    "HeadScore": "sdialog.interpretability.heads",
    "steering_directions": "sdialog.interpretability.compare",
    "compare_steering": "sdialog.interpretability.compare",
    "Monitor": "sdialog.interpretability.monitors",
    "MonitorScore": "sdialog.interpretability.monitors",
    "monitor_series": "sdialog.interpretability.monitors",
    "plot_monitors": "sdialog.interpretability.monitors",
    "SAE": "sdialog.interpretability.sae",
    "FeatureClamp": "sdialog.interpretability.sae",
    "train_sae": "sdialog.interpretability.sae_train",
    "sae_metrics": "sdialog.interpretability.sae_train",
    "top_tokens": "sdialog.interpretability.sae_train",
    "head_activations": "sdialog.interpretability.heads",
    "rank_heads": "sdialog.interpretability.heads",
    "iti_inspector": "sdialog.interpretability.heads",
}

__all__ = [
    "SAE",
    "Direction",
    "DirectionSteerer",
    "FeatureClamp",
    "FunctionSteerer",
    "HeadScore",
    "Inspector",
    "Interval",
    "LinearProbe",
    "Monitor",
    "MonitorScore",
    "Prompt",
    "Response",
    "Steerer",
    "SteeringEffect",
    "Token",
    "capture_attention",
    "compare_steering",
    "decoder_layers",
    "export_activations",
    "extract_direction",
    "head_activations",
    "iti_inspector",
    "load_activations",
    "logit_lens",
    "monitor_series",
    "patch_activations",
    "plot_monitors",
    "prompt_activations",
    "rank_heads",
    "resolve_target",
    "response_features",
    "sae_metrics",
    "split_heads",
    "steering_directions",
    "steering_effect",
    "top_tokens",
    "train_sae",
    "transformer_lens_name",
]


__getattr__ = lazy_exports(__name__, _LAZY, extra="local")


def __dir__() -> list[str]:
    return sorted(__all__)
