"""The question engine: runs the question kinds of ``data/questions.yaml`` against the world
and the corpus. A question names the facts it needs as (entity, tag) pairs; the corpus knows
which passage sentence states each, so the writers can emit gold passages and supporting facts.
A candidate whose facts are not stated, or whose question repeats, is skipped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from .corpus import Corpus
from .data import load
from .expr import evaluate, fill, namespace
from .text import HELPERS
from .world import Entity, World


@dataclass
class Question:
    qtype: str  # sub-type (2wiki/hotpot type, CWQ compositionality type, PopQA property)
    question: str
    answer: Entity | str  # an entity, or a literal ("yes", "no", a date, a year)
    facts: list[tuple[Entity, str]]  # (entity, fact tag) needed, in reasoning order
    extra: dict = field(default_factory=dict)

    @property
    def answer_text(self) -> str:
        return self.answer.name if isinstance(self.answer, Entity) else self.answer


class _NoQuestion(Exception):
    """This attempt of a question kind found no question."""


class QuestionMaker:
    """Draws questions of every dataset from one world, corpus and rng."""

    def __init__(self, world: World, corpus: Corpus, rng: random.Random):
        self.w, self.c, self.r = world, corpus, rng
        self.spec = load("questions")
        self._memo: dict[tuple, list[Entity]] = {}
        self.base = dict(HELPERS, r=rng, has=self.has, lists=SimpleNamespace(**self.spec["lists"]))

    def has(self, e: Entity | None, *tags: str) -> bool:
        """Whether the corpus states each of ``e``'s facts ``tags``."""
        return e is not None and all((e.eid, t) in self.c.loc for t in tags)

    def core(self, kind: str, where: str | None, params: dict[str, Any]) -> list[Entity]:
        """Core entities of ``kind`` for which ``where`` holds (memoised: the world is frozen)."""
        key = (kind, where, repr(sorted(params.items())))
        if key not in self._memo:
            es = self.w.of_kind(kind, core=True)
            if where is not None:
                ns = namespace(**self.base, **params)
                es = [e for e in es if evaluate(where, {**ns, "e": e})]
            self._memo[key] = es
        return self._memo[key]

    # -- datasets ---------------------------------------------------------------------------
    def popqa(self, n: int) -> list[Question]:
        """PopQA: one property of one subject, subjects spread over the properties by weight."""
        props = {p["prop"]: p for p in self.spec["popqa"]}
        cands: dict[str, list[Entity]] = {}
        for k, p in props.items():
            cands[k] = [e for kind in p["kinds"] for e in self.core(kind, None, {})
                        if self.has(e, p["tag"]) and _object(p, e) is not None]
            self.r.shuffle(cands[k])
        quota = apportion({k: p["weight"] for k, p in props.items()}, n,
                          {k: len(v) for k, v in cands.items()})
        out: list[Question] = []
        used: set[int] = set()
        for k, p in props.items():
            for e in sorted(cands[k], key=lambda e: e.eid in used)[: quota[k]]:  # fresh first
                used.add(e.eid)
                out.append(Question(k, fill(p["ask"], namespace(n=e.name)), _object(p, e),
                                    [(e, p["tag"])], extra={"subj": e, "prop_id": p["id"]}))
        self.r.shuffle(out)
        return out

    def dataset(self, name: str, n: int) -> list[Question]:
        """Questions of a dataset of ``datasets``: ``n`` per group, or (with ``weights``) ``n``
        in all, split by weight."""
        spec = self.spec["datasets"][name]
        groups = spec["groups"]
        counts = (apportion(spec["weights"], n, {k: n for k in groups}) if "weights" in spec
                  else {k: n for k in groups})
        used: set[str] = set()
        out: list[Question] = []
        for group, kinds in groups.items():
            got = self.take([self.spec["kinds"][k] for k in kinds], spec["style"], counts[group], used)
            if len(got) < counts[group]:
                raise ValueError(f"{name}: the world supports only {len(got)} of {counts[group]} "
                                 f"{group} questions")
            out += got
        self.r.shuffle(out)
        return out

    def take(self, kinds: list[dict], style: str, n: int, used: set[str]) -> list[Question]:
        """Round-robin over question kinds (in random order) until n distinct questions exist."""
        out: list[Question] = []
        order = list(kinds)
        misses = 0
        while len(out) < n and misses < 400 * max(1, len(order)):
            self.r.shuffle(order)
            before = len(out)
            for spec in order:
                if len(out) >= n:
                    break
                q = self.ask(spec, style)
                if q is None or q.question in used or self.c.gold(q.facts) is None:
                    misses += 1
                    continue
                used.add(q.question)
                out.append(q)
            if len(out) == before:
                misses += len(order)
        return out

    # -- one question kind ------------------------------------------------------------------
    def ask(self, spec: dict, style: str) -> Question | None:
        """One question of the kind ``spec``, or None when this attempt finds none."""
        params = spec.get("params", {})
        ns = namespace(**self.base, **params, style=style)
        try:
            for step in spec["steps"]:
                self._step(step, ns, params)
        except _NoQuestion:
            return None

        def styled(value: str | dict) -> str:
            return fill(value[style] if isinstance(value, dict) else value, ns)

        ns["question"] = question = styled(spec["question"])
        facts = spec["facts"]
        facts = (evaluate(facts, ns) if isinstance(facts, str)
                 else [(evaluate(e, ns), fill(tag, ns)) for e, tag in facts])
        extra = {k: _value(v, ns) for k, v in spec.get("extra", {}).items()}
        return Question(styled(spec["qtype"]), question, evaluate(spec["answer"], ns), facts, extra)

    def _step(self, step: dict, ns: dict[str, Any], params: dict[str, Any]) -> None:
        if "need" in step:
            if not evaluate(step["need"], ns):
                raise _NoQuestion
        elif "pair" in step:
            es = self._pool(step["pool"], ns, params)
            if len(es) < 2:
                raise _NoQuestion
            a, b = self.r.sample(es, 2)
            if evaluate(step["differ"], {**ns, "e": a}) == evaluate(step["differ"], {**ns, "e": b}):
                raise _NoQuestion
            ns.update(zip(step["pair"], (a, b)))
        elif "pick" in step:
            for name, pool in step["pick"].items():
                es = self._pool(pool, ns, params)
                if not es:
                    raise _NoQuestion
                ns[name] = self.r.choice(es)
        else:
            for name, value in step["let"].items():
                ns[name] = (self._pool(value, ns, params) if isinstance(value, dict)
                            else evaluate(value, ns))

    def _pool(self, pool: str | dict, ns: dict[str, Any], params: dict[str, Any]) -> list[Entity]:
        if isinstance(pool, str):
            return evaluate(pool, ns)
        return self.core(fill(pool["kind"], ns), pool.get("where"), params)


