"""The fictional world: entities, their facts and the indices derived from them.

One :func:`build_world` call, driven by one ``random.Random``, invents countries, provinces,
towns, rivers, people (with fathers, mothers, spouses), companies, structures, books, films,
festivals and bands. Every later artefact (corpus, questions, augmentation) is rendered from
this single world, so all files agree. Iteration is always over lists in creation order; sets
are used for membership only.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from .names import NameGen

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
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

    def __repr__(self) -> str:  # keep debugging output short
        return f"<{self.kind} {self.eid} {self.name!r}>"


# --- concept vocabularies (value entities without passages) -------------------------------
OCCUPATIONS: dict[str, list[str]] = {
    "novelist": ["writer", "author"],
    "poet": ["writer"],
    "film director": ["director", "filmmaker"],
    "film producer": ["producer"],
    "composer": ["music composer"],
    "singer": ["vocalist"],
    "industrialist": ["businessperson", "entrepreneur"],
    "engineer": [],
    "merchant": ["trader"],
    "physician": ["doctor", "medical doctor"],
    "schoolteacher": ["teacher"],
    "lawyer": ["attorney"],
    "carpenter": [],
    "banker": [],
    "farmer": [],
    "clergyman": ["cleric", "priest"],
    "surveyor": ["land surveyor"],
    "prospector": [],
    "painter": ["artist"],
    "architect": [],
    "journalist": ["reporter"],
    "politician": ["political leader"],
    "shipwright": ["shipbuilder"],
    "rower": [],
    "fencer": [],
    "footballer": ["association football player", "soccer player"],
    "cyclist": ["racing cyclist"],
    "sprinter": ["athlete"],
    "tennis player": [],
    "cricketer": [],
    "swimmer": [],
    "watchmaker": ["clockmaker"],
    "sailor": ["seaman"],
}
ATHLETES: dict[str, str] = {  # occupation -> sport
    "rower": "rowing",
    "fencer": "fencing",
    "footballer": "association football",
    "cyclist": "cycling",
    "sprinter": "athletics",
    "tennis player": "tennis",
    "cricketer": "cricket",
    "swimmer": "swimming",
}
SPORTS: dict[str, list[str]] = {
    "rowing": [],
    "fencing": [],
    "association football": ["football", "soccer"],
    "cycling": ["road cycling"],
    "athletics": ["track and field"],
    "tennis": [],
    "cricket": [],
    "swimming": [],
}
GENERIC_OCCUPATIONS = [
    "merchant",
    "physician",
    "schoolteacher",
    "lawyer",
    "carpenter",
    "banker",
    "farmer",
    "clergyman",
    "painter",
    "architect",
    "journalist",
    "politician",
    "shipwright",
    "watchmaker",
    "sailor",
    "engineer",
    "surveyor",
]
FOUNDER_OCCUPATIONS = ["surveyor", "prospector", "merchant", "clergyman", "farmer", "sailor"]
BUSINESS_OCCUPATIONS = ["industrialist", "engineer", "merchant", "banker"]
RELIGIONS: dict[str, list[str]] = {
    "Orvanism": ["Orvanist faith"],
    "Caldric Church": ["Caldric faith"],
    "Tessaline Order": ["Tessalines"],
    "Vostrian Church": ["Vostrian faith"],
    "Emberism": ["Emberist faith"],
    "Ilanic faith": ["Ilanism"],
}
BOOK_GENRES: dict[str, list[str]] = {
    "mystery novel": ["mystery", "detective fiction"],
    "historical novel": ["historical fiction"],
    "adventure novel": ["adventure fiction"],
    "science fiction novel": ["science fiction"],
    "romance novel": ["romance"],
    "children's novel": ["children's literature"],
    "satirical novel": ["satire"],
    "poetry collection": ["poetry"],
}
FILM_GENRES: dict[str, list[str]] = {
    "drama film": ["drama"],
    "comedy film": ["comedy"],
    "western film": ["western"],
    "thriller film": ["thriller"],
    "musical film": ["musical"],
    "horror film": ["horror"],
    "war film": [],
    "documentary film": ["documentary"],
}
MUSIC_GENRES: dict[str, list[str]] = {
    "folk rock": [],
    "jazz": [],
    "synth-pop": ["synthpop"],
    "heavy metal": ["metal"],
    "bluegrass": [],
    "punk rock": ["punk"],
    "blues": [],
    "chamber pop": [],
}
INDUSTRIES: dict[str, str] = {  # industry -> company-name word
    "copper mining": "Copper Company",
    "shipbuilding": "Shipbuilding Company",
    "textile": "Textile Mills",
    "brewing": "Brewery",
    "railway engineering": "Railway Works",
    "glassmaking": "Glassworks",
    "paper": "Paper Company",
    "clockmaking": "Clock Company",
    "printing": "Press",
    "chemical": "Chemical Company",
    "porcelain": "Porcelain Works",
    "steel": "Steelworks",
}
STRUCTURE_TYPES = [
    "bridge",
    "lighthouse",
    "dam",
    "railway station",
    "opera house",
    "viaduct",
    "canal lock",
    "clock tower",
]
_STRUCTURE_NAME = {
    "bridge": "Bridge",
    "lighthouse": "Lighthouse",
    "dam": "Dam",
    "railway station": "Station",
    "opera house": "Opera House",
    "viaduct": "Viaduct",
    "canal lock": "Lock",
    "clock tower": "Clock Tower",
}
FESTIVAL_TYPES = {
    "Lantern Walk": "lantern",
    "Harvest Fair": "harvest",
    "Music Festival": "music",
    "Film Festival": "film",
    "Folk Days": "folk dance",
    "Regatta": "rowing",
    "Cheese Market": "cheese",
    "Kite Festival": "kite",
}
TOWN_SUFFIXES = [
    "Springs",
    "Falls",
    "Crossing",
    "Bay",
    "Hill",
    "Green",
    "Harbour",
    "Mills",
    "Cross",
    "Heath",
    "Ford",
    "Landing",
]
TOWN_PREFIXES = ["Port", "North", "Upper", "Old", "East", "Lower"]
COUNTRY_ENDS = ["ia", "ora", "and", "mark", "avia", "esse", "una", "eth", "oria"]
BOOK_PATTERNS = [
    "The Salt of {W}",
    "Winter in {W}",
    "The {W} Affair",
    "{W} Road",
    "A House for {P}",
    "The Last Summer at {W}",
    "Letters from {W}",
    "The {W} Lantern",
    "{P}'s Daughter",
    "The Bells of {W}",
    "The Cartographer of {W}",
    "Ashes over {W}",
    "The Keeper of {W}",
    "{P} and the Tide",
    "The Orchards of {W}",
    "A Ledger for {W}",
    "Songs of {W}",
    "The Widow of {W}",
]
FILM_PATTERNS = [
    "Night over {W}",
    "The {W} Express",
    "{P} and the Clockmaker",
    "Return to {W}",
    "The Road to {W}",
    "Shadows of {W}",
    "{W} Blues",
    "The Long Way to {W}",
    "A Ferry for {P}",
    "The {W} Heist",
    "Storm at {W}",
    "The Ballad of {P}",
    "Goodbye, {W}",
    "The Lighthouse at {W}",
    "{P} Goes West",
    "The {W} Sisters",
]
BAND_PATTERNS = [
    "The {W} Moths",
    "The {W} Engines",
    "{W} Parade",
    "The {W} Owls",
    "{W} Radio",
    "The {W} Pilots",
    "{W} Echo",
    "The Brass {W}s",
]


@dataclass
class Sizes:
    """How many core entities of each kind to invent."""

    countries: int
    provinces_per_country: int
    towns: int
    rivers: int
    companies: int
    structures: int
    books: int
    films: int
    festivals: int
    bands: int
    athletes: int
    extra_people: int

    @classmethod
    def for_questions(cls, n_single: int, n_multi_per_type: int) -> Sizes:
        """Sizes that leave enough subjects for the requested question counts."""
        s = max(0.2, (n_single + 3 * n_multi_per_type) / 280.0)

        def k(x: float, lo: int = 2) -> int:
            return max(lo, int(math.ceil(x * s)))

        return cls(
            countries=max(4, min(10, k(8))),
            provinces_per_country=3,
            towns=k(100, 12),
            rivers=k(26, 4),
            companies=k(50, 4),
            structures=k(45, 4),
            books=k(100, 6),
            films=k(90, 6),
            festivals=k(28, 3),
            bands=k(28, 3),
            athletes=k(40, 4),
            extra_people=k(20, 2),
        )


class World:
    """All entities, in creation order, plus indices."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names = NameGen(rng)
        self.entities: list[Entity] = []
        self._by_kind: dict[str, list[Entity]] = {}
        self.concepts: dict[tuple[str, str], Entity] = {}
        self._counts: dict[tuple[int, str], int] = {}  # (person eid, role) -> works so far

    # -- creation helpers -------------------------------------------------------------------
    def add(
        self,
        kind: str,
        name: str,
        *,
        aliases: list[str] | None = None,
        core: bool = True,
        the: bool = False,
        **facts: Any,
    ) -> Entity:
        e = Entity(len(self.entities), kind, name, list(aliases or []), core, the, dict(facts))
        self.entities.append(e)
        self._by_kind.setdefault(kind, []).append(e)
        return e

    def concept(self, kind: str, name: str, aliases: list[str]) -> Entity:
        key = (kind, name)
        if key not in self.concepts:
            self.concepts[key] = self.add(kind, name, aliases=aliases, core=False)
        return self.concepts[key]

    def occupation(self, name: str) -> Entity:
        return self.concept("occupation", name, OCCUPATIONS[name])

    def of_kind(self, kind: str, *, core: bool | None = None) -> list[Entity]:
        es = self._by_kind.get(kind, [])
        return list(es) if core is None else [e for e in es if e.core == core]

    def bump(self, person: Entity, role: str) -> int:
        key = (person.eid, role)
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    def count(self, person: Entity, role: str) -> int:
        return self._counts.get((person.eid, role), 0)

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
                name = f"{rt} {r.choice(TOWN_SUFFIXES)}"
            else:
                name = f"{r.choice(TOWN_PREFIXES)} {rt}"
            if self.names.claim(name):
                return name, rt
        raise RuntimeError("no town name")

    def towns_in(self, country: Entity | None, *, founded_by: int | None = None) -> list[Entity]:
        towns = [t for t in self.of_kind("town") if country is None or t.f["country"] is country]
        if founded_by is not None:
            early = [t for t in towns if t.f["founded"] <= founded_by]
            towns = early or towns
        return towns

    # -- people -----------------------------------------------------------------------------
    def person(
        self,
        *,
        occupation: str,
        birth_year: int,
        sex: str | None = None,
        surname: str | None = None,
        first: str | None = None,
        country: Entity | None = None,
        core: bool = True,
    ) -> Entity:
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
        p = self.add(
            "person",
            name,
            aliases=[f"{fn[0]}. {sn}"],
            core=core,
            sex=sex,
            first=fn,
            last=sn,
            birth=Date(birth_year, r.randint(1, 12), r.randint(1, 28)),
            birth_town=birth_town,
            country=country,
            occupation=self.occupation(occupation),
            min_death=birth_year + 40,
        )
        if r.random() < 0.3:
            rel = country.f["religion"] if r.random() < 0.75 else self.religion()
            p.f["religion"] = rel
        if occupation in ATHLETES:
            sport = ATHLETES[occupation]
            p.f["sport"] = self.concept("sport", sport, SPORTS[sport])
        return p

    def religion(self) -> Entity:
        name = self.rng.choice(list(RELIGIONS))
        return self.concept("religion", name, RELIGIONS[name])

    def role_person(
        self,
        occupation: str,
        year: int,
        role: str,
        cap: int,
        country: Entity | None = None,
        p_new: float = 0.35,
        age: tuple[int, int] = (25, 60),
    ) -> Entity:
        """An existing person of ``occupation`` active in ``year`` with < cap works, or a new
        one."""
        r = self.rng
        occ = self.occupation(occupation)
        pool = [
            p
            for p in self._by_kind.get("person", [])
            if p.core
            and p.f["occupation"] is occ
            and self.count(p, role) < cap
            and age[0] <= year - p.f["birth"].year <= age[1]
            and (country is None or p.f["country"] is country)
        ]
        if pool and r.random() > p_new:
            p = r.choice(pool)
        else:
            p = self.person(
                occupation=occupation, birth_year=year - r.randint(*age), country=country
            )
        self.bump(p, role)
        p.f["min_death"] = max(p.f["min_death"], year + 1)
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
            sex = "female" if p.f["sex"] == "male" else "male"
            sp = self.person(
                occupation=r.choice(GENERIC_OCCUPATIONS),
                sex=sex,
                birth_year=by + r.randint(-7, 7),
                country=p.f["country"],
            )
            year = max(by, sp.f["birth"].year) + r.randint(20, 32)
            p.f["spouse"], sp.f["spouse"] = sp, p
            p.f["married"] = sp.f["married"] = year
            for x in (p, sp):
                x.f["min_death"] = max(x.f["min_death"], year + 1)
            if r.random() < 0.8:
                self.parent(sp, "male")

    def parent(self, child: Entity, sex: str) -> Entity:
        r = self.rng
        by = child.f["birth"].year
        gap = r.randint(22, 42) if sex == "male" else r.randint(19, 36)
        par = self.person(
            occupation=r.choice(GENERIC_OCCUPATIONS),
            sex=sex,
            birth_year=by - gap,
            country=child.f["country"],
            surname=child.f["last"] if sex == "male" else None,
        )
        par.f["min_death"] = max(par.f["min_death"], by + 1)
        child.f["father" if sex == "male" else "mother"] = par
        par.f.setdefault("children", []).append(child)
        return par

    # -- titles -----------------------------------------------------------------------------
    def title(
        self, patterns: list[str], *, word: str | None = None, pattern: str | None = None
    ) -> tuple[str, str, str]:
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


