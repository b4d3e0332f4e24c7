"""Sparse autoencoders (SAEs): SAELens-format load/save, features on Inspector targets, feature
steering and ablation, training on captured activations, and the standard metrics.

- :class:`SAE` — ``standard`` (ReLU), ``jumprelu`` and ``topk`` architectures, read from and
  written to an SAELens folder (``cfg.json`` + ``sae_weights.safetensors``: ``W_enc [d_in,
  d_sae]``, ``b_enc``, ``W_dec [d_sae, d_in]``, ``b_dec``, and ``threshold`` for JumpReLU), so
  SAEs trained with SAELens load here and ours load in SAELens (``SAE.load_from_disk``);
- ``Inspector(target="resid_post:15", sae=sae)`` — per-token feature activations of every
  captured token (``inspector[i].features``, ``inspector[i][k].top_features(5)``);
- :meth:`SAE.direction` — a feature's decoder direction, for ``inspector + sae.direction(f) * 8``;
  :class:`FeatureClamp` — clamp features (ablation: to 0) keeping the SAE's error term, so the
  rest of the activation is untouched: ``h + (value - a_f(h)) * W_dec[f]``;
- :func:`train_sae` — a TopK SAE (Gao et al., 2024) on captured activations, with a progress
  bar; :func:`sae_metrics` — explained variance, L0, dead-feature fraction.

Example:
    >>> sae = SAE.load("saes/smollm2-resid15")                            # doctest: +SKIP
    >>> inspector = Inspector(target="resid_post:15", sae=sae)            # doctest: +SKIP
    >>> agent = agent | inspector; agent("Hi")                            # doctest: +SKIP
    >>> inspector[-1][0].top_features(5)                                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability.steering import Steerer

WEIGHTS, CONFIG = "sae_weights.safetensors", "cfg.json"
ARCHITECTURES = ("standard", "jumprelu", "topk")


class SAE:
    """A sparse autoencoder over one hook point's activations (float32, CPU unless moved).

    Example:
        >>> import torch
        >>> sae = SAE(torch.eye(4)[:, :3], torch.zeros(3), torch.eye(4)[:3], torch.zeros(4))
        >>> sae.encode(torch.tensor([1.0, -2.0, 3.0, 5.0])).tolist()
        [1.0, 0.0, 3.0]
    """

    def __init__(
        self,
        W_enc: Any,
        b_enc: Any,
        W_dec: Any,
        b_dec: Any,
        *,
        architecture: str = "standard",
        threshold: Any = None,
        k: int | None = None,
        apply_b_dec_to_input: bool = True,
        hook_name: str | None = None,
        cfg: dict[str, Any] | None = None,
    ):
        with needs_extra("local"):
            import torch

        def f32(x: Any) -> Any:
            return torch.as_tensor(x, dtype=torch.float32).detach()

        self.W_enc, self.b_enc = f32(W_enc), f32(b_enc)
        self.W_dec, self.b_dec = f32(W_dec), f32(b_dec)
        if architecture not in ARCHITECTURES:
            raise ValueError(f"SAE architecture: one of {ARCHITECTURES}, got {architecture!r}")
        d_in, d_sae = self.W_enc.shape
        if self.W_dec.shape != (d_sae, d_in) or self.b_enc.shape != (d_sae,):
            raise ValueError(
                f"SAE shapes disagree: W_enc {tuple(self.W_enc.shape)}, W_dec "
                f"{tuple(self.W_dec.shape)}, b_enc {tuple(self.b_enc.shape)}"
            )
        if architecture == "jumprelu" and threshold is None:
            raise ValueError("a jumprelu SAE needs its threshold")
        if architecture == "topk" and not k:
            raise ValueError("a topk SAE needs k")
        self.architecture, self.k = architecture, k
        self.threshold = None if threshold is None else f32(threshold)
        self.apply_b_dec_to_input, self.hook_name = apply_b_dec_to_input, hook_name
        self.cfg = dict(cfg or {})
        self._cast: dict[Any, tuple[Any, ...]] = {}

    @property
    def d_in(self) -> int:
        """Width of the activations it reads."""
        return int(self.W_enc.shape[0])

    @property
    def d_sae(self) -> int:
        """Number of features (dictionary size)."""
        return int(self.W_enc.shape[1])

    def _weights(self, like: Any) -> tuple[Any, ...]:
        key = (like.device, like.dtype)
        if key not in self._cast:
            self._cast[key] = tuple(
                None if t is None else t.to(like.device)
                for t in (self.W_enc, self.b_enc, self.W_dec, self.b_dec, self.threshold)
            )
        return self._cast[key]

    def encode(self, x: Any) -> Any:
        """Feature activations ``[..., d_sae]`` (float32) of activations ``[..., d_in]``."""
        with needs_extra("local"):
            import torch

        if x.shape[-1] != self.d_in:
            raise ValueError(f"SAE reads width {self.d_in}, got activations of width {x.shape[-1]}")
        W_enc, b_enc, _, b_dec, threshold = self._weights(x)
        h = x.float()
        if self.apply_b_dec_to_input:
            h = h - b_dec
        pre = h @ W_enc + b_enc
        if self.architecture == "topk":
            values, index = pre.topk(int(self.k), dim=-1)
            return torch.zeros_like(pre).scatter_(-1, index, values.relu())
        acts = pre.relu()
        if self.architecture == "jumprelu":
            acts = acts * (pre > threshold)
        return acts

    def decode(self, features: Any) -> Any:
        """Reconstructed activations ``[..., d_in]`` (float32)."""
        _, _, W_dec, b_dec, _ = self._weights(features)
        return features.float() @ W_dec + b_dec

    def direction(self, feature: int) -> Any:
        """Feature ``feature``'s decoder row as a :class:`~sdialog.interpretability.Direction`."""
        from sdialog.interpretability.directions import Direction

        if not 0 <= feature < self.d_sae:
            raise IndexError(f"feature {feature} out of range ({self.d_sae} features)")
        return Direction(self.W_dec[feature], method="sae_feature", feature=feature,
                         target=self.hook_name)  # fmt: skip

    # -- SAELens format ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write an SAELens folder (``cfg.json`` + ``sae_weights.safetensors``) atomically."""
        with needs_extra("local"):
            from safetensors.torch import save_file

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {"W_enc": self.W_enc, "b_enc": self.b_enc}
        tensors.update(W_dec=self.W_dec, b_dec=self.b_dec)
        if self.threshold is not None:
            tensors["threshold"] = self.threshold
        cfg = {
            **self.cfg,
            "architecture": self.architecture,
            "d_in": self.d_in,
            "d_sae": self.d_sae,
            "dtype": "float32",
            "device": "cpu",
            "apply_b_dec_to_input": self.apply_b_dec_to_input,
            "normalize_activations": "none",
            "reshape_activations": "none",
        }
        if self.k:
            cfg["k"] = int(self.k)
        metadata = {"sae_lens_version": "6.0.0", **dict(self.cfg.get("metadata", {}))}
        if self.hook_name:
            metadata["hook_name"] = self.hook_name
        cfg["metadata"] = metadata
        for name, payload in ((WEIGHTS, None), (CONFIG, cfg)):
            tmp = folder / f".{name}.tmp"
            try:
                if payload is None:
                    save_file({k: v.contiguous() for k, v in tensors.items()}, os.fspath(tmp))
                else:
                    tmp.write_text(json.dumps(payload, indent=2, default=str))
                os.replace(tmp, folder / name)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SAE:
        """Read an SAELens folder (SAELens 6 and pre-6 configs: ``hook_point`` and
        ``activation_fn: topk`` are understood)."""
        with needs_extra("local"):
            from safetensors.torch import load_file

        folder = Path(path)
        for name in (WEIGHTS, CONFIG):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder}: no {name} (an SAELens SAE folder has both)")
        try:
            cfg = json.loads((folder / CONFIG).read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{folder / CONFIG}: not JSON ({error})") from None
        weights = load_file(os.fspath(folder / WEIGHTS))
        missing = [k for k in ("W_enc", "b_enc", "W_dec", "b_dec") if k not in weights]
        if missing:
            raise ValueError(f"{folder / WEIGHTS}: missing tensors {missing}")
        norm = cfg.get("normalize_activations", "none")
        if norm not in ("none", None):
            raise ValueError(
                f"{folder / CONFIG}: normalize_activations={norm!r} is not supported "
                "(fold the scaling into the weights first, e.g. SAELens' fold_activation_norm)"
            )
        if cfg.get("rescale_acts_by_decoder_norm"):
            raise ValueError(
                f"{folder / CONFIG}: rescale_acts_by_decoder_norm=true TopK SAEs are not supported"
            )
        architecture = cfg.get("architecture", "standard")
        kwargs = cfg.get("activation_fn_kwargs") or {}
        k = cfg.get("k") or kwargs.get("k")
        if cfg.get("activation_fn") == "topk" and k:
            architecture = "topk"
        metadata = cfg.get("metadata") or {}
        hook = metadata.get("hook_name") or cfg.get("hook_name") or cfg.get("hook_point")
        return cls(
            weights["W_enc"], weights["b_enc"], weights["W_dec"], weights["b_dec"],
            architecture=architecture, threshold=weights.get("threshold"), k=k,
            apply_b_dec_to_input=cfg.get("apply_b_dec_to_input", True), hook_name=hook, cfg=cfg,
        )  # fmt: skip

    def __repr__(self) -> str:
        k = f", k={self.k}" if self.k else ""
        shape = f"d_in={self.d_in}, d_sae={self.d_sae}{k}"
        return f"SAE({self.architecture}, {shape}, hook={self.hook_name!r})"


@dataclasses.dataclass(frozen=True)
class FeatureClamp(Steerer):
    """Set SAE features to ``value`` (0: ablation) keeping the SAE's reconstruction error, so
    only those features' contribution changes: ``h + strength * (value - a_f(h)) * W_dec[f]``.

    Example:
        >>> inspector = Inspector("resid_post:15") + FeatureClamp(sae, [123])  # doctest: +SKIP
    """

    sae: Any
    features: tuple[int, ...] | list[int] = ()
    value: float = 0.0

    def __post_init__(self) -> None:
        features = tuple(int(f) for f in self.features)
        if not features:
            raise ValueError("FeatureClamp needs at least one feature")
        for f in features:
            if not 0 <= f < self.sae.d_sae:
                raise IndexError(f"feature {f} out of range ({self.sae.d_sae} features)")
        object.__setattr__(self, "features", features)

    def apply(self, hidden: Any) -> Any:
        acts = self.sae.encode(hidden)[..., list(self.features)]
        _, _, W_dec, _, _ = self.sae._weights(hidden)
        change = (self.value - acts) @ W_dec[list(self.features)]
        return (hidden.float() + self.strength * change).to(hidden.dtype)

    def __repr__(self) -> str:
        return (
            f"FeatureClamp(features={list(self.features)}, value={self.value}, "
            f"strength={self.strength}, positions={self.positions!r}, target={self.target!r})"
        )