def _object(prop: dict, e: Entity) -> Entity | None:
    """The object of a PopQA property: the fact ``tag``, or the value of ``object``."""
    return evaluate(prop["object"], namespace(e=e)) if "object" in prop else e.f.get(prop["tag"])


def _value(v: Any, ns: dict[str, Any]) -> Any:
    """A value of ``extra``: a template, an "=expression", or a list of them."""
    if isinstance(v, list):
        return [_value(x, ns) for x in v]
    return evaluate(v[1:], ns) if v.startswith("=") else fill(v, ns)


def apportion(weights: dict[str, int], n: int, caps: dict[str, int]) -> dict[str, int]:
    """Split n over keys in proportion to weights, never above caps (largest remainder)."""
    quota = dict.fromkeys(weights, 0)
    while (left := n - sum(quota.values())) > 0:
        open_ = [k for k in weights if quota[k] < caps[k]]
        if not open_:
            raise ValueError(f"the world supports only {n - left} single-hop questions")
        total = sum(weights[k] for k in open_)
        shares = {k: left * weights[k] / total for k in open_}
        step = {k: min(caps[k] - quota[k], int(shares[k])) for k in open_}
        if sum(step.values()) == 0:
            k = max(open_, key=lambda k: (shares[k], -list(weights).index(k)))
            step[k] = 1
        for k, v in step.items():
            quota[k] += v
    return quota