# --------------------------------------------------------------------------------------------
def build_world(rng: random.Random, sizes: Sizes, n_distractor_entities: int | None) -> World:
    """Invent the whole world (core entities, then look-alike distractors); derive indices."""
    w = World(rng)
    r = rng
    # countries, provinces, towns
    religions = list(RELIGIONS)
    r.shuffle(religions)
    for i in range(sizes.countries):
        name = w.names.unique(lambda: w.names.word(COUNTRY_ENDS))
        rel = religions[i % len(religions)]
        w.add(
            "country",
            name,
            religion=w.concept("religion", rel, RELIGIONS[rel]),
            continent=r.choice(["Aubrenne", "Halvesia", "the Ostmark Isles"]),
            currency=w.names.word(["", "o", "a"]).lower(),
            anthem=w.names.root(),
        )
    countries = w.of_kind("country")
    for c in countries:
        for _ in range(sizes.provinces_per_country):
            w.add("province", w.names.root(), country=c)
    provinces = w.of_kind("province")
    n_towns = max(sizes.towns, len(provinces) * 2)
    for i in range(n_towns):
        prov = provinces[i % len(provinces)] if i < len(provinces) * 2 else r.choice(provinces)
        name, root = w.town_name()
        old = i < len(provinces) * 2 or r.random() < 0.1
        founded = r.randint(1050, 1420) if old else r.randint(1460, 1895)
        w.add(
            "town",
            name,
            root=root,
            province=prov,
            country=prov.f["country"],
            founded=founded,
            population=_population(r),
            industry=r.choice(list(INDUSTRIES)),
            old=old,
        )
    towns = w.of_kind("town")
    for prov in provinces:
        mine = [t for t in towns if t.f["province"] is prov]
        prov.f["capital"] = min(mine, key=lambda t: (t.f["founded"], t.eid))
        prov.f["capital"].f["capital_of"] = [prov]
    for c in countries:
        provs = [p for p in provinces if p.f["country"] is c]
        cap = provs[0].f["capital"]
        c.f["capital"] = cap
        cap.f["capital_of"] = provs[:1] + [c]
    # town founders (only for towns founded after 1450)
    for t in towns:
        if not t.f["old"] and r.random() < 0.75:
            occ = r.choice(FOUNDER_OCCUPATIONS)
            fo = w.person(
                occupation=occ,
                birth_year=t.f["founded"] - r.randint(25, 55),
                country=t.f["country"],
            )
            fo.f["min_death"] = max(fo.f["min_death"], t.f["founded"] + 1)
            t.f["founder"] = fo
    # rivers
    for _ in range(sizes.rivers):
        c = r.choice(countries)
        root = w.names.known_root() if r.random() < 0.3 else w.names.root()
        if not w.names.claim(f"{root} River"):
            root = w.names.root()
            w.names.claim(f"{root} River")
        rv = _river(w, f"{root} River", root, c, core=True)
        cands = [t for t in towns if t.f["country"] is c and "river" not in t.f]
        for t in r.sample(cands, min(len(cands), r.randint(1, 4))):
            t.f["river"] = rv
    # companies and structures
    for _ in range(sizes.companies):
        _company(w, core=True)
    for _ in range(sizes.structures):
        _structure(w, core=True)
    # books and films
    for _ in range(sizes.books):
        _book(w, core=True)
    for _ in range(sizes.films):
        _film(w, core=True)
    # festivals, bands, athletes, extra people
    for _ in range(sizes.festivals):
        _festival(w, core=True)
    for _ in range(sizes.bands):
        _band(w, core=True)
    for _ in range(sizes.athletes):
        occ = r.choice(list(ATHLETES))
        a = w.person(occupation=occ, birth_year=r.randint(1925, 2001))
        a.f["medal"] = (
            r.choice(["gold", "silver", "bronze"]),
            min(2022, a.f["birth"].year + r.randint(19, 30)),
            w.names.known_root() + " Games",
        )
        a.f["min_death"] = max(a.f["min_death"], a.f["medal"][1] + 1)
    for _ in range(sizes.extra_people):
        w.person(
            occupation=r.choice(["painter", "architect", "politician", "journalist"]),
            birth_year=r.randint(1780, 1980),
        )
    # families, for every core person created so far
    for p in list(w.of_kind("person")):
        w.add_ancestry(p)
    n_core = sum(1 for e in w.entities if e.kind in PASSAGE_KINDS)
    # look-alike distractors
    n_dis = int(round(0.45 * n_core)) if n_distractor_entities is None else n_distractor_entities
    for _ in range(n_dis):
        _lookalike(w)
    _finalize(w)
    return w


