"""DyPRAG parameters at inference: translator factors averaged over a question's passages."""

from __future__ import annotations

from typing import Any, Sequence

import torch

from ..lora.merge import Factors, cat_merge
from ..records import Augmented
from .module import ParameterTranslator, rows
from .train import passage_embedding


class TranslatorDeltas:
    """Per question: each kept passage alone -> hidden state -> translator -> (A, B); then the mean
    of A and the mean of B (``mean_ab``, reference) or the mean of the deltas B·A (``mean_delta``)."""

    def __init__(self, model: Any, tokenizer: Any, translator: ParameterTranslator, *, merge: str = "mean_ab",
                 scaling: float = 1.0) -> None:
        self.model, self.tokenizer, self.translator = model, tokenizer, translator
        self.merge, self.scaling = merge, scaling

    @torch.no_grad()
    def __call__(self, records: Sequence[Augmented]) -> list[Factors | None]:
        out: list[Factors | None] = []
        for r in records:
            passages = [a["passage"] for a in r["augment"]]
            if not passages:
                out.append(None)
                continue
            emb = passage_embedding(self.model, self.tokenizer, passages)
            factors = self.translator(emb.to(next(self.translator.parameters()).device))
            n = len(passages)
            if self.merge == "mean_ab":
                out.append({key: (a.mean(0), b.mean(0) * self.scaling) for key, (a, b) in factors.items()})
            else:  # mean of B_i A_i: PRAG's cat merge of the per-passage factors with weights 1/n
                out.append(cat_merge([(row, self.scaling) for row in rows(factors, n)], [1 / n] * n))
        return out
