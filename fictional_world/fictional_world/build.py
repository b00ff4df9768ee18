"""Inventing the world: one :func:`build_world` call, driven by one ``random.Random``, creates
countries, provinces, towns, rivers, people (with families), companies, structures, books,
films, festivals, bands and look-alike distractors, then derives the reverse indices."""

from __future__ import annotations

import math
import random

from .makers import make
from .world import PASSAGE_KINDS, VOCAB, Date, Entity, World

PROVINCES_PER_COUNTRY = 3


def sizes_for(n_single: int, n_multi_per_type: int) -> dict[str, int]:
    """How many core entities of each kind to invent so that the requested questions find
    enough subjects: ``VOCAB["sizes"]`` scaled, within their bounds."""
    s = max(0.2, (n_single + 3 * n_multi_per_type) / 280.0)
    return {k: min([max(lo, math.ceil(base * s)), *hi])
            for k, (base, lo, *hi) in VOCAB["sizes"].items()}


def build_world(rng: random.Random, sizes: dict[str, int],
                n_distractor_entities: int | None) -> World:
    """Invent the whole world (core entities, then look-alike distractors); derive indices."""
    w, r = World(rng), rng
    _places(w, sizes)
    for _ in range(sizes["river"]):
        c = r.choice(w.of_kind("country"))
        root = w.names.known_root() if r.random() < 0.3 else w.names.root()
        if not w.names.claim(f"{root} River"):
            root = w.names.root()
            w.names.claim(f"{root} River")
        rv = make(w, "river", name=f"{root} River", root=root, country=c)
        cands = [t for t in w.of_kind("town") if t.f["country"] is c and "river" not in t.f]
        for t in r.sample(cands, min(len(cands), r.randint(1, 4))):
            t.f["river"] = rv
    for kind in ("company", "structure", "book", "film", "festival", "band"):
        for _ in range(sizes[kind]):
            make(w, kind)
    for _ in range(sizes["athlete"]):
        a = w.person(occupation=r.choice(list(VOCAB["athletes"])), birth_year=r.randint(1925, 2001))
        a.f["medal"] = (r.choice(VOCAB["medals"]), min(2022, a.f["birth"].year + r.randint(19, 30)),
                        w.names.known_root() + " Games")
        w.later_death(a, a.f["medal"][1] + 1)
    for _ in range(sizes["extra_person"]):
        w.person(occupation=r.choice(VOCAB["extra_occupations"]), birth_year=r.randint(1780, 1980))
    for p in list(w.of_kind("person")):  # families, for every core person created so far
        w.add_ancestry(p)
    n_core = sum(1 for e in w.entities if e.kind in PASSAGE_KINDS)
    n_dis = int(round(0.45 * n_core)) if n_distractor_entities is None else n_distractor_entities
    for _ in range(n_dis):
        _lookalike(w)
    _finalize(w)
    return w


def _places(w: World, sizes: dict[str, int]) -> None:
    """Countries, their provinces and capitals, towns and town founders."""
    r = w.rng
    religions = list(VOCAB["religions"])
    r.shuffle(religions)
    for i in range(sizes["country"]):
        name = w.names.unique(lambda: w.names.word(VOCAB["country_ends"]))
        w.add("country", name, religion=w.concept("religion", religions[i % len(religions)]),
              continent=r.choice(VOCAB["continents"]),
              currency=w.names.word(VOCAB["currency_ends"]).lower(), anthem=w.names.root())
    countries = w.of_kind("country")
    for c in countries:
        for _ in range(PROVINCES_PER_COUNTRY):
            w.add("province", w.names.root(), country=c)
    provinces = w.of_kind("province")
    for i in range(max(sizes["town"], len(provinces) * 2)):
        prov = provinces[i % len(provinces)] if i < len(provinces) * 2 else r.choice(provinces)
        name, root = w.town_name()
        _town(w, name, root, prov, old=i < len(provinces) * 2 or r.random() < 0.1)
    towns = w.of_kind("town")
    for prov in provinces:
        cap = min((t for t in towns if t.f["province"] is prov), key=lambda t: (t.f["founded"], t.eid))
        prov.f["capital"] = cap
        cap.f["capital_of"] = [prov]
    for c in countries:
        provs = [p for p in provinces if p.f["country"] is c]
        c.f["capital"] = cap = provs[0].f["capital"]
        cap.f["capital_of"] = provs[:1] + [c]
    for t in towns:  # founders only for towns founded after 1450
        if not t.f["old"] and r.random() < 0.75:
            _town_founder(w, t, core=True)


