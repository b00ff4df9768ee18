"""Inference methods (method.md §6): prompts, parameter deltas, greedy generation, scoring."""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from tqdm import tqdm

from .generation import Prefix, generate
from .lora.inject import DeltaInjector
from .lora.merge import Factors
from .metrics import score
from .prompts import prompt_ids, prompt_text
from .records import Augmented
from .registry import METHODS

log = logging.getLogger(__name__)


#: Given a batch of records, one factor dict per record (already scaled) for the injector.
DeltaSource = Callable[[Sequence[Augmented]], list[Factors | None]]


def predict(
    model: Any,
    tokenizer: Any,
    records: Sequence[Augmented],
    *,
    method: str,
    cot: bool,
    fewshot: str | None,
    max_new_tokens: int,
    batch_size: int = 1,
    deltas: DeltaSource | None = None,
    prompt_variant: str = "reference",
    progress: bool = True,
    reuse_prefix: bool = False,
    prompt_lookup: int = 0,
) -> list[dict]:
    """Predict and score every record with ``method``; one output record per question, in order.

    ``reuse_prefix``: for methods without per-question parameters, the token prefix every prompt
    of ``records`` starts with (chat template, instruction, few-shot examples) is run once and its
    key/value cache reused for every batch; methods with parameters ignore it (their deltas
    change the prefix's keys and values). ``prompt_lookup``: draft tokens checked per decoding
    step, copied from the question's own prompt and answer (``generation.PromptLookup``; 0 = off).
    """
    spec = METHODS[method]
    if spec.parameters is not None and deltas is None:
        raise ValueError(f"method {method!r} needs parameter deltas")
    prompts = [
        prompt_ids(tokenizer, r["question"], r["passages"] if spec.passages_in_prompt else None,
                   None, fewshot if cot else None, prompt_variant)
        for r in records
    ]
    prefix = Prefix.shared(model, prompts) if reuse_prefix and spec.parameters is None else None
    if prefix is not None:
        log.info("%s: shared prompt prefix of %d tokens computed once", method, len(prefix))
    injector = DeltaInjector(model) if spec.parameters is not None else None
    out: list[dict] = []
    size = max(1, batch_size)
    try:
        for start in tqdm(range(0, len(records), size), desc=method, unit="batch", disable=not progress):
            chunk, ids = records[start:start + size], prompts[start:start + size]
            if injector is not None:
                injector.set(deltas(chunk))
            texts = generate(model, tokenizer, ids, max_new_tokens=max_new_tokens, prefix=prefix,
                             row_state=injector, lookup=prompt_lookup)
            if injector is not None:
                injector.clear()
            for r, row_ids, text in zip(chunk, ids, texts):
                out.append({
                    "qid": r["qid"], "question": r["question"], "answers": r["answers"], "subset": r["subset"],
                    "method": method,
                    "passage_ids": [a["pid"] for a in r.get("augment", [])] if spec.passages_in_prompt or spec.parameters else [],
                    "prompt": prompt_text(tokenizer, row_ids), "generation": text,
                    **score(text, r["answers"], cot),
                })
    finally:
        if injector is not None:
            injector.close()
    return out
