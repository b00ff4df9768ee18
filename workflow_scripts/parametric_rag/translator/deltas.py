"""DyPRAG parameters at inference: translator factors averaged over a question's passages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from ..lora.merge import Factors, cat_merge
from ..records import Augmented
from .module import ParameterTranslator, load_checkpoint, rows
from .train import passage_embedding


class TranslatorDeltas:
    """Per question: each kept passage alone -> hidden state -> translator -> (A, B); then the mean
    of A and the mean of B (``mean_ab``, reference) or the mean of the deltas B·A (``mean_delta``)."""

    def __init__(self, model: Any, tokenizer: Any, translator: ParameterTranslator, *, merge: str,
                 scaling: float, max_length: int) -> None:
        self.model, self.tokenizer, self.translator = model, tokenizer, translator
        self.merge, self.scaling, self.max_length = merge, scaling, max_length

    @classmethod
    def from_checkpoint(cls, model: Any, tokenizer: Any, checkpoint: Path, *, rank: int, alpha: int, width: int,
                        merge: str, delta_scaling: str, max_length: int) -> "TranslatorDeltas":
        """The delta source of a translator checkpoint (checked against the sha256 recorded when it
        was written), on the model's device."""
        translator = ParameterTranslator.for_model(model, rank=rank, width=width)
        load_checkpoint(translator, checkpoint, verified=True)
        translator.to(next(model.parameters()).device).eval()
        return cls(model, tokenizer, translator, merge=merge, scaling=alpha / rank if delta_scaling == "peft" else 1.0,
                   max_length=max_length)

    @torch.no_grad()
    def __call__(self, records: Sequence[Augmented]) -> list[Factors | None]:
        out: list[Factors | None] = []
        for r in records:
            passages = [a["passage"] for a in r["augment"]]
            if not passages:
                out.append(None)
                continue
            emb = passage_embedding(self.model, self.tokenizer, passages, self.max_length)
            factors = self.translator(emb.to(next(self.translator.parameters()).device))
            n = len(passages)
            if self.merge == "mean_ab":
                out.append({key: (a.mean(0), b.mean(0) * self.scaling) for key, (a, b) in factors.items()})
            else:  # mean of B_i A_i: PRAG's cat merge of the per-passage factors with weights 1/n
                out.append(cat_merge([(row, self.scaling) for row in rows(factors, n)], [1 / n] * n))
        return out
