"""Nothing trusted blindly: adapters, encode manifests and translator checkpoints are checked against
the checksums recorded when they were written, at reuse and at load, and every failure names the
file on the first line of its message (the CLI prints that line)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import step_jobs
import torch
from safetensors.torch import load_file, save_file

from conftest import DATA_AUG, fixture_questions
from parametric_rag import steps
from parametric_rag.io import ArtefactError, InputError, IntegrityError, read_json, write_json, write_jsonl_checksummed
from parametric_rag.lora.adapter import read_factors
from parametric_rag.lora.store import LoraDeltas
from parametric_rag.translator.module import CheckpointError, ParameterTranslator, load_checkpoint, save_checkpoint

ADAPTER = Path("adapters") / "q0000-p0"
WEIGHTS = ADAPTER / "adapter_model.safetensors"


@pytest.fixture(scope="module")
def run(tiny_llama_dir, tmp_path_factory) -> Path:
    """One question, three passages, encoded on the tiny Llama: aug.jsonl, init/ and lora/ (read-only)."""
    from parametric_rag.augment.reference_import import import_data_aug

    root = tmp_path_factory.mktemp("integrity")
    write_jsonl_checksummed(root / "aug.jsonl", import_data_aug({"total": DATA_AUG}, fixture_questions(1), topk=3))
    steps.init_adapter(step_jobs.init_adapter(tiny_llama_dir, root / "init"))
    steps.encode(step_jobs.encode(tiny_llama_dir, root / "aug.jsonl", root / "init", root / "lora" / "manifest.json"))
    return root


@pytest.fixture
def shard(run, tmp_path) -> Path:
    """A private copy of the encoded shard, to damage: its manifest."""
    shutil.copytree(run / "lora", tmp_path / "lora")
    return tmp_path / "lora" / "manifest.json"


def single_line_naming(error: pytest.ExceptionInfo, path: Path) -> str:
    """The error's message, checked to be one line that starts with ``path``."""
    message = str(error.value)
    assert isinstance(error.value, InputError)  # the CLI prints it as one clean line
    assert len(message.splitlines()) == 1 and message.startswith(f"{path}: "), message
    return message


def test_truncated_adapter_is_refused_at_load(shard):
    weights = shard.parent / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(IntegrityError) as error:
        LoraDeltas([shard])
    message = single_line_naming(error, weights)
    assert "training.json" in message and f"delete {shard}" in message
    with pytest.raises(ArtefactError) as error:  # read without its manifest: safetensors' error, with the file
        read_factors(shard.parent / ADAPTER)
    assert "not a readable safetensors file" in single_line_naming(error, weights)


def test_altered_adapter_is_refused_at_load(shard):
    weights = shard.parent / WEIGHTS
    tensors = {k: v * 1000 if "lora_B" in k else v for k, v in load_file(weights).items()}
    save_file(tensors, weights, metadata={"format": "pt"})  # still a valid adapter, of the same size
    read_factors(shard.parent / ADAPTER)
    with pytest.raises(IntegrityError) as error:
        LoraDeltas([shard])
    assert "differs from" in single_line_naming(error, weights)


def test_altered_manifest_is_refused_at_load(shard):
    original = read_json(shard)
    manifest = read_json(shard)
    manifest["questions"][0]["adapters"][0]["sha256"] = "0" * 64
    write_json(shard, manifest)
    with pytest.raises(IntegrityError) as error:
        LoraDeltas([shard])
    assert "content_sha256" in single_line_naming(error, shard)
    manifest = dict(original)
    adapters = manifest["questions"][0]["adapters"]
    adapters[0]["path"], adapters[1]["path"] = adapters[1]["path"], adapters[0]["path"]
    write_json(shard, manifest)
    with pytest.raises(IntegrityError) as error:
        LoraDeltas([shard])
    single_line_naming(error, shard)


def test_resealed_manifest_still_names_the_adapter_that_does_not_match(shard):
    """A manifest edited and re-sealed by hand: its adapters must still match what it records."""
    from parametric_rag.io import sealed

    manifest = read_json(shard)
    manifest["questions"][0]["adapters"][0]["path"] = manifest["questions"][0]["adapters"][1]["path"]
    write_json(shard, sealed(manifest))
    with pytest.raises(IntegrityError) as error:
        LoraDeltas([shard])
    assert f"recorded in {shard}" in single_line_naming(error, shard.parent / "adapters" / "q0000-p1")


def test_translator_training_refuses_an_altered_adapter(shard, run, smol_tokenizer):
    from parametric_rag.translator.samples import TranslatorShard, translator_samples

    weights = shard.parent / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    source = TranslatorShard("fixture", shard, run / "aug.jsonl", False, None)
    with pytest.raises(IntegrityError) as error:
        translator_samples([source], smol_tokenizer, sample_rate=1.0, seed=0, max_length=3000)
    single_line_naming(error, weights)


def test_altered_initial_adapter_is_refused_by_encode(tiny_llama_dir, run, tmp_path):
    init = tmp_path / "init"
    shutil.copytree(run / "init", init)
    config = init / "adapter_config.json"
    config.write_text(config.read_text().replace('"r": 2', '"r": 3'))
    with pytest.raises(IntegrityError) as error:
        steps.encode(step_jobs.encode(tiny_llama_dir, run / "aug.jsonl", init, tmp_path / "lora" / "manifest.json"))
    assert f"delete {init}" in single_line_naming(error, config)


