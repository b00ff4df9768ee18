"""Writers for the raw dataset formats (DPR corpus, PopQA, ComplexWebQuestions, 2WikiMultihopQA,
HotpotQA) and for the published augmentation, as method.md section 1 describes them."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from ..io import write_json, write_jsonl
from .passages import Corpus, Passage, augment
from .questions import Question
from .world import QID_BASE, Entity, World

URI = "https://fictional.invalid/entity/"  # the world is invented: no real knowledge-base URIs
N_PARAGRAPHS = 10
_STOP = {
    "The",
    "the",
    "of",
    "and",
    "a",
    "A",
    "River",
    "Company",
    "for",
    "at",
    "in",
    "to",
    "over",
    "from",
    "on",
    "Port",
    "North",
    "Upper",
    "Old",
    "East",
    "Lower",
    "Little",
    "Road",
    "Bridge",
    "Festival",
    "Music",
    "Film",
}


def _dump(path: Path, data: list) -> int:
    write_json(path, data, indent=1)
    return len(data)


def _tsv(path: Path, header: list[str], rows: list[list]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return len(rows)


# --- corpus and augmentation --------------------------------------------------------------
def write_corpus(path: Path, corpus: Corpus) -> int:
    """DPR ``psgs_w100.tsv``: id, text, title."""
    return _tsv(path, ["id", "text", "title"], [[p.pid, p.text, p.title] for p in corpus.passages])


def write_augmentation(path: Path, corpus: Corpus, rng: random.Random) -> int:
    """One JSON line per corpus passage: pid, rewrite, three QA pairs."""
    return write_jsonl(path, (augment(p, rng) for p in corpus.passages))


# --- PopQA ----------------------------------------------------------------------------------
POPQA_HEADER = [
    "id",
    "subj",
    "prop",
    "obj",
    "subj_id",
    "prop_id",
    "obj_id",
    "s_aliases",
    "o_aliases",
    "s_uri",
    "o_uri",
    "s_wiki_title",
    "o_wiki_title",
    "s_pop",
    "o_pop",
    "question",
    "possible_answers",
]


def write_popqa(path: Path, questions: list[Question], rng: random.Random) -> int:
    rows = []
    for i, q in enumerate(questions):
        s, o = q.extra["subj"], q.answer
        assert isinstance(o, Entity)
        rows.append(
            [
                i,
                s.name,
                q.qtype,
                o.name,
                QID_BASE + s.eid,
                q.extra["prop_id"],
                QID_BASE + o.eid,
                repr(list(s.aliases)),
                repr(list(o.aliases)),
                URI + s.qid,
                URI + o.qid,
                s.name,
                o.name,
                rng.randint(5, 3000),
                rng.randint(20, 60000),
                q.question,
                json.dumps([o.name] + list(o.aliases), ensure_ascii=False),
            ]
        )
    return _tsv(path, POPQA_HEADER, rows)


# --- ComplexWebQuestions --------------------------------------------------------------------
def _sparql(q: Question) -> str:
    x = q.extra
    rels = x["rels"]
    topic: Entity = x["topic"]
    head = "PREFIX ns: <http://rdf.freebase.com/ns/>\nSELECT DISTINCT ?x\nWHERE {\n"
    if q.qtype == "composition":
        body = f"ns:{topic.mid} ns:{rels[0]} ?c .\n?c ns:{rels[1]} ?x .\n"
    elif q.qtype == "conjunction":
        body = f"ns:{topic.mid} ns:{rels[0]} ?x .\n?x ns:{rels[1]} ?y .\n"
    elif q.qtype == "comparative":
        op = "<" if x["filter"][0] == "before" else ">"
        body = (
            f"ns:{topic.mid} ns:{rels[0]} ?x .\n?x ns:{rels[1]} ?num .\n"
            f"FILTER (xsd:integer(?num) {op} {x['filter'][1]}) .\n"
        )
    else:
        body = f"ns:{topic.mid} ns:{rels[0]} ?x .\n?x ns:{rels[1]} ?num .\n"
    tail = "}\n"
    if q.qtype == "superlative":
        tail += f"ORDER BY {x['order']}(xsd:integer(?num))\nLIMIT 1\n"
    return head + body + tail


def write_cwq(path: Path, questions: list[Question], rng: random.Random) -> int:
    out = []
    for q in questions:
        a = q.answer
        assert isinstance(a, Entity)
        wid = f"WebQTest-{rng.randint(0, 2031)}"
        rec = {
            "ID": f"{wid}_{rng.getrandbits(128):032x}",
            "answers": [{"aliases": list(a.aliases), "answer": a.name, "answer_id": a.mid}],
        }
        if q.qtype == "composition":
            rec["composition_answer"] = q.extra["composition_answer"]
        rec.update(
            {
                "compositionality_type": q.qtype,
                "created": f"2018-02-{rng.randint(10, 28):02d}T{rng.randint(0, 23):02d}:"
                f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                "machine_question": q.extra["machine"],
                "question": q.question,
                "sparql": _sparql(q),
                "webqsp_ID": wid,
                "webqsp_question": q.extra["webqsp"],
            }
        )
        out.append(rec)
    return _dump(path, out)


# --- multi-hop contexts -----------------------------------------------------------------------
class ContextMaker:
    """Gold paragraphs for a question's facts plus look-alike distractor paragraphs."""

    def __init__(self, world: World, corpus: Corpus, rng: random.Random):
        self.w, self.c, self.r = world, corpus, rng
        self.by_token: dict[str, list[Entity]] = {}
        self.by_kind: dict[str, list[Entity]] = {}
        self.everyone = [e for e in world.entities if e.eid in corpus.by_entity]
        for e in world.entities:
            if e.eid not in corpus.by_entity:
                continue
            self.by_kind.setdefault(e.kind, []).append(e)
            for t in _tokens(e.name):
                self.by_token.setdefault(t, []).append(e)

    def make(self, q: Question, hotpot: bool) -> tuple[list, list]:
        """(context, supporting_facts) for one question."""
        gold = self.c.gold(q.facts)
        assert gold is not None  # the question builders keep only answerable questions
        sup: list[list] = []
        for e, tag in q.facts:
            p, i = self.c.where(e, tag)
            if [p.title, i] not in sup:
                sup.append([p.title, i])
        titles = {p.title for p in gold}
        chosen: list[Passage] = []
        for p in gold:
            near = [x for t in _tokens(p.title) for x in self.by_token.get(t, [])]
            near = [x for x in near if x.name not in titles]
            for x in self.r.sample(near, min(2, len(near))):
                if x.name not in titles and len(gold) + len(chosen) < N_PARAGRAPHS:
                    titles.add(x.name)
                    chosen.append(self.c.main(x))
        kinds = [p.entity.kind for p in gold]
        tries = 0
        while len(gold) + len(chosen) < N_PARAGRAPHS:
            tries += 1  # same kinds as the gold entities first, then any kind
            pool = self.by_kind[self.r.choice(kinds)] if tries < 100 else self.everyone
            x = self.r.choice(pool)
            if x.name not in titles:
                titles.add(x.name)
                chosen.append(self.c.main(x))
        paras = gold + chosen
        self.r.shuffle(paras)
        context = [
            [p.title, [(" " + s if hotpot and k else s) for k, s in enumerate(p.sentences)]]
            for p in paras
        ]
        return context, sup