PASSAGE_KINDS = (
    "country",
    "province",
    "town",
    "river",
    "person",
    "company",
    "structure",
    "book",
    "film",
    "festival",
    "band",
)


def _population(r: random.Random) -> int:
    return int(round(math.exp(r.uniform(math.log(800), math.log(240_000))), -1))


def _river(w: World, name: str, root: str, country: Entity, core: bool) -> Entity:
    r = w.rng
    return w.add(
        "river",
        name,
        core=core,
        the=True,
        root=root,
        country=country,
        length=r.randint(24, 640),
        source=w.names.word(["", "en", "or"]) + " Hills",
        mouth=r.choice(["the Gulf of ", "Lake ", "the Bay of "]) + w.names.root(),
    )


def _company(w: World, core: bool, root: str | None = None) -> Entity:
    r = w.rng
    year = r.randint(1800, 1985)
    c = r.choice(w.of_kind("country"))
    founder = w.role_person(r.choice(BUSINESS_OCCUPATIONS), year, "company", 2, country=c)
    industry = r.choice(list(INDUSTRIES))
    hq = founder.f["birth_town"] if r.random() < 0.4 else r.choice(w.towns_in(c, founded_by=year))
    for _ in range(100):
        rt = root or (founder.f["last"] if r.random() < 0.5 else hq.f["root"])
        name = f"{rt} {INDUSTRIES[industry]}"
        if w.names.claim(name):
            break
        industry = r.choice(list(INDUSTRIES))
        root = None if r.random() < 0.5 else root
    else:
        raise RuntimeError("no company name")
    alias = [name.replace("Company", "Co.")] if "Company" in name else []
    return w.add(
        "company",
        name,
        aliases=alias,
        core=core,
        the=True,
        root=rt,
        founder=founder,
        founded=year,
        hq=hq,
        country=c,
        industry=industry,
        employees=r.randint(4, 300) * 10,
    )


