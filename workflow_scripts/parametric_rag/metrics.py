"""Prediction cleaning and SQuAD-style EM / F1 exactly as the reference evaluates (method.md §8)."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Iterable, Sequence

STOPS = (".", "\n", ",")
COT_MARKER = "the answer is"
_PUNCT = set(string.punctuation)
_SPECIAL = ("yes", "no", "noanswer")


def clean_prediction(text: str, cot: bool) -> str:
    """Cut a raw generation down to the answer span the reference scores."""
    if cot and COT_MARKER in text:
        text = text[text.find(COT_MARKER) + len(COT_MARKER):]
    text = text.strip()
    for stop in STOPS:
        pos = text.find(stop)
        if pos != -1:
            text = text[:pos].strip()
    return text


def normalize(text: str) -> str:
    """Lower case, drop ASCII punctuation and the articles a/an/the, collapse white space."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, answers: Sequence[str]) -> int:
    """1 when the normalised prediction equals any normalised gold answer."""
    pred = normalize(prediction)
    return max((int(pred == normalize(a)) for a in answers), default=0)


def f1_scores(prediction: str, answers: Sequence[str]) -> dict[str, float]:
    """Token F1, precision and recall, each the maximum over gold answers (independently).

    A pair is skipped when either side normalises to yes/no/noanswer and they differ, and when
    no token is shared; a question with no scoring pair gets integer zeros like the reference.
    """
    best: dict[str, float] = {"f1": 0, "precision": 0, "recall": 0}
    pred = normalize(prediction)
    for answer in answers:
        gold = normalize(answer)
        if (pred in _SPECIAL or gold in _SPECIAL) and pred != gold:
            continue
        pred_tokens, gold_tokens = pred.split(), gold.split()
        same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
        if same == 0:
            continue
        precision = 1.0 * same / len(pred_tokens)
        recall = 1.0 * same / len(gold_tokens)
        f1 = (2 * precision * recall) / (precision + recall)
        for key, value in (("f1", f1), ("precision", precision), ("recall", recall)):
            best[key] = max(value, best[key])
    return best


def score(generation: str, answers: Sequence[str], cot: bool) -> dict:
    """Clean a generation and score it: ``prediction``, ``em``, ``f1``, ``precision``, ``recall``."""
    if isinstance(answers, str):
        answers = [answers]
    prediction = clean_prediction(generation, cot)
    return {"prediction": prediction, "em": exact_match(prediction, answers), **f1_scores(prediction, answers)}


def aggregate(records: Iterable[dict]) -> dict:
    """Means of em, f1, precision and recall over records, rounded to 4 decimals, with ``n``."""
    rows = list(records)
    n = len(rows)
    out: dict = {"n": n}
    for key in ("em", "f1", "precision", "recall"):
        out[key] = round(sum(float(r[key]) for r in rows) / n, 4) if n else 0.0
    return out
