"""The sentence engine: runs ``data/sentences.yaml`` for one entity and returns its
:class:`Sent` specs (see that file for the step language)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from .data import load
from .expr import bind, evaluate, fill, namespace
from .text import HELPERS
from .world import Entity, World


@dataclass
class QA:
    question: str
    answer: str
    full_answer: str


@dataclass
class Sent:
    """One sentence: phrasings with subject slots, the facts it states, QA it supports."""

    variants: list[str]  # slots <S> <s> subject, <o> object, <P> <p> possessive, <h> pronoun
    tags: tuple[str, ...] = ()
    qa: list[QA] = field(default_factory=list)
    filler: bool = False


class SentenceMaker:
    """Builds each entity's sentence specs; random choices come from one rng."""

    def __init__(self, world: World, rng: random.Random):
        spec = load("sentences")
        self.kinds, self.fillers = spec["kinds"], spec["fillers"]
        lists = SimpleNamespace(**spec["lists"])
        self.base = dict(HELPERS, r=rng, names=world.names, towns=world.of_kind("town"),
                         lists=lists)
        self.rng = rng

    def __call__(self, e: Entity) -> tuple[list[Sent], list[Sent]]:
        """(fact sentences in priority order, filler sentences in random order)."""
        ns = namespace(**self.base, e=e, f=e.f, n=e.name, ref=e.ref(), kind=e.kind)
        facts: list[Sent] = []
        _run(self.kinds[e.kind], ns, facts, filler=False)
        fillers: list[Sent] = []
        _run(self.fillers, ns, fillers, filler=True)
        self.rng.shuffle(fillers)
        return facts, fillers


def _run(steps: list[dict], ns: dict[str, Any], out: list[Sent], filler: bool) -> None:
    for step in steps:
        if "when" in step and not evaluate(step["when"], ns):
            continue
        if "each" in step:
            name, items = step["each"]
            for item in evaluate(items, ns):
                ns[name] = item
                _step(step, ns, out, filler)
        else:
            _step(step, ns, out, filler)


def _step(step: dict, ns: dict[str, Any], out: list[Sent], filler: bool) -> None:
    bind(step.get("let", {}), ns)
    if "say" in step:
        qa = [QA(*(fill(t, ns) for t in triple)) for triple in _qa_triples(step.get("qa", []), ns)]
        out.append(Sent([fill(t, ns) for t in step["say"]], tuple(step.get("tags", ())), qa, filler))
    _run(step.get("steps", []), ns, out, filler)


def _qa_triples(items: list, ns: dict[str, Any]):
    """Each [question, answer, full answer]; an {each, ask} item once per bound item."""
    for item in items:
        if isinstance(item, dict):
            name, items_ = item["each"]
            for x in evaluate(items_, ns):
                ns[name] = x
                yield item["ask"]
        else:
            yield item
