"""Writers for the raw dataset formats (DPR corpus, PopQA, ComplexWebQuestions,
2WikiMultihopQA, HotpotQA) and for the published augmentation."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .corpus import Corpus, augment
from .data import load
from .io import write_json, write_jsonl, write_tsv
from .questions import Question
from .world import QID_BASE, Entity, World

FORMATS = load("formats")
_STOP = set(FORMATS["stop_tokens"])
_RELATION = {(kind, tag): rel for kind, tag, rel in FORMATS["relations"]}


def write_corpus(path: Path, corpus: Corpus) -> int:
    """DPR ``psgs_w100.tsv``: id, text, title."""
    return write_tsv(path, ["id", "text", "title"], [[p.pid, p.text, p.title] for p in corpus.passages])


def write_augmentation(path: Path, corpus: Corpus, rng: random.Random) -> int:
    """One JSON line per corpus passage: pid, rewrite, three QA pairs."""
    return write_jsonl(path, [augment(p, rng) for p in corpus.passages])


def write_popqa(path: Path, questions: list[Question], rng: random.Random) -> int:
    rows = []
    for i, q in enumerate(questions):
        s, o = q.extra["subj"], q.answer
        assert isinstance(o, Entity)
        rows.append([i, s.name, q.qtype, o.name, QID_BASE + s.eid, q.extra["prop_id"],
                     QID_BASE + o.eid, repr(list(s.aliases)), repr(list(o.aliases)),
                     FORMATS["uri"] + s.qid, FORMATS["uri"] + o.qid, s.name, o.name,
                     rng.randint(5, 3000), rng.randint(20, 60000), q.question,
                     json.dumps([o.name] + list(o.aliases), ensure_ascii=False)])
    return write_tsv(path, FORMATS["popqa_header"], rows)


def _sparql(q: Question) -> str:
    """The SPARQL of a ComplexWebQuestions question: two hops from the topic entity."""
    x, t = q.extra, q.qtype
    hop, var = {"composition": ("?c", "?x"), "conjunction": ("?x", "?y")}.get(t, ("?x", "?num"))
    lines = ["PREFIX ns: <http://rdf.freebase.com/ns/>", "SELECT DISTINCT ?x", "WHERE {",
             f"ns:{x['topic'].mid} ns:{x['rels'][0]} {hop} .", f"{hop} ns:{x['rels'][1]} {var} ."]
    if t == "comparative":
        op = "<" if x["filter"][0] == "before" else ">"
        lines.append(f"FILTER (xsd:integer(?num) {op} {x['filter'][1]}) .")
    lines.append("}")
    if t == "superlative":
        lines += [f"ORDER BY {x['order']}(xsd:integer(?num))", "LIMIT 1"]
    return "\n".join(lines) + "\n"


def write_cwq(path: Path, questions: list[Question], rng: random.Random) -> int:
    out = []
    for q in questions:
        a, wid = q.answer, f"WebQTest-{rng.randint(0, 2031)}"
        assert isinstance(a, Entity)
        rec = {"ID": f"{wid}_{rng.getrandbits(128):032x}",
               "answers": [{"aliases": list(a.aliases), "answer": a.name, "answer_id": a.mid}],
               "compositionality_type": q.qtype,
               "created": "2018-02-%02dT%02d:%02d:%02d" % (rng.randint(10, 28), rng.randint(0, 23),
                                                           rng.randint(0, 59), rng.randint(0, 59)),
               "machine_question": q.extra["machine"], "question": q.question,
               "sparql": _sparql(q), "webqsp_ID": wid, "webqsp_question": q.extra["webqsp"]}
        if q.qtype == "composition":
            rec["composition_answer"] = q.extra["composition_answer"]
        out.append(dict(sorted(rec.items())))  # the real file's key order
    return write_json(path, out, indent=1)


class ContextMaker:
    """Gold paragraphs for a question's facts plus look-alike distractor paragraphs."""

    def __init__(self, world: World, corpus: Corpus, rng: random.Random):
        self.c, self.r = corpus, rng
        self.by_token: dict[str, list[Entity]] = {}
        self.by_kind: dict[str, list[Entity]] = {}
        self.everyone = [e for e in world.entities if e.eid in corpus.by_entity]
        for e in self.everyone:
            self.by_kind.setdefault(e.kind, []).append(e)
            for t in _tokens(e.name):
                self.by_token.setdefault(t, []).append(e)

    def make(self, q: Question, hotpot: bool) -> tuple[list, list]:
        """(context, supporting_facts) for one question."""
        gold = self.c.gold(q.facts)
        assert gold is not None  # the question builders keep only answerable questions
        hits = [self.c.where(e, tag) for e, tag in q.facts]
        sup = [list(s) for s in dict.fromkeys((p.title, i) for p, i in hits)]
        paras, n_paragraphs = list(gold), FORMATS["n_paragraphs"]

        def fresh(x: Entity) -> bool:
            return x.name not in {p.title for p in paras}

        for p in gold:
            near = [x for t in _tokens(p.title) for x in self.by_token.get(t, []) if fresh(x)]
            for x in self.r.sample(near, min(2, len(near))):
                if fresh(x) and len(paras) < n_paragraphs:
                    paras.append(self.c.main(x))
        kinds = [p.entity.kind for p in gold]
        tries = 0
        while len(paras) < n_paragraphs:
            tries += 1  # same kinds as the gold entities first, then any kind
            x = self.r.choice(self.by_kind[self.r.choice(kinds)] if tries < 100 else self.everyone)
            if fresh(x):
                paras.append(self.c.main(x))
        self.r.shuffle(paras)
        context = [[p.title, [(" " + s if hotpot and k else s) for k, s in enumerate(p.sentences)]]
                   for p in paras]
        return context, sup


