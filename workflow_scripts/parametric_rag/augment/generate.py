"""Augmentation by an instruction-tuned LLM: the reference's rewrite and QA prompts."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from tqdm import tqdm

from ..generation import batches, generate
from ..prompts import chat_ids
from ..records import Candidate, PassageAugment
from .parse import parse_qa

log = logging.getLogger(__name__)

REWRITE_PROMPT = (
    "Rewrite the following passage. While keeping the entities, proper nouns, and key details "
    "such as names, locations, and terminology intact, create a new version of the text that "
    "expresses the same ideas in a different way. Make sure the revised passage is distinct from "
    "the original one, but preserves the core meaning and relevant information.\n"
    "{passage}"
)

# The missing comma after "Paris" is part of the reference prompt.
QA_PROMPT = """I will provide a passage of text, and you need to generate three different questions based on the content of this passage. Each question should be answerable using the information provided in the passage. Additionally, please provide an appropriate answer for each question derived from the passage.
You need to generate the question and answer in the following format:
[
    {
        "question": "What is the capital of France?",
        "answer": "Paris"
        "full_answer": "The capital of France is Paris."
    }, 
]

This list should have at least three elements. You only need to output this list in the above format.
Passage:
{passage}"""


class GenerationAugmenter:
    """Rewrite + QA generation for many passages at once, with a bounded number of QA attempts.

    The settings are ``augment``'s (their defaults live in the config schema only)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_new_tokens: int,
        do_sample: bool,
        temperature: float,
        top_k: int,
        max_attempts: int,
        batch_size: int,
    ) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.gen = dict(max_new_tokens=max_new_tokens, do_sample=do_sample, temperature=temperature, top_k=top_k)
        self.max_attempts, self.batch_size = max_attempts, batch_size
        self.stats = {"qa_generations": 0, "qa_failures": 0, "rewrites": 0}

    def _run(self, prompts: Sequence[str], desc: str) -> list[str]:
        ids = [chat_ids(self.tokenizer, p) for p in prompts]
        out: list[str] = []
        for chunk in tqdm(batches(ids, self.batch_size), desc=desc, unit="batch", leave=False):
            out.extend(generate(self.model, self.tokenizer, chunk, **self.gen))
        return out

    def augment(self, candidates: Sequence[Candidate]) -> list[PassageAugment | None]:
        """One augmentation per candidate, or None when its QA never parsed (dropped as ``qa_failed``)."""
        qa: list = [None] * len(candidates)
        pending = list(range(len(candidates)))
        for attempt in range(1, self.max_attempts + 1):
            if not pending:
                break
            texts = self._run([QA_PROMPT.replace("{passage}", candidates[i]["text"]) for i in pending], f"QA attempt {attempt}")
            self.stats["qa_generations"] += len(pending)
            for i, text in zip(pending, texts):
                qa[i] = parse_qa(text)
            pending = [i for i in pending if qa[i] is None]
        self.stats["qa_failures"] += len(pending)
        ok = [i for i in range(len(candidates)) if qa[i] is not None]
        rewrites = self._run([REWRITE_PROMPT.replace("{passage}", candidates[i]["text"]) for i in ok], "rewrite")
        self.stats["rewrites"] += len(ok)
        result: list[PassageAugment | None] = [None] * len(candidates)
        for i, rewrite in zip(ok, rewrites):
            c = candidates[i]
            result[i] = {"pid": c["pid"], "passage": c["text"], "rewrite": rewrite.strip(), "qa": qa[i]}
        return result
