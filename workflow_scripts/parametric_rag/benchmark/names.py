"""Invented names built from syllables, for the fictional benchmark world.

Every name comes from a :class:`NameGen` driven by one ``random.Random``; the generator keeps a
registry of the names it has handed out so that no two entities share a full name, while name
*parts* (roots, surnames, title words) are deliberately reused to make look-alike distractors.
"""

from __future__ import annotations

import random

_STARTS = [
    "Vel",
    "Tre",
    "Hal",
    "Ard",
    "Ost",
    "Mer",
    "Kel",
    "Sar",
    "Cal",
    "Dor",
    "Fen",
    "Gal",
    "Hor",
    "Isk",
    "Lor",
    "Mar",
    "Nor",
    "Pel",
    "Quen",
    "Ros",
    "Tal",
    "Ul",
    "Var",
    "Wen",
    "Yar",
    "Zel",
    "Ash",
    "Bel",
    "Cor",
    "Dun",
    "Elv",
    "Fal",
    "Gor",
    "Har",
    "Il",
    "Jas",
    "Kor",
    "Lin",
    "Mor",
    "Nev",
    "Orm",
    "Per",
    "Sil",
    "Thal",
    "Ves",
    "Wyn",
    "Brae",
    "Cael",
    "Drev",
    "Esk",
    "Fray",
    "Grel",
    "Hest",
    "Ivr",
    "Kest",
    "Lun",
    "Mab",
    "Oss",
    "Pry",
    "Rhu",
    "Sev",
    "Tor",
    "Ulm",
    "Vost",
    "Yst",
    "Zar",
    "Aub",
    "Brin",
    "Cov",
    "Dra",
    "Eth",
]
_MIDDLES = [
    "",
    "",
    "",
    "a",
    "e",
    "i",
    "o",
    "an",
    "ar",
    "el",
    "en",
    "er",
    "in",
    "is",
    "or",
    "ov",
    "ad",
    "em",
    "um",
    "ith",
    "ul",
]
_PLACE_ENDS = [
    "mora",
    "garth",
    "ven",
    "port",
    "wick",
    "moor",
    "stead",
    "dane",
    "holt",
    "brook",
    "vale",
    "thorn",
    "mere",
    "dell",
    "ros",
    "ax",
    "une",
    "ith",
    "ost",
    "ara",
    "ell",
    "ane",
    "rith",
    "wen",
    "ond",
    "agh",
    "esk",
    "iel",
    "orn",
    "avel",
    "enz",
    "ice",
]
_SURNAME_ENDS = [
    "garth",
    "wick",
    "ley",
    "mont",
    "ard",
    "ick",
    "ven",
    "holt",
    "er",
    "ane",
    "sen",
    "ton",
    "ell",
    "rick",
    "ow",
    "ski",
    "ard",
    "anz",
    "ott",
    "emar",
    "ist",
    "orth",
    "iker",
    "ace",
    "ull",
]
_FEMALE_ENDS = [
    "a",
    "ia",
    "ine",
    "elle",
    "ra",
    "wen",
    "is",
    "ette",
    "ina",
    "ara",
    "ys",
    "ea",
    "ora",
    "ith",
]
_MALE_ENDS = [
    "an",
    "ric",
    "os",
    "en",
    "ard",
    "el",
    "on",
    "ek",
    "as",
    "im",
    "or",
    "us",
    "ald",
    "ert",
    "ian",
    "o",
]

# A few English words the syllable machine could produce by accident; never hand them out.
_REAL_WORDS = {
    "Corwen",
    "Hollen",
    "Morris",
    "Maris",
    "Dorian",
    "Marian",
    "Linus",
    "Torus",
    "Galen",
    "Horace",
    "Calvin",
    "Marlow",
    "Morley",
    "Hartley",
    "Dora",
    "Lora",
    "Mara",
    "Nora",
    "Talia",
    "Vera",
    "Fenwick",
    "Marwick",
    "Harwick",
    "Norwick",
}


def article(word: str) -> str:
    """``a`` or ``an`` for an English noun phrase."""
    return "an" if word[:1].lower() in "aeiou" else "a"


class NameGen:
    """Deterministic, collision-free name factory."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._taken: set[str] = set()  # membership only; never iterated
        self._roots: list[str] = []

    # -- primitives -------------------------------------------------------------------------
    def word(self, ends: list[str]) -> str:
        """A capitalised invented word: a start, an optional middle and an ending."""
        r = self.rng
        for _ in range(1000):
            w = _tidy(r.choice(_STARTS) + r.choice(_MIDDLES) + r.choice(ends))
            if 4 <= len(w) <= 11 and w not in _REAL_WORDS and _pronounceable(w):
                return w
        raise RuntimeError("name generator exhausted")

    def claim(self, name: str) -> bool:
        """Reserve ``name``; False when it is already taken."""
        if name in self._taken:
            return False
        self._taken.add(name)
        return True

    def unique(self, make) -> str:
        """Call ``make()`` until it returns a name nobody holds, and reserve it."""
        for _ in range(10000):
            name = make()
            if self.claim(name):
                return name
        raise RuntimeError("could not find a fresh name")

    # -- parts ------------------------------------------------------------------------------
    def root(self) -> str:
        """A fresh place-like root word (reserved, and remembered for look-alikes)."""
        name = self.unique(lambda: self.word(_PLACE_ENDS))
        self._roots.append(name)
        return name

    def known_root(self) -> str:
        """A root handed out before (for names that reuse a place word)."""
        return self.rng.choice(self._roots) if self._roots else self.root()

    def first_name(self, sex: str) -> str:
        return self.word(_FEMALE_ENDS if sex == "female" else _MALE_ENDS)

    def surname(self) -> str:
        return self.word(_SURNAME_ENDS)


_VOWELS = "aeiouy"
_GOOD_PAIRS = ("ae", "ai", "au", "ea", "ei", "ia", "io", "ou", "ie", "ay", "ys")


def _pronounceable(w: str) -> bool:
    """No three vowels in a row and only familiar two-vowel pairs."""
    low = w.lower()
    for i in range(len(low) - 1):
        a, b = low[i], low[i + 1]
        if a in _VOWELS and b in _VOWELS:
            if low[i : i + 2] not in _GOOD_PAIRS:
                return False
            if i + 2 < len(low) and low[i + 2] in _VOWELS:
                return False
    return True


def _tidy(w: str) -> str:
    """Collapse awkward letter runs so names stay pronounceable."""
    out = []
    for ch in w:
        if len(out) >= 2 and out[-1] == ch and out[-2] == ch:
            continue
        out.append(ch)
    w = "".join(out)
    for bad, good in (
        ("aea", "ea"),
        ("iai", "ia"),
        ("eie", "ei"),
        ("uu", "u"),
        ("ii", "i"),
        ("aa", "a"),
        ("ee", "e"),
        ("oo", "o"),
        ("thth", "th"),
        ("rr", "r"),
        ("aeo", "ao"),
    ):
        w = w.replace(bad, good)
    return w