def _structure(w: World, core: bool, root: str | None = None) -> Entity:
    r = w.rng
    comp = r.choice([c for c in w.of_kind("company") if c.f["founded"] < 1990])
    opened = min(2018, comp.f["founded"] + r.randint(3, 70))
    town = r.choice(w.towns_in(comp.f["country"], founded_by=opened))
    for _ in range(100):
        typ = r.choice(STRUCTURE_TYPES)
        rt = root or (town.f["root"] if r.random() < 0.4 else w.names.root())
        name = f"{rt} {_STRUCTURE_NAME[typ]}"
        if w.names.claim(name):
            break
        root = None
    else:
        raise RuntimeError("no structure name")
    return w.add(
        "structure",
        name,
        core=core,
        the=True,
        root=rt,
        type=typ,
        town=town,
        country=town.f["country"],
        builder=comp,
        opened=opened,
        size=r.randint(3, 90) * 10,
    )


def _book(w: World, core: bool, word: str | None = None, pattern: str | None = None) -> Entity:
    r = w.rng
    year = r.randint(1820, 2019)
    poet = r.random() < 0.15
    author = w.role_person("poet" if poet else "novelist", year, "book", 3)
    genres = [g for g in BOOK_GENRES if (g == "poetry collection") == poet]
    if year < 1900:
        genres = [g for g in genres if g != "science fiction novel"] or genres
    genre = r.choice(genres)
    title, pat, wd = w.title(BOOK_PATTERNS, word=word, pattern=pattern)
    setting = r.choice(w.towns_in(author.f["country"], founded_by=year))
    return w.add(
        "book",
        title,
        core=core,
        pattern=pat,
        word=wd,
        author=author,
        year=year,
        genre=w.concept("book_genre", genre, BOOK_GENRES[genre]),
        setting=setting,
        pages=r.randint(90, 640),
        prize=(w.names.known_root() + " Prize", year + 1) if r.random() < 0.3 else None,
    )