def _town(w: World, name: str, root: str, prov: Entity, old: bool, core: bool = True) -> Entity:
    r = w.rng
    founded = r.randint(1050, 1420) if old else r.randint(1460, 1895)
    population = int(round(math.exp(r.uniform(math.log(800), math.log(240_000))), -1))
    return w.add("town", name, core=core, root=root, province=prov, country=prov.f["country"],
                 founded=founded, population=population,
                 industry=r.choice(list(VOCAB["industries"])), old=old)


def _town_founder(w: World, t: Entity, core: bool) -> None:
    t.f["founder"] = w.person(occupation=w.rng.choice(VOCAB["founder_occupations"]), core=core,
                              birth_year=t.f["founded"] - w.rng.randint(25, 55),
                              country=t.f["country"], alive_in=t.f["founded"] + 1)


def _lookalike(w: World) -> Entity | None:
    """A distractor sharing name parts with a core entity, with different facts."""
    r = w.rng
    kind = r.choice(VOCAB["lookalike_kinds"])
    src = r.choice(w.of_kind(kind, core=True))
    if kind == "town":
        name, root = w.town_name(src.f["root"])
        c = r.choice(w.of_kind("country"))
        t = _town(w, name, root, r.choice([p for p in w.of_kind("province") if p.f["country"] is c]),
                  old=False, core=False)
        if r.random() < 0.5:
            _town_founder(w, t, core=False)
        return t
    if kind == "person":
        same_first = r.random() < 0.35
        occ, generic = src.f["occupation"].name, VOCAB["generic_occupations"]
        if occ not in generic or r.random() < 0.5:
            occ = r.choice(generic)
        return w.person(occupation=occ, core=False, sex=src.f["sex"] if same_first else None,
                        first=src.f["first"] if same_first else None,
                        surname=None if same_first else src.f["last"],
                        birth_year=src.f["birth"].year + r.randint(-60, 60))
    if kind == "river":
        c = r.choice(w.of_kind("country"))
        prefixes = VOCAB["lookalike_river_prefixes"]
        for pre in r.sample(prefixes, len(prefixes)):
            name = f"{pre} {src.f['root']} River"
            if w.names.claim(name):
                return make(w, "river", False, name=name, root=src.f["root"], country=c)
        return _lookalike(w)
    if kind == "festival":
        return make(w, kind, False, root=src.f["root"], town=src.f["town"])
    if kind in ("company", "structure"):
        return make(w, kind, False, root=src.f["root"])
    hint = "word" if r.random() < 0.5 else "pattern"  # a book, film or band
    return make(w, kind, False, **{hint: src.f[hint]})


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
        p.f["death"] = d if d > p.f["birth"] else Date(dy + 1, 1, 1)
        p.f["death_town"] = (p.f["birth_town"] if r.random() < 0.4
                             else r.choice(w.towns_in(p.f["country"], founded_by=dy)))
    idx: dict[str, dict[int, list[Entity]]] = {}
    for e in w.entities:
        for key, kind, owner in VOCAB["indices"]:
            if e.kind == kind and owner in e.f:
                idx.setdefault(key, {}).setdefault(e.f[owner].eid, []).append(e)
    for key, table in idx.items():
        for eid, items in table.items():
            items.sort(key=_chrono)
            w.entities[eid].f[key] = items


def _chrono(e: Entity) -> tuple:
    f = e.f
    year = (f.get("year") or f.get("founded") or f.get("opened") or f.get("formed")
            or (f["birth"].year if "birth" in f else 0))
    return (year, e.eid)
