"""Question builders: single-hop (PopQA), composed (ComplexWebQuestions), multi-hop (2Wiki,
HotpotQA), all drawn from the one world and answerable from the corpus.

A builder returns :class:`Question` records that name the facts they need as (entity, tag)
pairs; the corpus knows which passage sentence states each (entity, tag), so the writers can
emit gold passages and supporting facts. A candidate whose facts are not stated, or whose answer
would not be unique, is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .passages import Corpus, poss
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


class _Base:
    def __init__(self, world: World, corpus: Corpus, rng: random.Random):
        self.w, self.c, self.r = world, corpus, rng
        self._memo: dict[tuple, list[Entity]] = {}

    def has(self, e: Entity | None, *tags: str) -> bool:
        if e is None:
            return False
        loc = self.c.loc
        for t in tags:
            if (e.eid, t) not in loc:
                return False
        return True

    def core(self, kind: str, pred: Callable[[Entity], bool] = lambda e: True) -> list[Entity]:
        """Core entities of a kind that satisfy pred (memoised: the world is frozen by now)."""
        key = (kind, _fn_key(pred))
        if key not in self._memo:
            self._memo[key] = [e for e in self.w.of_kind(kind, core=True) if pred(e)]
        return self._memo[key]

    def take(
        self, builders: list[Callable[[], Question | None]], n: int, used: set[str]
    ) -> list[Question]:
        """Round-robin over builders (in random order) until n distinct questions exist."""
        out: list[Question] = []
        order = list(builders)
        misses = 0
        while len(out) < n and misses < 400 * max(1, len(order)):
            self.r.shuffle(order)
            progressed = False
            for b in order:
                if len(out) >= n:
                    break
                q = b()
                if q is None or q.question in used or self.c.gold(q.facts) is None:
                    misses += 1
                    continue
                used.add(q.question)
                out.append(q)
                progressed = True
            if not progressed:
                misses += len(order)
        return out


# ============================================================================== PopQA
POPQA_PROPS: list[tuple[str, int, str, str, str, int]] = [
    # (prop, prop_id, template, subject kinds, fact tag, weight)
    ("occupation", 22, "What is {}'s occupation?", "person", "occupation", 14),
    ("place of birth", 218, "In what city was {} born?", "person", "birth_town", 12),
    ("father", 97, "Who is the father of {}?", "person", "father", 10),
    ("mother", 106, "Who is the mother of {}?", "person", "mother", 4),
    ("religion", 472, "What is the religion of {}?", "person", "religion", 6),
    ("sport", 292, "What sport does {} play?", "person", "sport", 6),
    ("genre", 91, "What genre is {}?", "book film band", "genre", 10),
    ("author", 560, "Who is the author of {}?", "book", "author", 10),
    ("director", 526, "Who was the director of {}?", "film", "director", 10),
    ("producer", 164, "Who was the producer of {}?", "film", "producer", 6),
    ("composer", 422, "Who was the composer of {}?", "film", "composer", 6),
    ("country", 182, "In what country is {}?", "town structure river festival", "country", 12),
    ("capital", 43, "What is the capital of {}?", "country province", "capital", 4),
    ("capital of", 484, "What is {} the capital of?", "town", "capital_of", 3),
]


def _popqa_object(e: Entity, tag: str) -> Entity | None:
    if tag == "capital_of":
        caps = e.f.get("capital_of", [])
        # only unambiguous: a province capital that is not also a national capital
        return caps[0] if len(caps) == 1 else None
    return e.f.get(tag)


class PopQABuilder(_Base):
    def build(self, n: int) -> list[Question]:
        cands: dict[str, list[Entity]] = {}
        for prop, _, _, kinds, tag, _ in POPQA_PROPS:
            es = [
                e
                for k in kinds.split()
                for e in self.core(k)
                if self.has(e, tag) and _popqa_object(e, tag) is not None
            ]
            self.r.shuffle(es)
            cands[prop] = es
        quota = _apportion(
            {p[0]: p[5] for p in POPQA_PROPS}, n, {k: len(v) for k, v in cands.items()}
        )
        out: list[Question] = []
        used: set[int] = set()
        for prop, pid, template, _, tag, _ in POPQA_PROPS:
            fresh = [e for e in cands[prop] if e.eid not in used]
            rest = [e for e in cands[prop] if e.eid in used]
            for e in (fresh + rest)[: quota[prop]]:
                used.add(e.eid)
                obj = _popqa_object(e, tag)
                out.append(
                    Question(
                        prop,
                        template.format(e.name),
                        obj,
                        [(e, tag)],
                        extra={"subj": e, "prop_id": pid},
                    )
                )
        self.r.shuffle(out)
        return out


def _apportion(weights: dict[str, int], n: int, caps: dict[str, int]) -> dict[str, int]:
    """Split n over keys in proportion to weights, never above caps (largest remainder)."""
    quota = {k: 0 for k in weights}
    left = n
    while left > 0:
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
            left -= v
    return quota


# ============================================================================== CWQ
class CWQBuilder(_Base):
    """ComplexWebQuestions-style: composition, conjunction, comparative, superlative."""

    SHARES = {"composition": 0.45, "conjunction": 0.3, "comparative": 0.125, "superlative": 0.125}

    def build(self, n: int) -> list[Question]:
        counts = _apportion(
            {k: int(v * 1000) for k, v in self.SHARES.items()}, n, {k: n for k in self.SHARES}
        )
        used: set[str] = set()
        out: list[Question] = []
        out += self.take(
            [
                self.comp_author_home,
                self.comp_director_birth,
                self.comp_builder_founder,
                self.comp_founder_country,
                self.comp_composer_father,
                self.comp_birthplace_river,
                self.comp_town_capital,
                self.comp_adapted_author,
                self.comp_founder_hq,
                self.comp_singer_genre,
            ],
            counts["composition"],
            used,
        )
        out += self.take(
            [
                self.conj_film_dir_comp,
                self.conj_book_genre_author,
                self.conj_town_prov_river,
                self.conj_film_prod_setting,
                self.conj_film_genre_dir,
            ],
            counts["conjunction"],
            used,
        )
        out += self.take(
            [
                lambda: self.comparative("film"),
                lambda: self.comparative("book"),
                lambda: self.comparative("structure"),
                self.comparative_river_towns,
            ],
            counts["comparative"],
            used,
        )
        out += self.take(
            [
                lambda: self.superlative("film"),
                lambda: self.superlative("book"),
                lambda: self.superlative("structure"),
            ],
            counts["superlative"],
            used,
        )
        self.r.shuffle(out)
        return out

    def _pick(self, kind: str, pred: Callable[[Entity], bool] = lambda e: True) -> Entity | None:
        es = self.core(kind, pred)
        return self.r.choice(es) if es else None

    def _comp(
        self,
        q: str,
        answer: Entity,
        facts: list,
        mid: Entity,
        webqsp: str,
        machine: str,
        rels: list[str],
    ) -> Question:
        return Question(
            "composition",
            q,
            answer,
            facts,
            extra={
                "composition_answer": mid.name.lower(),
                "webqsp": webqsp,
                "machine": machine,
                "rels": rels,
                "topic": facts[0][0],
            },
        )

    # composition ---------------------------------------------------------------------------
    def comp_author_home(self) -> Question | None:
        b = self._pick("book")
        a = b.f["author"]
        if not self.has(a, "birth_town"):
            return None
        return self._comp(
            f"What is the home town of the author of {b.name}?",
            a.f["birth_town"],
            [(b, "author"), (a, "birth_town")],
            a,
            f"who wrote {b.name.lower()}?",
            f"what is the place of birth of the author of {b.name.lower()}",
            ["book.written_work.author", "people.person.place_of_birth"],
        )

    def comp_director_birth(self) -> Question | None:
        f = self._pick("film")
        d = f.f["director"]
        return self._comp(
            f"Where was the director of {f.name} born?",
            d.f["birth_town"],
            [(f, "director"), (d, "birth_town")],
            d,
            f"who directed {f.name.lower()}?",
            f"where was the director of the film {f.name.lower()} born",
            ["film.film.directed_by", "people.person.place_of_birth"],
        )

    def comp_builder_founder(self) -> Question | None:
        s = self._pick("structure")
        c = s.f["builder"]
        return self._comp(
            f"Who founded the company that built the {s.name}?",
            c.f["founder"],
            [(s, "builder"), (c, "founder")],
            c,
            f"who built the {s.name.lower()}?",
            f"who is the founder of the organization that built {s.name.lower()}",
            ["architecture.structure.contractor", "organization.organization.founders"],
        )

    def comp_founder_country(self) -> Question | None:
        c = self._pick("company")
        fo = c.f["founder"]
        return self._comp(
            f"What country is the founder of the {c.name} from?",
            fo.f["country"],
            [(c, "founder"), (fo, "country")],
            fo,
            f"who founded {c.name.lower()}?",
            f"what is the nationality of the founder of {c.name.lower()}",
            ["organization.organization.founders", "people.person.nationality"],
        )

    def comp_composer_father(self) -> Question | None:
        f = self._pick("film", lambda e: "father" in e.f["composer"].f)
        if f is None:
            return None
        co = f.f["composer"]
        return self._comp(
            f"Who is the father of the composer of {f.name}?",
            co.f["father"],
            [(f, "composer"), (co, "father")],
            co,
            f"who composed the music for {f.name.lower()}?",
            f"who is the father of the music composer of {f.name.lower()}",
            ["film.film.music", "people.person.parents"],
        )

    def comp_birthplace_river(self) -> Question | None:
        p = self._pick("person", lambda e: "river" in e.f["birth_town"].f)
        if p is None:
            return None
        t = p.f["birth_town"]
        return self._comp(
            f"Which river flows through the birthplace of {p.name}?",
            t.f["river"],
            [(p, "birth_town"), (t, "river")],
            t,
            f"where was {p.name.lower()} born?",
            f"what river runs through the place of birth of {p.name.lower()}",
            ["people.person.place_of_birth", "geography.river.cities"],
        )

    def comp_town_capital(self) -> Question | None:
        t = self._pick("town", lambda e: not e.f.get("capital_of"))
        c = t.f["country"]
        return self._comp(
            f"What is the capital of the country where {t.name} is located?",
            c.f["capital"],
            [(t, "country"), (c, "capital")],
            c,
            f"what country is {t.name.lower()} in?",
            f"what is the capital of the country that contains {t.name.lower()}",
            ["location.location.containedby", "location.country.capital"],
        )

    def comp_adapted_author(self) -> Question | None:
        f = self._pick("film", lambda e: e.f.get("based_on") is not None)
        if f is None:
            return None
        b = f.f["based_on"]
        return self._comp(
            f"Who wrote the novel that {f.name} is based on?",
            b.f["author"],
            [(f, "based_on"), (b, "author")],
            b,
            f"what novel is {f.name.lower()} based on?",
            f"who is the author of the book that the film {f.name.lower()} is adapted from",
            ["film.film.story_by", "book.written_work.author"],
        )

    def comp_founder_hq(self) -> Question | None:
        p = self._pick("person", lambda e: len(e.f.get("companies", [])) == 1)
        if p is None:
            return None
        c = p.f["companies"][0]
        return self._comp(
            f"In which town is the company founded by {p.name} based?",
            c.f["hq"],
            [(p, "companies"), (c, "hq")],
            c,
            f"what company did {p.name.lower()} found?",
            f"where is the headquarters of the organization founded by {p.name.lower()}",
            [
                "organization.organization_founder.organizations_founded",
                "organization.organization.headquarters",
            ],
        )

    def comp_singer_genre(self) -> Question | None:
        p = self._pick("person", lambda e: len(e.f.get("bands", [])) == 1)
        if p is None:
            return None
        b = p.f["bands"][0]
        return self._comp(
            f"What genre of music does the band whose lead singer is {p.name} play?",
            b.f["genre"],
            [(p, "bands"), (b, "genre")],
            b,
            f"what band is {p.name.lower()} the lead singer of?",
            f"what is the musical genre of the band with lead singer {p.name.lower()}",
            ["music.group_member.membership", "music.artist.genre"],
        )

    # conjunction ---------------------------------------------------------------------------
    def _conj(
        self,
        q: str,
        answer: Entity,
        facts: list,
        webqsp: str,
        machine: str,
        rels: list[str],
        topic: Entity,
    ) -> Question:
        return Question(
            "conjunction",
            q,
            answer,
            facts,
            extra={"webqsp": webqsp, "machine": machine, "rels": rels, "topic": topic},
        )

    def conj_film_dir_comp(self) -> Question | None:
        f = self._pick("film")
        d, co = f.f["director"], f.f["composer"]
        if sum(1 for x in d.f["directed"] if x.f["composer"] is co) != 1:
            return None
        return self._conj(
            f"Which film directed by {d.name} had music composed by {co.name}?",
            f,
            [(f, "director"), (f, "composer")],
            f"what films did {d.name.lower()} direct?",
            f"what film directed by {d.name.lower()} has music by {co.name.lower()}",
            ["film.director.film", "film.film.music"],
            d,
        )

    def conj_book_genre_author(self) -> Question | None:
        b = self._pick("book", lambda e: len(e.f["author"].f["books"]) > 1)
        if b is None:
            return None
        a, g = b.f["author"], b.f["genre"]
        if sum(1 for x in a.f["books"] if x.f["genre"] is g) != 1:
            return None
        return self._conj(
            f"Which {g.name} was written by {a.name}?",
            b,
            [(b, "author"), (b, "genre")],
            f"what books did {a.name.lower()} write?",
            f"what {g.name} has author {a.name.lower()}",
            ["book.author.works_written", "book.book.genre"],
            a,
        )

    def conj_town_prov_river(self) -> Question | None:
        t = self._pick("town", lambda e: "river" in e.f)
        if t is None:
            return None
        prov, rv = t.f["province"], t.f["river"]
        if sum(1 for x in rv.f["towns_on"] if x.f["province"] is prov) != 1:
            return None
        return self._conj(
            f"Which town in the province of {prov.name} lies on the {rv.name}?",
            t,
            [(t, "province"), (t, "river")],
            f"what towns are on the {rv.name.lower()}?",
            f"what town is contained by {prov.name.lower()} and is on the {rv.name.lower()}",
            ["location.location.contains", "geography.river.cities"],
            prov,
        )

    def conj_film_prod_setting(self) -> Question | None:
        f = self._pick("film")
        p, s = f.f["producer"], f.f["setting"]
        if sum(1 for x in p.f["produced"] if x.f["setting"] is s) != 1:
            return None
        return self._conj(
            f"Which film produced by {p.name} is set in {s.name}?",
            f,
            [(f, "producer"), (f, "setting")],
            f"what films did {p.name.lower()} produce?",
            f"what film produced by {p.name.lower()} is set in {s.name.lower()}",
            ["film.producer.film", "film.film.featured_film_locations"],
            p,
        )

    def conj_film_genre_dir(self) -> Question | None:
        f = self._pick("film", lambda e: len(e.f["director"].f["directed"]) > 1)
        if f is None:
            return None
        d, g = f.f["director"], f.f["genre"]
        if sum(1 for x in d.f["directed"] if x.f["genre"] is g) != 1:
            return None
        return self._conj(
            f"Which {g.name} was directed by {d.name}?",
            f,
            [(f, "director"), (f, "genre")],
            f"what films did {d.name.lower()} direct?",
            f"what {g.name} was directed by {d.name.lower()}",
            ["film.director.film", "film.film.genre"],
            d,
        )

    # comparative / superlative ------------------------------------------------------------
    # work kind: (maker kind, maker's works key, work's date key, question phrase, verb)
    _WORKS = {
        "film": ("person", "directed", "year", "film directed by", "released"),
        "book": ("person", "books", "year", "book by", "published"),
        "structure": ("company", "built", "opened", "structure built by", "opened"),
    }

    def _maker(self, kind: str) -> Entity | None:
        """A core maker of two or three works of ``kind`` whose passage lists them."""
        maker_kind, key = self._WORKS[kind][:2]
        return self._pick(
            maker_kind, lambda e: 2 <= len(e.f.get(key, [])) <= 3 and self.has(e, key)
        )

    def comparative(self, kind: str) -> Question | None:
        o = self._maker(kind)
        if o is None:
            return None
        _, key, ykey, phrase, verb = self._WORKS[kind]
        works = o.f[key]
        ys = sorted(x.f[ykey] for x in works)
        if self.r.random() < 0.5 and ys[-1] > ys[-2]:
            ans = max(works, key=lambda x: x.f[ykey])
            cut, word = self.r.randint(ys[-2], ys[-1] - 1), "after"
        elif ys[0] < ys[1]:
            ans = min(works, key=lambda x: x.f[ykey])
            cut, word = self.r.randint(ys[0] + 1, ys[1]), "before"
        else:
            return None
        q = f"Which {phrase} {o.ref()} was {verb} {word} {cut}?"
        return Question(
            "comparative",
            q,
            ans,
            [(o, key)],
            extra={
                "webqsp": f"what did {o.name.lower()} make?",
                "machine": q.lower().rstrip("?"),
                "topic": o,
                "rels": [f"{kind}.maker.works", f"{kind}.work.date"],
                "filter": (word, cut),
            },
        )

    def comparative_river_towns(self) -> Question | None:
        rivers = self.core(
            "river", lambda e: 2 <= len(e.f.get("towns_on", [])) <= 4 and self.has(e, "towns")
        )
        if not rivers:
            return None
        rv = self.r.choice(rivers)
        towns = rv.f["towns_on"]
        ys = sorted(t.f["founded"] for t in towns)
        if ys[0] == ys[1] or not all(self.has(t, "founded") for t in towns):
            return None
        ans = min(towns, key=lambda t: t.f["founded"])
        cut = self.r.randint(ys[0] + 1, ys[1])
        q = f"Which town on the {rv.name} was founded before {cut}?"
        return Question(
            "comparative",
            q,
            ans,
            [(rv, "towns")] + [(t, "founded") for t in towns],
            extra={
                "webqsp": f"what towns are on the {rv.name.lower()}?",
                "machine": q.lower().rstrip("?"),
                "topic": rv,
                "rels": ["geography.river.cities", "location.dated_location.date_founded"],
                "filter": ("before", cut),
            },
        )

    def superlative(self, kind: str) -> Question | None:
        o = self._maker(kind)
        if o is None:
            return None
        _, key, ykey, _, _ = self._WORKS[kind]
        works = o.f[key]
        ys = sorted(x.f[ykey] for x in works)
        if self.r.random() < 0.5 and ys[0] < ys[1]:
            ans, adj = min(works, key=lambda x: x.f[ykey]), "earliest"
            q = {
                "film": f"What is the earliest film directed by {o.name}?",
                "book": f"What was the first book written by {o.name}?",
                "structure": f"What is the oldest structure built by the {o.name}?",
            }[kind]
        elif ys[-1] > ys[-2]:
            ans, adj = max(works, key=lambda x: x.f[ykey]), "latest"
            q = {
                "film": f"What is the most recent film directed by {o.name}?",
                "book": f"What was the last book written by {o.name}?",
                "structure": f"What is the newest structure built by the {o.name}?",
            }[kind]
        else:
            return None
        return Question(
            "superlative",
            q,
            ans,
            [(o, key)],
            extra={
                "webqsp": f"what {kind}s did {o.name.lower()} make?",
                "machine": q.lower().rstrip("?"),
                "topic": o,
                "rels": [f"{kind}.maker.works", f"{kind}.work.date"],
                "order": "ASC" if adj == "earliest" else "DESC",
            },
        )


# ============================================================================== multi-hop
class MultiHopBuilder(_Base):
    """2WikiMultihopQA (4 types) and HotpotQA (bridge, comparison) questions."""

    def _persons(self, *tags: str, pred: Callable[[Entity], bool] = lambda e: True) -> list[Entity]:
        return self.core("person", lambda e: self.has(e, *tags) and pred(e))

    def _pair(
        self, es: list[Entity], key: Callable[[Entity], object]
    ) -> tuple[Entity, Entity] | None:
        if len(es) < 2:
            return None
        a, b = self.r.sample(es, 2)
        if key(a) == key(b):
            return None
        return a, b

    # --- comparison (2 passages) -------------------------------------------------------------
    def cmp_born_first(self, style: str) -> Question | None:
        pr = self._pair(self._persons("birth_date"), lambda e: e.f["birth"])
        if pr is None:
            return None
        a, b = pr
        ans = a if a.f["birth"] < b.f["birth"] else b
        q = (
            f"Who was born first out of {a.name} and {b.name}?"
            if style == "2wiki"
            else f"Who was born earlier, {a.name} or {b.name}?"
        )
        return Question(
            "comparison",
            q,
            ans,
            [(a, "birth_date"), (b, "birth_date")],
        )

    def cmp_died_first(self) -> Question | None:
        pr = self._pair(self._persons("death_date"), lambda e: e.f["death"])
        if pr is None:
            return None
        a, b = pr
        ans = a if a.f["death"] < b.f["death"] else b
        return Question(
            "comparison",
            f"Who died first, {a.name} or {b.name}?",
            ans,
            [(a, "death_date"), (b, "death_date")],
        )

    def cmp_year(self, kind: str, style: str) -> Question | None:
        tag, tmpl = {
            "film": ("year", "Which film came out first, {a} or {b}?"),
            "town": ("founded", "Which town was founded first, {a} or {b}?"),
            "band": ("formed", "Which band was formed first, {a} or {b}?"),
            "festival": ("first", "Which festival was first held earlier, the {a} or the {b}?"),
        }[kind]
        pr = self._pair(self.core(kind, lambda e: self.has(e, tag)), lambda e: e.f[tag])
        if pr is None:
            return None
        a, b = pr
        ans = a if a.f[tag] < b.f[tag] else b
        return Question(
            "comparison",
            tmpl.format(a=a.name, b=b.name),
            ans,
            [(a, tag), (b, tag)],
        )

    def cmp_same_country(self, style: str) -> Question | None:
        kind = self.r.choice(["town", "town", "structure", "festival"])
        es = self.core(kind, lambda e: self.has(e, "country"))
        a = self.r.choice(es)
        same = self.r.random() < 0.5
        pool = [e for e in es if e is not a and (e.f["country"] is a.f["country"]) == same]
        if not pool:
            return None
        b = self.r.choice(pool)
        q = (
            f"Are both {a.name} and {b.name} located in the same country?"
            if style == "2wiki"
            else f"Are {a.ref()} and {b.ref()} located in the same country?"
        )
        return Question(
            "comparison",
            q,
            "yes" if same else "no",
            [(a, "country"), (b, "country")],
        )

    def cmp_nationality(self) -> Question | None:
        es = self._persons("country")
        a = self.r.choice(es)
        same = self.r.random() < 0.5
        pool = [e for e in es if e is not a and (e.f["country"] is a.f["country"]) == same]
        if not pool:
            return None
        b = self.r.choice(pool)
        return Question(
            "comparison",
            f"Are {a.name} and {b.name} of the same nationality?",
            "yes" if same else "no",
            [(a, "country"), (b, "country")],
        )

    def cmp_same_occupation(self) -> Question | None:
        es = self._persons("occupation")
        a = self.r.choice(es)
        occ = a.f["occupation"]
        same = self.r.random() < 0.5
        pool = [e for e in es if e is not a and (e.f["occupation"] is occ) == same]
        if not pool:
            return None
        b = self.r.choice(pool)
        q = f"Are {a.name} and {b.name} both {_plural(b.f['occupation'].name)}?"
        return Question(
            "comparison",
            q,
            "yes" if same else "no",
            [(a, "occupation"), (b, "occupation")],
        )

    def cmp_river_length(self) -> Question | None:
        pr = self._pair(
            self.core("river", lambda e: self.has(e, "length")), lambda e: e.f["length"]
        )
        if pr is None:
            return None
        a, b = pr
        ans = a if a.f["length"] > b.f["length"] else b
        return Question(
            "comparison",
            f"Which river is longer, the {a.name} or the {b.name}?",
            ans,
            [(a, "length"), (b, "length")],
        )

    # --- bridge comparison (4 passages) ---------------------------------------------------------
    def bcmp_director_date(self, which: str) -> Question | None:
        key = "birth" if which == "birth" else "death"
        tag = key + "_date"
        films = self.core(
            "film", lambda e: self.has(e, "director") and self.has(e.f["director"], tag)
        )
        pr = self._pair(films, lambda e: e.f["director"].f[key])
        if pr is None:
            return None
        f1, f2 = pr
        d1, d2 = f1.f["director"], f2.f["director"]
        later = self.r.random() < 0.5
        first = f1 if d1.f[key] < d2.f[key] else f2
        ans = (f2 if first is f1 else f1) if later else first
        pair = f"{f1.name} or {f2.name}"
        if key == "birth":
            q = f"Which film has the director born {'later' if later else 'earlier'}, {pair}?"
        else:
            q = f"Which film has the director who died {'later' if later else 'first'}, {pair}?"
        return Question(
            "bridge_comparison",
            q,
            ans,
            [(f1, "director"), (f2, "director"), (d1, tag), (d2, tag)],
        )

    def bcmp_director_nationality(self) -> Question | None:
        films = self.core("film", lambda e: self.has(e.f["director"], "country"))
        f1 = self.r.choice(films)
        d1 = f1.f["director"]
        same = self.r.random() < 0.5
        pool = [
            f
            for f in films
            if f.f["director"] is not d1
            and (f.f["director"].f["country"] is d1.f["country"]) == same
        ]
        if not pool:
            return None
        f2 = self.r.choice(pool)
        d2 = f2.f["director"]
        return Question(
            "bridge_comparison",
            f"Do director of film {f1.name} and director of film {f2.name} have the same "
            "nationality?",
            "yes" if same else "no",
            [(f1, "director"), (f2, "director"), (d1, "country"), (d2, "country")],
        )

    def bcmp_author_born(self) -> Question | None:
        books = self.core("book", lambda e: self.has(e.f["author"], "birth_date"))
        pr = self._pair(books, lambda e: e.f["author"].f["birth"])
        if pr is None:
            return None
        b1, b2 = pr
        a1, a2 = b1.f["author"], b2.f["author"]
        ans = b1 if a1.f["birth"] < a2.f["birth"] else b2
        return Question(
            "bridge_comparison",
            f"Which book has the author born earlier, {b1.name} or {b2.name}?",
            ans,
            [(b1, "author"), (b2, "author"), (a1, "birth_date"), (a2, "birth_date")],
        )

    # --- inference -------------------------------------------------------------------------------
    def inf_grandfather(self, side: str) -> Question | None:
        rel = "father" if side == "paternal" else "mother"
        es = self._persons(
            rel, pred=lambda e: e.f.get(rel) is not None and self.has(e.f[rel], "father")
        )
        if not es:
            return None
        x = self.r.choice(es)
        par = x.f[rel]
        g = par.f["father"]
        return Question(
            "inference",
            f"Who is the {side} grandfather of {x.name}?",
            g,
            [(x, rel), (par, "father")],
        )

    def inf_father_in_law(self) -> Question | None:
        es = self._persons("spouse", pred=lambda e: self.has(e.f["spouse"], "father"))
        if not es:
            return None
        x = self.r.choice(es)
        sp = x.f["spouse"]
        fil = sp.f["father"]
        return Question(
            "inference",
            f"Who is {poss(x.name)} father-in-law?",
            fil,
            [(x, "spouse"), (sp, "father")],
        )

    # --- compositional / bridge -------------------------------------------------------------------
    def comp(self, which: str, style: str) -> Question | None:
        """A two-hop question through a bridge entity: 2Wiki's "compositional" type, HotpotQA's
        "bridge" type (``style``)."""
        r = self.r
        qtype = "compositional" if style == "2wiki" else "bridge"
        if which in ("dir_birthplace", "dir_death", "dir_father", "dir_birthyear"):
            need = {
                "dir_birthplace": "birth_town",
                "dir_death": "death_date",
                "dir_father": "father",
                "dir_birthyear": "birth_date",
            }[which]
            films = self.core("film", lambda e: self.has(e.f["director"], need))
            if not films:
                return None
            f = r.choice(films)
            d = f.f["director"]
            if which == "dir_birthplace":
                q = (
                    f"Where was the director of film {f.name} born?"
                    if style == "2wiki"
                    else f"{f.name} was directed by a film-maker born in which town?"
                )
                return Question(
                    qtype,
                    q,
                    d.f["birth_town"],
                    [(f, "director"), (d, need)],
                )
            if which == "dir_death":
                return Question(
                    qtype,
                    f"When did the director of film {f.name} die?",
                    str(d.f["death"]),
                    [(f, "director"), (d, need)],
                )
            if which == "dir_birthyear":
                return Question(
                    qtype,
                    f"In what year was the director of {f.name} born?",
                    str(d.f["birth"].year),
                    [(f, "director"), (d, need)],
                )
            return Question(
                qtype,
                f"Who is the father of the director of film {f.name}?",
                d.f["father"],
                [(f, "director"), (d, need)],
            )
        if which == "author_birth":
            books = self.core("book", lambda e: self.has(e.f["author"], "birth_date"))
            b = r.choice(books)
            a = b.f["author"]
            return Question(
                qtype,
                f"What is the date of birth of the author of {b.name}?",
                str(a.f["birth"]),
                [(b, "author"), (a, "birth_date")],
            )
        if which == "author_deathplace":
            books = self.core("book", lambda e: self.has(e.f["author"], "death_town"))
            if not books:
                return None
            b = r.choice(books)
            a = b.f["author"]
            return Question(
                qtype,
                f"Where did the author of {b.name} die?",
                a.f["death_town"],
                [(b, "author"), (a, "death_town")],
            )
        if which == "composer_mother":
            films = self.core("film", lambda e: self.has(e.f["composer"], "mother"))
            if not films:
                return None
            f = r.choice(films)
            c = f.f["composer"]
            return Question(
                qtype,
                f"Who is the mother of the composer of film {f.name}?",
                c.f["mother"],
                [(f, "composer"), (c, "mother")],
            )
        if which == "founder_birthplace":
            cs = self.core("company", lambda e: self.has(e.f["founder"], "birth_town"))
            c = r.choice(cs)
            fo = c.f["founder"]
            q = (
                f"What is the place of birth of the founder of {c.ref()}?"
                if style == "2wiki"
                else f"The founder of {c.ref()} was born in which town?"
            )
            return Question(
                qtype,
                q,
                fo.f["birth_town"],
                [(c, "founder"), (fo, "birth_town")],
            )
        if which == "builder_founded":
            s = r.choice(self.core("structure"))
            c = s.f["builder"]
            return Question(
                qtype,
                f"The {s.name} was built by a company founded in which year?",
                str(c.f["founded"]),
                [(s, "builder"), (c, "founded")],
            )
        if which == "author_country":
            b = r.choice(self.core("book"))
            a = b.f["author"]
            return Question(
                qtype,
                f"{b.name} was written by an author from which country?",
                a.f["country"],
                [(b, "author"), (a, "country")],
            )
        if which == "singer_birthplace":
            b = r.choice(self.core("band"))
            s = b.f["singer"]
            return Question(
                qtype,
                f"The lead singer of {b.name} was born in what town?",
                s.f["birth_town"],
                [(b, "singer"), (s, "birth_town")],
            )
        if which == "structure_town_founded":
            s = r.choice(self.core("structure"))
            t = s.f["town"]
            return Question(
                qtype,
                f"The {s.name} stands in a town founded in which year?",
                str(t.f["founded"]),
                [(s, "town"), (t, "founded")],
            )
        if which == "birthplace_river":
            ps = self._persons("birth_town", pred=lambda e: "river" in e.f["birth_town"].f)
            p = r.choice(ps)
            t = p.f["birth_town"]
            return Question(
                qtype,
                f"Which river flows through the town where {p.name} was born?",
                t.f["river"],
                [(p, "birth_town"), (t, "river")],
            )
        raise ValueError(which)

    # --- assembly --------------------------------------------------------------------------------
    def two_wiki(self, n: int) -> list[Question]:
        used: set[str] = set()
        out = self.take(
            [
                lambda: self.cmp_born_first("2wiki"),
                self.cmp_died_first,
                lambda: self.cmp_year("film", "2wiki"),
                lambda: self.cmp_year("town", "2wiki"),
                lambda: self.cmp_same_country("2wiki"),
                self.cmp_nationality,
                lambda: self.cmp_year("band", "2wiki"),
            ],
            n,
            used,
        )
        out += self.take(
            [
                lambda: self.bcmp_director_date("birth"),
                lambda: self.bcmp_director_date("death"),
                self.bcmp_director_nationality,
                self.bcmp_author_born,
            ],
            n,
            used,
        )
        out += self.take(
            [
                lambda: self.inf_grandfather("paternal"),
                lambda: self.inf_grandfather("maternal"),
                self.inf_father_in_law,
            ],
            n,
            used,
        )
        out += self.take(
            [
                lambda w=w: self.comp(w, "2wiki")
                for w in (
                    "dir_birthplace",
                    "dir_death",
                    "dir_father",
                    "author_birth",
                    "author_deathplace",
                    "composer_mother",
                    "founder_birthplace",
                )
            ],
            n,
            used,
        )
        self.r.shuffle(out)
        return out

    def hotpot(self, n: int) -> list[Question]:
        used: set[str] = set()
        bridge = self.take(
            [
                lambda w=w: self.comp(w, "hotpot")
                for w in (
                    "dir_birthplace",
                    "dir_birthyear",
                    "founder_birthplace",
                    "builder_founded",
                    "author_country",
                    "singer_birthplace",
                    "structure_town_founded",
                    "birthplace_river",
                )
            ],
            n,
            used,
        )
        cmp_ = self.take(
            [
                lambda: self.cmp_born_first("hotpot"),
                lambda: self.cmp_year("band", "hotpot"),
                lambda: self.cmp_year("festival", "hotpot"),
                self.cmp_same_occupation,
                self.cmp_river_length,
                lambda: self.cmp_same_country("hotpot"),
            ],
            n,
            used,
        )
        out = bridge + cmp_
        self.r.shuffle(out)
        return out


def _fn_key(f: object) -> object:
    """A hashable identity for a predicate: its code plus what its closure captured."""
    code = getattr(f, "__code__", None)
    if code is None:
        return f
    return (code, tuple(_fn_key(c.cell_contents) for c in (f.__closure__ or ())))


def _plural(noun: str) -> str:
    """'clergyman' -> 'clergymen', 'film director' -> 'film directors'."""
    return noun[:-3] + "men" if noun.endswith("man") else noun + "s"