def _film(w: World, core: bool, word: str | None = None, pattern: str | None = None) -> Entity:
    r = w.rng
    year = r.randint(1915, 2019)
    c = r.choice(w.of_kind("country"))
    director = w.role_person("film director", year, "director", 3, country=c)
    producer = w.role_person("film producer", year, "producer", 3)
    composer = w.role_person("composer", year, "composer", 4)
    genre = r.choice(
        [g for g in FILM_GENRES if g != "documentary film"] if year < 1930 else list(FILM_GENRES)
    )
    title, pat, wd = w.title(FILM_PATTERNS, word=word, pattern=pattern)
    based_on = None
    if genre != "documentary film" and r.random() < 0.25:
        books = [
            b
            for b in w.of_kind("book")
            if b.f["year"] < year - 1
            and "film" not in b.f
            and b.f["genre"].name != "poetry collection"
        ]
        if books:
            based_on = r.choice(books)
    f = w.add(
        "film",
        title,
        core=core,
        pattern=pat,
        word=wd,
        director=director,
        producer=producer,
        composer=composer,
        year=year,
        genre=w.concept("film_genre", genre, FILM_GENRES[genre]),
        based_on=based_on,
        setting=r.choice(w.towns_in(c, founded_by=year)),
        runtime=r.randint(72, 165),
    )
    if based_on is not None:
        based_on.f["film"] = f
    return f


