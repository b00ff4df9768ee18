"""Passage texts, their rewrites and QA pairs, rendered from the world's facts.

Each entity's facts become :class:`Sent` specs: several phrasings of one sentence (variant 0 is
the corpus wording, the others feed the rewrite), the fact tags the sentence states, and QA pairs
answerable from it. Specs are packed into passages of about 50-80 words (a second passage when
an entity has too much to say). :func:`augment` then writes the "published augmentation" the way
method.md section 3 describes an LLM's output: a rewrite in other words and order, and three QA
pairs whose answers occur in the passage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .names import article
from .world import PASSAGE_KINDS, Entity, World

MIN_WORDS, MAX_WORDS = 50, 80


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


# --- rendering ----------------------------------------------------------------------------
_NOUN = {
    "town": "The town",
    "river": "The river",
    "company": "The company",
    "festival": "The festival",
    "band": "The band",
    "country": "The country",
    "province": "The province",
    "book": "The book",
    "film": "The film",
}


def _forms(e: Entity, named: bool) -> dict[str, str]:
    if e.kind == "person":
        he, his = ("she", "her") if e.f["sex"] == "female" else ("he", "his")
    else:
        he, his = "it", "its"
    if named:
        s = e.ref()
        S = s[0].upper() + s[1:]
        poss = "'" if s.endswith("s") else "'s"
        return {"<S>": S, "<s>": s, "<o>": s, "<P>": S + poss, "<p>": s + poss, "<h>": he}
    if e.kind == "person":
        him = "her" if he == "she" else "him"
        return {
            "<S>": he.capitalize(),
            "<s>": he,
            "<o>": him,
            "<P>": his.capitalize(),
            "<p>": his,
            "<h>": he,
        }
    noun = _NOUN.get(e.kind) or ("The " + e.f.get("type", "structure"))
    return {
        "<S>": noun,
        "<s>": noun.lower(),
        "<o>": noun.lower(),
        "<P>": noun + "'s",
        "<p>": noun.lower() + "'s",
        "<h>": he,
    }


def render(template: str, e: Entity, named: bool) -> str:
    out = template
    for slot, val in _forms(e, named).items():
        out = out.replace(slot, val)
    return out[0].upper() + out[1:]


def words(text: str) -> int:
    return len(text.split())


def join_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(text: str) -> str:
    """Upper-case the first character only (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def poss(name: str) -> str:
    """The possessive: ``name's``, or ``name'`` after a final s."""
    return name + ("'" if name.endswith("s") else "'s")


def _rel_ref(rel: Entity) -> str:
    return rel.name if rel.name.endswith("ism") else "the " + rel.name


# --- per-kind sentence specs --------------------------------------------------------------
class _Specs:
    """Builds the sentence specs of every kind; random choices come from one rng."""

    def __init__(self, world: World, rng: random.Random):
        self.w, self.r = world, rng

    def __call__(self, e: Entity) -> tuple[list[Sent], list[Sent]]:
        """(fact sentences in priority order, filler sentences)."""
        return getattr(self, "_" + e.kind)(e), self._fillers(e)

    # people -------------------------------------------------------------------------------
    def _person(self, p: Entity) -> list[Sent]:
        f, n = p.f, p.name
        alive = "death" not in f
        was = "is" if alive else "was"
        occ = f["occupation"].name
        a = article(occ)
        c = f["country"].name
        out = [
            Sent(
                [
                    f"<S> {was} {a} {occ} from {c}.",
                    f"By profession <s> {was} {a} {occ}, and <p> home country {was} {c}.",
                    f"<S>, {a} {occ}, {'comes' if alive else 'came'} from {c}.",
                ],
                ("occupation", "country"),
                [
                    QA(f"What is {poss(n)} occupation?", occ, f"{n} {was} {a} {occ}."),
                    QA(
                        f"Which country is {n} from?",
                        c,
                        f"{n} {'is' if alive else 'was'} from {c}.",
                    ),
                ],
            )
        ]
        b, bt = str(f["birth"]), f["birth_town"].name
        out.append(
            Sent(
                [
                    f"<S> was born on {b} in {bt}, {c}.",
                    f"<P> birthplace was {bt}, {c}, where <h> was born on {b}.",
                    f"Born on {b}, <s> came into the world in {bt}, {c}.",
                ],
                ("birth_date", "birth_town"),
                [
                    QA(f"When was {n} born?", b, f"{n} was born on {b}."),
                    QA(f"Where was {n} born?", bt, f"{n} was born in {bt}."),
                ],
            )
        )
        if not alive:
            d, dt = str(f["death"]), f["death_town"].name
            out.append(
                Sent(
                    [
                        f"<S> died on {d} in {dt}.",
                        f"<P> death came on {d} in {dt}.",
                        f"<S> passed away in {dt} on {d}.",
                    ],
                    ("death_date", "death_town"),
                    [
                        QA(f"When did {n} die?", d, f"{n} died on {d}."),
                        QA(f"Where did {n} die?", dt, f"{n} died in {dt}."),
                    ],
                )
            )
        fa, mo = f.get("father"), f.get("mother")
        child = "daughter" if f["sex"] == "female" else "son"
        if fa is not None:
            focc = fa.f["occupation"].name
            fa_d = f"{fa.name}, {article(focc)} {focc}"
            qa = [QA(f"Who is the father of {n}?", fa.name, f"The father of {n} was {fa.name}.")]
            if mo is None:
                out.append(
                    Sent(
                        [
                            f"<P> father was {fa_d}.",
                            f"<S> was the {child} of {fa_d}.",
                            f"{fa_d}, was <p> father.",
                        ],
                        ("father",),
                        qa,
                    )
                )
            else:
                qa.append(
                    QA(f"Who is the mother of {n}?", mo.name, f"The mother of {n} was {mo.name}.")
                )
                out.append(
                    Sent(
                        [
                            f"<S> was the {child} of {fa_d}, and {mo.name}.",
                            f"<P> parents were {fa_d}, and {mo.name}.",
                            f"{fa_d}, and {mo.name} were <p> parents.",
                        ],
                        ("father", "mother"),
                        qa,
                    )
                )
        elif mo is not None:
            mocc = mo.f["occupation"].name
            out.append(
                Sent(
                    [
                        f"<P> mother was {mo.name}, {article(mocc)} {mocc}.",
                        f"<S> was the {child} of {mo.name}, {article(mocc)} {mocc}.",
                    ],
                    ("mother",),
                    [
                        QA(
                            f"Who is the mother of {n}?",
                            mo.name,
                            f"The mother of {n} was {mo.name}.",
                        )
                    ],
                )
            )
        out += self._works(p)
        if "religion" in f:
            rel = f["religion"]
            ref = _rel_ref(rel)
            out.append(
                Sent(
                    [
                        f"<S> {was} a follower of {ref}.",
                        f"In matters of faith, <s> {'adheres' if alive else 'adhered'} to {ref}.",
                        f"<P> religion {was} {ref}.",
                    ],
                    ("religion",),
                    [
                        QA(
                            f"What is the religion of {n}?",
                            rel.name,
                            f"{n} {was} a follower of {ref}.",
                        )
                    ],
                )
            )
        if "sport" in f:
            sp = f["sport"].name
            medal, year, games = f["medal"]
            out.append(
                Sent(
                    [
                        f"<S> competed in {sp} and won a {medal} medal at the {year} {games}.",
                        f"A {sp} competitor, <s> took {medal} at the {year} {games}.",
                        f"At the {year} {games}, <s> won {medal} in {sp}.",
                    ],
                    ("sport",),
                    [
                        QA(f"What sport does {n} play?", sp, f"{n} competed in {sp}."),
                        QA(
                            f"Which medal did {n} win at the {year} {games}?",
                            medal,
                            f"{n} won a {medal} medal at the {year} {games}.",
                        ),
                    ],
                )
            )
        if "spouse" in f:
            sp, y = f["spouse"], f["married"]
            out.append(
                Sent(
                    [
                        f"<S> married {sp.name} in {y}.",
                        f"In {y}, <s> married {sp.name}.",
                        f"<S> and {sp.name} were married in {y}.",
                    ],
                    ("spouse",),
                    [
                        QA(f"Who did {n} marry?", sp.name, f"{n} married {sp.name}."),
                        QA(
                            f"In what year did {n} marry {sp.name}?",
                            str(y),
                            f"{n} married {sp.name} in {y}.",
                        ),
                    ],
                )
            )
        kids = [k for k in f.get("children", []) if k.core]
        if kids:
            k = kids[0]
            kocc = k.f["occupation"].name
            rel = "daughter" if k.f["sex"] == "female" else "son"
            out.append(
                Sent(
                    [
                        f"<P> {rel} {k.name} became {article(kocc)} {kocc}.",
                        f"{k.name}, <p> {rel}, became {article(kocc)} {kocc}.",
                    ],
                    ("child",),
                    [
                        QA(
                            f"What did {poss(n)} {rel} {k.name} become?",
                            kocc,
                            f"{poss(n)} {rel} {k.name} became {article(kocc)} {kocc}.",
                        )
                    ],
                )
            )
        return out

    def _works(self, p: Entity) -> list[Sent]:
        f, n, out = p.f, p.name, []

        def listing(items: list[Entity], key: str) -> str:
            return join_list([f"{x.name} ({x.f[key]})" for x in items])

        roles = [
            (
                "directed",
                "year",
                "directed",
                "As a film director, <s> made",
                "<P> films as director include",
            ),
            (
                "produced",
                "year",
                "produced",
                "As a producer, <s> worked on",
                "<P> productions include",
            ),
            (
                "scored",
                "year",
                "composed the music for",
                "<S> wrote the film scores for",
                "<P> film scores include",
            ),
        ]
        for key, ykey, verb, alt1, alt2 in roles:
            items = f.get(key, [])
            if items:
                text = listing(items, ykey)
                act = {"directed": "direct", "produced": "produce"}.get(
                    key, "compose the music for"
                )
                qa = [
                    QA(
                        f"Which film did {n} {act} in {x.f['year']}?",
                        x.name,
                        f"In {x.f['year']}, {n} {verb} {x.name}.",
                    )
                    for x in items
                ]
                out.append(
                    Sent([f"<S> {verb} {text}.", f"{alt1} {text}.", f"{alt2} {text}."], (key,), qa)
                )
        books = f.get("books", [])
        if books:
            text = listing(books, "year")
            noun = "poetry collections" if f["occupation"].name == "poet" else "books"
            qa = [
                QA(
                    f"Which book did {n} publish in {x.f['year']}?",
                    x.name,
                    f"{n} published {x.name} in {x.f['year']}.",
                )
                for x in books
            ]
            out.append(
                Sent(
                    [
                        f"<S> wrote {text}.",
                        f"<P> {noun} include {text}.",
                        f"Among the {noun} of <o> are {text}.",
                    ],
                    ("books",),
                    qa,
                )
            )
        for comp in f.get("companies", []):
            y = comp.f["founded"]
            out.append(
                Sent(
                    [
                        f"In {y}, <s> founded {comp.ref()}.",
                        f"<S> established {comp.ref()} in {y}.",
                        f"{cap(comp.ref())} was founded by <o> in {y}.",
                    ],
                    ("companies",),
                    [
                        QA(
                            f"Which company did {n} found in {y}?",
                            comp.name,
                            f"{n} founded {comp.ref()} in {y}.",
                        )
                    ],
                )
            )
        for town in f.get("founded_towns", []):
            y = town.f["founded"]
            out.append(
                Sent(
                    [
                        f"In {y}, <s> founded the town of {town.name}.",
                        f"<S> established the settlement of {town.name} in {y}.",
                        f"The town of {town.name} was founded by <o> in {y}.",
                    ],
                    ("founded_towns",),
                    [
                        QA(
                            f"Which town did {n} found?",
                            town.name,
                            f"{n} founded the town of {town.name} in {y}.",
                        )
                    ],
                )
            )
        for band in f.get("bands", []):
            ref = band.name if band.name.startswith("The ") else "the band " + band.name
            out.append(
                Sent(
                    [
                        f"<S> is the lead singer of {ref}.",
                        f"<S> sings lead vocals in {ref}.",
                        f"<S> fronts {ref} as its lead singer.",
                    ],
                    ("bands",),
                    [
                        QA(
                            f"Which band is {n} the lead singer of?",
                            band.name,
                            f"{n} is the lead singer of {ref}.",
                        )
                    ],
                )
            )
        return out

    # places -------------------------------------------------------------------------------
    def _country(self, c: Entity) -> list[Sent]:
        f, n = c.f, c.name
        capital = f["capital"].name
        provs = [x.name for x in f.get("provinces_in", [])]
        out = [
            Sent(
                [
                    f"<S> is a country in {f['continent']}.",
                    f"<S> lies in {f['continent']}.",
                    f"<S> is one of the countries of {f['continent']}.",
                ],
                ("continent",),
                [
                    QA(
                        f"On which continent is {n}?",
                        f["continent"].removeprefix("the "),
                        f"{n} is in {f['continent']}.",
                    )
                ],
            ),
            Sent(
                [
                    f"<P> capital is {capital}.",
                    f"The capital of <s> is {capital}.",
                    f"{capital} serves as the capital of <s>.",
                ],
                ("capital",),
                [QA(f"What is the capital of {n}?", capital, f"The capital of {n} is {capital}.")],
            ),
        ]
        if provs:
            pl = join_list(provs)
            out.append(
                Sent(
                    [
                        f"<S> is divided into the provinces of {pl}.",
                        f"The provinces of <s> are {pl}.",
                        f"<S> consists of the provinces of {pl}.",
                    ],
                    ("provinces",),
                    [
                        QA(
                            f"Which provinces make up {n}?",
                            pl,
                            f"{n} is divided into the provinces of {pl}.",
                        )
                    ],
                )
            )
        rel = f["religion"]
        out.append(
            Sent(
                [
                    f"The majority religion of <s> is {_rel_ref(rel)}.",
                    f"Most people in <s> follow {_rel_ref(rel)}.",
                ],
                ("religion",),
                [
                    QA(
                        f"What is the majority religion of {n}?",
                        rel.name,
                        f"The majority religion of {n} is {_rel_ref(rel)}.",
                    )
                ],
            )
        )
        cur = f["currency"]
        out.append(
            Sent(
                [
                    f"<P> currency is the {cur}.",
                    f"<S> uses the {cur} as its currency.",
                    f"The {cur} is the currency of <s>.",
                ],
                ("currency",),
                [QA(f"What is the currency of {n}?", cur, f"The currency of {n} is the {cur}.")],
            )
        )
        rivers = [x.name for x in f.get("rivers_in", []) if x.core][:4]
        if rivers:
            rl = join_list(rivers)
            out.append(
                Sent(
                    [
                        f"Rivers of <s> include the {rl}.",
                        f"The {rl} flow through <s>."
                        if len(rivers) > 1
                        else f"The {rl} flows through <s>.",
                    ],
                    ("rivers",),
                    [QA(f"Name a river of {n}.", rivers[0], f"The {rivers[0]} is a river of {n}.")],
                )
            )
        return out

    def _province(self, p: Entity) -> list[Sent]:
        f, n = p.f, p.name
        c, capital = f["country"].name, f["capital"].name
        others = [
            t.name for t in f.get("towns_in_province", []) if t is not f["capital"] and t.core
        ][:3]
        out = [
            Sent(
                [
                    f"<S> is a province of {c}.",
                    f"<S> is one of the provinces of {c}.",
                    f"The province of {n} lies in {c}.",
                ],
                ("country",),
                [QA(f"In what country is the province of {n}?", c, f"{n} is a province of {c}.")],
            ),
            Sent(
                [
                    f"<P> capital is {capital}.",
                    f"The capital of the province of {n} is {capital}.",
                    f"{capital} serves as the capital of <s>.",
                ],
                ("capital",),
                [QA(f"What is the capital of {n}?", capital, f"The capital of {n} is {capital}.")],
            ),
        ]
        if others:
            ol = join_list(others)
            out.append(
                Sent(
                    [
                        f"Other towns in the province include {ol}.",
                        f"Besides {capital}, <s> contains the towns of {ol}.",
                    ],
                    ("towns",),
                    [
                        QA(
                            f"Which other towns are in the province of {n}?",
                            ol,
                            f"Other towns in {n} include {ol}.",
                        )
                    ],
                )
            )
        return out

    def _town(self, t: Entity) -> list[Sent]:
        f, n, r = t.f, t.name, self.r
        prov, c = f["province"].name, f["country"].name
        out = [
            Sent(
                [
                    f"<S> is a town in the province of {prov}, {c}.",
                    f"Located in {c}, <s> belongs to the province of {prov}.",
                    f"<S> lies in {c}, within the province of {prov}.",
                ],
                ("province", "country"),
                [
                    QA(f"In what country is {n}?", c, f"{n} is in {c}."),
                    QA(f"In which province is {n}?", prov, f"{n} is in the province of {prov}."),
                ],
            )
        ]
        caps = f.get("capital_of", [])
        if caps:
            what = " and of ".join(
                [x.name for x in caps if x.kind == "country"]
                + ["the province of " + x.name for x in caps if x.kind == "province"]
            )
            out.append(
                Sent(
                    [f"<S> is the capital of {what}.", f"<S> serves as the capital of {what}."],
                    ("capital_of",),
                    [
                        QA(
                            f"What is {n} the capital of?",
                            caps[-1].name,
                            f"{n} is the capital of {what}.",
                        )
                    ],
                )
            )
        y = f["founded"]
        fo = f.get("founder")
        if fo is not None:
            focc = fo.f["occupation"].name
            fd = f"{fo.name}, {article(focc)} {focc} from {fo.f['birth_town'].name}"
            out.append(
                Sent(
                    [
                        f"<S> was founded in {y} by {fd}.",
                        f"{fd}, founded <s> in {y}.",
                        f"In {y}, {fd}, established <s>.",
                    ],
                    ("founded", "founder"),
                    [
                        QA(f"When was {n} founded?", str(y), f"{n} was founded in {y}."),
                        QA(f"Who founded {n}?", fo.name, f"{n} was founded by {fo.name}."),
                    ],
                )
            )
        else:
            origin = r.choice(
                [
                    "around a river crossing",
                    "as a market village",
                    "around a monastery",
                    "as a fishing settlement",
                    "around a castle",
                ]
            )
            out.append(
                Sent(
                    [
                        f"<S> was founded in {y} {origin}.",
                        f"<S> grew up {origin} in {y}.",
                        f"In {y}, <s> was founded {origin}.",
                    ],
                    ("founded",),
                    [QA(f"When was {n} founded?", str(y), f"{n} was founded in {y}.")],
                )
            )
        if "river" in f:
            rv = f["river"]
            out.append(
                Sent(
                    [
                        f"<S> lies on {rv.ref()}.",
                        f"{cap(rv.ref())} flows through <s>.",
                        f"<S> stands on the banks of {rv.ref()}.",
                    ],
                    ("river",),
                    [
                        QA(
                            f"Which river flows through {n}?",
                            rv.name,
                            f"{cap(rv.ref())} flows through {n}.",
                        )
                    ],
                )
            )
        pop = f"{f['population']:,}"
        out.append(
            Sent(
                [
                    f"In 2020 <s> had a population of {pop}.",
                    f"<P> population was {pop} in 2020.",
                    f"The 2020 census counted {pop} people in <s>.",
                ],
                ("population",),
                [
                    QA(
                        f"What was the population of {n} in 2020?",
                        pop,
                        f"{n} had a population of {pop} in 2020.",
                    )
                ],
            )
        )
        ind = f["industry"]
        out.append(
            Sent(
                [
                    f"<P> economy has long depended on the {ind} industry.",
                    f"The {ind} industry has long been central to <p> economy.",
                ],
                ("industry",),
                [
                    QA(
                        f"Which industry has the economy of {n} depended on?",
                        ind,
                        f"The economy of {n} has depended on the {ind} industry.",
                    )
                ],
            )
        )
        for s in f.get("structures_in", [])[:1]:
            out.append(
                Sent(
                    [
                        f"<P> best-known landmark is {s.ref()}, opened in {s.f['opened']}.",
                        f"{cap(s.ref())}, opened in {s.f['opened']}, is <p> best-known landmark.",
                    ],
                    ("landmark",),
                    [
                        QA(
                            f"What is the best-known landmark of {n}?",
                            s.name,
                            f"The best-known landmark of {n} is {s.ref()}.",
                        )
                    ],
                )
            )
        for fe in f.get("festivals_in", [])[:1]:
            m = fe.f["month"]
            out.append(
                Sent(
                    [
                        f"Every {m}, <s> hosts {fe.ref()}.",
                        f"{cap(fe.ref())} takes place in <s> every {m}.",
                    ],
                    ("festival",),
                    [
                        QA(
                            f"Which festival does {n} host every {m}?",
                            fe.name,
                            f"{n} hosts {fe.ref()} every {m}.",
                        )
                    ],
                )
            )
        born = [
            p
            for p in f.get("born_in", [])
            if p.core and p.f.get("occupation").name not in ("farmer", "carpenter")
        ][-3:]
        if born:
            bl = join_list([p.name for p in born])
            out.append(
                Sent(
                    [
                        f"Notable people born in <s> include {bl}.",
                        f"{bl} {'were' if len(born) > 1 else 'was'} born in <s>.",
                    ],
                    ("notable",),
                    [
                        QA(
                            f"Who is a notable person born in {n}?",
                            born[0].name,
                            f"{born[0].name} was born in {n}.",
                        )
                    ],
                )
            )
        return out

    def _river(self, rv: Entity) -> list[Sent]:
        f, n = rv.f, rv.name
        c = f["country"].name
        out = [
            Sent(
                [
                    f"<S> is a river in {c}.",
                    f"<S> flows entirely within {c}.",
                    f"<S> is one of the rivers of {c}.",
                ],
                ("country",),
                [QA(f"In what country is the {n}?", c, f"The {n} is a river in {c}.")],
            ),
            Sent(
                [
                    f"<S> is {f['length']} kilometres long.",
                    f"<S> has a length of {f['length']} kilometres.",
                    f"<S> runs for {f['length']} kilometres.",
                ],
                ("length",),
                [
                    QA(
                        f"How long is the {n}?",
                        f"{f['length']} kilometres",
                        f"The {n} is {f['length']} kilometres long.",
                    )
                ],
            ),
            Sent(
                [
                    f"<S> rises in the {f['source']} and empties into {f['mouth']}.",
                    f"From its source in the {f['source']}, <s> flows to {f['mouth']}.",
                ],
                ("course",),
                [
                    QA(
                        f"Where does the {n} rise?",
                        f["source"],
                        f"The {n} rises in the {f['source']}.",
                    ),
                    QA(
                        f"Where does the {n} empty?",
                        f["mouth"].removeprefix("the "),
                        f"The {n} empties into {f['mouth']}.",
                    ),
                ],
            ),
        ]
        towns = [t.name for t in f.get("towns_on", [])][:4]
        if towns:
            tl = join_list(towns)
            out.append(
                Sent(
                    [f"<S> flows through {tl}.", f"Towns on <s> include {tl}."],
                    ("towns",),
                    [
                        QA(
                            f"Which towns does the {n} flow through?",
                            tl,
                            f"The {n} flows through {tl}.",
                        )
                    ],
                )
            )
        return out

    # organisations and things -------------------------------------------------------------
    def _company(self, co: Entity) -> list[Sent]:
        f, n = co.f, co.name
        hq, c, ind = f["hq"].name, f["country"].name, f["industry"]
        fo, y = f["founder"], f["founded"]
        out = [
            Sent(
                [
                    f"<S> is {article(ind)} {ind} company based in {hq}, {c}.",
                    f"Based in {hq}, {c}, <s> works in the {ind} industry.",
                    f"<S> is headquartered in {hq}, {c}, and is active in {ind}.",
                ],
                ("hq", "industry"),
                [
                    QA(f"Where is the {n} based?", hq, f"The {n} is based in {hq}."),
                    QA(f"What industry is the {n} in?", ind, f"The {n} is in the {ind} industry."),
                ],
            ),
            Sent(
                [
                    f"<S> was founded in {y} by {fo.name}.",
                    f"{fo.name} founded <s> in {y}.",
                    f"<S> was established by {fo.name} in {y}.",
                ],
                ("founded", "founder"),
                [
                    QA(f"Who founded the {n}?", fo.name, f"The {n} was founded by {fo.name}."),
                    QA(f"When was the {n} founded?", str(y), f"The {n} was founded in {y}."),
                ],
            ),
        ]
        built = f.get("built", [])[:3]
        if built:
            bl = join_list([f"{s.ref()} ({s.f['opened']})" for s in built])
            out.append(
                Sent(
                    [
                        f"<S> built {bl}.",
                        f"Projects built by <s> include {bl}.",
                        f"Among the works of <s> are {bl}.",
                    ],
                    ("built",),
                    [
                        QA(
                            f"What did the {n} build in {s.f['opened']}?",
                            s.name,
                            f"The {n} built {s.ref()}.",
                        )
                        for s in built
                    ],
                )
            )
        emp = f"{f['employees']:,}"
        out.append(
            Sent(
                [
                    f"<S> employs about {emp} people.",
                    f"About {emp} people work for <s>.",
                    f"<P> workforce numbers about {emp}.",
                ],
                ("employees",),
                [
                    QA(
                        f"How many people does the {n} employ?",
                        emp,
                        f"The {n} employs about {emp} people.",
                    )
                ],
            )
        )
        return out

    def _structure(self, s: Entity) -> list[Sent]:
        f, n = s.f, s.name
        typ, town, c = f["type"], f["town"].name, f["country"].name
        b, y = f["builder"], f["opened"]
        tall = typ in ("lighthouse", "clock tower", "opera house")
        size = f"{f['size'] // (5 if tall else 1)} metres"
        out = [
            Sent(
                [
                    f"<S> is {article(typ)} {typ} in {town}, {c}.",
                    f"Located in {town}, {c}, <s> is {article(typ)} {typ}.",
                    f"<S> stands in {town}, {c}.",
                ],
                ("town", "country"),
                [
                    QA(f"Where is the {n}?", town, f"The {n} is in {town}."),
                    QA(f"In what country is the {n}?", c, f"The {n} is in {c}."),
                ],
            ),
            Sent(
                [
                    f"<S> was built by {b.ref()} and opened in {y}.",
                    f"{cap(b.ref())} built <s>, which opened in {y}.",
                    f"Opened in {y}, <s> was constructed by {b.ref()}.",
                ],
                ("builder", "opened"),
                [
                    QA(f"Who built the {n}?", b.name, f"The {n} was built by {b.ref()}."),
                    QA(f"When did the {n} open?", str(y), f"The {n} opened in {y}."),
                ],
            ),
            Sent(
                [
                    f"<S> is {size} {'tall' if tall else 'long'}.",
                    f"<S> measures {size} in {'height' if tall else 'length'}.",
                ],
                ("size",),
                [
                    QA(
                        f"How {'tall' if tall else 'long'} is the {n}?",
                        size,
                        f"The {n} is {size} {'tall' if tall else 'long'}.",
                    )
                ],
            ),
        ]
        return out

    def _book(self, bk: Entity) -> list[Sent]:
        f, n, r = bk.f, bk.name, self.r
        g, au, y = f["genre"].name, f["author"].name, f["year"]
        out = [
            Sent(
                [
                    f"<S> is {article(g)} {g} by {au}, published in {y}.",
                    f"{au} wrote <s>, {article(g)} {g} first published in {y}.",
                    f"Published in {y}, <s> is {article(g)} {g} written by {au}.",
                ],
                ("genre", "author", "year"),
                [
                    QA(f"Who is the author of {n}?", au, f"{n} was written by {au}."),
                    QA(f"What genre is {n}?", g, f"{n} is {article(g)} {g}."),
                    QA(f"When was {n} published?", str(y), f"{n} was published in {y}."),
                ],
            ),
            Sent(
                [
                    f"<S> is set in {f['setting'].name}.",
                    f"The story of <s> takes place in {f['setting'].name}.",
                    f"{f['setting'].name} is the setting of <s>.",
                ],
                ("setting",),
                [
                    QA(
                        f"Where is {n} set?",
                        f["setting"].name,
                        f"{n} is set in {f['setting'].name}.",
                    )
                ],
            ),
        ]
        if g != "poetry collection":
            hero = self.w.names.first_name(r.choice(["male", "female"]))
            role = r.choice(
                [
                    "a lighthouse keeper",
                    "a ferry pilot",
                    "an apprentice clockmaker",
                    "a widowed baker",
                    "a young surveyor",
                    "a travelling actress",
                    "a retired sea captain",
                    "a village schoolteacher",
                ]
            )
            plot = r.choice(
                [
                    "searches for a missing brother",
                    "inherits a failing inn",
                    "uncovers a forged will",
                    "rebuilds a flooded mill",
                    "guards a smuggler's secret",
                    "crosses the mountains in winter",
                ]
            )
            out.append(
                Sent(
                    [
                        f"It follows {hero}, {role} who {plot}.",
                        f"Its main character is {hero}, {role} who {plot}.",
                    ],
                    ("plot",),
                    [
                        QA(
                            f"Who is the main character of {n}?",
                            hero,
                            f"The main character of {n} is {hero}.",
                        )
                    ],
                )
            )
        if f.get("film") is not None:
            fm = f["film"]
            out.append(
                Sent(
                    [
                        f"<S> was adapted into the film {fm.name} in {fm.f['year']}.",
                        f"In {fm.f['year']}, <s> was adapted for the cinema as {fm.name}.",
                    ],
                    ("adapted",),
                    [
                        QA(
                            f"Which film was {n} adapted into?",
                            fm.name,
                            f"{n} was adapted into the film {fm.name}.",
                        )
                    ],
                )
            )
        if f.get("prize"):
            pr, py = f["prize"]
            out.append(
                Sent(
                    [f"<S> won the {pr} in {py}.", f"In {py}, <s> received the {pr}."],
                    ("prize",),
                    [QA(f"Which prize did {n} win?", pr, f"{n} won the {pr} in {py}.")],
                )
            )
        return out

    def _film(self, fm: Entity) -> list[Sent]:
        f, n = fm.f, fm.name
        g, d, y = f["genre"].name, f["director"].name, f["year"]
        pr, co = f["producer"].name, f["composer"].name
        out = [
            Sent(
                [
                    f"<S> is a {y} {g} directed by {d}.",
                    f"{d} directed <s>, {article(g)} {g} released in {y}.",
                    f"Released in {y}, <s> is {article(g)} {g} by director {d}.",
                ],
                ("year", "genre", "director"),
                [
                    QA(f"Who was the director of {n}?", d, f"{n} was directed by {d}."),
                    QA(f"When was {n} released?", str(y), f"{n} was released in {y}."),
                    QA(f"What genre is {n}?", g, f"{n} is {article(g)} {g}."),
                ],
            ),
            Sent(
                [
                    f"<S> was produced by {pr}, with music by {co}.",
                    f"{pr} produced <s>, and {co} composed its music.",
                    f"The music for <s> was written by {co}, and {pr} produced it.",
                ],
                ("producer", "composer"),
                [
                    QA(f"Who was the producer of {n}?", pr, f"{n} was produced by {pr}."),
                    QA(
                        f"Who was the composer of {n}?",
                        co,
                        f"The music of {n} was composed by {co}.",
                    ),
                ],
            ),
        ]
        if f.get("based_on") is not None:
            bk = f["based_on"]
            au = bk.f["author"].name
            out.append(
                Sent(
                    [
                        f"<S> is based on the novel {bk.name} by {au}.",
                        f"The novel {bk.name} by {au} is the source of <s>.",
                        f"<S> adapts {poss(au)} novel {bk.name}.",
                    ],
                    ("based_on",),
                    [
                        QA(
                            f"Which novel is {n} based on?",
                            bk.name,
                            f"{n} is based on the novel {bk.name}.",
                        )
                    ],
                )
            )
        out.append(
            Sent(
                [
                    f"<S> is set in {f['setting'].name}.",
                    f"The story of <s> takes place in {f['setting'].name}.",
                ],
                ("setting",),
                [
                    QA(
                        f"Where is {n} set?",
                        f["setting"].name,
                        f"{n} is set in {f['setting'].name}.",
                    )
                ],
            )
        )
        out.append(
            Sent(
                [
                    f"<S> runs for {f['runtime']} minutes.",
                    f"<P> running time is {f['runtime']} minutes.",
                ],
                ("runtime",),
                [
                    QA(
                        f"How long is {n}?",
                        f"{f['runtime']} minutes",
                        f"{n} runs for {f['runtime']} minutes.",
                    )
                ],
            )
        )
        return out

    def _festival(self, fe: Entity) -> list[Sent]:
        f, n = fe.f, fe.name
        t, c, m, y = f["town"].name, f["country"].name, f["month"], f["first"]
        typ = f["type"]
        return [
            Sent(
                [
                    f"<S> is an annual {typ} festival held in {t}, {c}, every {m}.",
                    f"Every {m}, {t} in {c} hosts <s>, an annual {typ} festival.",
                    f"<S>, a {typ} festival, takes place each {m} in {t}, {c}.",
                ],
                ("town", "country", "month"),
                [
                    QA(f"Where is the {n} held?", t, f"The {n} is held in {t}."),
                    QA(f"In which month is the {n} held?", m, f"The {n} is held every {m}."),
                ],
            ),
            Sent(
                [
                    f"<S> was first held in {y}.",
                    f"<S> dates back to {y}.",
                    f"The first edition of <s> took place in {y}.",
                ],
                ("first",),
                [QA(f"When was the {n} first held?", str(y), f"The {n} was first held in {y}.")],
            ),
            Sent(
                [
                    f"<S> attracts about {f['visitors']:,} visitors each year.",
                    f"About {f['visitors']:,} people visit <s> every year.",
                ],
                ("visitors",),
                [
                    QA(
                        f"How many visitors does the {n} attract each year?",
                        f"{f['visitors']:,}",
                        f"The {n} attracts about {f['visitors']:,} visitors each year.",
                    )
                ],
            ),
        ]

    def _band(self, b: Entity) -> list[Sent]:
        f, n = b.f, b.name
        g, t, c, y = f["genre"].name, f["town"].name, f["country"].name, f["formed"]
        si = f["singer"].name
        return [
            Sent(
                [
                    f"<S> is {article(g)} {g} band from {t}, {c}, formed in {y}.",
                    f"Formed in {t}, {c}, in {y}, <s> plays {g}.",
                    f"<S> formed in {y} in {t}, {c}, and plays {g}.",
                ],
                ("genre", "town", "formed"),
                [
                    QA(f"What genre is {n}?", g, f"{n} is {article(g)} {g} band."),
                    QA(f"When was {n} formed?", str(y), f"{n} was formed in {y}."),
                    QA(f"Where is {n} from?", t, f"{n} is from {t}."),
                ],
            ),
            Sent(
                [
                    f"<P> lead singer is {si}.",
                    f"{si} is the lead singer of <s>.",
                    f"<S> is fronted by the singer {si}.",
                ],
                ("singer",),
                [QA(f"Who is the lead singer of {n}?", si, f"The lead singer of {n} is {si}.")],
            ),
            Sent(
                [
                    f"<P> debut album, {f['album']}, was released in {f['album_year']}.",
                    f"In {f['album_year']}, <s> released its debut album, {f['album']}.",
                ],
                ("album",),
                [
                    QA(
                        f"What is the debut album of {n}?",
                        f["album"],
                        f"The debut album of {n} is {f['album']}.",
                    )
                ],
            ),
        ]

    # fillers --------------------------------------------------------------------------------
    def _fillers(self, e: Entity) -> list[Sent]:
        """Invented incidental details (each with a QA pair) to bring a passage to length."""
        r, w, n = self.r, self.w, e.name
        ref = e.ref()
        towns = w.of_kind("town")
        out: list[Sent] = []
        if e.kind == "person":
            by = e.f["birth"].year
            end = e.f["death"].year if "death" in e.f else 2022
            y = r.randint(min(by + 20, end - 1), max(by + 20, end - 1))
            acad = w.names.known_root() + " Academy"
            medal = w.names.known_root() + " Medal"
            field_ = r.choice(
                ["public service", "the arts", "engineering", "literature", "civic work", "music"]
            )
            hobby = r.choice(
                [
                    "beekeeping",
                    "astronomy",
                    "chess",
                    "sailing",
                    "botany",
                    "bookbinding",
                    "falconry",
                    "watercolour painting",
                ]
            )
            town2 = r.choice(towns).name
            gallery = w.names.known_root() + " Gallery"
            out += [
                Sent(
                    [
                        f"<S> studied at the {acad} in {town2}.",
                        f"<S> was educated at the {acad} in {town2}.",
                    ],
                    (),
                    [QA(f"Where did {n} study?", acad, f"{n} studied at the {acad}.")],
                    True,
                ),
                Sent(
                    [
                        f"In {y}, <s> received the {medal} for {field_}.",
                        f"<S> was awarded the {medal} for {field_} in {y}.",
                    ],
                    (),
                    [
                        QA(
                            f"Which award did {n} receive in {y}?",
                            medal,
                            f"{n} received the {medal} in {y}.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [
                        f"<S> had a lifelong interest in {hobby}.",
                        f"Throughout <p> life, <s> was keen on {hobby}.",
                    ],
                    (),
                    [
                        QA(
                            f"What was {n} interested in?",
                            hobby,
                            f"{n} had a lifelong interest in {hobby}.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [
                        f"A portrait of <o> hangs in the {gallery}.",
                        f"The {gallery} displays a portrait of <o>.",
                    ],
                    (),
                    [
                        QA(
                            f"Where does a portrait of {n} hang?",
                            gallery,
                            f"A portrait of {n} hangs in the {gallery}.",
                        )
                    ],
                    True,
                ),
            ]
        else:
            town2 = r.choice([t for t in towns if t is not e]).name
            animal = r.choice(["heron", "stag", "otter", "lynx", "swan", "boar", "falcon", "hare"])
            colour = r.choice(["green", "blue", "red", "golden", "silver", "black"])
            y = r.randint(1950, 2020)
            thing = {
                "town": "coat of arms",
                "province": "flag",
                "country": "flag",
                "company": "logo",
                "band": "logo",
                "festival": "poster",
                "river": "emblem of the river authority",
            }.get(e.kind, "emblem")
            if e.kind not in ("book", "film"):
                out += [
                    Sent(
                        [
                            f"The {thing} of <s> shows a {colour} {animal}.",
                            f"A {colour} {animal} appears on the {thing} of <s>.",
                        ],
                        (),
                        [
                            QA(
                                f"What animal is on the {thing} of {ref}?",
                                animal,
                                f"The {thing} of {ref} shows a {colour} {animal}.",
                            )
                        ],
                        True,
                    )
                ]
            if e.kind in ("town", "province", "country"):
                if e.kind == "town":
                    twin, twin2 = "is twinned with", "has a twinning arrangement with"
                    twin_q = f"is {ref} twinned with"
                else:
                    twin, twin2 = "has a cultural partnership with", "keeps cultural ties with"
                    twin_q = f"does {ref} have a cultural partnership with"
                out += [
                    Sent(
                        [
                            f"<S> {twin} {town2}.",
                            f"<S> {twin2} {town2}.",
                        ],
                        (),
                        [
                            QA(
                                f"Which town {twin_q}?",
                                town2,
                                f"{cap(ref)} {twin} {town2}.",
                            )
                        ],
                        True,
                    ),
                    Sent(
                        [
                            f"A museum of local history opened in <s> in {y}.",
                            f"In {y} a local history museum opened in <s>.",
                        ],
                        (),
                        [
                            QA(
                                f"When did a museum of local history open in {ref}?",
                                str(y),
                                f"A local history museum opened in {ref} in {y}.",
                            )
                        ],
                        True,
                    ),
                ]
            elif e.kind in ("book", "film"):
                critic = w.names.first_name(r.choice(["male", "female"])) + " " + w.names.surname()
                out += [
                    Sent(
                        [
                            f"The critic {critic} called <s> a quiet masterpiece.",
                            f"<S> was described as a quiet masterpiece by the critic {critic}.",
                        ],
                        (),
                        [
                            QA(
                                f"Which critic called {n} a quiet masterpiece?",
                                critic,
                                f"The critic {critic} called {n} a quiet masterpiece.",
                            )
                        ],
                        True,
                    ),
                    Sent(
                        [
                            f"<S> was restored and reissued in {y}.",
                            f"In {y}, <s> was restored and reissued.",
                        ],
                        (),
                        [QA(f"When was {n} reissued?", str(y), f"{n} was reissued in {y}.")],
                        True,
                    ),
                ]
            else:
                out += [
                    Sent(
                        [
                            f"In {y}, <s> received a regional heritage award.",
                            f"<S> won a regional heritage award in {y}.",
                        ],
                        (),
                        [
                            QA(
                                f"When did {ref} receive a regional heritage award?",
                                str(y),
                                f"{cap(ref)} received a regional heritage award in {y}.",
                            )
                        ],
                        True,
                    ),
                    Sent(
                        [
                            f"<S> has been featured on a postage stamp issued in {town2}.",
                            f"A postage stamp issued in {town2} features <s>.",
                        ],
                        (),
                        [
                            QA(
                                f"Where was the postage stamp featuring {ref} issued?",
                                town2,
                                f"A postage stamp featuring {ref} was issued in {town2}.",
                            )
                        ],
                        True,
                    ),
                ]
        soc, gaz = w.names.known_root() + " Society", w.names.known_root() + " Gazetteer"
        y2 = r.randint(1900, 2020)
        if e.kind == "person":
            langs = r.choice(["three", "four", "five", "six"])
            street = w.names.known_root() + " Street"
            home = r.choice(towns).name
            out += [
                Sent(
                    [
                        f"<S> was a founding member of the {soc}.",
                        f"The {soc} counted <o> among its founding members.",
                    ],
                    (),
                    [
                        QA(
                            f"Which society was {n} a founding member of?",
                            soc,
                            f"{n} was a founding member of the {soc}.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [f"<S> spoke {langs} languages.", f"<S> was fluent in {langs} languages."],
                    (),
                    [
                        QA(
                            f"How many languages did {n} speak?",
                            langs,
                            f"{n} spoke {langs} languages.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [
                        f"For some years <s> lived on {street} in {home}.",
                        f"<S> once had a house on {street} in {home}.",
                    ],
                    (),
                    [QA(f"On which street did {n} live?", street, f"{n} lived on {street}.")],
                    True,
                ),
            ]
        else:
            trail = r.randint(1960, 2021)
            out += [
                Sent(
                    [f"<S> has an entry in the {gaz}.", f"The {gaz} has an entry on <s>."],
                    (),
                    [
                        QA(
                            f"Which gazetteer has an entry on {ref}?",
                            gaz,
                            f"The {gaz} has an entry on {ref}.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [
                        f"The {soc} has studied <s> since {y2}.",
                        f"Since {y2}, <s> has been studied by the {soc}.",
                    ],
                    (),
                    [
                        QA(
                            f"Which society has studied {ref} since {y2}?",
                            soc,
                            f"The {soc} has studied {ref} since {y2}.",
                        )
                    ],
                    True,
                ),
                Sent(
                    [
                        f"A walking trail named after <o> opened in {trail}.",
                        f"In {trail}, a walking trail named after <o> opened.",
                    ],
                    (),
                    [],
                    True,
                ),
            ]
            if e.kind in ("town", "province", "country"):
                day = r.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"])
                club = w.names.known_root() + " Athletic"
                out += [
                    Sent(
                        [
                            f"<S> holds a weekly market every {day}.",
                            f"Every {day}, a weekly market is held in <s>.",
                        ],
                        (),
                        [
                            QA(
                                f"On which day is the weekly market held in {ref}?",
                                day,
                                f"The weekly market in {ref} is held every {day}.",
                            )
                        ],
                        True,
                    ),
                    Sent(
                        [
                            f"The local football club of <s> is {club}.",
                            f"{club} is the local football club of <s>.",
                        ],
                        (),
                        [
                            QA(
                                f"What is the local football club of {ref}?",
                                club,
                                f"The local football club of {ref} is {club}.",
                            )
                        ],
                        True,
                    ),
                ]
        chron, cy = w.names.known_root() + " Chronicle", r.randint(1890, 1990)
        out.append(
            Sent(
                [
                    f"<S> is mentioned in the {chron} of {cy}.",
                    f"An entry on <o> appears in the {chron} of {cy}.",
                ],
                (),
                [],
                True,
            )
        )
        r.shuffle(out)
        return out


# --- packing ------------------------------------------------------------------------------
def build_corpus(world: World, rng: random.Random) -> Corpus:
    """Render every passage-bearing entity into one or more passages (ids from 1)."""
    specs = _Specs(world, rng)
    passages: list[Passage] = []
    by_entity: dict[int, list[Passage]] = {}
    loc: dict[tuple[int, str], tuple[Passage, int]] = {}
    for e in world.entities:
        if e.kind not in PASSAGE_KINDS:
            continue
        facts, fillers = specs(e)
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
        need = [max(0, 3 - sum(1 for s in g if s.qa)) for g in groups]
        while len(groups) > 1 and sum(need) > len(qa_fill):
            groups[-2] += groups.pop()  # too little to say for a passage of its own
            need = [max(0, 3 - sum(1 for s in g if s.qa)) for g in groups]
        for g, k in zip(groups, need, strict=True):  # every passage supports three QA pairs
            g += qa_fill[:k]
            del qa_fill[:k]
        pool = qa_fill + plain
        for g in groups:
            named = [i == 0 or rng.random() < 0.45 for i in range(len(g))]
            sents = [render(s.variants[0], e, nm) for s, nm in zip(g, named, strict=True)]
            target = rng.randint(MIN_WORDS, MIN_WORDS + 16)
            # length-fill with incidental details; QA-less fillers only as a last resort
            while sum(map(words, sents)) < target and pool:
                if (
                    sum(map(words, sents)) + words(pool[0].variants[0]) > MAX_WORDS + 6
                    and sum(map(words, sents)) >= MIN_WORDS
                ):
                    break
                s = pool.pop(0)
                g.append(s)
                named.append(rng.random() < 0.45)
                sents.append(render(s.variants[0], e, named[-1]))
            p = Passage(len(passages) + 1, e, g, named, sents)
            passages.append(p)
            by_entity.setdefault(e.eid, []).append(p)
            for i, s in enumerate(g):
                for tag in s.tags:
                    loc.setdefault((e.eid, tag), (p, i))
    return Corpus(passages, by_entity, loc)


# --- augmentation -------------------------------------------------------------------------
def augment(p: Passage, rng: random.Random) -> dict:
    """The published augmentation of one passage: a rewrite and three QA pairs."""
    order = list(range(len(p.specs)))
    head, rest = order[:1], order[1:]
    rng.shuffle(rest)
    order = head + rest if rng.random() < 0.6 else rest[:1] + head + rest[1:]
    chosen = []
    for i in order:
        spec = p.specs[i]
        alts = list(range(1, len(spec.variants))) or [0]
        chosen.append(spec.variants[rng.choice(alts)])
    # the rewrite must open by naming its subject
    first = next(
        (
            k
            for k, v in enumerate(chosen)
            if any(slot in v for slot in ("<S>", "<s>", "<o>", "<P>", "<p>"))
        ),
        0,
    )
    chosen.insert(0, chosen.pop(first))
    out = [render(v, p.entity, k == 0 or rng.random() < 0.4) for k, v in enumerate(chosen)]
    text = p.text
    cands: list[QA] = []
    seen: set[str] = set()
    # one QA per sentence first (fact sentences before fillers), then the rest
    ranked = sorted(range(len(p.specs)), key=lambda i: (p.specs[i].filler, rng.random()))
    for rnd in range(3):
        for i in ranked:
            qas = p.specs[i].qa
            if rnd < len(qas):
                qa = qas[rnd]
                if qa.answer in text and qa.question not in seen:
                    seen.add(qa.question)
                    cands.append(qa)
    if len(cands) < 3:
        raise RuntimeError(f"passage {p.pid} supports only {len(cands)} QA pairs")
    return {
        "pid": str(p.pid),
        "rewrite": " ".join(out),
        "qa": [
            {"question": q.question, "answer": q.answer, "full_answer": q.full_answer}
            for q in cands[:3]
        ],
    }


__all__ = ["QA", "Sent", "Passage", "Corpus", "build_corpus", "augment", "render"]
