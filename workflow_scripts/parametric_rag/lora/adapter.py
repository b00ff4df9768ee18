"""LoRA adapters as PEFT folders: the shared initial adapter, in-memory resets, reading A and B.

Every adapter folder the pipeline writes has a record (``training.json`` for a passage's
adapter, ``init.json`` for the initial one) written last, holding the sha256 of each of the
folder's other files under ``files``: :func:`verify_adapter` checks them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ..io import ArtefactError, IntegrityError, cached_sha256, check_sha256, read_json, write_json, write_text
from . import TARGET_MODULES

INIT_RECORD = "init.json"  # the initial adapter's record
TRAINING_RECORD = "training.json"  # a passage adapter's record
KEY = re.compile(r"layers\.(\d+)\.mlp\.(\w+)\.lora_([AB])(?:\.[^.]+)?\.weight$")


@dataclass(frozen=True)
class LoraShape:
    """What makes two adapters compatible: rank, alpha and target modules."""

    rank: int = 2
    alpha: int = 32
    targets: tuple[str, ...] = TARGET_MODULES

    @property
    def scaling(self) -> float:
        return self.alpha / self.rank

    def config(self) -> Any:
        from peft import LoraConfig

        return LoraConfig(
            task_type="CAUSAL_LM",
            r=self.rank,
            lora_alpha=self.alpha,
            lora_dropout=0.0,
            target_modules=list(self.targets),
            bias="none",
        )


def wrap(model: Any, shape: LoraShape, init_dir: Path | None = None) -> Any:
    """A PEFT model over ``model``; with ``init_dir``, its weights are the saved initial adapter."""
    from peft import get_peft_model

    peft_model = get_peft_model(model, shape.config())
    if init_dir is not None:
        reset(peft_model, load_state(init_dir))
    return peft_model


def rebuild_hint(adapter_dir: Path) -> str:
    """What to delete so that re-running rebuilds ``adapter_dir``: its shard's manifest (encode
    retrains damaged adapters, reuses the rest) or, for the initial adapter, the folder itself."""
    adapter_dir = Path(adapter_dir)
    if adapter_dir.parent.name == "adapters":
        return f"delete {adapter_dir.parent.parent / 'manifest.json'} and re-run: encode retrains this adapter"
    return f"delete {adapter_dir} and re-run: the step that wrote it rebuilds it"


def save_adapter(peft_model: Any, directory: Path, record_name: str, record: dict) -> None:
    """Save the active adapter into ``directory`` byte for byte the same on every run (PEFT writes
    ``target_modules`` in set order, which follows the hash seed), then ``record_name`` with the
    sha256 of every other file."""
    directory = Path(directory)
    peft_model.save_pretrained(str(directory))
    config_path = directory / "adapter_config.json"
    config = read_json(config_path)
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    write_text(config_path, json.dumps(config, indent=2, sort_keys=True))
    write_json(directory / record_name, {**record, "files": adapter_files(directory, record_name)})


def adapter_files(directory: Path, record_name: str) -> dict[str, str]:
    """``{relative name: sha256}`` of the folder's files other than its record."""
    root = Path(directory)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != record_name)
    return {str(p.relative_to(root)): cached_sha256(p) for p in files}


def verify_adapter(adapter_dir: Path, record_name: str) -> dict:
    """The adapter's record, after checking each file it lists against the sha256 recorded there
    (files added later, like Snakemake's timestamp, are not part of the adapter). A missing or
    changed file, or a record without checksums, is an :class:`IntegrityError`."""
    adapter_dir = Path(adapter_dir)
    record_path = adapter_dir / record_name
    remedy = rebuild_hint(adapter_dir)
    if not record_path.is_file():
        raise IntegrityError(record_path, "missing: the adapter was not finished or was changed", remedy)
    record = read_json(record_path)
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, dict) or not files:
        raise IntegrityError(record_path, "records no checksums of the adapter's files (written by an older version)",
                             remedy)
    for name, expected in sorted(files.items()):
        path = adapter_dir / name
        if not path.is_file():
            raise IntegrityError(path, f"missing, though {record_name} lists it", remedy)
        check_sha256(path, cached_sha256(path), expected, record_path, remedy)
    return record


def load_state(adapter_dir: Path) -> dict[str, torch.Tensor]:
    """The adapter's saved tensors (PEFT key names, adapter name stripped); an unreadable file is
    an :class:`ArtefactError` naming it."""
    path = Path(adapter_dir) / "adapter_model.safetensors"
    try:
        return load_file(str(path))
    except SafetensorError as e:
        raise ArtefactError(path, f"not a readable safetensors file ({e})", rebuild_hint(Path(adapter_dir))) from e


def reset(peft_model: Any, state: dict[str, torch.Tensor]) -> None:
    """Overwrite the active adapter's weights in memory (no reload from disk)."""
    from peft import set_peft_model_state_dict

    result = set_peft_model_state_dict(peft_model, state)
    missing = [k for k in result.missing_keys if "lora_" in k]
    if result.unexpected_keys or missing:
        raise RuntimeError(f"adapter does not fit the model: unexpected {result.unexpected_keys[:3]}, missing {missing[:3]}")


def current_state(peft_model: Any) -> dict[str, torch.Tensor]:
    """A detached copy of the active adapter's weights, keyed like the saved file."""
    from peft import get_peft_model_state_dict

    return {k: v.detach().clone() for k, v in get_peft_model_state_dict(peft_model).items()}


def read_factors(adapter_dir: Path) -> tuple[dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]], float]:
    """``{(layer, module): (A, B)}`` of a saved adapter and its scaling alpha/r."""
    cfg = read_json(Path(adapter_dir) / "adapter_config.json")
    scaling = cfg["lora_alpha"] / cfg["r"]
    parts: dict[tuple[int, str], dict[str, torch.Tensor]] = {}
    for key, tensor in load_state(adapter_dir).items():
        m = KEY.search(key)
        if m is None:
            raise ValueError(f"{adapter_dir}: unexpected adapter key {key!r}")
        parts.setdefault((int(m.group(1)), m.group(2)), {})[m.group(3)] = tensor
    return {k: (v["A"], v["B"]) for k, v in parts.items()}, scaling
