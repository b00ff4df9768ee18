"""LoRA adapters as PEFT folders: the shared initial adapter, in-memory resets, reading A and B."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from . import TARGET_MODULES

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


def load_state(adapter_dir: Path) -> dict[str, torch.Tensor]:
    """The adapter's saved tensors (PEFT key names, adapter name stripped)."""
    return load_file(str(Path(adapter_dir) / "adapter_model.safetensors"))


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
    cfg = json.loads((Path(adapter_dir) / "adapter_config.json").read_text())
    scaling = cfg["lora_alpha"] / cfg["r"]
    parts: dict[tuple[int, str], dict[str, torch.Tensor]] = {}
    for key, tensor in load_state(adapter_dir).items():
        m = KEY.search(key)
        if m is None:
            raise ValueError(f"{adapter_dir}: unexpected adapter key {key!r}")
        parts.setdefault((int(m.group(1)), m.group(2)), {})[m.group(3)] = tensor
    return {k: (v["A"], v["B"]) for k, v in parts.items()}, scaling