def _festival(w: World, core: bool, root: str | None = None, town: Entity | None = None) -> Entity:
    r = w.rng
    town = town or r.choice(w.of_kind("town"))
    for _ in range(100):
        typ = r.choice(list(FESTIVAL_TYPES))
        rt = root or (town.name if r.random() < 0.6 else w.names.known_root())
        name = f"{rt} {typ}"
        if w.names.claim(name):
            break
        root = None
    else:
        raise RuntimeError("no festival name")
    first = max(town.f["founded"] + 20, r.randint(1830, 2008))
    return w.add(
        "festival",
        name,
        core=core,
        the=True,
        root=rt,
        type=FESTIVAL_TYPES[typ],
        town=town,
        country=town.f["country"],
        month=r.choice(MONTHS),
        first=first,
        visitors=r.randint(2, 400) * 100,
    )


def _band(w: World, core: bool, word: str | None = None, pattern: str | None = None) -> Entity:
    r = w.rng
    year = r.randint(1956, 2016)
    town = r.choice(w.towns_in(None, founded_by=year))
    singer = w.person(
        occupation="singer", birth_year=year - r.randint(17, 30), country=town.f["country"]
    )
    singer.f["min_death"] = max(singer.f["min_death"], year + 5)
    w.bump(singer, "band")
    title, pat, wd = w.title(BAND_PATTERNS, word=word, pattern=pattern)
    genre = r.choice(list(MUSIC_GENRES))
    album, _, _ = w.title(["{W}", "Songs from {W}", "{W} Nights", "The {W} Tapes"])
    return w.add(
        "band",
        title,
        core=core,
        pattern=pat,
        word=wd,
        town=town,
        country=town.f["country"],
        formed=year,
        singer=singer,
        genre=w.concept("music_genre", genre, MUSIC_GENRES[genre]),
        album=album,
        album_year=year + r.randint(1, 4),
    )


