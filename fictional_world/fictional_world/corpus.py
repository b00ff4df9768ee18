"""The corpus: sentence specs packed into passages of about 50-80 words, and each passage's
"published augmentation" (a rewrite in other words and order, and three QA pairs whose answers
occur in the passage, the way an LLM's augmentation output looks)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .sentences import QA, Sent, SentenceMaker
from .text import cap, poss, words
from .world import PASSAGE_KINDS, Entity, World

MIN_WORDS, MAX_WORDS = 50, 80
SUBJECT_SLOTS = ("<S>", "<s>", "<o>", "<P>", "<p>")


@dataclass
class Passage:
    pid: int
    entity: Entity
    specs: list[Sent]
    named: list[bool]  # per sentence: subject by name (True) or by pronoun/noun (False)
    sentences: list[str]

    @property
    def title(self) -> str:
        return self.entity.name

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass
class Corpus:
    passages: list[Passage]
    by_entity: dict[int, list[Passage]]
    loc: dict[tuple[int, str], tuple[Passage, int]]  # (eid, fact tag) -> (passage, sentence)

    def main(self, e: Entity) -> Passage:
        return self.by_entity[e.eid][0]

    def where(self, e: Entity, tag: str) -> tuple[Passage, int]:
        return self.loc[(e.eid, tag)]

    def gold(self, facts: list[tuple[Entity, str]]) -> list[Passage] | None:
        """The passage stating each entity's facts, one per entity in order of first mention;
        None when a fact is not stated or one entity's facts lie in two passages."""
        by: dict[int, Passage] = {}
        for e, tag in facts:
            hit = self.loc.get((e.eid, tag))
            if hit is None or by.setdefault(e.eid, hit[0]) is not hit[0]:
                return None
        return list(by.values())


def _forms(e: Entity, named: bool) -> dict[str, str]:
    """What each subject slot becomes: the name, or a pronoun / "the town"."""
    female = e.kind == "person" and e.f["sex"] == "female"
    he = "she" if female else "he" if e.kind == "person" else "it"
    if named:
        s = o = e.ref()
        p = poss(s)
    elif e.kind == "person":
        s, o, p = he, ("her" if female else "him"), ("her" if female else "his")
    else:  # "the town", "the lighthouse"
        s = o = "the " + (e.f["type"] if e.kind == "structure" else e.kind)
        p = s + "'s"
    return {"<S>": cap(s), "<s>": s, "<o>": o, "<P>": cap(p), "<p>": p, "<h>": he}


def render(template: str, e: Entity, named: bool) -> str:
    """``template`` with its subject slots filled, its first letter upper-cased."""
    out = template
    for slot, val in _forms(e, named).items():
        out = out.replace(slot, val)
    return cap(out)


def build_corpus(world: World, rng: random.Random) -> Corpus:
    """Render every passage-bearing entity into one or more passages (ids from 1)."""
    specs = SentenceMaker(world, rng)
    corpus = Corpus([], {}, {})
    for e in world.entities:
        if e.kind in PASSAGE_KINDS:
            groups, pool = _group(e, *specs(e), rng)
            for g in groups:
                _add_passage(corpus, e, g, pool, rng)
    return corpus


def _group(e: Entity, facts: list[Sent], fillers: list[Sent],
           rng: random.Random) -> tuple[list[list[Sent]], list[Sent]]:
    """(groups of sentences, one per passage; the fillers left for length-filling). Every
    group gets QA-bearing fillers until it supports three QA pairs."""
    groups: list[list[Sent]] = [[]]
    size = 0
    # some entities get a second passage by choice, others because they have much to say
    split = len(facts) // 2 if len(facts) >= 6 and rng.random() < 0.12 else None
    for i, s in enumerate(facts):
        n = words(render(s.variants[0], e, True))
        if groups[-1] and (size + n > MAX_WORDS or i == split):
            groups.append([])
            size = 0
        groups[-1].append(s)
        size += n
    qa_fill = [s for s in fillers if s.qa]
    plain = [s for s in fillers if not s.qa]

    def need() -> list[int]:
        return [max(0, 3 - sum(1 for s in g if s.qa)) for g in groups]

    while len(groups) > 1 and sum(need()) > len(qa_fill):
        groups[-2] += groups.pop()  # too little to say for a passage of its own
    for g, k in zip(groups, need(), strict=True):
        g += qa_fill[:k]
        del qa_fill[:k]
    return groups, qa_fill + plain


def _add_passage(corpus: Corpus, e: Entity, g: list[Sent], pool: list[Sent],
                 rng: random.Random) -> None:
    """Render one group, fill it to a random target length from ``pool`` (QA-less fillers
    only as a last resort), and index its fact sentences."""
    named = [i == 0 or rng.random() < 0.45 for i in range(len(g))]
    sents = [render(s.variants[0], e, nm) for s, nm in zip(g, named, strict=True)]
    target = rng.randint(MIN_WORDS, MIN_WORDS + 16)
    while sum(map(words, sents)) < target and pool:
        n = sum(map(words, sents))
        if n + words(pool[0].variants[0]) > MAX_WORDS + 6 and n >= MIN_WORDS:
            break
        s = pool.pop(0)
        g.append(s)
        named.append(rng.random() < 0.45)
        sents.append(render(s.variants[0], e, named[-1]))
    p = Passage(len(corpus.passages) + 1, e, g, named, sents)
    corpus.passages.append(p)
    corpus.by_entity.setdefault(e.eid, []).append(p)
    for i, s in enumerate(g):
        for tag in s.tags:
            corpus.loc.setdefault((e.eid, tag), (p, i))


def augment(p: Passage, rng: random.Random) -> dict:
    """The published augmentation of one passage: a rewrite and three QA pairs."""
    rest = list(range(1, len(p.specs)))
    rng.shuffle(rest)
    order = [0] + rest if rng.random() < 0.6 else rest[:1] + [0] + rest[1:]
    variants = [p.specs[i].variants for i in order]  # a rewording of each, where there is one
    chosen = [v[rng.choice(list(range(1, len(v))) or [0])] for v in variants]
    # the rewrite must open by naming its subject
    first = next((k for k, v in enumerate(chosen) if any(s in v for s in SUBJECT_SLOTS)), 0)
    chosen.insert(0, chosen.pop(first))
    out = [render(v, p.entity, k == 0 or rng.random() < 0.4) for k, v in enumerate(chosen)]
    cands: list[QA] = []
    seen: set[str] = set()
    # one QA per sentence first (fact sentences before fillers), then the rest
    ranked = sorted(range(len(p.specs)), key=lambda i: (p.specs[i].filler, rng.random()))
    for rnd in range(3):
        for i in ranked:
            qas = p.specs[i].qa
            if rnd < len(qas) and qas[rnd].answer in p.text and qas[rnd].question not in seen:
                seen.add(qas[rnd].question)
                cands.append(qas[rnd])
    if len(cands) < 3:
        raise RuntimeError(f"passage {p.pid} supports only {len(cands)} QA pairs")
    return {"pid": str(p.pid), "rewrite": " ".join(out),
            "qa": [{"question": q.question, "answer": q.answer, "full_answer": q.full_answer}
                   for q in cands[:3]]}