def _tokens(name: str) -> list[str]:
    """The distinctive words of a name, each once."""
    words = name.replace(",", " ").replace("'s", " ").split()
    return list(dict.fromkeys(t for t in words if t not in _STOP and len(t) > 2))


def _evidence(e: Entity, tag: str) -> list[str]:
    """A fact as a 2WikiMultihopQA evidence triple: [subject, relation, object]."""
    value = e.f[FORMATS["value_keys"].get(tag, tag)]
    obj = value.name if isinstance(value, Entity) else str(value)
    return [e.name, _RELATION.get((e.kind, tag), tag), obj]


def write_2wiki(path: Path, questions: list[Question], ctx: ContextMaker,
                rng: random.Random) -> int:
    out = []
    for q in questions:
        context, sup = ctx.make(q, hotpot=False)
        a = q.answer
        out.append({"_id": f"{rng.getrandbits(128):032x}", "type": q.qtype,
                    "question": q.question, "context": context, "supporting_facts": sup,
                    "evidences": [_evidence(e, tag) for e, tag in q.facts],
                    "answer": q.answer_text, "answer_id": a.qid if isinstance(a, Entity) else ""})
    return write_json(path, out, indent=1)


def write_2wiki_aliases(path: Path, world: World) -> int:
    """2WikiMultihopQA ``id_aliases.json``: one JSON line per entity."""
    return write_jsonl(path, [{"Q_id": e.qid, "aliases": [e.name] + list(e.aliases), "demonyms": []}
                              for e in world.entities])


def write_hotpot(path: Path, questions: list[Question], ctx: ContextMaker,
                 rng: random.Random) -> int:
    out = []
    for q in questions:
        context, sup = ctx.make(q, hotpot=True)
        level = rng.choices(["easy", "medium", "hard"], weights=[2, 5, 3])[0]
        out.append({"_id": f"{rng.getrandbits(96):024x}", "answer": q.answer_text,
                    "question": q.question, "supporting_facts": sup, "context": context,
                    "type": q.qtype, "level": level})
    return write_json(path, out, indent=1)
