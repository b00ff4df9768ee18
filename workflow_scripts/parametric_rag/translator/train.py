"""Training the parameter translator by distillation from trained passage LoRAs (method.md §7).

Per passage: teacher = base model + the passage's trained LoRA (PEFT scaling); student = base
model + the translator's factors (unscaled by default). Loss = the student's LM loss on the
passage's first training sequence + 0.01 x KL(teacher || student) + 100 x sum of MSEs between
generated and trained A and B.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch.nn import functional as F
from tqdm import tqdm

from ..generation import last_logits_only
from ..lora.adapter import read_factors
from ..lora.inject import DeltaInjector
from .module import ParameterTranslator, rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    """One training passage: its text, first training sequence and trained adapter."""

    key: str
    passage: str
    sequence: list[int]
    adapter: Path


@dataclass(frozen=True)
class Weights:
    """Loss weights and options (config keys translator.kl_weight, mse_weight, delta_scaling)."""

    kl: float
    mse: float
    delta_scaling: str  # "none" (reference) or "peft": scale the student's delta by alpha/r


@torch.no_grad()
def passage_embedding(model: Any, tokenizer: Any, passages: Sequence[str], max_length: int) -> torch.Tensor:
    """Last layer's hidden state at the last token of each passage alone (n x h), base model.

    Only the last position's logits are computed (they are not used; the language-model head
    over every position was a fifth of the cost), which leaves the hidden states bit for bit as
    they were."""
    device = next(model.parameters()).device
    extra = last_logits_only(model)
    out = []
    for text in passages:
        ids = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt").input_ids.to(device)
        out.append(model(ids, output_hidden_states=True, **extra).hidden_states[-1][:, -1, :])
    return torch.cat(out).float()


def distillation_loss(model: Any, injector: DeltaInjector, translator: ParameterTranslator, embedding: torch.Tensor,
                      sequence: Sequence[int], trained: dict, scaling: float, weights: Weights) -> dict[str, torch.Tensor]:
    """The three loss terms and their sum for one passage (student gradients only)."""
    device = next(model.parameters()).device
    ids = torch.tensor([list(sequence)], device=device)
    with torch.no_grad():
        injector.set([trained], scaling)
        teacher = model(input_ids=ids, labels=ids)
    generated = translator(embedding.to(device))
    row = rows(generated, 1)[0]
    injector.set([row], scaling if weights.delta_scaling == "peft" else 1.0)
    student = model(input_ids=ids, labels=ids)
    injector.clear()
    kl = F.kl_div(F.log_softmax(student.logits.float(), dim=-1), F.softmax(teacher.logits.float(), dim=-1), reduction="batchmean")
    mse = torch.zeros((), device=device)
    for key, (a, b) in row.items():
        ta, tb = trained[key]
        mse = mse + F.mse_loss(a.float(), ta.to(device).float()) + F.mse_loss(b.float(), tb.to(device).float())
    total = student.loss + weights.kl * kl + weights.mse * mse
    return {"loss": total, "lm": student.loss.detach(), "kl": (weights.kl * kl).detach(), "mse": (weights.mse * mse).detach(),
            "teacher_lm": teacher.loss.detach()}


def train_translator(model: Any, tokenizer: Any, translator: ParameterTranslator, samples: Sequence[Sample], *,
                     epochs: int, lr: float, seed: int, weights: Weights, max_length: int,
                     on_epoch_end: Callable[[int], None] | None = None) -> list[dict]:
    """Train ``translator`` (AdamW, batch 1, shuffled per epoch with ``seed``); return per-step losses."""
    for p in model.parameters():
        p.requires_grad_(False)
    device = next(model.parameters()).device
    translator.to(device).train()
    optimizer = torch.optim.AdamW(translator.parameters(), lr=lr)
    embeddings = passage_embedding(model, tokenizer, [s.passage for s in samples], max_length) if samples else torch.empty(0)
    rng = random.Random(seed)
    history: list[dict] = []
    with DeltaInjector(model) as injector:
        for epoch in range(epochs):
            order = list(range(len(samples)))
            rng.shuffle(order)
            for step, i in enumerate(tqdm(order, desc=f"translator epoch {epoch}", unit="passage")):
                sample = samples[i]
                trained, scaling = read_factors(sample.adapter)
                optimizer.zero_grad(set_to_none=True)
                terms = distillation_loss(model, injector, translator, embeddings[i:i + 1], sample.sequence, trained,
                                          scaling, weights)
                terms["loss"].backward()
                optimizer.step()
                history.append({"epoch": epoch, "step": step, "sample": sample.key,
                                **{k: round(float(v.detach()), 6) for k, v in terms.items()}})
            if on_epoch_end:
                on_epoch_end(epoch)
    translator.eval()
    return history
