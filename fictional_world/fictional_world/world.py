"""The fictional world's model: entities, their facts, and the helpers that invent them.

Every later artefact (corpus, questions, augmentation) is rendered from one :class:`World`, so
all files agree. Iteration is always over lists in creation order; sets are for membership only.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .data import load
from .names import NameGen

VOCAB = load("world")
MONTHS: list[str] = VOCAB["months"]
PASSAGE_KINDS: tuple[str, ...] = tuple(VOCAB["passage_kinds"])
QID_BASE = 7_100_000  # invented entity ids are "Q7100000" upwards (a made-up range)


@dataclass(frozen=True, order=True)
class Date:
    """A calendar date, printed the way 2WikiMultihopQA prints dates ("14 March 1887")."""

    year: int
    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"


@dataclass(eq=False)  # identity semantics: entities refer to each other
class Entity:
    """One thing in the world. ``f`` holds its facts (values: Entity, int, str, Date, lists)."""

    eid: int
    kind: str
    name: str
    aliases: list[str] = field(default_factory=list)
    core: bool = True  # core entities may be question subjects; look-alikes never are
    the: bool = False  # running text puts "the" before the name ("the Sarn River")
    f: dict[str, Any] = field(default_factory=dict)

    @property
    def qid(self) -> str:
        return f"Q{QID_BASE + self.eid}"

    @property
    def mid(self) -> str:
        """A Freebase-style machine id for ComplexWebQuestions ("m.0" + base-36 digits)."""
        n, digits = QID_BASE + self.eid, ""
        while n:
            n, r = divmod(n, 36)
            digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
        return "m.0" + digits

    def ref(self) -> str:
        """The name as it appears mid-sentence ("the Sarn River", "Ansel Tregarth")."""
        return ("the " + self.name) if self.the else self.name


class World:
    """All entities, in creation order, plus the helpers that invent them from one rng."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names = NameGen(rng)
        self.entities: list[Entity] = []
        self._by_kind: dict[str, list[Entity]] = {}
        self.concepts: dict[tuple[str, str], Entity] = {}
        self._works: Counter[tuple[int, str]] = Counter()  # (person eid, role) -> works so far

    def add(self, kind: str, name: str, *, aliases: list[str] | None = None, core: bool = True,
            the: bool = False, **facts: Any) -> Entity:
        e = Entity(len(self.entities), kind, name, list(aliases or []), core, the, dict(facts))
        self.entities.append(e)
        self._by_kind.setdefault(kind, []).append(e)
        return e

    def concept(self, kind: str, name: str) -> Entity:
        """The value entity (occupation, genre, ...) ``name``; aliases from ``VOCAB[kind + "s"]``."""
        key = (kind, name)
        if key not in self.concepts:
            aliases = VOCAB[kind + "s"][name]
            self.concepts[key] = self.add(kind, name, aliases=aliases, core=False)
        return self.concepts[key]

    def of_kind(self, kind: str, *, core: bool | None = None) -> list[Entity]:
        es = self._by_kind.get(kind, [])
        return list(es) if core is None else [e for e in es if e.core == core]

    def later_death(self, p: Entity, year: int) -> None:
        """Record that ``p`` was alive in ``year`` (deaths are decided last)."""
        p.f["min_death"] = max(p.f["min_death"], year)

    # -- places -----------------------------------------------------------------------------
    def town_name(self, root: str | None = None) -> tuple[str, str]:
        """(name, root): a bare root, or root with a suffix/prefix word."""
        r = self.rng
        for _ in range(200):
            rt = root or self.names.root()
            u = r.random() if root is None else 0.55 + 0.45 * r.random()
            if u < 0.55:
                name = rt
            elif u < 0.87:
                name = f"{rt} {r.choice(VOCAB['town_suffixes'])}"
            else:
                name = f"{r.choice(VOCAB['town_prefixes'])} {rt}"
            if self.names.claim(name):
                return name, rt
        raise RuntimeError("no town name")

    def towns_in(self, country: Entity | None, *, founded_by: int | None = None) -> list[Entity]:
        towns = [t for t in self.of_kind("town") if country is None or t.f["country"] is country]
        if founded_by is not None:
            towns = [t for t in towns if t.f["founded"] <= founded_by] or towns
        return towns

    # -- people -----------------------------------------------------------------------------
    def person(self, *, occupation: str, birth_year: int, sex: str | None = None,
               surname: str | None = None, first: str | None = None,
               country: Entity | None = None, core: bool = True,
               alive_in: int = 0) -> Entity:
        """A new person with a fresh name, alive until at least ``alive_in`` (and age 40)."""
        r = self.rng
        sex = sex or ("female" if r.random() < 0.4 else "male")
        for attempt in range(500):
            fn = first or self.names.first_name(sex)
            sn = surname or self.names.surname()
            name = f"{fn} {sn}"
            if self.names.claim(name):
                break
            if attempt > 20:
                first = None  # a given first name plus surname can be taken: let one go
        else:
            raise RuntimeError("no person name")
        country = country or r.choice(self.of_kind("country"))
        birth_town = r.choice(self.towns_in(country, founded_by=birth_year - 5))
        p = self.add("person", name, aliases=[f"{fn[0]}. {sn}"], core=core, sex=sex, first=fn,
                     last=sn, birth=Date(birth_year, r.randint(1, 12), r.randint(1, 28)),
                     birth_town=birth_town, country=country,
                     occupation=self.concept("occupation", occupation),
                     min_death=max(birth_year + 40, alive_in))
        if r.random() < 0.3:
            p.f["religion"] = (country.f["religion"] if r.random() < 0.75
                               else self.concept("religion", r.choice(list(VOCAB["religions"]))))
        if occupation in VOCAB["athletes"]:
            p.f["sport"] = self.concept("sport", VOCAB["athletes"][occupation])
        return p

    def role_person(self, occupation: str, year: int, role: str, cap: int,
                    country: Entity | None = None) -> Entity:
        """An existing person of ``occupation`` aged 25-60 in ``year`` with fewer than ``cap``
        works in ``role``, or (35% of the time, or when there is none) a new one."""
        r = self.rng
        occ = self.concept("occupation", occupation)
        pool = [p for p in self._by_kind.get("person", [])
                if p.core and p.f["occupation"] is occ and self._works[(p.eid, role)] < cap
                and 25 <= year - p.f["birth"].year <= 60
                and (country is None or p.f["country"] is country)]
        if pool and r.random() > 0.35:
            p = r.choice(pool)
        else:
            p = self.person(occupation=occupation, birth_year=year - r.randint(25, 60),
                            country=country)
        self._works[(p.eid, role)] += 1
        self.later_death(p, year + 1)
        return p

    def add_ancestry(self, p: Entity) -> None:
        """Invent a father (and grandfather), a mother (and her father), a spouse (and father)."""
        r = self.rng
        by = p.f["birth"].year
        if r.random() < 0.55:
            fa = self.parent(p, "male")
            if r.random() < 0.55:
                self.parent(fa, "male")
        if r.random() < 0.3:
            mo = self.parent(p, "female")
            if r.random() < 0.8:
                self.parent(mo, "male")
        if r.random() < 0.3 and "spouse" not in p.f:
            sp = self.person(occupation=r.choice(VOCAB["generic_occupations"]),
                             sex="female" if p.f["sex"] == "male" else "male",
                             birth_year=by + r.randint(-7, 7), country=p.f["country"])
            year = max(by, sp.f["birth"].year) + r.randint(20, 32)
            p.f["spouse"], sp.f["spouse"] = sp, p
            p.f["married"] = sp.f["married"] = year
            for x in (p, sp):
                self.later_death(x, year + 1)
            if r.random() < 0.8:
                self.parent(sp, "male")

    def parent(self, child: Entity, sex: str) -> Entity:
        r = self.rng
        by = child.f["birth"].year
        gap = r.randint(22, 42) if sex == "male" else r.randint(19, 36)
        par = self.person(occupation=r.choice(VOCAB["generic_occupations"]), sex=sex,
                          birth_year=by - gap, country=child.f["country"],
                          surname=child.f["last"] if sex == "male" else None, alive_in=by + 1)
        child.f["father" if sex == "male" else "mother"] = par
        par.f.setdefault("children", []).append(child)
        return par

    # -- titles -----------------------------------------------------------------------------
    def title(self, patterns: list[str], *, word: str | None = None,
              pattern: str | None = None) -> tuple[str, str, str]:
        """(title, pattern, word): a fresh title from a pattern and an invented word."""
        r = self.rng
        for _ in range(500):
            pat = pattern or r.choice(patterns)
            w = word or (self.names.known_root() if r.random() < 0.5 else self.names.root())
            if "{P}" in pat:
                w = word or self.names.first_name(r.choice(["male", "female"]))
            t = pat.replace("{W}", w).replace("{P}", w)
            if self.names.claim(t):
                return t, pat, w
            if r.random() < 0.5:
                word = None
            else:
                pattern = None
        raise RuntimeError("no title")