def _lookalike(w: World) -> Entity | None:
    """A distractor sharing name parts with a core entity, with different facts."""
    r = w.rng
    kinds = [
        "town",
        "town",
        "person",
        "person",
        "person",
        "company",
        "structure",
        "book",
        "book",
        "film",
        "film",
        "festival",
        "band",
        "river",
    ]
    kind = r.choice(kinds)
    src = r.choice(w.of_kind(kind, core=True))
    if kind == "town":
        name, root = w.town_name(src.f["root"])
        c = r.choice(w.of_kind("country"))
        prov = r.choice([p for p in w.of_kind("province") if p.f["country"] is c])
        t = w.add(
            "town",
            name,
            core=False,
            root=root,
            province=prov,
            country=c,
            founded=r.randint(1460, 1895),
            population=_population(r),
            industry=r.choice(list(INDUSTRIES)),
            old=False,
        )
        if r.random() < 0.5:
            fo = w.person(
                occupation=r.choice(FOUNDER_OCCUPATIONS),
                core=False,
                country=c,
                birth_year=t.f["founded"] - r.randint(25, 55),
            )
            fo.f["min_death"] = max(fo.f["min_death"], t.f["founded"] + 1)
            t.f["founder"] = fo
        return t
    if kind == "person":
        same_first = r.random() < 0.35
        occ = src.f["occupation"].name
        if occ not in GENERIC_OCCUPATIONS or r.random() < 0.5:
            occ = r.choice(GENERIC_OCCUPATIONS)
        return w.person(
            occupation=occ,
            core=False,
            sex=src.f["sex"] if same_first else None,
            first=src.f["first"] if same_first else None,
            surname=None if same_first else src.f["last"],
            birth_year=src.f["birth"].year + r.randint(-60, 60),
        )
    if kind == "company":
        return _company(w, core=False, root=src.f["root"])
    if kind == "structure":
        return _structure(w, core=False, root=src.f["root"])
    if kind == "festival":
        return _festival(w, core=False, root=src.f["root"], town=src.f["town"])
    if kind == "river":
        c = r.choice(w.of_kind("country"))
        for pre in r.sample(["Little", "Upper", "East", "Old", "North", "Lower"], 6):
            name = f"{pre} {src.f['root']} River"
            if w.names.claim(name):
                return _river(w, name, src.f["root"], c, core=False)
        return _lookalike(w)
    maker = {"book": _book, "film": _film, "band": _band}[kind]
    if r.random() < 0.5:
        return maker(w, core=False, word=src.f["word"])
    return maker(w, core=False, pattern=src.f["pattern"])