def test_resume_retrains_a_truncated_adapter(tiny_llama_dir, run, shard, caplog):
    """With the manifest gone and an adapter truncated, resuming retrains that adapter (with a
    warning naming it) and reuses the others; the rebuilt shard is the original."""
    original = read_json(shard)
    shard.unlink()
    weights = shard.parent / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING, logger="parametric_rag.lora.encode"):
        steps.encode(step_jobs.encode(tiny_llama_dir, run / "aug.jsonl", run / "init", shard))
    manifest = read_json(shard)
    assert (manifest["trained"], manifest["reused"]) == (1, 2)
    assert any(str(shard.parent / ADAPTER) in r.getMessage() and "training it again" in r.getMessage()
               for r in caplog.records)
    assert manifest["questions"] == original["questions"]  # the same adapter again, byte for byte
    LoraDeltas([shard])


def tiny_translator(width: int = 8) -> ParameterTranslator:
    torch.manual_seed(0)
    shapes = {(layer, m): (16, 40) if m != "down_proj" else (40, 16) for layer in range(2)
              for m in ("gate_proj", "up_proj", "down_proj")}
    return ParameterTranslator(shapes, hidden=16, rank=2, width=width)


def test_translator_checkpoint_bytes_do_not_depend_on_its_name(tmp_path):
    save_checkpoint(tiny_translator(), tmp_path / "a.pt", {"epoch": 0})
    save_checkpoint(tiny_translator(), tmp_path / "b.pt", {"epoch": 0})
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    assert (tmp_path / "a.pt.sha256").read_text().endswith("  a.pt\n")


def test_altered_translator_checkpoint_is_refused_at_load(tmp_path):
    path = tmp_path / "epoch_0.pt"
    save_checkpoint(tiny_translator(), path, {"epoch": 0})
    assert load_checkpoint(tiny_translator(), path, verified=True) == {"epoch": 0}
    data = torch.load(path, weights_only=True)
    data["model_state_dict"] = {k: v * 1000 for k, v in data["model_state_dict"].items()}
    torch.save(data, path)  # still a valid checkpoint of the right shape
    with pytest.raises(IntegrityError) as error:
        load_checkpoint(tiny_translator(), path, verified=True)
    assert "epoch_0.pt.sha256" in single_line_naming(error, path)
    path.with_name("epoch_0.pt.sha256").unlink()
    with pytest.raises(IntegrityError) as error:
        load_checkpoint(tiny_translator(), path, verified=True)
    assert "no checksum recorded" in single_line_naming(error, path)


def test_translator_deltas_verify_the_checkpoint(tiny_llama_dir, tmp_path):
    from parametric_rag.models import load_model, load_tokenizer
    from parametric_rag.translator.deltas import TranslatorDeltas

    model = load_model(tiny_llama_dir, "cpu")
    path = tmp_path / "epoch_0.pt"
    save_checkpoint(ParameterTranslator.for_model(model, rank=2, width=8), path)
    options = dict(rank=2, alpha=32, width=8, merge="mean_ab", delta_scaling="none", max_length=3000)
    TranslatorDeltas.from_checkpoint(model, load_tokenizer(tiny_llama_dir), path, **options)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IntegrityError) as error:
        TranslatorDeltas.from_checkpoint(model, load_tokenizer(tiny_llama_dir), path, **options)
    single_line_naming(error, path)


class NotAWeight:
    """An object a weights-only load refuses."""


def test_unloadable_checkpoints_name_the_file(tmp_path):
    path = tmp_path / "t.pt"
    save_checkpoint(tiny_translator(), path)
    with pytest.raises(CheckpointError) as error:  # another width: every tensor has the wrong shape
        load_checkpoint(tiny_translator(width=4), path, verified=True)
    assert "does not fit" in single_line_naming(error, path) and "size mismatch" in str(error.value)
    assert isinstance(error.value, RuntimeError)  # what import_translator catches
    torch.save({"model_state_dict": {}, "extra": NotAWeight()}, path)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(tiny_translator(), path)
    assert "weights-only" in single_line_naming(error, path) and "NotAWeight" in str(error.value)
    for data in (b"junk", b"not a torch checkpoint", path.read_bytes()[:200]):
        path.write_bytes(data)
        with pytest.raises(CheckpointError) as error:
            load_checkpoint(tiny_translator(), path)
        assert "not a readable weights-only torch checkpoint" in single_line_naming(error, path)


def test_altered_augmented_shard_is_refused_at_load(run, tiny_llama_dir, tmp_path):
    """An augmented shard edited after its job wrote it (a QA pair changed) is refused by encode
    and by inference, naming the shard; one without its checksum record is refused too."""
    aug = tmp_path / "aug.jsonl"
    shutil.copy(run / "aug.jsonl", aug)
    shutil.copy(run / "aug.jsonl.sha256", tmp_path / "aug.jsonl.sha256")
    aug.write_text(aug.read_text().replace('"answer"', '"answer" ', 1))
    job = step_jobs.encode(tiny_llama_dir, aug, run / "init", tmp_path / "lora" / "manifest.json")
    with pytest.raises(IntegrityError) as error:
        steps.encode(job)
    assert "aug.jsonl.sha256" in single_line_naming(error, aug)
    assert not (tmp_path / "lora" / "manifest.json").exists()
    (tmp_path / "aug.jsonl.sha256").unlink()
    with pytest.raises(IntegrityError, match="no checksum recorded"):
        steps.infer(step_jobs.infer(tiny_llama_dir, "icl", [aug], tmp_path / "pred"))