def _tokens(name: str) -> list[str]:
    out = []
    for t in name.replace(",", " ").replace("'s", " ").split():
        if t not in _STOP and len(t) > 2 and t not in out:
            out.append(t)
    return out


# 2WikiMultihopQA evidence relation per (subject kind, fact tag); any other tag is its own name
_RELATION = {
    ("person", "birth_date"): "date of birth",
    ("person", "death_date"): "date of death",
    ("person", "birth_town"): "place of birth",
    ("person", "death_town"): "place of death",
    ("person", "country"): "country of citizenship",
    ("company", "founder"): "founded by",
    ("film", "year"): "publication date",
    ("town", "founded"): "inception",
    ("band", "formed"): "inception",
    ("festival", "first"): "inception",
}
# fact tags whose value is stored under another key
_VALUE_KEY = {"birth_date": "birth", "death_date": "death"}


def _evidence(e: Entity, tag: str) -> list[str]:
    """A fact as a 2WikiMultihopQA evidence triple: [subject, relation, object]."""
    value = e.f[_VALUE_KEY.get(tag, tag)]
    obj = value.name if isinstance(value, Entity) else str(value)
    return [e.name, _RELATION.get((e.kind, tag), tag), obj]


def write_2wiki(
    path: Path, questions: list[Question], ctx: ContextMaker, rng: random.Random
) -> int:
    out = []
    for q in questions:
        context, sup = ctx.make(q, hotpot=False)
        a = q.answer
        out.append(
            {
                "_id": f"{rng.getrandbits(128):032x}",
                "type": q.qtype,
                "question": q.question,
                "context": context,
                "supporting_facts": sup,
                "evidences": [_evidence(e, tag) for e, tag in q.facts],
                "answer": q.answer_text,
                "answer_id": a.qid if isinstance(a, Entity) else "",
            }
        )
    return _dump(path, out)


def write_2wiki_aliases(path: Path, world: World) -> int:
    """2WikiMultihopQA ``id_aliases.json``: one JSON line per entity."""
    return write_jsonl(
        path,
        (
            {"Q_id": e.qid, "aliases": [e.name] + list(e.aliases), "demonyms": []}
            for e in world.entities
        ),
    )


def write_hotpot(
    path: Path, questions: list[Question], ctx: ContextMaker, rng: random.Random
) -> int:
    out = []
    for q in questions:
        context, sup = ctx.make(q, hotpot=True)
        level = rng.choices(["easy", "medium", "hard"], weights=[2, 5, 3])[0]
        out.append(
            {
                "_id": f"{rng.getrandbits(96):024x}",
                "answer": q.answer_text,
                "question": q.question,
                "supporting_facts": sup,
                "context": context,
                "type": q.qtype,
                "level": level,
            }
        )
    return _dump(path, out)


__all__ = [
    "write_corpus",
    "write_augmentation",
    "write_popqa",
    "write_cwq",
    "write_2wiki",
    "write_2wiki_aliases",
    "write_hotpot",
    "ContextMaker",
    "POPQA_HEADER",
]