def _finalize(w: World) -> None:
    """Decide deaths (after every recorded activity) and build reverse indices."""
    r = w.rng
    for p in w.of_kind("person"):
        by = p.f["birth"].year
        lo = max(p.f.pop("min_death"), by + 40)
        if lo > 2022 or (by >= 1935 and r.random() < 0.7):
            continue  # still alive
        dy = max(lo, by + r.randint(48, 96))
        if dy > 2022:
            continue
        d = Date(dy, r.randint(1, 12), r.randint(1, 28))
        if d <= p.f["birth"]:
            d = Date(dy + 1, 1, 1)
        p.f["death"] = d
        p.f["death_town"] = (
            p.f["birth_town"]
            if r.random() < 0.4
            else r.choice(w.towns_in(p.f["country"], founded_by=dy))
        )
    idx: dict[str, dict[int, list[Entity]]] = {}

    def put(key: str, owner: Entity, item: Entity) -> None:
        idx.setdefault(key, {}).setdefault(owner.eid, []).append(item)

    for e in w.entities:
        f = e.f
        if e.kind == "book":
            put("books", f["author"], e)
        elif e.kind == "film":
            put("directed", f["director"], e)
            put("produced", f["producer"], e)
            put("scored", f["composer"], e)
        elif e.kind == "company":
            put("companies", f["founder"], e)
            put("companies_in", f["hq"], e)
        elif e.kind == "structure":
            put("built", f["builder"], e)
            put("structures_in", f["town"], e)
        elif e.kind == "town":
            put("towns_in_province", f["province"], e)
            if "founder" in f:
                put("founded_towns", f["founder"], e)
            if "river" in f:
                put("towns_on", f["river"], e)
        elif e.kind == "river":
            put("rivers_in", f["country"], e)
        elif e.kind == "province":
            put("provinces_in", f["country"], e)
        elif e.kind == "festival":
            put("festivals_in", f["town"], e)
        elif e.kind == "band":
            put("bands", f["singer"], e)
            put("bands_from", f["town"], e)
        elif e.kind == "person":
            put("born_in", f["birth_town"], e)
    for key, table in idx.items():
        for eid, items in table.items():
            items.sort(key=_chrono)
            w.entities[eid].f[key] = items


def _chrono(e: Entity) -> tuple:
    f = e.f
    year = (
        f.get("year")
        or f.get("founded")
        or f.get("opened")
        or f.get("formed")
        or (f["birth"].year if "birth" in f else 0)
    )
    return (year, e.eid)
