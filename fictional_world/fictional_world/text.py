"""English helpers shared by the sentence templates, the questions and the corpus."""

from __future__ import annotations

from .world import Entity


def article(word: str) -> str:
    """``a`` or ``an`` for an English noun phrase."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def join_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def listing(items: list[Entity], key: str) -> str:
    """Names with a fact in brackets: ``A (1901), B (1910) and C (1923)``."""
    return join_list([f"{x.name} ({x.f[key]})" for x in items])


def cap(text: str) -> str:
    """Upper-case the first character only (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def poss(name: str) -> str:
    """The possessive: ``name's``, or ``name'`` after a final s."""
    return name + ("'" if name.endswith("s") else "'s")


def rel_ref(rel: Entity) -> str:
    """A religion mid-sentence: ``Emberism``, ``the Caldric Church``."""
    return rel.name if rel.name.endswith("ism") else "the " + rel.name


def commas(n: int) -> str:
    """``12,345``."""
    return f"{n:,}"


def plural(noun: str) -> str:
    """'clergyman' -> 'clergymen', 'film director' -> 'film directors'."""
    return noun[:-3] + "men" if noun.endswith("man") else noun + "s"


def words(text: str) -> int:
    return len(text.split())


HELPERS = {f.__name__: f for f in (article, join_list, listing, cap, poss, rel_ref, commas, plural)}
