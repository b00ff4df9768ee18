"""Prompt construction shared by training and inference (method.md §4), token for token.

The user turn is rendered through the tokenizer's chat template with a generation prompt, then
the assistant prefix (``The answer is {answer}`` or ``Answer: {answer}``) is appended as ids
encoded without special tokens.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

from .registry import PROMPT_VARIANTS

DIRECT_INSTRUCTION = (
    "You should answer the question by referring to the knowledge provided below "
    "and integrating your own knowledge.\n"
)
COT_INSTRUCTION = (
    "You should reference the knowledge provided below and combine it with your own knowledge "
    "to answer the question. Please follow the format of the example I provided above.\n"
    "Here are some examples about how to answer the questions.\n"
)
COT_REFERENCE = "Here are some reference.\n"
COT_STEP = "\n\nLet's think step by step. Answer the questions in the same format as above.\n"
DIRECT_PREFIX = "The answer is "
COT_PREFIX = "Answer: "

@lru_cache(maxsize=None)
def fewshot_examples(name: str) -> tuple[tuple[str, str], ...]:
    """The reference's few-shot (question, answer) pairs for ``2wikimultihopqa`` or ``hotpotqa``."""
    path = resources.files("parametric_rag") / "resources" / "fewshot" / f"{name}.json"
    return tuple((e["question"], e["answer"]) for e in json.loads(path.read_text(encoding="utf-8")))


def normalize_question(question: str) -> str:
    """Strip; append ``?`` when missing; a final `` ?`` becomes ``?``."""
    question = question.strip()
    if not question.endswith("?"):
        return question + "?"
    if question.endswith(" ?"):
        return question[:-1].strip() + "?"
    return question


def normalize_answer_text(answer: str | None) -> str:
    """Training answers are stripped and end with a period; inference uses the empty string."""
    if answer is None:
        return ""
    answer = answer.strip()
    return answer if answer.endswith(".") else answer + "."


def format_passages(passages: Sequence[str] | str | None) -> str:
    """``Passage 1: {p1}\\nPassage 2: {p2}\\n...``; a plain string counts as one passage."""
    if not passages:
        return ""
    if isinstance(passages, str):
        passages = [passages]
    return "".join(f"Passage {i}: {p}\n" for i, p in enumerate(passages, 1))


def user_turn(question: str, passages: Sequence[str] | str | None, fewshot: str | None) -> str:
    """The user message: direct when ``fewshot`` is None, chain-of-thought otherwise."""
    question = normalize_question(question)
    if fewshot is None:
        return f"{DIRECT_INSTRUCTION}{format_passages(passages)}\n\nQuestion: {question}"
    shots = "".join(f"Question: {q}\nAnswer: {a}\n\n" for q, a in fewshot_examples(fewshot))
    return (
        f"{COT_INSTRUCTION}{shots}{COT_REFERENCE}{format_passages(passages)}"
        f"{COT_STEP}Question: {question}"
    )


def assistant_prefix(answer: str | None, cot: bool, variant: str = "reference") -> str:
    """``The answer is {answer}`` / ``Answer: {answer}`` (answer normalised; empty at inference)."""
    text = (COT_PREFIX if cot else DIRECT_PREFIX) + normalize_answer_text(answer)
    if answer is None and not PROMPT_VARIANTS[variant].trailing_space:
        text = text.rstrip(" ")
    return text


def chat_ids(tokenizer: Any, user: str) -> list[int]:
    """Token ids of the chat template over one user message, with the generation prompt."""
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}], add_generation_prompt=True, tokenize=True
    )
    if hasattr(ids, "keys"):  # transformers 5 returns a BatchEncoding
        ids = ids["input_ids"]
    return list(ids)


def prompt_ids(
    tokenizer: Any,
    question: str,
    passages: Sequence[str] | str | None = None,
    answer: str | None = None,
    fewshot: str | None = None,
    variant: str = "reference",
) -> list[int]:
    """The reference's ``get_prompt``: chat-template ids + assistant prefix ids (no specials)."""
    ids = chat_ids(tokenizer, user_turn(question, passages, fewshot))
    prefix = assistant_prefix(answer, fewshot is not None, variant)
    return ids + list(tokenizer.encode(prefix, add_special_tokens=False))


def prompt_text(tokenizer: Any, ids: Sequence[int]) -> str:
    """The exact text sent to the model (special tokens kept)."""
    return tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)
