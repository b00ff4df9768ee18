"""Invented names built from syllables (``data/names.yaml``).

A :class:`NameGen` keeps a registry of the names it has handed out, so that no two entities
share a full name, while name *parts* (roots, surnames, title words) are deliberately reused to
make look-alike distractors.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from .data import load


class NameGen:
    """Deterministic, collision-free name factory driven by one ``random.Random``."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.syl = load("names")
        self._real = set(self.syl["real_words"])
        self._taken: set[str] = set()  # membership only; never iterated
        self._roots: list[str] = []

    def word(self, ends: list[str]) -> str:
        """A capitalised invented word: a start, an optional middle and an ending."""
        r, s = self.rng, self.syl
        for _ in range(1000):
            w = _tidy(r.choice(s["starts"]) + r.choice(s["middles"]) + r.choice(ends), s["tidy"])
            if 4 <= len(w) <= 11 and w not in self._real and self._pronounceable(w):
                return w
        raise RuntimeError("name generator exhausted")

    def claim(self, name: str) -> bool:
        """Reserve ``name``; False when it is already taken."""
        if name in self._taken:
            return False
        self._taken.add(name)
        return True

    def unique(self, make: Callable[[], str]) -> str:
        """Call ``make()`` until it returns a name nobody holds, and reserve it."""
        for _ in range(10000):
            name = make()
            if self.claim(name):
                return name
        raise RuntimeError("could not find a fresh name")

    def root(self) -> str:
        """A fresh place-like root word (reserved, and remembered for look-alikes)."""
        name = self.unique(lambda: self.word(self.syl["place_ends"]))
        self._roots.append(name)
        return name

    def known_root(self) -> str:
        """A root handed out before (for names that reuse a place word)."""
        return self.rng.choice(self._roots) if self._roots else self.root()

    def first_name(self, sex: str) -> str:
        return self.word(self.syl["female_ends" if sex == "female" else "male_ends"])

    def surname(self) -> str:
        return self.word(self.syl["surname_ends"])

    def _pronounceable(self, w: str) -> bool:
        """No three vowels in a row and only familiar two-vowel pairs."""
        runs = re.findall(f"[{self.syl['vowels']}]{{2,}}", w.lower())  # a run of 3 is no pair
        return all(run in self.syl["good_pairs"] for run in runs)


def _tidy(w: str, rewrites: list[list[str]]) -> str:
    """Collapse triple letters, then apply the rewrites in order."""
    w = re.sub(r"(.)\1\1+", r"\1\1", w)
    for bad, good in rewrites:
        w = w.replace(bad, good)
    return w
