"""Deterministic embedders for evaluator tests (any object with ``encode(texts)`` is accepted)."""

from __future__ import annotations

import hashlib

import numpy as np


class HashEmbedder:
    """Bag-of-words vectors: each lowercase word adds a fixed random direction (seeded by its hash),
    so texts sharing words are close and the result never depends on batching."""

    def __init__(self, dim: int = 32):
        self.dim = dim
        self.calls: list[int] = []  # size of each encode call

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def encode(self, texts):
        self.calls.append(len(texts))
        rows = []
        for text in texts:
            words = [w.strip(".,!?").lower() for w in text.split()] or [""]
            rows.append(np.sum([self._word(w) for w in words], axis=0))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
